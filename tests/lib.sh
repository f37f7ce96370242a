# shellcheck shell=bash
# Helpers for clan's integration tests. A test file sources this, defines
# one function per case and runs each with `t NAME FUNC`:
#
#   . "$(dirname "$0")/../lib.sh"
#   case_id() {
#       out=$(clan run --rm "dir:$(rootfs)" id -u) || die "clan run failed"
#       assert_eq "$out" 0 "id -u"
#   }
#   t id_is_root case_id
#   finish
#
# Each case runs in a subshell: an assert that fails ends only that case.
# Output is TAP-like, one line per case: `ok - NAME`, `not ok - NAME` followed
# by `#` lines saying what was expected and what came, `ok - NAME # skip WHY`.
#
# Environment (set by tests/run.sh): CLAN (the binary under test),
# CLAN_STORAGE (a fresh storage dir for this file), CLAN_TEST_CACHE (the
# per-run cache holding the busybox rootfs and, in CLAN_TEST_DEB_STORAGE,
# the deb: images built during the run), CLAN_TEST_ROOT (the tree that
# holds tests/ and scripts/), CLAN_TEST_USERS_MODE (sub|nosub when
# `make check` started as root set this user up: missing set-up is then a
# failure, not a skip).

set -u

: "${CLAN:?CLAN must name the clan binary under test}"
: "${CLAN_TEST_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${CLAN_TEST_CACHE:=${TMPDIR:-/tmp}/clan-test-cache-$(id -un)}"
: "${CLAN_TEST_USERS_MODE:=}"
export CLAN CLAN_TEST_ROOT CLAN_TEST_CACHE CLAN_TEST_USERS_MODE

LIB_FILE=$(basename "$0" .sh)
LIB_PASSED=0
LIB_FAILED=0
LIB_SKIPPED=0
LIB_IN_CASE=0
# Set by run: the last command's exit code, stdout and stderr.
rc=0
out=""
err=""
LIB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/clan-test-$LIB_FILE.XXXXXX")
chmod 0755 "$LIB_TMP"
if [ -z "${CLAN_STORAGE:-}" ]; then
	CLAN_STORAGE=$LIB_TMP/storage
	mkdir -p "$CLAN_STORAGE"
fi
export CLAN_STORAGE
trap 'rm_runtime_dirs "$LIB_TMP"; rm_tree "$LIB_TMP"' EXIT

# --- reporting --------------------------------------------------------------

ok() {
	echo "ok - $LIB_FILE: $1"
	LIB_PASSED=$((LIB_PASSED + 1))
}

# fail NAME MSG...: one `not ok` line, then each message line as a comment.
fail() {
	local name=$1
	shift
	echo "not ok - $LIB_FILE: $name"
	local line
	printf '%s\n' "$@" | while IFS= read -r line; do echo "#   $line"; done
	LIB_FAILED=$((LIB_FAILED + 1))
}

skip() {
	echo "ok - $LIB_FILE: $1 # skip $2"
	LIB_SKIPPED=$((LIB_SKIPPED + 1))
}

# Prints a diagnostic for the case being run (stdout is the case's log).
note() {
	local line
	printf '%s\n' "$@" | while IFS= read -r line; do echo "$line"; done
}

# die MSG: ends the current case as failed.
die() {
	note "$@"
	exit 1
}

# skip_case REASON: ends the current case (or, outside one, the whole file)
# as skipped.
skip_case() {
	if [ "$LIB_IN_CASE" = 1 ]; then
		echo "$1" >"$LIB_TMP/skip-reason"
		exit 77
	fi
	skip "all" "$1"
	finish
}

