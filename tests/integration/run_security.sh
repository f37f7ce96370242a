#!/bin/bash
# clan run: what the container can see and do: a fresh /proc with runc's
# masked paths, read-only /sys and /proc/sys, a minimal /dev, docker's
# capability bounding set, no_new_privs, no inherited fds, and a clan
# binary that refuses to run setuid or setgid.
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
use_rootfs

case_proc_fresh() {
	run clan run --rm "dir:$ROOTFS" /bin/sh -c 'ls /proc | grep -c "^[0-9][0-9]*$"; test -d /proc/1 && echo has-1'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	local n
	n=$(sed -n 1p <<<"$out")
	assert_eq "$(sed -n 2p <<<"$out")" has-1 "/proc/1 inside"
	if ! [ "$n" -ge 1 ] 2>/dev/null || [ "$n" -gt 5 ]; then
		die "expected a fresh /proc with a few pids, got $n pids: a host /proc?"
	fi
}

case_ps_shows_only_container() {
	run clan run --rm "dir:$ROOTFS" ps -o pid,args
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	local n
	n=$(tail -n +2 <<<"$out" | grep -c '')
	if [ "$n" -gt 4 ]; then
		die "ps inside lists $n processes (expected the init and ps):" "$out"
	fi
	assert_match "$(tail -n +2 <<<"$out" | head -n 1)" "^ *1 " "first process listed by ps is pid 1"
	assert_contains "$out" "ps -o pid,args" "ps output"
}

case_proc_masked() {
	run clan run --rm "dir:$ROOTFS" /bin/sh -c \
		'for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug /proc/latency_stats /proc/timer_stats; do
			[ -e "$f" ] || continue
			echo "$f $(cat "$f" 2>/dev/null | wc -c)"
		done'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	# /proc/kcore exists only with CONFIG_PROC_KCORE; keys and timer_list
	# exist on every kernel we support.
	assert_contains "$out" "/proc/keys 0" "bytes read from masked /proc files"
	if [ -e /proc/kcore ]; then
		assert_contains "$out" "/proc/kcore 0" "bytes read from masked /proc files"
	fi
	local line
	while read -r line; do
		case $line in *" 0") ;; *) die "a masked /proc file gave data: $line" ;; esac
	done <<<"$out"
}

case_proc_sysrq_not_writable() {
	run clan run --rm "dir:$ROOTFS" /bin/sh -c 'echo h > /proc/sysrq-trigger && echo WROTE; echo ran'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" ran "write to /proc/sysrq-trigger"
}

case_proc_sys_readonly() {
	run clan run --rm "dir:$ROOTFS" /bin/sh -c 'awk "\$5 == \"/proc/sys\" { print \$6 }" /proc/self/mountinfo'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	[ -n "$out" ] || die "/proc/sys is not a separate mount inside (mountinfo has no /proc/sys line)"
	assert_match "$(tail -n 1 <<<"$out")" "(^|,)ro(,|$)" "/proc/sys mount options"
}

case_sys_readonly() {
	run clan run --rm "dir:$ROOTFS" /bin/sh -c \
		'touch /sys/clan-test 2>/dev/null && echo TOUCHED; awk "\$5 == \"/sys\" { print \$6 }" /proc/self/mountinfo'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_not_contains "$out" TOUCHED "touch /sys/clan-test"
	[ -n "$out" ] || die "/sys is not mounted inside"
	assert_match "$(tail -n 1 <<<"$out")" "(^|,)ro(,|$)" "/sys mount options"
}

case_dev_minimal() {
	run clan run --rm "dir:$ROOTFS" /bin/sh -c 'ls /dev; echo --; find /dev -type b'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	local names blocks
	names=" $(sed '/^--$/,$d' <<<"$out" | tr '\n' ' ')"
	blocks=$(sed '1,/^--$/d' <<<"$out")
	local d
	for d in null zero full random urandom tty ptmx pts shm; do
		assert_contains "$names" " $d " "ls /dev"
	done
	for d in sda vda nvme0 nvme0n1 mem kmem port kmsg; do
		assert_not_contains "$names" " $d " "ls /dev"
	done
	assert_eq "$blocks" "" "block devices in /dev"
}

