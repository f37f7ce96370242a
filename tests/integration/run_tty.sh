#!/bin/bash
# clan run -it: a pty inside, the outer terminal's size, resizes forwarded,
# the exit code kept. The outer terminal is script(1)'s pty.
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
use_rootfs

# in_pty CMD: runs the shell command CMD on a fresh pty of 30x100; sets
# rc and out (carriage returns removed). script's stdin stays open (a pipe
# nobody writes): at EOF script(1) types the terminal's EOF character into
# the pty, which `-it` would pass on to the container.
in_pty() {
	local log=$LIB_TMP/pty.out holder
	exec 3< <(exec sleep 120)
	holder=$!
	export D=${D:-} N=${N:-}
	CLAN_Q=$(printf '%q' "$CLAN") ROOTFS_Q=$(printf '%q' "$ROOTFS") \
		timeout 60 script -qec "stty rows 30 cols 100; $1" /dev/null <&3 >"$log" 2>&1
	rc=$?
	exec 3<&-
	kill "$holder" 2>/dev/null
	out=$(tr -d '\r' <"$log")
}

case_tty_inside() {
	need_cmd script
	in_pty '$CLAN_Q run --rm -it dir:$ROOTFS_Q /bin/sh -c "tty; stty size"'
	assert_eq "$rc" 0 "exit code (output: $out)"
	assert_match "$(sed -n 1p <<<"$out")" "^/dev/pts/[0-9]+$" "tty inside"
	assert_eq "$(sed -n 2p <<<"$out")" "30 100" "stty size inside"
}

case_tty_exit_code() {
	need_cmd script
	in_pty '$CLAN_Q run --rm -it dir:$ROOTFS_Q /bin/sh -c "exit 3"'
	assert_eq "$rc" 3 "exit code through -it (output: $out)"
}

# The outer terminal is resized while the container runs (once it says it
# is ready): the container's terminal follows (SIGWINCH handled by clan).
case_tty_resize() {
	need_cmd script
	local d
	d=$(mk_tmp)
	D=$d in_pty '(while [ ! -e "$D/ready" ]; do sleep 0.1; done; stty rows 40 cols 120 </dev/tty) &
		$CLAN_Q run --rm -it -v "$D:/data" dir:$ROOTFS_Q /bin/sh -c "stty size; touch /data/ready;
			i=0; while [ \$i -lt 100 ]; do s=\$(stty size); [ \"\$s\" != \"30 100\" ] && break; sleep 0.1; i=\$((i+1)); done; echo \$s"
		r=$?; wait; exit $r'
	assert_eq "$rc" 0 "exit code (output: $out)"
	assert_eq "$(sed -n 1p <<<"$out")" "30 100" "stty size at start"
	assert_eq "$(sed -n 2p <<<"$out")" "40 120" "stty size after the outer terminal was resized"
}

case_tty_output_and_stderr() {
	need_cmd script
	in_pty '$CLAN_Q run --rm -it dir:$ROOTFS_Q /bin/sh -c "echo to-out; echo to-err >&2"'
	assert_eq "$rc" 0 "exit code (output: $out)"
	assert_contains "$out" "to-out" "terminal output"
	assert_contains "$out" "to-err" "terminal output"
}

case_no_tty_without_t() {
	run clan run --rm "dir:$ROOTFS" /bin/sh -c 'tty; true'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "not a tty" "tty without -t"
}

# Without -t on a terminal the container must not get the host's terminal.
case_no_tty_leak_on_terminal() {
	need_cmd script
	in_pty '$CLAN_Q run --rm dir:$ROOTFS_Q /bin/sh -c "tty; true"'
	assert_eq "$rc" 0 "exit code (output: $out)"
	assert_not_contains "$out" "/dev/pts" "tty without -t, clan started on a terminal"
}

# compose exec on a terminal: a terminal inside when stdin and stdout are
# one (compose's default), none when stdout is a file (pg_dump > dump.sql
# stays byte for byte); with -T (and -i without -t) the command reads
# clan's stdin through a pipe, never the terminal itself (it could read
# what the user types into the shell afterwards).
case_compose_exec_terminal() {
	need_cmd script
	fresh_storage
	local d
	d=$(mk_tmp)
	cat >"$d/compose.yaml" <<-EOF
		services:
		  svc:
		    image: dir:$ROOTFS
		    command: sleep 1000
	EOF
	cd "$d" || die "no project dir"
	trap 'clan down -t 0 >/dev/null 2>&1' EXIT
	assert_exit 0 clan up -d
	D=$d in_pty 'cd "$D" && $CLAN_Q exec svc sh -c "tty; stty size"'
	assert_eq "$rc" 0 "exit code (output: $out)"
	assert_match "$(sed -n 1p <<<"$out")" "^/dev/pts/[0-9]+$" "a terminal inside"
	assert_eq "$(sed -n 2p <<<"$out")" "30 100" "the outer terminal's size"
	D=$d in_pty 'cd "$D" && $CLAN_Q exec svc sh -c "tty; printf \"a\\nb\\n\"" >"$D/dump.out"'
	assert_eq "$rc" 0 "exit code (output: $out)"
	assert_eq "$(od -c <"$d/dump.out" | head -2 | tr -s ' ')" "$(printf 'not a tty\na\nb\n' | od -c | head -2 | tr -s ' ')" \
		"stdout a file: no terminal, no CR in the bytes"
	D=$d in_pty 'cd "$D" && $CLAN_Q exec -T svc sh -c "readlink /proc/self/fd/0; tty"'
	assert_match "$out" "pipe:" "-T: stdin a pipe (output: $out)"
	assert_not_contains "$out" "/dev/pts" "-T: not the terminal"
	local name
	name=$(clan ps -q | head -n 1)
	D=$d N=$name in_pty 'cd / && $CLAN_Q exec -i "$N" sh -c "readlink /proc/self/fd/0"'
	assert_match "$out" "pipe:" "exec -i of a container: stdin a pipe (output: $out)"
	assert_exit 0 clan down
}

t tty_inside case_tty_inside
t tty_exit_code case_tty_exit_code
t tty_resize case_tty_resize
t tty_output_and_stderr case_tty_output_and_stderr
t no_tty_without_t case_no_tty_without_t
t no_tty_leak_on_terminal case_no_tty_leak_on_terminal
t compose_exec_terminal case_compose_exec_terminal
finish
