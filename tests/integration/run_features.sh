#!/bin/bash
# clan run's container features that compose services ask for: --tmpfs
# (size, mode, flags, a target resolved inside the root), --read-only (the
# root alone; it cannot be undone from inside), --cap-add/--cap-drop on
# Docker's default set (also for clan exec), --ulimit (and a hard limit
# above the host's refused), --shm-size. Each is checked from inside.
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
use_rootfs

# mount_line DST: the /proc/mounts line of DST in $out
mount_line() {
	grep " $1 " <<<"$out"
}

case_tmpfs_size_and_mode() {
	run clan run --rm --network none --tmpfs /scratch:size=1m,mode=700 "dir:$ROOTFS" /bin/sh -c \
		'cat /proc/mounts; stat -c "mode %a" /scratch
		 echo small > /scratch/f && echo wrote-small
		 dd if=/dev/zero of=/scratch/big bs=1024 count=2048 2>/dev/null && echo wrote-2m; true'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	local line
	line=$(mount_line /scratch)
	assert_match "$line" "^tmpfs /scratch tmpfs rw,nosuid,nodev,noexec," "the tmpfs (docker's default flags)"
	assert_contains "$line" "size=1024k" "its size"
	assert_contains "$line" "mode=700" "its mode"
	assert_contains "$out" "mode 700" "stat of /scratch"
	assert_not_contains "$out" wrote-2m "2 MiB into a 1 MiB tmpfs"
	assert_contains "$out" wrote-small "a small file in it"
}

# exec, ro and the kernel's defaults for what is not given; noexec holds.
case_tmpfs_flags() {
	run clan run --rm --network none --tmpfs /a --tmpfs /b:ro,exec,size=0 "dir:$ROOTFS" /bin/sh -c \
		'cat /proc/mounts; cp /bin/busybox /a/bb && /a/bb true 2>/dev/null && echo exec-a
		 touch /b/f 2>/dev/null && echo wrote-b; true'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	local a b
	a=$(mount_line /a)
	b=$(mount_line /b)
	assert_match "$a" "^tmpfs /a tmpfs rw,nosuid,nodev,noexec," "/a"
	assert_not_contains "$a" "size=" "/a: the kernel's default size"
	assert_match "$b" "^tmpfs /b tmpfs ro,nosuid,nodev," "/b"
	assert_not_contains "$b" noexec "/b (exec)"
	assert_not_contains "$out" exec-a "a binary run from a noexec tmpfs"
	assert_not_contains "$out" wrote-b "a write to a ro tmpfs"
}

# The image's /cache -> /srv: the tmpfs lands on the image's /srv, inside
# the root, as docker follows it.
case_tmpfs_symlink_inside_root() {
	local r
	r=$(fresh_rootfs) || die "cannot copy the rootfs"
	mkdir -p "$r/srv"
	ln -s /srv "$r/cache"
	run clan run --rm --network none --tmpfs /cache:size=2m "dir:$r" /bin/sh -c \
		'cat /proc/mounts; echo in > /cache/f; cat /srv/f'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_match "$(mount_line /srv)" "^tmpfs /srv tmpfs .*size=2048k" "the tmpfs on the image's /srv"
	assert_contains "$out" in "a file through the symlink"
	[ -e "$r/srv/f" ] && die "the write reached the image dir: no tmpfs there"
	assert_nothing_mounted
}

# The image's /data -> a path that climbs out of the root: refused before
# the command runs, the host dir untouched, nothing left behind.
case_tmpfs_symlink_escape_absolute() {
	local victim
	victim=$(mk_tmp)
	assert_escape_refused "/../../..$victim" "$victim" "clan: tmpfs /data" --network none --tmpfs /data
}

case_tmpfs_symlink_escape_relative() {
	local victim
	victim=$(mk_tmp)
	assert_escape_refused "../../../../../../../..$victim" "$victim" "clan: tmpfs /data" \
		--network none --tmpfs /data:size=1m
}