# t NAME FUNC [ARGS...]: runs FUNC in a subshell; exit 0 is ok, 77 a skip
# (reason from skip_case), anything else a failure with the case's output.
t() {
	local name=$1 fn=$2 log rc
	shift 2
	# CLAN_TEST_CASE=REGEX: only the cases whose function matches
	if [ -n "${CLAN_TEST_CASE:-}" ] && ! [[ $fn =~ $CLAN_TEST_CASE ]]; then return 0; fi
	log=$LIB_TMP/case.log
	rm -f "$LIB_TMP/skip-reason"
	(
		LIB_IN_CASE=1
		cd "$LIB_TMP" || exit 1
		set -u
		"$fn" "$@"
	) >"$log" 2>&1 </dev/null
	rc=$?
	case $rc in
	0) ok "$name" ;;
	77) skip "$name" "$(cat "$LIB_TMP/skip-reason" 2>/dev/null || echo "no reason given")" ;;
	*)
		if [ ! -s "$log" ]; then echo "case exited $rc" >"$log"; fi
		fail "$name" "$(tail -n 40 "$log")"
		;;
	esac
	return 0
}

# finish: ends the file; the exit code says whether any case failed.
finish() {
	if [ "$LIB_FAILED" -gt 0 ]; then exit 1; fi
	exit 0
}

# --- asserts: each prints what it expected and got, and fails the case -----

assert_eq() {
	local got=$1 want=$2 what=${3:-value}
	if [ "$got" != "$want" ]; then
		die "$what: expected '$want'" "$what: got      '$got'"
	fi
}

assert_ne() {
	local got=$1 notwant=$2 what=${3:-value}
	if [ "$got" = "$notwant" ]; then
		die "$what: expected anything but '$notwant'"
	fi
}

assert_contains() {
	local haystack=$1 needle=$2 what=${3:-output}
	case $haystack in
	*"$needle"*) ;;
	*) die "$what: expected to contain '$needle'" "$what: got '$haystack'" ;;
	esac
}

assert_not_contains() {
	local haystack=$1 needle=$2 what=${3:-output}
	case $haystack in
	*"$needle"*) die "$what: expected not to contain '$needle'" "$what: got '$haystack'" ;;
	esac
}

assert_match() {
	local got=$1 re=$2 what=${3:-output}
	if ! [[ $got =~ $re ]]; then
		die "$what: expected to match /$re/" "$what: got '$got'"
	fi
}

# assert_exit CODE CMD...: runs CMD (stdout and stderr into $OUT and $ERR
# files, also kept in $out/$err) and checks its exit code.
assert_exit() {
	local want=$1
	shift
	run "$@"
	if [ "$rc" != "$want" ]; then
		die "command: $*" "exit: expected $want, got $rc" "stdout: $out" "stderr: $err"
	fi
}

# run CMD...: runs CMD with stdin from /dev/null; sets rc, out, err.
run() {
	"$@" >"$LIB_TMP/out" 2>"$LIB_TMP/err" </dev/null
	rc=$?
	out=$(cat "$LIB_TMP/out")
	err=$(cat "$LIB_TMP/err")
}

# assert_usage_error CMD...: clan refused bad input the way the CLI promises:
# exit 2 (or docker's 125), exactly one stderr line starting with `clan: `,
# no container left in storage, nothing of the storage left mounted.
assert_usage_error() {
	run "$@"
	if [ "$rc" != 2 ] && [ "$rc" != 125 ]; then
		die "command: $*" "exit: expected 2 or 125, got $rc" "stdout: $out" "stderr: $err"
	fi
	local nlines
	nlines=$(printf '%s' "$err" | grep -c '')
	if [ "$nlines" != 1 ]; then
		die "command: $*" "stderr: expected one line, got $nlines:" "$err"
	fi
	case $err in
	"clan: "*) ;;
	*) die "command: $*" "stderr: expected to start with 'clan: ', got '$err'" ;;
	esac
	assert_no_containers
	assert_nothing_mounted
}

