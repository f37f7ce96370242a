#!/bin/bash
# Makes a tiny rootfs in DIR from Debian's busybox-static: /bin/busybox plus
# a symlink per applet, the usual top-level dirs, and passwd/group files with
# root, nobody and a user `app` (uid/gid 1000, home /home/app).
# Idempotent and atomic: the tree is built in a temp dir beside DIR and
# renamed into place, so a concurrent reader never sees a half-built rootfs.
# Usage: scripts/mkrootfs-busybox.sh DIR
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dest=$1
busybox=${BUSYBOX:-/bin/busybox}

if [ ! -x "$busybox" ]; then
	echo "mkrootfs-busybox: $busybox not found: apt-get install busybox-static" >&2
	exit 1
fi
# A dynamically linked busybox would need the host's libc inside the rootfs.
if ! "$busybox" --list >/dev/null 2>&1; then
	echo "mkrootfs-busybox: $busybox does not run: apt-get install busybox-static" >&2
	exit 1
fi

# Already built by this or an earlier run: nothing to do.
if [ -x "$dest/bin/busybox" ] && [ -f "$dest/etc/passwd" ] && [ -L "$dest/bin/sh" ]; then
	exit 0
fi

parent=$(dirname -- "$dest")
mkdir -p -- "$parent"
tmp=$(mktemp -d "$parent/.mkrootfs.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT

mkdir -p "$tmp"/{bin,etc,tmp,root,home/app,proc,sys,dev,var/tmp,usr/bin,usr/sbin,sbin,run,mnt,opt}
chmod 1777 "$tmp/tmp"
chmod 1777 "$tmp/var/tmp"
chmod 0700 "$tmp/root"
chmod 0755 "$tmp"

cp -- "$busybox" "$tmp/bin/busybox"
chmod 0755 "$tmp/bin/busybox"
"$busybox" --list | while IFS= read -r applet; do
	case $applet in
	"" | busybox | */*) continue ;;
	esac
	ln -sf busybox "$tmp/bin/$applet"
done

cat >"$tmp/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$tmp/etc/group" <<'EOF'
root:x:0:
app:x:1000:
nogroup:x:65534:
EOF
cat >"$tmp/etc/os-release" <<'EOF'
NAME="clan busybox test rootfs"
ID=busybox
PRETTY_NAME="clan busybox test rootfs"
EOF
printf 'clan-busybox\n' >"$tmp/etc/hostname"
: >"$tmp/etc/hosts"
: >"$tmp/etc/resolv.conf"
chmod 0644 "$tmp"/etc/*
# The app user owns its home in the image (as the owner who builds it sees it).
chmod 0755 "$tmp/home/app"

# Another run may have finished first: keep its tree, drop ours.
if [ -e "$dest" ]; then
	if [ -x "$dest/bin/busybox" ] && [ -f "$dest/etc/passwd" ] && [ -L "$dest/bin/sh" ]; then
		exit 0
	fi
	# A broken leftover: move it aside, then remove it.
	old=$(mktemp -d "$parent/.mkrootfs-old.XXXXXX")
	mv -T -- "$dest" "$old/x"
	rm -rf -- "$old"
fi
if ! mv -T -- "$tmp" "$dest" 2>/dev/null; then
	# Lost a race with a concurrent run; accept its result if complete.
	[ -x "$dest/bin/busybox" ] && [ -f "$dest/etc/passwd" ] && exit 0
	echo "mkrootfs-busybox: cannot create $dest" >&2
	exit 1
fi
trap - EXIT