case_tmpfs_bad_values() {
	assert_usage_error clan run --rm --tmpfs /x:mode=99999 "dir:$ROOTFS" true
	assert_contains "$err" "mode=99999" "the message names the option"
	assert_usage_error clan run --rm --tmpfs /x:size=99999999999999999999 "dir:$ROOTFS" true
	assert_usage_error clan run --rm --tmpfs /x:size=-1 "dir:$ROOTFS" true
	assert_usage_error clan run --rm --tmpfs /x:noexc "dir:$ROOTFS" true
	assert_contains "$err" "did you mean noexec?" "a did-you-mean"
	assert_usage_error clan run --rm --tmpfs x "dir:$ROOTFS" true
	assert_usage_error clan run --rm --tmpfs /a/../etc "dir:$ROOTFS" true
	assert_usage_error clan run --rm --tmpfs /proc "dir:$ROOTFS" true
	assert_contains "$err" "belongs to the runtime" "a tmpfs over /proc"
	local d
	d=$(mk_tmp)
	assert_usage_error clan run --rm -v "$d:/data" --tmpfs /data "dir:$ROOTFS" true
	assert_contains "$err" "two volumes mount on /data" "a tmpfs and a volume on one target"
}

# --read-only: / refuses writes; a -v bind, a tmpfs, /dev/shm and the
# generated /etc files stay writable, as in docker.
case_read_only() {
	local d
	d=$(mk_tmp)
	run clan run --rm --network none --read-only -v "$d:/data" --tmpfs /scratch -w /work \
		"dir:$ROOTFS" /bin/sh -c \
		'cat /proc/mounts; pwd
		 touch /f 2>/dev/null && echo wrote-root; mkdir /newdir 2>/dev/null && echo mkdir-root
		 echo x > /data/f && echo wrote-bind; echo x > /scratch/f && echo wrote-tmpfs
		 echo x > /dev/shm/f && echo wrote-shm; echo "# x" >> /etc/hosts && echo wrote-hosts'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_match "$(mount_line /)" "^overlay / overlay ro," "the root mount"
	assert_not_contains "$out" wrote-root "a file on the read-only root"
	assert_not_contains "$out" mkdir-root "a dir on the read-only root"
	assert_contains "$out" /work "-w /work (made before the root went read-only)"
	local w
	for w in wrote-bind wrote-tmpfs wrote-shm wrote-hosts; do
		assert_contains "$out" "$w" "writable under --read-only"
	done
	assert_eq "$(cat "$d/f")" x "the file written through the bind"
}

case_read_only_off_by_default() {
	run clan run --rm --network none "dir:$ROOTFS" /bin/sh -c 'touch /f && echo wrote-root'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_contains "$out" wrote-root "a write to / without --read-only"
}

# The container's root cannot make / writable again: not by a remount,
# not from a new user namespace (where the flag is locked).
case_read_only_cannot_be_undone() {
	run clan run --rm --network none --read-only "dir:$ROOTFS" /bin/sh -c \
		'mount -o remount,rw / 2>/dev/null && echo remounted
		 mount -o remount,bind,rw / 2>/dev/null && echo remounted-bind
		 if command -v unshare >/dev/null; then
			unshare -Urm sh -c "mount -o remount,rw / && touch /g && echo nested" 2>/dev/null
		 fi
		 touch /f 2>/dev/null && echo wrote-root; grep " / " /proc/mounts'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_not_contains "$out" remounted "mount -o remount,rw /"
	assert_not_contains "$out" nested "a remount from a nested user namespace"
	assert_not_contains "$out" wrote-root "a write after the attempts"
	assert_match "$(mount_line /)" "^overlay / overlay ro," "the root mount afterwards"
}

# status_caps: CapEff and CapBnd of the command, "EFF BND"
status_caps() {
	sed -n 's/^CapEff:\t*//p; s/^CapBnd:\t*//p' <<<"$out" | tr '\n' ' ' | sed 's/ $//'
}

