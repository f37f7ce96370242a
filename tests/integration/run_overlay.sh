#!/bin/bash
# clan run: the container root is an overlay over the image (kernel
# overlayfs, fuse-overlayfs or a copy; CLAN_OVERLAY forces one, --debug says
# which); writes land in the container's own layer, never in the image dir.
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
use_rootfs

WRITE_ALL='echo evil > /etc/passwd && echo x > /etc/new-file && rm /bin/ls && mkdir /new-dir &&
	echo y > /root/f && chmod 600 /etc/group && cat /etc/new-file && test ! -e /bin/ls && echo done'

# overlay_mode MODE: CLAN_OVERLAY=MODE works, --debug names it, writes work
# inside and leave the image dir as it was.
overlay_mode() {
	local mode=$1 r before
	r=$(fresh_rootfs) || die "cannot copy the rootfs"
	before=$(tree_manifest "$r")
	CLAN_OVERLAY=$mode run clan run --rm --debug "dir:$r" /bin/sh -c "$WRITE_ALL"
	assert_eq "$rc" 0 "exit code with CLAN_OVERLAY=$mode (stderr: $err)"
	assert_eq "$out" "x
done" "writes inside with CLAN_OVERLAY=$mode"
	assert_contains "$err" "overlay: $mode" "--debug output"
	assert_eq "$(tree_manifest "$r")" "$before" "the image dir after writes with CLAN_OVERLAY=$mode"
	assert_no_containers
	assert_nothing_mounted
}

case_overlay_kernel() {
	overlay_mode kernel
}

case_overlay_fuse() {
	need_fuse
	overlay_mode fuse
}

case_overlay_copy() {
	overlay_mode copy
}

case_overlay_default_debug() {
	run clan run --rm --debug "dir:$ROOTFS" true
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_match "$err" "overlay: (kernel|fuse|copy)" "--debug output"
}

case_overlay_bad_value() {
	CLAN_OVERLAY=zfs run clan run --rm "dir:$ROOTFS" true
	if [ "$rc" != 2 ] && [ "$rc" != 125 ]; then
		die "exit with CLAN_OVERLAY=zfs: expected 2 or 125, got $rc" "stderr: $err"
	fi
	assert_contains "$err" "CLAN_OVERLAY" "stderr"
	assert_no_containers
}

# Writes to /etc (the issue's case) do not reach the image dir, in the
# default mode, and each --rm container starts from the image again.
case_etc_writes_stay_inside() {
	local r before
	r=$(fresh_rootfs) || die "cannot copy the rootfs"
	before=$(tree_manifest "$r")
	run clan run --rm "dir:$r" /bin/sh -c 'echo "hacker:x:0:0::/:/bin/sh" >> /etc/passwd; echo n > /etc/clan-new; grep -c hacker /etc/passwd'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" 1 "the write inside"
	assert_eq "$(tree_manifest "$r")" "$before" "the image dir"
	run clan run --rm "dir:$r" /bin/sh -c 'grep -c hacker /etc/passwd; test -e /etc/clan-new && echo LEFT; true'
	assert_eq "$out" 0 "a second container sees the image, not the first one's writes"
}

# The image dir may be read-only to the user (an admin-provided sandbox):
# the container still writes to its own layer.
case_readonly_image_dir() {
	local r
	r=$(fresh_rootfs) || die "cannot copy the rootfs"
	chmod a-w "$r" "$r/etc"
	run clan run --rm "dir:$r" /bin/sh -c 'echo w > /etc/w && cat /etc/w'
	chmod u+w "$r" "$r/etc"
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" w "a write under a read-only image dir"
	[ -e "$r/etc/w" ] && die "the write reached the image dir"
	return 0
}

# Several containers of one image at once: each gets its own layer and id,
# all succeed, and --rm leaves nothing.
case_parallel_runs() {
	local i pids=() rcs=""
	for i in 1 2 3 4 5 6; do
		"$CLAN" run --rm "dir:$ROOTFS" /bin/sh -c "echo $i > /etc/who; sleep 0.3; cat /etc/who" \
			>"$LIB_TMP/par.$i" 2>&1 </dev/null &
		pids+=($!)
	done
	for i in 1 2 3 4 5 6; do
		wait "${pids[$((i - 1))]}"
		rcs="$rcs $?"
		assert_eq "$(cat "$LIB_TMP/par.$i")" "$i" "output of parallel container $i"
	done
	assert_eq "$rcs" " 0 0 0 0 0 0" "exit codes of parallel containers"
	assert_no_containers
}