# What the storage holds for containers: containers/<id> dirs and
# containers/names/<name> claims (the names dir itself is not a container).
list_containers() {
	local c=$CLAN_STORAGE/containers
	[ -d "$c" ] || return 0
	find "$c" -mindepth 1 -maxdepth 1 ! -name names -printf '%f\n'
	[ -d "$c/names" ] && find "$c/names" -mindepth 1 -maxdepth 1 -printf 'names/%f\n'
	return 0
}

# The storage holds no container dir and no name.
assert_no_containers() {
	local left
	left=$(list_containers)
	if [ -n "$left" ]; then
		die "expected no container in $CLAN_STORAGE/containers, found:" "$left"
	fi
}

# How many container dirs the storage holds.
count_containers() {
	list_containers | grep -vc '^names/'
}

# fresh_storage: the current case gets its own empty CLAN_STORAGE.
fresh_storage() {
	CLAN_STORAGE=$(mktemp -d "$LIB_TMP/storage.XXXXXX") || die "cannot make a storage dir"
	export CLAN_STORAGE
}

# Nothing under the storage or our temp dirs is mounted in our namespace.
assert_nothing_mounted() {
	local m
	m=$(grep -F -e "$CLAN_STORAGE" -e "$LIB_TMP" /proc/self/mountinfo)
	if [ -n "$m" ]; then
		die "left mounted:" "$m"
	fi
}

# --- environment -------------------------------------------------------------

# deb: images cost 20-90 s of mmdebstrap each, so a run of the suite builds
# each at most once: the files that use them share this storage (in the
# per-run cache) instead of their fresh CLAN_STORAGE.
# CLAN_TEST_DEB_CACHE_ROOT (set by .ci/run): one deb: image store per user
# for the whole CI run, shared by make check and make check-asan
if [ -n "${CLAN_TEST_DEB_CACHE_ROOT:-}" ] && [ -z "${CLAN_TEST_DEB_STORAGE:-}" ]; then
	CLAN_TEST_DEB_STORAGE=$CLAN_TEST_DEB_CACHE_ROOT/$(id -un)
fi
: "${CLAN_TEST_DEB_STORAGE:=$CLAN_TEST_CACHE/deb-storage}"
export CLAN_TEST_DEB_STORAGE

# use_deb_storage: at the top of a file, makes the shared deb: image storage
# this file's CLAN_STORAGE (never `rm` anything in it: other files reuse it).
use_deb_storage() {
	if ! mkdir -p "$CLAN_TEST_DEB_STORAGE" || ! chmod 0700 "$CLAN_TEST_DEB_STORAGE"; then
		fail "all" "cannot create the shared deb: image storage $CLAN_TEST_DEB_STORAGE"
		finish
	fi
	CLAN_STORAGE=$CLAN_TEST_DEB_STORAGE
	export CLAN_STORAGE
}

