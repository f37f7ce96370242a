#!/bin/bash
# The fault matrix (issue 10, "nothing lost, nothing left behind"):
#   up      kill -9 of clan (exec, supervisor, container) and of the
#           supervisor (supervisor, container, service, ready), slirp4netns
#           and the port forwarder while it starts
#   running kill -9 of slirp4netns and of the forwarder (both come back;
#           the forwarder of clan run -p too)
#   down    kill -9 of clan and of the supervisor while down waits for a
#           service
#   run     kill -9 of clan run --rm; of fuse-overlayfs under clan run
#           (CLAN_OVERLAY=fuse: stacks get the kernel's overlay here)
#   pull    kill -9 of clan (a download under way, the first blob stored,
#           a layer being extracted); the disk full (a 64 MiB tmpfs storage)
#   storage read-only (a read-only bind mount) before up and under a stack
#   subuid  the user's /etc/subuid range removed after down and while it runs
#   build   kill -9 of clan while mmdebstrap builds a deb: image
#   postgres 1,000 rows committed one transaction each, kill -9 of the
#           supervisor or of postgres, up -d, all 1,000 there; the disk full
#           under PostgreSQL (a tmpfs volumes dir): every answered commit
#           is there after the disk grows and the stack comes back
# After each fault: the next clan command works, no process of the run is
# left, nothing is left mounted, no half-written image or record is listed.
#
# Runs as root (it mounts small tmpfs storage dirs, makes a storage dir
# read-only and edits /etc/subuid, each undone after its case and on exit);
# every clan command runs as the test users of scripts/check-setup.sh
# (CLAN_TEST_SUB_USER, default clan-sub; CLAN_TEST_NOSUB_USER, default
# clan-nosub; CLAN_TEST_SUB_START: another subuid range for another pair).
# Only this run's processes (its FAULTS_RUN tag in their environment, or its
# work dir on their command line) are looked at and killed, by pid, so a
# make check as the same users may run meanwhile.
#
# Usage: scripts/faults.sh BUILD [--quick] [CASE...]
#   --quick  the CI slice (about 75 s here): the cases most likely to break
#   CASE     only the cases whose name contains one of these words
# Environment: CLAN_TEST_DEB_CACHE_ROOT or FAULTS_DEB_CACHE (a storage dir
# holding the deb:bookworm PostgreSQL image, copied for the PostgreSQL cases;
# without one they build it), FAULT_TIMEOUT (seconds per clan command),
# FAULTS_VERBOSE=1 (print every case's log, not only a failing one's),
# FAULTS_DEB_BUILD=1 (run the case that builds a deb: image from the Debian
# mirror the host uses).
# Output: one TAP-like line per case, then `N passed, N failed, N skipped`;
# exit 1 when a case failed.
set -uo pipefail

usage() {
	echo "usage: $0 BUILD [--quick] [CASE...]" >&2
	exit 2
}
[ $# -ge 1 ] || usage
build=$1
shift
QUICK=0
FILTERS=()
for a in "$@"; do
	case $a in
	--quick) QUICK=1 ;;
	-*) usage ;;
	*) FILTERS+=("$a") ;;
	esac
done
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$src" || exit 2
if [ "$(id -u)" != 0 ]; then
	echo "faults: run as root (it mounts tmpfs storage dirs and edits /etc/subuid; clan itself runs as the test users)" >&2
	exit 2
fi
if [ ! -x "$build/clan" ]; then
	echo "faults: $build/clan missing: run make BUILD=$build first" >&2
	exit 2
fi
for tool in setpriv ss python3 curl; do
	if ! command -v "$tool" >/dev/null; then
		echo "faults: $tool missing (run scripts/deps.sh)" >&2
		exit 2
	fi
done

./scripts/check-setup.sh || exit 2
SUB_USER=${CLAN_TEST_SUB_USER:-clan-sub}
NOSUB_USER=${CLAN_TEST_NOSUB_USER:-clan-nosub}