case_caps_drop_all_add_one() {
	run clan run --rm --network none --cap-drop ALL --cap-add NET_BIND_SERVICE "dir:$ROOTFS" \
		cat /proc/self/status
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$(status_caps)" "0000000000000400 0000000000000400" "CapEff CapBnd as root"
	run clan run --rm --network none --cap-drop all --cap-add cap_net_bind_service -u app \
		"dir:$ROOTFS" /bin/sh -c 'id -un; cat /proc/self/status'
	assert_eq "$rc" 0 "exit code as app (stderr: $err)"
	assert_contains "$out" app "the user (its ids set with no capability left)"
	assert_eq "$(status_caps)" "0000000000000000 0000000000000400" "CapEff CapBnd as app"
	run clan run --rm --network none --cap-drop ALL "dir:$ROOTFS" cat /proc/self/status
	assert_eq "$(status_caps)" "0000000000000000 0000000000000000" "--cap-drop ALL"
	run clan run --rm --network none --cap-add NET_ADMIN --cap-drop CHOWN "dir:$ROOTFS" cat /proc/self/status
	assert_eq "$(status_caps)" "00000000a80435fa 00000000a80435fa" "default + NET_ADMIN - CHOWN"
}

# A dropped capability is gone in effect: root without DAC_OVERRIDE
# cannot read a mode-000 file it owns... and can with it.
case_caps_drop_takes_effect() {
	local script='echo secret > /tmp/f; chmod 000 /tmp/f; cat /tmp/f 2>/dev/null || echo refused'
	run clan run --rm --network none "dir:$ROOTFS" /bin/sh -c "$script"
	assert_eq "$out" secret "root reads a mode-000 file with Docker's default set"
	run clan run --rm --network none --cap-drop DAC_OVERRIDE "dir:$ROOTFS" /bin/sh -c "$script"
	assert_eq "$out" refused "root without DAC_OVERRIDE"
}

# Under --init pid 1 drops to the container's set after starting the
# command, which still switches to its user (no capability left for that
# otherwise), and has no more than the command.
case_caps_with_init() {
	run clan run --rm --init --network none --cap-drop ALL -u app "dir:$ROOTFS" /bin/sh -c \
		'id -un; cat /proc/self/status; grep ^CapBnd /proc/1/status | sed "s/^/pid1 /"'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_contains "$out" app "the command's user"
	assert_eq "$(status_caps)" "0000000000000000 0000000000000000" "the command's CapEff CapBnd"
	assert_contains "$out" "$(printf 'pid1 CapBnd:\t0000000000000000')" "pid 1's CapBnd"
}

# The seccomp profile follows the capabilities, as Docker's: mount(2) is
# refused to Docker's default set, allowed with --cap-add SYS_ADMIN (in
# the container's own mount namespace; the host's stays out of reach).
case_cap_add_widens_seccomp() {
	local script='mount -t tmpfs none /mnt 2>/dev/null && grep " /mnt " /proc/mounts && echo mounted; true'
	run clan run --rm --network none "dir:$ROOTFS" /bin/sh -c "$script"
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_not_contains "$out" mounted "mount without CAP_SYS_ADMIN"
	run clan run --rm --network none --cap-add SYS_ADMIN "dir:$ROOTFS" /bin/sh -c "$script"
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_contains "$out" mounted "mount with --cap-add SYS_ADMIN"
	assert_nothing_mounted
}

# clan exec gets the container's capabilities and limits, from its record.
case_caps_exec() {
	local name=caps-exec pid
	"$CLAN" run --rm --init --network none --name "$name" --cap-drop ALL --cap-add KILL \
		--ulimit nofile=50:60 \
		"dir:$ROOTFS" sleep 60 </dev/null >/dev/null 2>&1 &
	pid=$!
	wait_exec "$name"
	run clan exec "$name" /bin/sh -c 'cat /proc/self/status; ulimit -n; ulimit -Hn'
	kill "$pid"
	wait "$pid"
	assert_eq "$rc" 0 "exec exit code (stderr: $err)"
	assert_eq "$(status_caps)" "0000000000000020 0000000000000020" "exec's CapEff CapBnd"
	assert_eq "$(tail -n 2 <<<"$out" | tr '\n' ' ')" "50 60 " "exec's ulimit -n, -Hn"
}

case_caps_bad_names() {
	assert_usage_error clan run --rm --cap-add CAP_NOPE "dir:$ROOTFS" true
	assert_contains "$err" "unknown capability 'CAP_NOPE'" "the message"
	assert_usage_error clan run --rm --cap-drop NET_BIND_SERVIC "dir:$ROOTFS" true
	assert_contains "$err" "did you mean CAP_NET_BIND_SERVICE?" "a did-you-mean"
}

