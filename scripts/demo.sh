#!/bin/bash
# `make demo`: shows clan starting a container. Until the stack issue lands
# (Django + PostgreSQL with `clan dev`), it runs a busybox shell command in a
# tiny rootfs built from Debian's busybox-static.
# Usage: scripts/demo.sh CLAN_BINARY
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 CLAN_BINARY" >&2
	exit 2
fi
clan=$1
case $clan in /*) ;; *) clan=$PWD/$clan ;; esac
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [ ! -x "$clan" ]; then
	echo "demo: $clan missing: run make first" >&2
	exit 2
fi

cache=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/clan
rootfs=$cache/demo-rootfs
if [ ! -x "$rootfs/bin/busybox" ]; then
	echo "demo: building a busybox rootfs in $rootfs"
	mkdir -p "$cache"
	"$here/mkrootfs-busybox.sh" "$rootfs"
fi

echo "demo: clan run --rm dir:$rootfs /bin/sh -c '...'"
echo
# shellcheck disable=SC2016 # expanded inside the container
"$clan" run --rm --hostname clan-demo "dir:$rootfs" /bin/sh -c '
echo "hello from a clan container"
echo "id:       $(id)"
echo "hostname: $(hostname)"
echo "pid:      $$ (a fresh pid namespace)"
echo "kernel:   $(uname -r)"
'
echo
if [ "$(id -u)" = 0 ]; then
	echo "demo: started as root, clan mapped root to root; as any other user the same"
	echo "demo: command runs rootless: no daemon and no setuid helper of clan's."
else
	echo "demo: that was one rootless container: no daemon and no setuid helper of clan's."
fi
echo "demo: the Django + PostgreSQL demo (clan dev) comes with the stack issue."