# What the test users need, in a world-readable dir (they cannot read
# /root), as scripts/check.sh does.
WORK=$(mktemp -d /tmp/clan-faults.XXXXXX) || exit 2
chmod 0755 "$WORK"
mkdir -p "$WORK/build"
cp -p "$build/clan" "$WORK/build/clan"
cp -a tests scripts profiles examples "$WORK/"
chmod -R a+rX "$WORK"
RUN=$WORK
export CLAN=$WORK/build/clan CLAN_TEST_ROOT=$WORK CLAN_TEST_CACHE=$WORK/cache TMPDIR=$WORK
mkdir -p "$CLAN_TEST_CACHE"

# shellcheck source=tests/lib.sh
. "$WORK/tests/lib.sh"
# shellcheck source=tests/registry.sh
. "$WORK/tests/registry.sh"
# shellcheck source=scripts/faults/helpers.sh
. "$WORK/scripts/faults/helpers.sh"
# shellcheck source=scripts/faults/stack.sh
. "$WORK/scripts/faults/stack.sh"
# shellcheck source=scripts/faults/store.sh
. "$WORK/scripts/faults/store.sh"
# shellcheck source=scripts/faults/pg.sh
. "$WORK/scripts/faults/pg.sh"

# Undone after each case and on exit: mounts (FAULT_MOUNTS_FILE), the
# /etc/subuid and /etc/subgid backups, this run's processes.
FAULT_MOUNTS_FILE=$WORK/mounts
: >"$FAULT_MOUNTS_FILE"
undo_case() {
	local mp
	reap_ours
	if [ -s "$FAULT_MOUNTS_FILE" ]; then
		tac "$FAULT_MOUNTS_FILE" | while read -r mp; do umount -l "$mp" 2>/dev/null; done
		: >"$FAULT_MOUNTS_FILE"
	fi
	restore_subids
}
restore_subids() {
	local f
	for f in subuid subgid; do
		if [ -f "$WORK/$f.bak" ]; then
			cp -p "$WORK/$f.bak" "/etc/$f.faults-restore" && mv -f "/etc/$f.faults-restore" "/etc/$f"
			rm -f "$WORK/$f.bak"
		fi
	done
}
FAULTS_PREV_EXIT_TRAP=$(trap -p EXIT)
on_exit() {
	undo_case
	# the runtime dirs clan made in /tmp for this run's storage dirs
	local f d
	for f in "$WORK"/storage.*/runtime-dir "$WORK"/pg-storage/runtime-dir; do
		d=$(cat "$f" 2>/dev/null) || continue
		case $d in /tmp/clan-[0-9]*.*) rm -rf -- "$d" ;; esac
	done
	if [ -n "$FAULTS_PREV_EXIT_TRAP" ]; then
		eval "set -- $FAULTS_PREV_EXIT_TRAP"
		eval "$3"
	fi
	rm -rf -- "$WORK"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

ROOTFS=$(rootfs) || {
	echo "faults: cannot build the busybox rootfs (scripts/mkrootfs-busybox.sh)" >&2
	exit 1
}
chmod -R a+rX "$CLAN_TEST_CACHE"
export ROOTFS

# c QUICK NAME FUNC ARGS...: runs case NAME (in --quick only when QUICK is
# 1; with CASE words only when NAME contains one), then undoes what it left.
c() {
	local quick=$1 name=$2 f hit
	shift 2
	[ "$QUICK" = 1 ] && [ "$quick" != 1 ] && return 0
	if [ ${#FILTERS[@]} -gt 0 ]; then
		hit=0
		for f in "${FILTERS[@]}"; do
			case $name in *"$f"*) hit=1 ;; esac
		done
		[ "$hit" = 1 ] || return 0
	fi
	# servers and shared storage: set up here, at the top level, on first use
	case $name in
	pull:*) pull_setup_here ;;
	postgres:*) pg_storage_here ;;
	esac
	t "$name" "$@"
	if [ "${FAULTS_VERBOSE:-0}" = 1 ]; then sed 's/^/#   /' "$LIB_TMP/case.log"; fi
	undo_case
}