case_dev_nodes_work() {
	run clan run --rm "dir:$ROOTFS" /bin/sh -c \
		'echo x > /dev/null && echo null-ok; head -c 5 /dev/zero | wc -c; head -c 7 /dev/urandom | wc -c; echo x > /dev/full 2>/dev/null || echo full-fails'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$(tr -d ' ' <<<"$out")" "null-ok
5
7
full-fails" "device nodes"
}

case_dev_shm_writable() {
	run clan run --rm "dir:$ROOTFS" /bin/sh -c 'echo s > /dev/shm/x && cat /dev/shm/x'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" s "/dev/shm"
}

# A new ipc namespace and a private /dev/shm: the host's shared memory
# objects are not visible inside.
case_ipc_private() {
	local f=/dev/shm/clan-test-$$-$RANDOM
	echo host >"$f" || skip_case "cannot write the host's /dev/shm"
	run clan run --rm "dir:$ROOTFS" /bin/sh -c "ls /dev/shm; test -e $f && echo VISIBLE; true"
	rm -f "$f"
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_not_contains "$out" VISIBLE "the host's $f inside"
}

case_caps_bounding_set() {
	run clan run --rm "dir:$ROOTFS" /bin/sh -c 'grep -E "^(CapBnd|NoNewPrivs):" /proc/self/status'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_contains "$out" "CapBnd:	00000000a80425fb" "/proc/self/status"
	assert_contains "$out" "NoNewPrivs:	1" "/proc/self/status"
}

case_caps_bounding_set_as_user() {
	run clan run --rm -u app "dir:$ROOTFS" /bin/sh -c 'grep -E "^(CapBnd|CapEff|NoNewPrivs):" /proc/self/status'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_contains "$out" "CapBnd:	00000000a80425fb" "/proc/self/status as app"
	assert_contains "$out" "CapEff:	0000000000000000" "/proc/self/status as app"
	assert_contains "$out" "NoNewPrivs:	1" "/proc/self/status as app"
}

# fds beyond 0-2 that clan inherits are closed before the command runs:
# inside, ls /proc/self/fd shows 0 1 2 and its own dir fd only.
case_fds_closed() {
	local fds
	fds=$(clan run --rm "dir:$ROOTFS" ls /proc/self/fd 5</dev/null 7>/dev/null 9<"$ROOTFS/etc/passwd" 2>"$LIB_TMP/fd.err" </dev/null)
	local rc=$?
	assert_eq "$rc" 0 "exit code (stderr: $(cat "$LIB_TMP/fd.err"))"
	fds=$(tr '\n' ' ' <<<"$fds")
	assert_match "$fds" "^0 1 2 [0-9]+ $" "fds open inside (ls's own dir fd is the 4th)"
}

# refuses_privileged MODE: a copy of clan with MODE (u+s or g+s) refuses.
refuses_privileged() {
	local d
	d=$(mk_tmp)
	cp "$CLAN" "$d/clan"
	chmod "$1" "$d/clan" || die "chmod $1 on our own copy failed"
	run "$d/clan" run --rm "dir:$ROOTFS" /bin/sh -c 'echo RAN'
	assert_ne "$rc" 0 "exit code of a $1 clan"
	assert_not_contains "$out" RAN "stdout (the command must not run)"
	assert_match "$err" "^clan: .*(setuid|setgid|set-user|set-group|privilege)" "stderr"
	run "$d/clan" doctor
	assert_ne "$rc" 0 "exit code of a $1 clan doctor"
}

case_refuses_setuid() {
	refuses_privileged u+s
}

case_refuses_setgid() {
	refuses_privileged g+s
}

# An image whose /proc is a symlink must not move the runtime's /proc (and
# so slip out of its masks): refused (runc's CVE-2019-19921 class).
case_proc_symlink_refused() {
	local r
	r=$(fresh_rootfs) || die "cannot copy the rootfs"
	if ! { rmdir "$r/proc" && mkdir -p "$r/sys/hidden-proc" && ln -s /sys/hidden-proc "$r/proc"; }; then
		die "cannot prepare the image"
	fi
	assert_usage_error clan run --rm "dir:$r" true
	assert_contains "$err" "/proc" "stderr names the path"
}

