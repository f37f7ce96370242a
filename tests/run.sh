#!/bin/bash
# clan's test runner: every BUILD/tests/test_* unit binary (TAP) and every
# tests/integration/*.sh file (real containers, never as root). Prints one
# line per test and, last, exactly one line `N passed, N failed, N skipped`.
# Exit status: 0 when nothing failed.
#
# Usage: tests/run.sh BUILD [NAME...]
#   BUILD   the build dir holding clan and tests/test_* (CLAN overrides the
#           binary under test)
#   NAME    only the unit binaries / integration files whose name contains
#           one of these words (e.g. `run_exit test_idmap`)
# Environment: CLAN, CLAN_TEST_TIMEOUT (seconds per test, default 120; an
# integration file may ask for more with a line `# clan-test-timeout: N`),
# CLAN_TEST_USERS_MODE (sub|nosub, set by scripts/check.sh).
set -uo pipefail

if [ $# -lt 1 ]; then
	echo "usage: $0 BUILD [NAME...]" >&2
	exit 2
fi
build=$(cd "$1" && pwd) || exit 2
shift
filters=("$@")

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CLAN_TEST_ROOT=${CLAN_TEST_ROOT:-$(dirname "$here")}
export CLAN=${CLAN:-$build/clan}
case $CLAN in /*) ;; *) CLAN=$(pwd)/$CLAN ;; esac
timeout_s=${CLAN_TEST_TIMEOUT:-120}
user=$(id -un)

passed=0
failed=0
skipped=0

# The per-run cache (the busybox rootfs, the deb: images), built once and
# removed at the end; files of subordinate ids from inside a user namespace.
CLAN_TEST_CACHE=$(mktemp -d "${TMPDIR:-/tmp}/clan-test-cache-$user.XXXXXX") || exit 1
export CLAN_TEST_CACHE
remove_cache() {
	rm -rf -- "$CLAN_TEST_CACHE" 2>/dev/null && return
	unshare --map-auto --map-root-user rm -rf -- "$CLAN_TEST_CACHE" 2>/dev/null
}
trap remove_cache EXIT

selected() {
	[ ${#filters[@]} -eq 0 ] && return 0
	local f
	for f in "${filters[@]}"; do
		case $1 in *"$f"*) return 0 ;; esac
	done
	return 1
}

# count_line LINE: counts one TAP result line.
count_line() {
	case $1 in
	"not ok"*) failed=$((failed + 1)) ;;
	ok*"# skip"* | ok*"# SKIP"*) skipped=$((skipped + 1)) ;;
	ok*) passed=$((passed + 1)) ;;
	esac
}

report() {
	echo "$1"
	count_line "$1"
}

now_ms() { date +%s%3N; }

# leftover_pids STORAGE: the live (not zombie) processes of this user that
# run this clan or name this test file's storage, space-separated.
leftover_pids() {
	(pgrep -u "$(id -u)" -f "^$CLAN( |\$)"; pgrep -u "$(id -u)" -f "$1") | sort -u |
		while read -r p; do [ "$(ps -o stat= -p "$p" 2>/dev/null | cut -c1)" = Z ] || echo "$p"; done | paste -sd ' '
}

# --- unit tests --------------------------------------------------------------

for bin in "$build"/tests/test_*; do
	if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then continue; fi
	name=$(basename "$bin")
	selected "$name" || continue
	nres=0
	nbad=0
	plan=""
	while IFS= read -r line; do
		case $line in
		1..*) plan=${line#1..} ;;
		"not ok"*)
			report "not ok - $name: ${line#not ok }"
			nres=$((nres + 1))
			nbad=$((nbad + 1))
			;;
		ok*)
			report "ok - $name: ${line#ok }"
			nres=$((nres + 1))
			;;
		*) echo "$line" ;;
		esac
	done < <(timeout -k 5 "$timeout_s" "$bin" 2>&1 </dev/null)
	wait $! 2>/dev/null
	rc=$?
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		report "not ok - $name: timed out after ${timeout_s}s"
	elif [ -n "$plan" ] && [ "$plan" != "$nres" ]; then
		report "not ok - $name: planned $plan tests, ran $nres (exit $rc)"
	elif [ "$rc" != 0 ] && [ "$nbad" = 0 ]; then
		report "not ok - $name: exited $rc with no failing test"
	fi
done

# --- integration tests --------------------------------------------------------

files=()
for f in "$here"/integration/*.sh; do
	[ -f "$f" ] || continue
	selected "$(basename "$f" .sh)" && files+=("$f")
done

if [ ${#files[@]} -gt 0 ]; then
	if [ "$(id -u)" = 0 ]; then
		for f in "${files[@]}"; do
			report "ok - $(basename "$f" .sh) # skip container tests never run as root (make check as root runs them as the test users)"
		done
	elif [ ! -x "$CLAN" ]; then
		report "not ok - integration: $CLAN is not an executable (build it first)"
	else
		# Build the rootfs once, and remember it to prove no test changed it.
		rootfs=$CLAN_TEST_CACHE/busybox-rootfs
		if ! "$CLAN_TEST_ROOT/scripts/mkrootfs-busybox.sh" "$rootfs"; then
			report "not ok - integration: cannot build the busybox rootfs"
		fi
		manifest() { (cd "$1" && find . -printf '%p %y %m %U %G %s %T@ %l\n' | LC_ALL=C sort); }
		before=$(manifest "$rootfs" 2>/dev/null | sha256sum)

		for f in "${files[@]}"; do
			name=$(basename "$f" .sh)
			# a file may ask for more time: a "# clan-test-timeout: SECONDS" line
			file_timeout=$(sed -n 's/^# clan-test-timeout: \([0-9][0-9]*\)$/\1/p' "$f" | head -n 1)
			if [ -z "$file_timeout" ] || [ "$file_timeout" -lt "$timeout_s" ]; then
				file_timeout=$timeout_s
			fi
			storage=$(mktemp -d "${TMPDIR:-/tmp}/clan-test-storage-$name.XXXXXX")
			chmod 0700 "$storage"
			start=$(now_ms)
			nres=0
			while IFS= read -r line; do
				case $line in
				ok* | "not ok"*)
					report "$line"
					nres=$((nres + 1))
					;;
				*) echo "$line" ;;
				esac
			done < <(CLAN_STORAGE=$storage timeout -k 10 "$file_timeout" bash "$f" 2>&1 </dev/null)
			wait $! 2>/dev/null
			rc=$?
			secs=$((($(now_ms) - start) / 100))
			if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
				report "not ok - $name: timed out after ${file_timeout}s"
			elif [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
				report "not ok - $name: exited $rc"
			elif [ "$nres" = 0 ] && [ -n "${CLAN_TEST_CASE:-}" ]; then
				report "ok - $name # SKIP no case matches CLAN_TEST_CASE=$CLAN_TEST_CASE"
			elif [ "$nres" = 0 ]; then
				report "not ok - $name: ran no test (exit $rc)"
			fi
			echo "# $name: $((secs / 10)).$((secs % 10))s"
			# Every clan (and fuse-overlayfs) this file started must be gone.
			# A zombie is not left running: its parent reaps it, and a
			# parent of ours that does not would be listed itself (seen
			# under ASan: a [clan] zombie for a moment after the file's
			# last command, reaped once its parent ends).
			# One that is exiting as the file ends (a killed `logs -f`
			# under ASan runs its leak check first) gets 3 s to finish;
			# what is still there then, with its command line, was left.
			for _ in $(seq 30); do
				left=$(leftover_pids "$storage")
				[ -z "$left" ] && break
				sleep 0.1
			done
			if [ -n "$left" ]; then
				report "not ok - $name: left processes running: $(ps -o pid=,args= -p "${left// /,}" 2>/dev/null | tr '\n' ';')"
				# shellcheck disable=SC2086 # pids, one word each
				kill -KILL $left 2>/dev/null
			fi
			mounted=$(grep -F "$storage" /proc/self/mountinfo)
			if [ -n "$mounted" ]; then
				report "not ok - $name: left mounted after the file ended: $mounted"
				while read -r mp; do fusermount3 -u "$mp" 2>/dev/null || fusermount -u "$mp" 2>/dev/null; done < <(grep -F "$storage" /proc/self/mountinfo | awk '{print $5}' | sort -r)
			fi
			# without XDG_RUNTIME_DIR the storage names its private
			# runtime dir in /tmp: that goes with it
			runtime=$(head -c 4096 "$storage/runtime-dir" 2>/dev/null)
			case $runtime in
			/tmp/clan-"$(id -u)".*) rm -rf -- "$runtime" 2>/dev/null ;;
			esac
			if ! rm -rf -- "$storage" 2>/dev/null; then
				chmod -R u+rwX -- "$storage" 2>/dev/null
				rm -rf -- "$storage" 2>/dev/null ||
					unshare --map-auto --map-root-user rm -rf -- "$storage" 2>/dev/null
			fi
			if [ -e "$storage" ]; then
				report "not ok - $name: cannot remove its storage $storage (files the user cannot delete)"
			fi
		done

		after=$(manifest "$rootfs" 2>/dev/null | sha256sum)
		if [ "$before" = "$after" ]; then
			report "ok - integration: the shared busybox rootfs is unchanged after all tests"
		else
			report "not ok - integration: the shared busybox rootfs changed during the tests"
		fi
		rm -rf -- "$rootfs" 2>/dev/null
	fi
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