case_ulimit_inside() {
	local u
	for u in root app; do
		run clan run --rm --network none -u "$u" --ulimit nofile=100:200 --ulimit core=0 \
			"dir:$ROOTFS" /bin/sh -c 'ulimit -n; ulimit -Hn; ulimit -c'
		assert_eq "$rc" 0 "exit code as $u (stderr: $err)"
		assert_eq "$out" "100
200
0" "ulimit -n, -Hn, -c as $u"
	done
}

# A hard limit above the host's: one exit-125 line naming the limit and
# the host's value, before anything starts.
case_ulimit_above_host() {
	local hard
	hard=$(ulimit -Hn)
	[ "$hard" = unlimited ] && skip_case "the hard nofile limit here is unlimited"
	run clan run --rm --network none --ulimit "nofile=10:$((hard + 1))" "dir:$ROOTFS" true
	assert_eq "$rc" 125 "exit code (stderr: $err)"
	assert_eq "$err" "clan: run: ulimit nofile: the hard limit $((hard + 1)) is above the host's ($hard), which only root on the host can raise; ask for at most $hard" "stderr"
	assert_no_containers
	assert_nothing_mounted
	run clan run --rm --network none --ulimit "nofile=10:$hard" "dir:$ROOTFS" /bin/sh -c 'ulimit -Hn'
	assert_eq "$out" "$hard" "the host's own hard limit is fine"
}

case_ulimit_bad_values() {
	assert_usage_error clan run --rm --ulimit nofile=10:5 "dir:$ROOTFS" true
	assert_contains "$err" "soft limit 10 is above the hard limit 5" "the message"
	assert_usage_error clan run --rm --ulimit nofle=5 "dir:$ROOTFS" true
	assert_contains "$err" "did you mean nofile?" "a did-you-mean"
	assert_usage_error clan run --rm --ulimit nofile=abc "dir:$ROOTFS" true
}

case_shm_size() {
	run clan run --rm --network none --shm-size 2m "dir:$ROOTFS" /bin/sh -c \
		'cat /proc/mounts; dd if=/dev/zero of=/dev/shm/big bs=1024 count=3072 2>/dev/null && echo wrote-3m; true'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_match "$(mount_line /dev/shm)" "^shm /dev/shm tmpfs rw,nosuid,nodev,noexec,.*size=2048k" "/dev/shm"
	assert_not_contains "$out" wrote-3m "3 MiB into a 2 MiB /dev/shm"
	run clan run --rm --network none "dir:$ROOTFS" cat /proc/mounts
	assert_contains "$(mount_line /dev/shm)" "size=65536k" "/dev/shm by default (docker's 64m)"
	assert_usage_error clan run --rm --shm-size -1 "dir:$ROOTFS" true
	assert_contains "$err" "bad --shm-size '-1'" "the message"
}

t tmpfs_size_and_mode case_tmpfs_size_and_mode
t tmpfs_flags case_tmpfs_flags
t tmpfs_symlink_inside_root case_tmpfs_symlink_inside_root
t tmpfs_symlink_escape_absolute case_tmpfs_symlink_escape_absolute
t tmpfs_symlink_escape_relative case_tmpfs_symlink_escape_relative
t tmpfs_bad_values case_tmpfs_bad_values
t read_only case_read_only
t read_only_off_by_default case_read_only_off_by_default
t read_only_cannot_be_undone case_read_only_cannot_be_undone
t caps_drop_all_add_one case_caps_drop_all_add_one
t caps_drop_takes_effect case_caps_drop_takes_effect
t caps_with_init case_caps_with_init
t cap_add_widens_seccomp case_cap_add_widens_seccomp
t caps_and_ulimits_exec case_caps_exec
t caps_bad_names case_caps_bad_names
t ulimit_inside case_ulimit_inside
t ulimit_above_host case_ulimit_above_host
t ulimit_bad_values case_ulimit_bad_values
t shm_size case_shm_size
finish
