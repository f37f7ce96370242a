#!/bin/bash
# clan run -v: bind mounts, their ownership in both id-mapping modes, and
# targets resolved inside the rootfs (never through a symlink out of it).
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
use_rootfs

case_bind_rw() {
	local d
	d=$(mk_tmp)
	echo from-host >"$d/in"
	run clan run --rm -v "$d:/data" "dir:$ROOTFS" /bin/sh -c 'cat /data/in; echo from-container > /data/out'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" from-host "host file seen inside"
	assert_eq "$(cat "$d/out" 2>/dev/null)" from-container "file written inside, read on the host"
}

# bind_owner MODE: a file and a dir that container root makes in a bind
# mount belong to the host user.
bind_owner() {
	local d
	d=$(mk_tmp)
	run clan run --rm --userns "$1" -v "$d:/data" "dir:$ROOTFS" /bin/sh -c \
		'echo x > /data/file; mkdir /data/dir; stat -c %u /data/file'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" 0 "owner inside (container root)"
	assert_eq "$(stat -c %u "$d/file")" "$(id -u)" "host owner of a file made inside ($1)"
	assert_eq "$(stat -c %u "$d/dir")" "$(id -u)" "host owner of a dir made inside ($1)"
	assert_eq "$(stat -c %g "$d/file")" "$(id -g)" "host group of a file made inside ($1)"
}

case_bind_owner_single() {
	bind_owner single
}

case_bind_owner_subuid() {
	need_subuid
	bind_owner subuid
}

case_bind_owner_auto() {
	bind_owner auto
}

case_bind_ro() {
	local d
	d=$(mk_tmp)
	echo keep >"$d/in"
	run clan run --rm -v "$d:/data:ro" "dir:$ROOTFS" /bin/sh -c \
		'cat /data/in; echo x > /data/new && echo wrote-new; echo y > /data/in && echo wrote-in; true'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" keep "output (no write may succeed on a :ro bind)"
	[ -e "$d/new" ] && die "$d/new was created through a :ro bind"
	assert_eq "$(cat "$d/in")" keep "host file behind a :ro bind"
}

case_bind_relative_src() {
	local d
	d=$(mk_tmp)
	mkdir "$d/sub"
	echo rel >"$d/sub/f"
	run_in() { cd "$d" && "$@"; }
	run run_in "$CLAN" run --rm -v ./sub:/data "dir:$ROOTFS" cat /data/f
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" rel "file through -v ./sub:/data"
}

case_bind_file() {
	local d
	d=$(mk_tmp)
	echo one-file >"$d/f"
	run clan run --rm -v "$d/f:/etc/bound" "dir:$ROOTFS" cat /etc/bound
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" one-file "a bind-mounted file"
}

case_bind_missing_target_created() {
	local d
	d=$(mk_tmp)
	echo deep >"$d/f"
	run clan run --rm -v "$d:/new/deep/dir" "dir:$ROOTFS" cat /new/deep/dir/f
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" deep "file under a target that the image lacks"
}

# escape_refused LINK_TARGET VICTIM: -v onto the image's /data, a symlink
# to LINK_TARGET that leads to the host dir VICTIM, is refused.
escape_refused() {
	local d
	d=$(mk_tmp)
	echo from-src >"$d/src-marker"
	assert_escape_refused "$1" "$2" /data -v "$d:/data"
}

case_symlink_escape_absolute() {
	local victim
	victim=$(mk_tmp)
	escape_refused "/../../..$victim" "$victim"
}

case_symlink_escape_relative() {
	local victim
	victim=$(mk_tmp)
	escape_refused "../../../../../../../..$victim" "$victim"
}

# A symlink that stays inside the rootfs is followed inside it, as docker
# does: /data -> /srv puts the bind on the image's /srv.
case_symlink_inside_root() {
	local r d
	r=$(fresh_rootfs) || die "cannot copy the rootfs"
	mkdir -p "$r/srv"
	ln -s /srv "$r/data"
	d=$(mk_tmp)
	echo inside >"$d/f"
	run clan run --rm -v "$d:/data" "dir:$r" /bin/sh -c 'cat /srv/f; cat /data/f'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "inside
inside" "the bind through an in-root symlink"
	[ -e "$r/srv/f" ] && die "the bind landed in the image dir itself"
	return 0
}

# A symlink in the image pointing at a host path the user owns must not let
# the container write there: /etc/evil -> $victim/f, written inside.
case_symlink_write_stays_inside() {
	local r victim
	r=$(fresh_rootfs) || die "cannot copy the rootfs"
	victim=$(mk_tmp)
	ln -s "$victim/f" "$r/etc/evil"
	run clan run --rm "dir:$r" /bin/sh -c 'mkdir -p "$(dirname "$(readlink /etc/evil)")"; echo pwned > /etc/evil; echo ran'
	assert_contains "$out" ran "stdout (the container ran; stderr: $err)"
	[ -e "$victim/f" ] && die "a write through an image symlink reached the host: $victim/f"
	return 0
}

# Volumes mount parents first whatever their order on the line, as in
# Docker: /vol/sub stays visible under /vol.
case_volumes_parents_first() {
	local a b
	a=$(mk_tmp)
	b=$(mk_tmp)
	echo in-a >"$a/fa"
	echo in-b >"$b/fb"
	run clan run --rm -v "$a:/vol/sub" -v "$b:/vol" "dir:$ROOTFS" /bin/sh -c 'cat /vol/sub/fa /vol/fb'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "in-a
in-b" "both volumes visible"
}

# The refused mount's message arrives every time. With the default network
# clan tells the child "network up" while it builds its root; a child that
# then fails dies with that message unread, and its error used to be lost in
# a few runs in a hundred (exit 2, empty stderr). 30 runs, each must say why.
case_refused_mount_message_every_time() {
	local r d i
	r=$(fresh_rootfs) || die "cannot copy the rootfs"
	ln -s /../../../tmp "$r/data"
	d=$(mk_tmp)
	for i in $(seq 1 30); do
		run clan run --rm -v "$d:/data" "dir:$r" /bin/sh -c 'echo RAN'
		if [ "$rc" != 2 ] && [ "$rc" != 125 ]; then
			die "run $i: exit: expected 2 or 125, got $rc" "stdout: $out" "stderr: $err"
		fi
		assert_not_contains "$out" RAN "run $i: stdout (the command must not run)"
		assert_contains "$err" "clan: volume $d:/data" "run $i: stderr (the refusal's message)"
	done
	assert_no_containers
}

t volumes_parents_first case_volumes_parents_first
t bind_rw case_bind_rw
t bind_owner_single case_bind_owner_single
t bind_owner_subuid case_bind_owner_subuid
t bind_owner_auto case_bind_owner_auto
t bind_ro case_bind_ro
t bind_relative_src case_bind_relative_src
t bind_file case_bind_file
t bind_missing_target_created case_bind_missing_target_created
t symlink_escape_absolute case_symlink_escape_absolute
t symlink_escape_relative case_symlink_escape_relative
t refused_mount_message_every_time case_refused_mount_message_every_time
t symlink_inside_root case_symlink_inside_root
t symlink_write_stays_inside case_symlink_write_stays_inside
finish