# tmpfs keeps user xattrs (overlayfs's whiteouts and opaque dirs) from
# Linux 6.6: there an --rm container's writable layer is in memory.
tmpfs_user_xattrs() {
	local v major minor
	v=$(uname -r)
	major=${v%%.*}
	minor=${v#*.}
	minor=${minor%%[!0-9]*}
	[ "$major" -gt 6 ] || { [ "$major" = 6 ] && [ "$minor" -ge 6 ]; }
}

# rm_layer_entries [ENV=V...]: runs an --rm container that reports in
# through a bound dir and sleeps, and prints what its dir in the storage
# holds meanwhile, one name a line.
rm_layer_entries() {
	local sig=$LIB_TMP/sig.$RANDOM i pid dir
	mkdir -p "$sig"
	env "$@" "$CLAN" run --rm --network none -v "$sig:/sig" "dir:$ROOTFS" /bin/sh -c 'touch /sig/up; sleep 1' \
		>"$LIB_TMP/rl.out" 2>&1 </dev/null &
	pid=$!
	for i in $(seq 100); do
		[ -e "$sig/up" ] && break
		sleep 0.05
	done
	dir=$(find "$CLAN_STORAGE/containers" -mindepth 1 -maxdepth 1 ! -name names | head -1)
	ls -A "$dir"
	wait "$pid" || die "the --rm container failed: $(cat "$LIB_TMP/rl.out")"
}

# An --rm container's writable layer, and its /etc files, are a tmpfs of
# its own mount namespace: nothing of them on disk while it runs, every
# overlay feature (whiteouts, opaque dirs) inside, and nothing left after.
case_rm_layer_in_memory() {
	tmpfs_user_xattrs || skip_case "kernel $(uname -r): tmpfs has no user xattrs before 6.6"
	local r before
	r=$(fresh_rootfs) || die "cannot copy the rootfs"
	before=$(tree_manifest "$r")
	run clan run --rm "dir:$r" /bin/sh -c "$WRITE_ALL"' && cp /bin/busybox /busybox && rm -rf /bin &&
		/busybox mkdir /bin && /busybox ls -A /bin | /busybox wc -l && /busybox cat /etc/hostname /etc/hosts >/dev/null; echo $?'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "x
done
0
0" "writes, a whiteout and an opaque dir inside"
	assert_eq "$(tree_manifest "$r")" "$before" "the image dir"
	assert_eq "$(rm_layer_entries | sort | tr '\n' ' ')" "container.json seccomp.bpf " \
		"the container's dir on disk while it runs"
	assert_no_containers
	assert_eq "$(ls -A "$CLAN_STORAGE/trash" 2>/dev/null)" "" "the trash"
	assert_nothing_mounted
}

# The layer has a bound (clan.conf [run] rm_layer): a container that
# writes more gets ENOSPC, the host's memory is spared, clan cleans up.
case_rm_layer_bounded() {
	tmpfs_user_xattrs || skip_case "kernel $(uname -r): tmpfs has no user xattrs before 6.6"
	CLAN_RM_LAYER=1m run clan run --rm "dir:$ROOTFS" /bin/sh -c \
		'dd if=/dev/zero of=/big bs=64k count=64 2>/dev/null; echo dd=$?; rm /big; echo small > /s && cat /s'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "dd=1
small" "a 4 MiB write into a 1 MiB layer"
	assert_no_containers
	assert_nothing_mounted
}

# Where the layer stays on disk: rm_layer = disk, a Slurm job (its memory
# limit would count the layer) unless the setting asks for memory, fuse
# and copy, and a container without --rm.
case_rm_layer_on_disk() {
	local with_upper="container.json etc merged seccomp.bpf upper work "
	assert_eq "$(rm_layer_entries CLAN_RM_LAYER=disk | sort | tr '\n' ' ')" "$with_upper" \
		"rm_layer = disk"
	assert_eq "$(rm_layer_entries SLURM_JOB_ID=7 | sort | tr '\n' ' ')" "$with_upper" \
		"in a Slurm job"
	if tmpfs_user_xattrs; then
		assert_eq "$(rm_layer_entries SLURM_JOB_ID=7 CLAN_RM_LAYER=10% | sort | tr '\n' ' ')" \
			"container.json seccomp.bpf " "in a Slurm job with rm_layer = 10%"
	fi
	assert_eq "$(rm_layer_entries CLAN_OVERLAY=copy | sort | tr '\n' ' ')" \
		"container.json etc merged rootfs seccomp.bpf upper work " "CLAN_OVERLAY=copy"
	run clan run --name kept "dir:$ROOTFS" /bin/sh -c 'echo k > /k'
	assert_eq "$rc" 0 "a container without --rm (stderr: $err)"
	[ -d "$CLAN_STORAGE/containers/$(readlink "$CLAN_STORAGE/containers/names/kept")/upper" ] ||
		die "a container without --rm has no upper dir on disk"
	run clan rm kept
	assert_eq "$rc" 0 "clan rm (stderr: $err)"
	assert_no_containers
}

# A value that is not a size never reaches the kernel's mount options.
case_rm_layer_bad_value() {
	local v
	for v in '1g,uid=0' '0' 'lots' '200%'; do
		CLAN_RM_LAYER=$v run clan run --rm "dir:$ROOTFS" true
		assert_eq "$rc" 2 "exit with CLAN_RM_LAYER=$v (stderr: $err)"
		assert_contains "$err" "CLAN_RM_LAYER" "stderr with CLAN_RM_LAYER=$v"
	done
	assert_no_containers
}

t overlay_kernel case_overlay_kernel
t overlay_fuse case_overlay_fuse
t overlay_copy case_overlay_copy
t overlay_default_debug case_overlay_default_debug
t overlay_bad_value case_overlay_bad_value
t etc_writes_stay_inside case_etc_writes_stay_inside
t readonly_image_dir case_readonly_image_dir
t parallel_runs case_parallel_runs
t rm_layer_in_memory case_rm_layer_in_memory
t rm_layer_bounded case_rm_layer_bounded
t rm_layer_on_disk case_rm_layer_on_disk
t rm_layer_bad_value case_rm_layer_bad_value
finish