N=$NOSUB_USER
S=$SUB_USER
for u in "$N" "$S"; do
	# --- up: kill -9 at each step (clan itself only while it runs) ----------
	for m in exec supervisor container; do
		c 0 "up: kill -9 clan at $m ($u)" case_up_kill "$u" clan "$m"
	done
	for m in supervisor container service ready; do
		q=0
		[ "$u/$m" = "$N/supervisor" ] || [ "$u/$m" = "$S/service" ] && q=1
		c "$q" "up: kill -9 supervisor at $m ($u)" case_up_kill "$u" supervisor "$m"
	done
	c 0 "up: kill -9 slirp4netns at start ($u)" case_up_kill "$u" slirp4netns slirp
	c 0 "up: kill -9 forwarder at start ($u)" case_up_kill "$u" forwarder forwarder
	# --- a running stack loses a helper ----------------------------------------
	q=0
	[ "$u" = "$N" ] && q=1
	c "$q" "running: kill -9 slirp4netns ($u)" case_helper_dies "$u" slirp4netns
	c "$q" "running: kill -9 forwarder ($u)" case_helper_dies "$u" forwarder
	# --- down ------------------------------------------------------------------
	c 0 "down: kill -9 clan at exec ($u)" case_down_kill "$u" clan exec
	c 0 "down: kill -9 clan at term ($u)" case_down_kill "$u" clan term
	c "$q" "down: kill -9 supervisor at term ($u)" case_down_kill "$u" supervisor term
	c 0 "run: kill -9 forwarder of clan run -p ($u)" case_run_forwarder_dies "$u"
	# --- clan run --rm killed ---------------------------------------------------
	c 0 "run: kill -9 clan at container ($u)" case_run_kill "$u" container
	c 0 "run: kill -9 clan at ran ($u)" case_run_kill "$u" ran
	# --- clan run on fuse-overlayfs (stacks here get the kernel's overlay) -----
	c 0 "run: kill -9 fuse-overlayfs at start ($u)" case_run_fuse_dies "$u" fuse
	c 0 "run: kill -9 fuse-overlayfs while it runs ($u)" case_run_fuse_dies "$u" ran
	# --- pull ------------------------------------------------------------------
	for m in partial blob layer_tmp; do
		q=0
		[ "$u/$m" = "$N/partial" ] && q=1
		c "$q" "pull: kill -9 clan at $m ($u)" case_pull_kill "$u" "$m"
	done
	q=0
	[ "$u" = "$N" ] && q=1
	c "$q" "pull: disk full ($u)" case_pull_disk_full "$u"
	# --- the storage dir read-only ------------------------------------------------
	c "$q" "storage: read-only before up ($u)" case_storage_ro "$u"
	c 0 "storage: read-only under a running stack ($u)" case_storage_ro_running "$u"
done
# --- /etc/subuid removed between two ups (only the subuid user has one) ------
c 0 "subuid: removed after down ($S)" case_subuid_removed "$S" 0
c 0 "subuid: removed while the stack runs ($S)" case_subuid_removed "$S" 1
# --- a deb: image build (what clan has for docker's build) -------------------
c 0 "build: kill -9 clan while mmdebstrap runs ($N)" case_build_kill "$N"
# --- PostgreSQL: committed rows survive ----------------------------------------
c 0 "postgres: kill -9 supervisor after 1000 commits ($N)" case_pg_kill supervisor
c 0 "postgres: kill -9 postgres after 1000 commits ($N)" case_pg_kill postgres
c 0 "postgres: disk full during writes ($N)" case_pg_disk_full

echo "$LIB_PASSED passed, $LIB_FAILED failed, $LIB_SKIPPED skipped"
[ "$LIB_FAILED" = 0 ]
