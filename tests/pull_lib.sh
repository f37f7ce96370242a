# shellcheck shell=bash
# shellcheck disable=SC2154 # rc, out, err: set by lib.sh's run
# Helpers shared by the pull and image-store tests (tests/integration/pull*.sh,
# images.sh), on top of tests/lib.sh and the registry fixtures:
#
#   . "$(dirname "$0")/../lib.sh"
#   . "$(dirname "$0")/../pull_lib.sh"
#   pull_setup                  # a registry on 127.0.0.1, or the file skips
#   case_x() { need_clan pull; ... }
#
# A case that needs a command clan does not have yet skips, naming it; once
# the command exists, the case asserts the contract.

# shellcheck source=tests/registry.sh
. "$(dirname "${BASH_SOURCE[0]}")/registry.sh"

# Seconds any one clan command of these tests may take.
: "${PULL_TIMEOUT:=60}"

# need_clan WORD...: skips the case when `clan WORD... --help` says the
# command is unknown (not implemented yet).
need_clan() {
	local e
	e=$(timeout 10 "$CLAN" "$@" --help 2>&1 >/dev/null </dev/null)
	case $e in
	*"unknown command"* | *"unknown subcommand"*)
		skip_case "clan $* is not implemented yet ($(head -n 1 <<<"$e"))"
		;;
	esac
	return 0
}

# pull_setup: at the top of a file: the fixture tools and a running
# registry ($REGISTRY), or the whole file skips (fails under `make check`,
# whose scripts/deps.sh installs the tools).
pull_setup() {
	pull_setup_registry
}

# pull_setup_auth USER:PASS: the same with htpasswd basic auth.
pull_setup_auth() {
	pull_setup_registry --htpasswd "$1"
}

pull_setup_registry() {
	local why
	if ! why=$(registry_have_tools); then
		if [ -n "$CLAN_TEST_USERS_MODE" ]; then
			fail "all" "$why (scripts/deps.sh should have installed them)"
			finish
		fi
		skip_case "$why"
	fi
	if ! registry_start "$@"; then
		fail "all" "cannot start docker-registry on 127.0.0.1 (see above)"
		finish
	fi
}

# clan_t CMD...: clan under a timeout, stdin from /dev/null; sets rc/out/err.
clan_t() {
	run timeout -k 5 "$PULL_TIMEOUT" "$CLAN" "$@"
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		die "clan $*: still running after ${PULL_TIMEOUT}s" "stdout: $out" "stderr: $err"
	fi
}

# pull_ok REF...: clan pull REF succeeds.
pull_ok() {
	clan_t pull "$@"
	if [ "$rc" != 0 ]; then
		die "clan pull $*: exit $rc" "stdout: $out" "stderr: $err"
	fi
}

# run_ok EXPECTED REF CMD...: clan run --rm REF CMD prints EXPECTED.
run_ok() {
	local want=$1
	shift
	need_run_images
	clan_t run --rm "$@"
	if [ "$rc" != 0 ]; then
		die "clan run --rm $*: exit $rc" "stdout: $out" "stderr: $err"
	fi
	assert_eq "$out" "$want" "output of clan run --rm $*"
}

# assert_refused NEEDLE...: the last command failed (non-zero exit) with
# exactly one `clan: ` line on stderr that contains every NEEDLE.
assert_refused() {
	if [ "$rc" = 0 ]; then
		die "expected a refusal, got exit 0" "stdout: $out" "stderr: $err"
	fi
	local lines n needle
	lines=$(grep '^clan: ' <<<"$err")
	n=$(grep -c '^clan: ' <<<"$err")
	if [ "$n" != 1 ]; then
		die "expected one 'clan: ' line on stderr, got $n (exit $rc):" "$err"
	fi
	for needle in "$@"; do
		case $lines in
		*"$needle"*) ;;
		*) die "the error should name '$needle':" "$lines" ;;
		esac
	done
	case $err in
	*"AddressSanitizer"* | *"runtime error"* | *"Segmentation"*) die "clan crashed:" "$err" ;;
	esac
}

# The hex of a "sha256:<hex>" digest.
hex() {
	echo "${1#sha256:}"
}

# The layer dirs in the store (layers/<hex>, without temp dirs).
store_layers() {
	[ -d "$CLAN_STORAGE/layers" ] || return 0
	find "$CLAN_STORAGE/layers" -mindepth 1 -maxdepth 1 ! -name '.*' -printf '%f\n' | LC_ALL=C sort
}

# No extraction left half done in the store (a failed pull may keep
# .partial-* downloads of other blobs for a later pull to resume).
assert_no_temp_in_store() {
	local left
	left=$(find "$CLAN_STORAGE" -name '.tmp-*' -print 2>/dev/null)
	if [ -n "$left" ]; then
		die "temp files left in the store:" "$left"
	fi
}

# After a pull that succeeded: no temp dir and no partial download either.
assert_store_clean() {
	local left
	left=$(find "$CLAN_STORAGE" \( -name '.tmp-*' -o -name '.partial-*' \) -print 2>/dev/null)
	if [ -n "$left" ]; then
		die "temp files left in the store after a pull that succeeded:" "$left"
	fi
}

# need_run_images: the case needs `clan run` of registry images; skips while
# clan run does not know them yet ("unknown image source"). Call it after
# the pull the case tests, so a broken pull still fails.
need_run_images() {
	local e
	e=$(timeout 30 "$CLAN" run --rm "$REGISTRY/lib/no-such-image-probe:1" true 2>&1 >/dev/null </dev/null)
	case $e in
	*"unknown image source"*)
		skip_case "clan run of registry images is not implemented yet ($(head -n 1 <<<"$e"))"
		;;
	esac
	return 0
}

# clan_runs_images: whether clan run knows registry images yet.
clan_runs_images() {
	local e
	e=$(timeout 30 "$CLAN" run --rm "$REGISTRY/lib/no-such-image-probe:1" true 2>&1 >/dev/null </dev/null)
	case $e in
	*"unknown image source"*) return 1 ;;
	esac
	return 0
}

# The diff ids (hex, one a line, sorted) of image NAME's layout tag TAG.
image_layer_ids() {
	registry_info "$1" "$2" diff_ids | sed 's/^sha256://' | LC_ALL=C sort -u
}

# The clan ps --format json field FIELD of container NAME (empty: none).
ps_field() {
	clan ps -a --format json 2>/dev/null | python3 -c '
import json, sys
for c in json.load(sys.stdin):
    if c.get("name") == sys.argv[1]:
        print(c.get(sys.argv[2]))
' "$1" "$2"
}

# now_ms: milliseconds since the epoch.
now_ms() {
	date +%s%3N
}
