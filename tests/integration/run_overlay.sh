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

t overlay_kernel case_overlay_kernel
t overlay_fuse case_overlay_fuse
t overlay_copy case_overlay_copy
t overlay_default_debug case_overlay_default_debug
t overlay_bad_value case_overlay_bad_value
t etc_writes_stay_inside case_etc_writes_stay_inside
t readonly_image_dir case_readonly_image_dir
t parallel_runs case_parallel_runs
finish
