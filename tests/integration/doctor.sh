#!/bin/bash
# clan doctor: exits 0 where clan can work, one ok/warn/fail line per check,
# and the exact fix on each warn and fail line.
# shellcheck disable=SC2016,SC2317 # cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

case_exit_ok() {
	run clan doctor
	assert_eq "$rc" 0 "clan doctor exit code (output: $out $err)"
	local n
	n=$(grep -c '^ok' <<<"$out")
	[ "$n" -ge 3 ] || die "expected several ok lines, got $n:" "$out"
	if grep -q '^fail' <<<"$out"; then
		die "fail lines on a machine where clan works:" "$(grep '^fail' <<<"$out")"
	fi
}

case_warn_lines_name_fix() {
	run clan doctor
	assert_eq "$rc" 0 "clan doctor exit code (output: $out $err)"
	local line
	while IFS= read -r line; do
		case $line in
		warn* | fail*) assert_contains "$line" "fix:" "a warn/fail line" ;;
		esac
	done <<<"$out"
}

case_fuse_line() {
	run clan doctor
	local line
	line=$(grep '/dev/fuse' <<<"$out" | head -n 1)
	[ -n "$line" ] || die "no /dev/fuse line in:" "$out"
	if { : <>/dev/fuse; } 2>/dev/null; then
		assert_match "$line" "^ok" "/dev/fuse line when /dev/fuse is openable"
	else
		assert_match "$line" "^warn" "/dev/fuse line when /dev/fuse is not openable"
		assert_contains "$line" "chmod 0666 /dev/fuse" "/dev/fuse line"
	fi
}

case_says_overlay() {
	run clan doctor
	assert_match "$out" "overlay: clan will use (kernel|fuse|copy)" "clan doctor output"
}

case_subuid_line() {
	run clan doctor
	local line
	line=$(grep -iE 'subuid|subordinate' <<<"$out" | head -n 1)
	[ -n "$line" ] || die "no /etc/subuid line in:" "$out"
	if has_subuid; then
		assert_match "$line" "^ok" "subuid line for a user with a range"
	else
		assert_match "$line" "^warn" "subuid line for a user without a range"
		assert_contains "$line" "usermod" "subuid line (the fix)"
	fi
}

# Without a range: first that single-id mode works and what it cannot do,
# then what to ask an admin for (a user rarely runs sudo usermod).
case_subuid_says_single_works() {
	need_nosubuid
	run clan doctor
	local line
	line=$(grep -iE 'subuid|subordinate' <<<"$out" | head -n 1)
	[ -n "$line" ] || die "no /etc/subuid line in:" "$out"
	assert_contains "$line" "works in single-id mode" "subuid line"
	assert_contains "$line" "cannot give a file to another user" "subuid line (the limit)"
	assert_match "$line" "single-id mode.*ask an admin to run: sudo usermod" \
		"subuid line (what works first, then the admin's fix)"
}

case_no_runtime_dir() {
	run env -u XDG_RUNTIME_DIR "$CLAN" doctor
	assert_eq "$rc" 0 "clan doctor without XDG_RUNTIME_DIR (output: $out $err)"
}

t exit_ok case_exit_ok
t warn_lines_name_fix case_warn_lines_name_fix
t fuse_line case_fuse_line
t says_overlay case_says_overlay
t subuid_line case_subuid_line
t subuid_says_single_works case_subuid_says_single_works
t no_runtime_dir case_no_runtime_dir
finish
