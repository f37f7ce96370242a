#!/bin/bash
# clan run with bad input: exit 2 (or docker's 125), one `clan: ` line on
# stderr, nothing started, nothing left in storage or mounted.
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
use_rootfs

case_missing_image_dir() {
	assert_usage_error clan run --rm dir:/nonexistent/clan-rootfs true
	assert_contains "$err" "/nonexistent/clan-rootfs" "stderr"
}

case_image_dir_is_file() {
	assert_usage_error clan run --rm "dir:$ROOTFS/etc/passwd" true
	assert_contains "$err" "$ROOTFS/etc/passwd" "stderr"
}

case_missing_image() {
	assert_usage_error clan run --rm
}

case_no_command() {
	assert_usage_error clan run --rm "dir:$ROOTFS"
	assert_match "$err" "[Cc]ommand|CMD" "stderr (says the command is missing)"
}

case_bad_volume_no_colon() {
	assert_usage_error clan run --rm -v onlyone "dir:$ROOTFS" true
	assert_contains "$err" "onlyone" "stderr"
}

case_bad_volume_empty_src() {
	assert_usage_error clan run --rm -v :/x "dir:$ROOTFS" true
	assert_contains "$err" ":/x" "stderr"
}

case_bad_volume_relative_dst() {
	assert_usage_error clan run --rm -v /tmp:relative "dir:$ROOTFS" true
	assert_contains "$err" "relative" "stderr"
}

case_bad_volume_missing_src() {
	assert_usage_error clan run --rm -v /nonexistent/clan-src:/data "dir:$ROOTFS" true
	assert_contains "$err" "/nonexistent/clan-src" "stderr"
}

case_bad_volume_option() {
	assert_usage_error clan run --rm -v /tmp:/x:bogus "dir:$ROOTFS" true
	assert_contains "$err" "bogus" "stderr"
}

case_bad_env() {
	assert_usage_error clan run --rm -e =x "dir:$ROOTFS" true
	assert_contains "$err" "=x" "stderr"
}

case_missing_env_file() {
	assert_usage_error clan run --rm --env-file /nonexistent/clan.env "dir:$ROOTFS" true
	assert_contains "$err" "/nonexistent/clan.env" "stderr"
}

case_bad_env_file_line() {
	local f
	f=$(mk_tmp)/bad.env
	printf 'A=1\n=oops\n' >"$f"
	assert_usage_error clan run --rm --env-file "$f" "dir:$ROOTFS" true
	assert_contains "$err" "$f:2" "stderr (file:line)"
}

case_unknown_flag() {
	assert_usage_error clan run --rm --no-such-flag "dir:$ROOTFS" true
	assert_contains "$err" "--no-such-flag" "stderr"
}

case_flag_without_value() {
	assert_usage_error clan run --rm -v
}

case_bad_userns() {
	assert_usage_error clan run --rm --userns bogus "dir:$ROOTFS" true
	assert_contains "$err" "bogus" "stderr"
}

case_bad_network() {
	assert_usage_error clan run --rm --network bogus "dir:$ROOTFS" true
	assert_contains "$err" "bogus" "stderr"
}

case_unknown_user() {
	run clan run --rm -u no-such-user "dir:$ROOTFS" true
	assert_ne "$rc" 0 "exit code with -u no-such-user"
	assert_contains "$err" "no-such-user" "stderr"
	assert_no_containers
	assert_nothing_mounted
}

case_unknown_command() {
	assert_usage_error clan no-such-command
}

# Bad input without --rm leaves no container behind either.
case_bad_input_without_rm() {
	assert_usage_error clan run --name bad -v onlyone "dir:$ROOTFS" true
	assert_usage_error clan run --name bad2 dir:/nonexistent/clan-rootfs true
}

# User namespaces disabled: simulated in a user namespace of our own whose
# user.max_user_namespaces is 0, so clan's clone(CLONE_NEWUSER) fails there.
case_userns_disabled() {
	unshare -Ur true 2>/dev/null || skip_case "unshare -Ur does not work here"
	run unshare -Ur sh -c 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"' sh \
		"$CLAN" run --rm "dir:$ROOTFS" true
	assert_eq "$rc" 125 "exit code (stderr: $err)"
	assert_contains "$err" "clan doctor" "stderr names the fix"
	assert_eq "$(printf '%s' "$err" | grep -c '')" 1 "one stderr line"
	assert_no_containers
}

case_hostname_too_long() {
	assert_usage_error clan run --rm --hostname "$(printf 'h%.0s' $(seq 65))" "dir:$ROOTFS" true
}

# -it needs a terminal on stdin, as in Docker.
case_it_without_terminal() {
	assert_usage_error clan run --rm -it "dir:$ROOTFS" cat
	assert_contains "$err" "terminal" "stderr"
}

t hostname_too_long case_hostname_too_long
t it_without_terminal case_it_without_terminal
t missing_image_dir case_missing_image_dir
t image_dir_is_file case_image_dir_is_file
t missing_image case_missing_image
t no_command case_no_command
t bad_volume_no_colon case_bad_volume_no_colon
t bad_volume_empty_src case_bad_volume_empty_src
t bad_volume_relative_dst case_bad_volume_relative_dst
t bad_volume_missing_src case_bad_volume_missing_src
t bad_volume_option case_bad_volume_option
t bad_env case_bad_env
t missing_env_file case_missing_env_file
t bad_env_file_line case_bad_env_file_line
t unknown_flag case_unknown_flag
t flag_without_value case_flag_without_value
t bad_userns case_bad_userns
t bad_network case_bad_network
t unknown_user case_unknown_user
t unknown_command case_unknown_command
t bad_input_without_rm case_bad_input_without_rm
t userns_disabled case_userns_disabled
finish
