#!/bin/bash
# clan run: what the container can see and do: a fresh /proc with runc's
# masked paths, read-only /sys and /proc/sys, a minimal /dev, docker's
# capability bounding set, no_new_privs, no inherited fds, a seccomp filter
# (clan's default profile, unconfined, or a Docker JSON profile), and a
# clan binary that refuses to run setuid or setgid.
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

# --- seccomp ------------------------------------------------------------------

# tests/seccomp_probe.c calls what the default profile refuses and prints
# "NAME RESULT" lines; static, so it runs in the busybox rootfs.
PROBE=$LIB_TMP/seccomp_probe
if ! cc -static -O2 -o "$PROBE" "$CLAN_TEST_ROOT/tests/seccomp_probe.c" 2>"$LIB_TMP/probe.err"; then
	PROBE_ERR="cannot link a static test helper (cc -static): $(head -n 1 "$LIB_TMP/probe.err")"
	PROBE=""
fi

# probe_rootfs: prints a fresh rootfs with the probe as /probe.
probe_rootfs() {
	[ -n "$PROBE" ] || skip_case "$PROBE_ERR"
	local r
	r=$(fresh_rootfs) || die "cannot copy the rootfs"
	cp "$PROBE" "$r/probe" || die "cannot copy the probe"
	echo "$r"
}

# probe_result NAME: the probe's result for NAME in $out.
probe_result() {
	awk -v n="$1" '$1 == n { print $2 }' <<<"$out"
}

assert_probe() {
	assert_eq "$(probe_result "$1")" "$2" "$1 in the container"
}

case_seccomp_default_refuses() {
	local r
	r=$(probe_rootfs) || exit
	run clan run --rm --network none "dir:$r" /probe
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	local n
	for n in keyctl add_key bpf kexec_load userfaultfd io_uring_setup perf_event_open \
		unshare_user clone_user mount setns; do
		assert_probe "$n" EPERM
	done
	# what the table does not know fails as on an older kernel; clone3
	# too, so that glibc falls back to clone, whose flags the filter sees
	assert_probe nr1000 ENOSYS
	assert_probe clone3 ENOSYS
	assert_probe clone_plain ok
	assert_probe unshare_files ok
}

# Unconfined in single-id mode still has the fake chown filter.
unconfined_seccomp_status() {
	if has_subuid && has_newuidmap; then echo 0; else echo 2; fi
}

# Without a filter the same calls reach the kernel, which answers
# otherwise (kexec_load: EPERM or ENOSYS from the kernel, so not asked).
case_seccomp_unconfined() {
	local r
	r=$(probe_rootfs) || exit
	run clan run --rm --network none --security-opt seccomp=unconfined "dir:$r" \
		/bin/sh -c 'grep "^Seccomp:" /proc/self/status; /probe'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_contains "$out" "$(printf 'Seccomp:\t%s' "$(unconfined_seccomp_status)")" "/proc/self/status"
	assert_probe keyctl ok
	assert_probe bpf EINVAL
	assert_probe clone3 EINVAL
	assert_probe unshare_user ok
	if [ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)" = 0 ]; then
		assert_probe io_uring_setup EFAULT
	fi
}

# Seccomp: 2 for the command and, under --init, for pid 1 (which the
# command could otherwise ptrace into calling what the filter refuses).
case_seccomp_status() {
	run clan run --rm --network none "dir:$ROOTFS" grep "^Seccomp:" /proc/self/status
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "$(printf 'Seccomp:\t2')" "/proc/self/status"
	run clan run --rm --network none --init "dir:$ROOTFS" /bin/sh -c \
		'grep "^Seccomp:" /proc/1/status /proc/self/status'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "$(printf '/proc/1/status:Seccomp:\t2\n/proc/self/status:Seccomp:\t2')" \
		"pid 1's and the command's status under --init"
}