# The image's /etc/passwd is read inside the image: a symlink to a host
# path (here the caller's stdin) is not followed out of it, nor blocks.
case_passwd_symlink_stays_inside() {
	local r
	r=$(fresh_rootfs) || die "cannot copy the rootfs"
	if ! { rm -f "$r/etc/passwd" && ln -s /dev/stdin "$r/etc/passwd"; }; then
		die "cannot prepare the image"
	fi
	out=$(printf 'root:x:0:0::/HOST-STDIN-DATA:/bin/sh\n' |
		timeout 20 "$CLAN" run --rm "dir:$r" /bin/sh -c 'echo "$HOME"' 2>"$LIB_TMP/err")
	rc=$?
	assert_eq "$rc" 0 "exit code (stderr: $(cat "$LIB_TMP/err"))"
	assert_eq "$out" /root "HOME (host stdin must not be read as the image's passwd)"
}

# Under --init, pid 1 has no more privilege than the command. (Its fds, 0-2
# only since close_inherited_fds, are no longer listable from inside:
# case_init_pid1_hidden.)
case_init_pid1_confined() {
	run clan run --rm --init "dir:$ROOTFS" /bin/sh -c \
		'grep -E "^(CapBnd|NoNewPrivs):" /proc/1/status | tr -s "\t\n" "  "' 7</dev/null
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "CapBnd: 00000000a80425fb NoNewPrivs: 1 " "pid 1's privileges"
}

# --init's pid 1 is clan's code (its memory, the host's clan binary as
# /proc/1/exe): the command, same uid, can neither list its fds nor read
# its environment, memory or binary (it is not dumpable).
case_init_pid1_hidden() {
	run clan run --rm --init "dir:$ROOTFS" /bin/sh -c \
		'ls /proc/1/fd >/dev/null 2>&1 && echo fd; cat /proc/1/environ >/dev/null 2>&1 && echo environ
		 true 2>/dev/null </proc/1/mem && echo mem; readlink /proc/1/exe && echo exe
		 ls /proc/$$/fd >/dev/null && echo own'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "own" "what of pid 1 the command reached (own: its own /proc works)"
}

# The hidden pid 1 still lets the user's own clan in: --network
# container:NAME on an --init container joins through its command.
case_init_target_joinable() {
	local name=init$$
	"$CLAN" run --rm --name "$name" --init --network none "dir:$ROOTFS" sleep 30 \
		>/dev/null 2>&1 </dev/null &
	local bgpid=$!
	for _ in $(seq 50); do
		clan ps 2>/dev/null | grep -q "$name" && break
		sleep 0.1
	done
	run clan run --rm --network "container:$name" "dir:$ROOTFS" echo joined
	clan rm -f "$name" >/dev/null 2>&1
	wait "$bgpid"
	assert_eq "$rc" 0 "join an --init container's network (stderr: $err)"
	assert_eq "$out" joined "output"
}

t proc_symlink_refused case_proc_symlink_refused
t passwd_symlink_stays_inside case_passwd_symlink_stays_inside
t init_pid1_confined case_init_pid1_confined
t init_pid1_hidden case_init_pid1_hidden
t init_target_joinable case_init_target_joinable
t proc_fresh case_proc_fresh
t ps_shows_only_container case_ps_shows_only_container
t proc_masked case_proc_masked
t proc_sysrq_not_writable case_proc_sysrq_not_writable
t proc_sys_readonly case_proc_sys_readonly
t sys_readonly case_sys_readonly
t dev_minimal case_dev_minimal
t dev_nodes_work case_dev_nodes_work
t dev_shm_writable case_dev_shm_writable
t ipc_private case_ipc_private
t caps_bounding_set case_caps_bounding_set
t caps_bounding_set_as_user case_caps_bounding_set_as_user
t fds_closed case_fds_closed
t refuses_setuid case_refuses_setuid
t refuses_setgid case_refuses_setgid
finish
