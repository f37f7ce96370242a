#!/bin/bash
# Root's own containers, run by scripts/check.sh as root (tests/run.sh never
# runs a container as root): a container started by root maps its root to
# root's id range, not to host root; root's files in a bind mount or named
# volume stay root's; --userns host (root only) keeps the identity map.
# Prints one `ok`/`not ok` line per check; exit 1 when one failed.
# Usage: scripts/check-root.sh CLAN_BINARY ROOTFS_DIR
set -euo pipefail

if [ $# -ne 2 ] || [ "$(id -u)" != 0 ]; then
	echo "usage (as root): $0 CLAN_BINARY ROOTFS_DIR" >&2
	exit 2
fi
clan=$1
case $clan in /*) ;; *) clan=$PWD/$clan ;; esac
rootfs=$2
work=$(mktemp -d /var/tmp/clan-check-root.XXXXXX)
trap 'rm -rf -- "$work"' EXIT
chmod 0755 "$work"
export CLAN_STORAGE=$work/storage
failed=0

# check NAME GOOD EXPECTED OUTPUT
check() {
	if [ "$2" = 1 ]; then
		echo "ok - root: $1"
	else
		echo "not ok - root: $1"
		echo "#   expected $3"
		while IFS= read -r line; do echo "#   $line"; done <<<"$4"
		failed=1
	fi
}

run() { "$clan" run --rm "$@" 2>&1; }

# the first run picks the range and records it
out=$(run "dir:$rootfs" cat /proc/self/uid_map) || true
read -r inside start count <<<"$out" || true
rec=$(sed -n 's/^uid \([0-9]*\) \([0-9]*\)$/\1 \2/p' "$CLAN_STORAGE/root-idmap" 2>/dev/null || true)
good=0
if [ "${inside:-}" = 0 ] && [ "${start:-0}" -gt 0 ] 2>/dev/null && [ "$rec" = "$start $count" ]; then
	good=1
fi
check "the container's root is not host root but the recorded range" "$good" \
	"one line '0 START COUNT', START > 0, as in $CLAN_STORAGE/root-idmap" "$out"

out2=$(run "dir:$rootfs" cat /proc/self/uid_map) || true
check "a second run maps the same range" "$([ "$out2" = "$out" ] && echo 1 || echo 0)" "$out" "$out2"

# no entry of another user meets the range
good=1
overlaps=""
if [ "${start:-0}" -gt 0 ] 2>/dev/null; then
	for f in /etc/subuid /etc/subgid; do
		[ -r "$f" ] || continue
		while IFS=: read -r name s c; do
			case $name in root | 0 | '#'* | '') continue ;; esac
			if [ "$s" -lt $((start + count)) ] && [ "$start" -lt $((s + c)) ]; then
				good=0
				overlaps="$overlaps $f:$name:$s:$c"
			fi
		done <"$f"
	done
else
	good=0
fi
check "the range overlaps no /etc/subuid or /etc/subgid entry" "$good" \
	"no entry meeting $start+$count" "overlaps:$overlaps"

# a bind mount: root's file reads as the container root's and takes its
# writes; what the container's root creates is host root's
proj=$work/proj
mkdir -p "$proj"
echo old >"$proj/root-file"
chmod 0644 "$proj/root-file"
out=$(run -v "$proj:/p" "dir:$rootfs" sh -c \
	'stat -c %u:%g /p/root-file && echo new >>/p/root-file && mkdir /p/dir && touch /p/dir/made && echo done') || true
owner=$(stat -c %u:%g "$proj/dir/made" 2>/dev/null || true)
good=0
if [[ $out == 0:0*done ]] && [ "$owner" = 0:0 ] && grep -qx new "$proj/root-file"; then
	good=1
fi
check "files in a bind mount stay host root's both ways" "$good" \
	"0:0 inside, the append kept, $proj/dir/made owned by 0:0 (is $owner)" "$out"

out=$(run --userns host "dir:$rootfs" cat /proc/self/uid_map) || true
check "--userns host maps every id to itself" \
	"$([ "$(tr -s ' \n' ' ' <<<"$out")" = " 0 0 4294967295 " ] && echo 1 || echo 0)" \
	"0 0 4294967295" "$out"

out=$(run --userns single "dir:$rootfs" cat /proc/self/uid_map) || true
check "--userns single as root maps the container's root to one id of the range" \
	"$([ "$(tr -s ' \n' ' ' <<<"$out")" = " 0 $start 1 " ] && echo 1 || echo 0)" "0 $start 1" "$out"

# a user asking for host root
if id clan-nosub >/dev/null 2>&1; then
	set +e
	out=$(runuser -u clan-nosub -- env -i HOME=/tmp PATH=/usr/bin:/bin \
		CLAN_STORAGE="$work/nosub" "$clan" run --rm --userns host host true 2>&1)
	rc=$?
	set -e
	good=0
	if [ "$rc" = 2 ] && [[ $out == "clan: "*"root only"* ]]; then
		good=1
	fi
	check "--userns host is refused to a user" "$good" "exit 2, 'clan: ... root only' (got $rc)" "$out"
else
	echo "ok - root: --userns host is refused to a user # skip no user clan-nosub"
fi

# a recorded range that an admin has since given to a user is not used
entry=$(grep -v -e '^root:' -e '^0:' -e '^#' /etc/subuid 2>/dev/null | head -n 1 || true)
if [ -n "$entry" ]; then
	IFS=: read -r name s c <<<"$entry"
	mkdir -p "$work/taken"
	printf 'uid %s %s\ngid %s %s\n' "$s" "$c" "$s" "$c" >"$work/taken/root-idmap"
	set +e
	out=$(CLAN_STORAGE=$work/taken "$clan" run --rm "dir:$rootfs" true 2>&1)
	rc=$?
	set -e
	good=0
	if [ "$rc" = 2 ] && [[ $out == "clan: "*"$name"* ]]; then
		good=1
	fi
	check "a recorded range now in /etc/subuid is refused" "$good" "exit 2 naming $name (got $rc)" "$out"
else
	echo "ok - root: a recorded range now in /etc/subuid is refused # skip /etc/subuid has no entry"
fi

# a stack: a service in the stack's namespaces, with a bind and a named volume
stack=$work/stack
mkdir -p "$stack/src"
echo hello >"$stack/src/root-file"
cat >"$stack/.clanrc" <<RC
[project]
name = rootcheck

[service.a]
image = dir:$rootfs
volume = vol:/data
bind = ./src:/src
command = sh -c "cat /src/root-file && echo v >/data/f && touch /src/made && echo stack-done"
RC
out=$(cd "$stack" && timeout 120 "$clan" up 2>&1) || true
vol=$(find "$CLAN_STORAGE/volumes" -path '*rootcheck*_vol/_data/f' 2>/dev/null | head -n 1 || true)
good=0
if [[ $out == *hello*stack-done* ]] && [ -n "$vol" ] && [ "$(stat -c %u "$vol")" = 0 ] &&
	[ "$(stat -c %u "$stack/src/made" 2>/dev/null)" = 0 ]; then
	good=1
fi
check "a stack's service writes its bind and named volume as host root" "$good" \
	"hello, stack-done, and the volume's f and src/made owned by 0" "$out"
(cd "$stack" && "$clan" down -v >/dev/null 2>&1) || true

exit "$failed"