# deb_key SUITE [PACKAGE...]: the cache key of a deb: image, as
# rootless/debimage/debimage.h defines it: sha256 of "SUITE\nARCH\npkg1\n...",
# packages sorted.
deb_key() {
	local suite=$1
	shift
	{
		printf '%s\n%s\n' "$suite" "$(dpkg --print-architecture)"
		[ $# -gt 0 ] && printf '%s\n' "$@" | LC_ALL=C sort -u
	} | sha256sum | cut -c1-64
}

# clan ARGS...: the binary under test.
clan() {
	"$CLAN" "$@"
}

# rootfs: prints the path of the cached busybox rootfs, building it once per
# run (the build is atomic, so concurrent callers are safe). Returns non-zero
# (with the reason on stderr) when it cannot be built.
rootfs() {
	local dir=$CLAN_TEST_CACHE/busybox-rootfs
	if [ ! -x "$dir/bin/busybox" ]; then
		mkdir -p "$CLAN_TEST_CACHE" || return 1
		"$CLAN_TEST_ROOT/scripts/mkrootfs-busybox.sh" "$dir" >&2 || return 1
	fi
	echo "$dir"
}

# use_rootfs: at the top of a file, sets ROOTFS (the shared busybox rootfs,
# never to be modified) or fails the whole file.
use_rootfs() {
	if ! ROOTFS=$(rootfs); then
		fail "all" "cannot build the busybox rootfs (scripts/mkrootfs-busybox.sh)"
		finish
	fi
	export ROOTFS
}

# fresh_rootfs: a private copy of the busybox rootfs that a case may alter.
fresh_rootfs() {
	local dir
	dir=$(mktemp -d "$LIB_TMP/rootfs.XXXXXX") || return 1
	chmod 0755 "$dir"
	cp -a "$ROOTFS/." "$dir/" || return 1
	echo "$dir"
}

# The runtime dir of this storage (XDG_RUNTIME_DIR/clan or the mkdtemp dir
# named in the storage).
runtime_dir() {
	if [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -d "$XDG_RUNTIME_DIR/clan" ]; then
		echo "$XDG_RUNTIME_DIR/clan"
	else
		cat "$CLAN_STORAGE/runtime-dir"
	fi
}

# mk_tmp: a new directory removed when the file ends.
mk_tmp() {
	mktemp -d "$LIB_TMP/tmp.XXXXXX"
}

# A manifest of a tree (paths, types, modes, owners, sizes, mtimes,
# link targets): equal manifests mean an unmodified tree.
tree_manifest() {
	(cd "$1" && find . -printf '%p %y %m %U %G %s %T@ %l\n' | LC_ALL=C sort)
}

# The current user's first /etc/subuid range start, empty when none.
subuid_start() {
	local me uid
	me=$(id -un)
	uid=$(id -u)
	awk -F: -v a="$me" -v b="$uid" '($1 == a || $1 == b) { print $2; exit }' /etc/subuid 2>/dev/null
}

has_subuid() {
	local me uid
	me=$(id -un)
	uid=$(id -u)
	grep -qE "^($me|$uid):" /etc/subuid 2>/dev/null && grep -qE "^($me|$uid):" /etc/subgid 2>/dev/null
}

has_newuidmap() {
	command -v newuidmap >/dev/null && command -v newgidmap >/dev/null
}

# need_subuid: the case needs a subuid range and newuidmap. Skips when the
# user lacks them; under `make check` as root the clan-sub user must have
# them (a failure), and clan-nosub has none by design (the clan-sub run
# covers the case).
need_subuid() {
	if has_subuid && has_newuidmap; then return 0; fi
	local why
	if ! has_subuid; then
		why="$(id -un) has no /etc/subuid and /etc/subgid range"
	else
		why="newuidmap/newgidmap missing (apt-get install uidmap)"
	fi
	case $CLAN_TEST_USERS_MODE in
	sub) die "$why, but scripts/check-setup.sh should have set it up" ;;
	nosub) skip_case "$why (by design: the clan-sub run covers this)" ;;
	*) skip_case "$why" ;;
	esac
}

# need_nosubuid: the case needs a user without a subuid range.
need_nosubuid() {
	if ! has_subuid; then return 0; fi
	skip_case "$(id -un) has a subuid range (the clan-nosub run covers this)"
}

# need_fuse: /dev/fuse is openable and fuse-overlayfs installed.
need_fuse() {
	if ! command -v fuse-overlayfs >/dev/null; then
		skip_case "fuse-overlayfs missing (apt-get install fuse-overlayfs)"
	fi
	if ! { : <>/dev/fuse; } 2>/dev/null; then
		if [ -n "$CLAN_TEST_USERS_MODE" ] && [ -c /dev/fuse ]; then
			die "/dev/fuse not openable, but scripts/check-setup.sh should have made it 0666"
		fi
		skip_case "/dev/fuse not openable by $(id -un) (chmod 0666 /dev/fuse)"
	fi
}

# need_cmd CMD: skips when a host command is missing.
need_cmd() {
	command -v "$1" >/dev/null || skip_case "$1 missing on the host"
}