# A profile in Docker's format: allow by default, keyctl EINVAL.
case_seccomp_profile_file() {
	local r d
	r=$(probe_rootfs) || exit
	d=$(mk_tmp)
	cat >"$d/p.json" <<'JSON'
{
	"defaultAction": "SCMP_ACT_ALLOW",
	"archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
	"syscalls": [
		{"names": ["keyctl", "no_such_syscall"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22},
		{"names": ["bpf"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_SYS_ADMIN"]}}
	]
}
JSON
	run clan run --rm --network none --security-opt "seccomp=$d/p.json" "dir:$r" /probe
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_probe keyctl EINVAL
	assert_probe add_key ok
	# the rule is for CAP_SYS_ADMIN, which containers do not have
	assert_probe bpf EINVAL
}

# A bad profile or option: exit 2, one line naming it, nothing started.
case_seccomp_bad_profile_refused() {
	local d
	d=$(mk_tmp)
	printf '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_NOPE"}]}' >"$d/bad.json"
	assert_usage_error clan run --rm --network none --security-opt "seccomp=$d/bad.json" "dir:$ROOTFS" true
	assert_contains "$err" "clan: $d/bad.json: syscalls[0]: unknown action \"SCMP_ACT_NOPE\"" "the message"
	printf '{"defaultAction": ' >"$d/cut.json"
	assert_usage_error clan run --rm --network none --security-opt "seccomp=$d/cut.json" "dir:$ROOTFS" true
	assert_contains "$err" "$d/cut.json: not a JSON profile" "the message"
	assert_usage_error clan run --rm --network none --security-opt "seccomp=$d/none.json" "dir:$ROOTFS" true
	assert_contains "$err" "$d/none.json" "the message names the missing file"
	assert_usage_error clan run --rm --network none --security-opt apparmor=unconfined "dir:$ROOTFS" true
	assert_contains "$err" "apparmor=unconfined" "the message names the option"
	assert_exit 0 clan run --rm --network none --security-opt no-new-privileges "dir:$ROOTFS" true
}

# clan exec gets the container's filter, from its record.
case_seccomp_exec() {
	local r opt pid name want
	r=$(probe_rootfs) || exit
	for opt in default unconfined; do
		name=secx-$opt
		# --init: sleep as pid 1 would ignore the SIGTERM that ends it
		"$CLAN" run --rm --init --network none --name "$name" --security-opt "seccomp=$opt" \
			"dir:$r" sleep 60 </dev/null >/dev/null 2>&1 &
		pid=$!
		wait_exec "$name"
		run clan exec "$name" /bin/sh -c 'grep "^Seccomp:" /proc/self/status; /probe'
		kill "$pid"
		wait "$pid"
		assert_eq "$rc" 0 "exec exit code (stderr: $err)"
		want=$(unconfined_seccomp_status)
		[ "$opt" = default ] && want=2
		assert_contains "$out" "$(printf 'Seccomp:\t%s' "$want")" "exec's /proc/self/status ($opt)"
		if [ "$opt" = default ]; then
			assert_probe keyctl EPERM
		else
			assert_probe keyctl ok
		fi
	done
}

# Package managers work under the filter (in single-id mode its fake chown
# too): dpkg -i and apt-get install of a local .deb whose postinst chowns.
case_seccomp_deb_packages() {
	command -v dpkg-deb >/dev/null || skip_case "dpkg-deb missing"
	command -v mmdebstrap >/dev/null || skip_case "mmdebstrap missing (deb: images)"
	local d p
	d=$(mk_tmp)
	for p in clan-sc-a clan-sc-b; do
		mkdir -p "$d/$p/DEBIAN" "$d/$p/opt/$p"
		echo hi >"$d/$p/opt/$p/file"
		printf 'Package: %s\nVersion: 1.0\nArchitecture: all\nMaintainer: clan tests <t@example.invalid>\nDescription: a test package\n' "$p" >"$d/$p/DEBIAN/control"
		printf '#!/bin/sh\nset -e\nchown daemon:daemon /opt/%s/file\nmkdir -p /var/lib/%s\n' "$p" "$p" >"$d/$p/DEBIAN/postinst"
		chmod 0755 "$d/$p/DEBIAN/postinst"
		dpkg-deb --root-owner-group --build "$d/$p" "$d/$p.deb" >/dev/null || die "cannot build $p.deb"
	done
	CLAN_STORAGE=$CLAN_TEST_DEB_STORAGE
	mkdir -p "$CLAN_STORAGE" && chmod 0700 "$CLAN_STORAGE"
	run clan run --rm --network none -v "$d:/pkgs:ro" deb:bookworm /bin/sh -c \
		'grep "^Seccomp:" /proc/self/status && dpkg -i /pkgs/clan-sc-a.deb >/dev/null &&
		 apt-get install -y /pkgs/clan-sc-b.deb >/dev/null 2>&1 &&
		 dpkg-query -W -f "\${Package} \${Status}\n" clan-sc-a clan-sc-b && test -d /var/lib/clan-sc-b && echo done'
	assert_eq "$rc" 0 "exit code (stdout: $out; stderr: $err)"
	assert_eq "$out" "$(printf 'Seccomp:\t2\nclan-sc-a install ok installed\nclan-sc-b install ok installed\ndone')" \
		"dpkg -i and apt-get install under the filter"
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
t seccomp_default_refuses case_seccomp_default_refuses
t seccomp_unconfined case_seccomp_unconfined
t seccomp_status case_seccomp_status
t seccomp_profile_file case_seccomp_profile_file
t seccomp_bad_profile_refused case_seccomp_bad_profile_refused
t seccomp_exec case_seccomp_exec
t seccomp_deb_packages case_seccomp_deb_packages
finish
