#!/bin/bash
# The body of `make check`, after BUILD/clan and BUILD/tests/test_* are built.
#
# As root (a fresh machine, CI): sets the machine up (scripts/check-setup.sh),
# copies what the tests need to a world-readable temp dir (the test users
# cannot traverse /root), and runs the suite as clan-nosub (no subuid range,
# XDG_RUNTIME_DIR unset as on ssh, cron and Slurm) and then as clan-sub
# (a subuid range, a private XDG_RUNTIME_DIR). Container tests never run as
# root.
# As a user: runs the suite once as that user; what needs the other mode
# skips with the reason.
#
# Last line: `N passed, N failed, N skipped` over all runs; exit 1 when
# anything failed.
# Usage: scripts/check.sh BUILD [NAME...]  (NAMEs filter tests, see tests/run.sh)
set -euo pipefail

if [ $# -lt 1 ]; then
	echo "usage: $0 BUILD [NAME...]" >&2
	exit 2
fi
build=$1
shift
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if [ ! -x "$build/clan" ]; then
	echo "check: $build/clan missing: run make BUILD=$build first" >&2
	exit 2
fi

if [ "$(id -u)" != 0 ]; then
	exec bash tests/run.sh "$build" "$@"
fi

./scripts/check-setup.sh

work=$(mktemp -d /tmp/clan-check.XXXXXX)
cleanup() { rm -rf -- "$work"; }
trap cleanup EXIT
chmod 0755 "$work"
mkdir -p "$work/build/tests"
cp -p "$build/clan" "$work/build/clan"
for bin in "$build"/tests/test_*; do
	[ -f "$bin" ] && cp -p "$bin" "$work/build/tests/"
done
cp -a tests scripts profiles examples launcher "$work/"
chmod -R a+rX "$work"

total_p=0
total_f=0
total_s=0
runs_failed=0

# run_as USER MODE XDG: runs the suite as USER and adds its counts.
run_as() {
	local user=$1 mode=$2 xdg=$3 home summary line rc
	shift 3
	home=$(getent passwd "$user" | cut -d: -f6)
	local envs=(HOME="$home" USER="$user" LOGNAME="$user" SHELL=/bin/bash
		PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8
		CLAN_TEST_USERS_MODE="$mode" TERM="${TERM:-dumb}")
	[ -n "$xdg" ] && envs+=(XDG_RUNTIME_DIR="$xdg")
	local v
	if [ -n "${CLAN_TEST_DEB_CACHE_ROOT:-}" ]; then
		install -d -m 0700 -o "$user" -g "$(id -gn "$user")" "$CLAN_TEST_DEB_CACHE_ROOT/$user"
	fi
	for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS CLAN_TEST_TIMEOUT CI CLAN_TEST_DEB_CACHE_ROOT CLAN_TEST_CASE; do
		[ -n "${!v:-}" ] && envs+=("$v=${!v}")
	done
	echo "== as $user ($mode; XDG_RUNTIME_DIR ${xdg:-unset})"
	summary=""
	set +e
	while IFS= read -r line; do
		if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
			summary=$line
			total_p=$((total_p + BASH_REMATCH[1]))
			total_f=$((total_f + BASH_REMATCH[2]))
			total_s=$((total_s + BASH_REMATCH[3]))
		else
			echo "$line"
		fi
	done < <(cd "$work" && runuser -u "$user" -- env -i "${envs[@]}" \
		bash "$work/tests/run.sh" "$work/build" "$@" 2>&1 </dev/null)
	wait $!
	rc=$?
	set -e
	if [ -z "$summary" ]; then
		echo "not ok - check: the run as $user ended without a summary (exit $rc)"
		total_f=$((total_f + 1))
	else
		echo "== as $user: $summary"
		[ "$rc" = 0 ] || runs_failed=1
	fi
}

# A private runtime dir for clan-sub, as pam_systemd would make it.
sub_uid=$(id -u clan-sub)
xdg=$work/run-$sub_uid
mkdir -p "$xdg"
chown clan-sub: "$xdg"
chmod 0700 "$xdg"

# The checks below change the machine for a moment, which only root can do,
# and then look at what clan says to a user.

# record NAME OK EXPECTED GOT_RC GOT_OUTPUT: counts and prints one result.
record() {
	local name=$1 good=$2 want=$3 rc=$4 out=$5 line
	if [ "$good" = 1 ]; then
		echo "ok - check: $name"
		total_p=$((total_p + 1))
	else
		echo "not ok - check: $name"
		echo "#   expected $want"
		echo "#   got exit $rc, output:"
		while IFS= read -r line; do echo "#   $line"; done <<<"$out"
		total_f=$((total_f + 1))
	fi
}

# as_user USER CMD...: runs CMD as USER with a clean login-like environment.
as_user() {
	local user=$1 home
	shift
	home=$(getent passwd "$user" | cut -d: -f6)
	(cd "$work" && runuser -u "$user" -- env -i HOME="$home" USER="$user" \
		PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin "$@")
}

# /dev/fuse 0600, as Debian leaves it on a machine without a desktop: clan
# doctor still exits 0 (kernel overlay or a copy will do) and names the fix
# on its /dev/fuse line.
doctor_fuse_0600() {
	local name="doctor names the fix when /dev/fuse is 0600" out rc line good=0
	if [ ! -c /dev/fuse ]; then
		echo "ok - check: $name # skip /dev/fuse missing"
		total_s=$((total_s + 1))
		return
	fi
	chmod 0600 /dev/fuse
	set +e
	out=$(as_user clan-nosub "$work/build/clan" doctor 2>&1)
	rc=$?
	set -e
	chmod 0666 /dev/fuse
	line=$(grep '/dev/fuse' <<<"$out" | head -n 1)
	if [ "$rc" = 0 ] && [[ $line == warn* ]] && [[ $line == *"chmod 0666 /dev/fuse"* ]]; then
		good=1
	fi
	record "$name" "$good" "exit 0 and a warn line naming 'chmod 0666 /dev/fuse'" "$rc" "$out"
}

# newuidmap/newgidmap unusable (a private mount namespace covers them with
# a plain file): --userns subuid is refused naming the package, and auto
# falls back to a single-id map.
no_newuidmap() {
	local name="--userns subuid without newuidmap names the fix" out rc good=0
	local plain=$work/not-newuidmap hide
	: >"$plain"
	chmod 0644 "$plain"
	hide="mount --bind $plain /usr/bin/newuidmap && mount --bind $plain /usr/bin/newgidmap"
	local storage=$work/storage-no-newuidmap home
	home=$(getent passwd clan-sub | cut -d: -f6)
	mkdir -p "$storage"
	chown clan-sub: "$storage"
	chmod 0700 "$storage"
	set +e
	out=$(unshare -m --propagation private sh -c "$hide && exec \"\$@\"" sh \
		runuser -u clan-sub -- env -i HOME="$home" CLAN_STORAGE="$storage" PATH=/usr/bin:/bin \
		"$work/build/clan" run --rm --userns subuid host true 2>&1)
	rc=$?
	set -e
	if { [ "$rc" = 2 ] || [ "$rc" = 125 ]; } && [[ $out == "clan: "*newuidmap* ]] && [[ $out == *uidmap* ]]; then
		good=1
	fi
	record "$name" "$good" "exit 2 and one 'clan: ' line naming newuidmap and the uidmap package" "$rc" "$out"

	name="--userns auto without newuidmap falls back to a single-id map"
	good=0
	set +e
	out=$(unshare -m --propagation private sh -c "$hide && exec \"\$@\"" sh \
		runuser -u clan-sub -- env -i HOME="$home" CLAN_STORAGE="$storage" PATH=/usr/bin:/bin \
		"$work/build/clan" run --rm host cat /proc/self/uid_map 2>&1)
	rc=$?
	set -e
	if [ "$rc" = 0 ] && [ "$(grep -c '' <<<"$out")" = 1 ]; then
		good=1
	fi
	record "$name" "$good" "exit 0 and a one-line uid_map" "$rc" "$out"
}

# A clan binary with file capabilities refuses to run, like a setuid one
# (the suite tests setuid and setgid as a user; setcap needs root).
refuses_file_caps() {
	local name="a clan binary with file capabilities refuses to run" out rc good=0
	if ! command -v setcap >/dev/null; then
		echo "ok - check: $name # skip setcap missing (apt-get install libcap2-bin)"
		total_s=$((total_s + 1))
		return
	fi
	mkdir -p "$work/caps"
	cp "$work/build/clan" "$work/caps/clan"
	chmod 0755 "$work/caps" "$work/caps/clan"
	if ! setcap cap_net_bind_service+ep "$work/caps/clan" 2>/dev/null; then
		echo "ok - check: $name # skip setcap does not work on $work (no security xattrs)"
		total_s=$((total_s + 1))
		return
	fi
	set +e
	out=$(as_user clan-nosub "$work/caps/clan" run --rm host /bin/sh -c 'echo RAN' 2>&1)
	rc=$?
	set -e
	if [ "$rc" != 0 ] && [[ $out == "clan: "*capabilit* ]] && [[ $out != *RAN* ]]; then
		good=1
	fi
	record "$name" "$good" "a non-zero exit and a 'clan: ' line about file capabilities" "$rc" "$out"
}

# Root's own containers (scripts/check-root.sh): counted like the checks
# above.
root_userns() {
	local line
	if ! ./scripts/mkrootfs-busybox.sh "$work/root-rootfs" >/dev/null 2>&1; then
		record "root's containers: busybox rootfs" 0 "scripts/mkrootfs-busybox.sh to work" 1 ""
		return
	fi
	local out rc=0 failed_before=$total_f
	out=$(./scripts/check-root.sh "$work/build/clan" "$work/root-rootfs" 2>&1) || rc=$?
	while IFS= read -r line; do
		echo "$line"
		case $line in
		"ok - "*"# skip"*) total_s=$((total_s + 1)) ;;
		"ok - "*) total_p=$((total_p + 1)) ;;
		"not ok - "*) total_f=$((total_f + 1)) ;;
		esac
	done <<<"$out"
	# a script that stopped early must not pass for one that checked
	if [ "$rc" != 0 ] && [ "$total_f" = "$failed_before" ]; then
		record "root's containers: scripts/check-root.sh ran to its end" 0 "exit 0" "$rc" "$out"
	fi
}

trap 'chmod 0666 /dev/fuse 2>/dev/null; cleanup' EXIT
if [ $# -eq 0 ] || [[ " $* " == *" run_security "* ]]; then
	refuses_file_caps
fi
if [ $# -eq 0 ] || [[ " $* " == *" doctor "* ]]; then
	doctor_fuse_0600
fi
if [ $# -eq 0 ] || [[ " $* " == *" run_userns "* ]]; then
	no_newuidmap
	root_userns
fi
run_as clan-nosub nosub "" "$@"
run_as clan-sub sub "$xdg" "$@"

echo "$total_p passed, $total_f failed, $total_s skipped"
if [ "$total_f" != 0 ] || [ "$runs_failed" != 0 ]; then
	exit 1
fi