# rm_tree DIR: removes DIR, including files that a container made with
# subordinate ids (removed inside a user namespace that maps them).
# rm_runtime_dirs DIR: without XDG_RUNTIME_DIR, each storage dir under DIR
# names its own /tmp/clan-UID.XXXXXX runtime dir (storage/runtime-dir); a
# suite makes hundreds of storage dirs, so remove those runtime dirs too.
rm_runtime_dirs() {
	local ptr run
	# storage dirs are named by each test (storage.*, proj/store, ...)
	find "$1" -maxdepth 4 -name runtime-dir -type f 2>/dev/null | while IFS= read -r ptr; do
		run=$(head -c 4096 "$ptr")
		case $run in
		/tmp/clan-"$(id -u)".*) rm_tree "$run" ;;
		esac
	done
}

rm_tree() {
	local dir=$1
	[ -e "$dir" ] || return 0
	rm -rf -- "$dir" 2>/dev/null && return 0
	chmod -R u+rwX -- "$dir" 2>/dev/null
	rm -rf -- "$dir" 2>/dev/null && return 0
	if has_subuid && has_newuidmap; then
		# shellcheck disable=SC2016 # expanded by the inner sh
		unshare --map-auto --map-root-user sh -c 'chmod -R u+rwX -- "$1"; rm -rf -- "$1"' sh "$dir" 2>/dev/null
	fi
	[ ! -e "$dir" ]
}

# get URL [SECS]: the body once URL answers (bounded); non-zero if never.
get() {
	local url=$1 tenths=$((${2:-10} * 10)) body
	while [ "$tenths" -gt 0 ]; do
		if body=$(curl -sf -m 2 "$url" 2>/dev/null); then
			printf '%s\n' "$body"
			return 0
		fi
		sleep 0.1
		tenths=$((tenths - 1))
	done
	return 1
}

# wait_for FILE [SECONDS]: waits until FILE exists (tenths of a second).
wait_for() {
	local file=$1 tenths=$((${2:-10} * 10))
	while [ ! -e "$file" ] && [ "$tenths" -gt 0 ]; do
		sleep 0.1
		tenths=$((tenths - 1))
	done
	[ -e "$file" ]
}

# wait_exec NAME: waits (20 s at most) until clan exec reaches container
# NAME, started in the background; fails the case if it never does.
wait_exec() {
	local i=0
	until "$CLAN" exec "$1" true </dev/null >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -lt 200 ] || die "container $1 did not start"
		sleep 0.1
	done
}

# assert_escape_refused LINK VICTIM WANT RUN-ARGS...: in a copy of the
# rootfs, /data is a symlink to LINK, which leads to the host dir VICTIM if
# followed from the host's root; clan run RUN-ARGS (which mount on /data)
# is refused with exit 2 or 125 and a "clan: " line containing WANT, the
# command does not run, VICTIM and the symlink are untouched, nothing is
# left mounted or stored.
assert_escape_refused() {
	local link=$1 victim=$2 want=$3 r before
	shift 3
	r=$(fresh_rootfs) || die "cannot copy the rootfs"
	ln -s "$link" "$r/data"
	echo victim >"$victim/victim-marker"
	before=$(tree_manifest "$victim")
	run clan run --rm "$@" "dir:$r" /bin/sh -c 'echo RAN; ls /data'
	if [ "$rc" != 2 ] && [ "$rc" != 125 ]; then
		die "exit: expected 2 or 125, got $rc" "stdout: $out" "stderr: $err"
	fi
	assert_not_contains "$out" RAN "stdout (the command must not run)"
	assert_contains "$err" "$want" "stderr (names the path)"
	case $err in "clan: "*) ;; *) die "stderr: expected to start with 'clan: ', got '$err'" ;; esac
	assert_eq "$(tree_manifest "$victim")" "$before" "the host dir the symlink points to"
	assert_nothing_mounted
	assert_no_containers
	[ -L "$r/data" ] || die "the image's /data symlink was changed"
}
