#!/bin/bash
# A hostile container trying to reach past its walls into the user's
# session: keystrokes pushed into the user's terminal (TIOCSTI), bind
# sources swapped for symlinks to the home between two starts.
# shellcheck disable=SC2317 # cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
use_rootfs

# static_helper NAME: builds tests/helpers/NAME.c as a static binary into
# a fresh dir (echoed) that a container can bind; skips the case without a
# compiler or a static libc.
static_helper() {
	local name=$1 dir
	need_cmd cc
	dir=$(mk_tmp) || die "cannot make a temp dir"
	chmod 0755 "$dir"
	if ! cc -static -O2 -o "$dir/$name" "$CLAN_TEST_ROOT/tests/helpers/$name.c" 2>"$dir/cc.err"; then
		skip_case "cannot build a static $name helper: $(head -n 3 "$dir/cc.err")"
	fi
	echo "$dir"
}

# start_sleeper NAME [RUN-ARGS...]: a container NAME that sleeps, running
# in the background; waits until clan exec can reach it.
start_sleeper() {
	local name=$1 tenths=200
	shift
	"$CLAN" run --rm --network none --name "$name" "$@" "dir:$ROOTFS" sleep 300 \
		</dev/null >"$LIB_TMP/$name.out" 2>&1 &
	echo $! >"$LIB_TMP/$name.pid"
	while [ "$tenths" -gt 0 ]; do
		"$CLAN" exec "$name" true </dev/null >/dev/null 2>&1 && return 0
		sleep 0.1
		tenths=$((tenths - 1))
	done
	die "container $name never answered clan exec: $(cat "$LIB_TMP/$name.out")"
}

stop_sleeper() {
	local pid
	pid=$(cat "$LIB_TMP/$1.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# `clan exec NAME CMD` from an interactive shell on a terminal (script(1)
# gives bash a pty): the command pushes `echo pwned > FILE` into the
# terminal with TIOCSTI. The shell must never run it.
case_exec_cannot_push_keystrokes() {
	need_cmd script
	local legacy
	legacy=$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo 1)
	[ "$legacy" = 0 ] && skip_case "this kernel refuses TIOCSTI to everyone (dev.tty.legacy_tiocsti=0)"
	local bin d
	bin=$(static_helper tiocsti)
	d=$(mk_tmp)
	chmod 0755 "$d"
	start_sleeper victim -v "$bin:/h:ro"
	mkfifo "$d/in"
	script -qec "bash --norc --noprofile -i" /dev/null <"$d/in" >"$d/session" 2>&1 &
	local spid=$!
	exec 3>"$d/in"
	echo "\"$CLAN\" exec victim /h/tiocsti $d/PWNED" >&3
	local tenths=200
	while ! grep -qE 'injected|refused' "$d/session" && [ "$tenths" -gt 0 ]; do
		sleep 0.1
		tenths=$((tenths - 1))
	done
	# whatever was pushed sits in the terminal's input before this line
	echo "touch $d/done" >&3
	wait_for "$d/done" 10
	echo exit >&3
	exec 3>&-
	wait "$spid"
	stop_sleeper victim
	[ -e "$d/PWNED" ] && die "the shell ran the pushed command" "$(cat "$d/session")"
	grep -q refused "$d/session" || die "the helper did not report a refusal:" "$(cat "$d/session")"
}

# A service binds the project dir and ./data; on its first run it swaps
# ./data for a symlink to the user's home (here a stand-in dir) and exits;
# restart = on-failure starts it again. The restart must not mount the
# home: it mounts the ./data it had, or nothing.
case_bind_swapped_for_symlink() {
	local proj home tenths=150
	proj=$(mk_tmp)
	home=$(mk_tmp)
	chmod 0755 "$proj" "$home"
	mkdir "$proj/data"
	cat >"$proj/.clanrc" <<-EOF
		[service.evil]
		image = dir:$ROOTFS
		command = sh -c 'if [ -L /app/data ]; then touch /data/PWNED; exec sleep 300; fi; mv /app/data /app/data.orig && ln -s $home /app/data; exit 1'
		bind = .:/app
		bind = ./data:/data
		restart = on-failure
	EOF
	cd "$proj" || die "no project dir"
	clan up -d >"$LIB_TMP/up.out" 2>&1 </dev/null
	# the second start happens (and mounts, or fails) within a few seconds
	while [ ! -L "$proj/data" ] && [ "$tenths" -gt 0 ]; do
		sleep 0.1
		tenths=$((tenths - 1))
	done
	[ -L "$proj/data" ] || die "the service never swapped ./data: $(cat "$LIB_TMP/up.out")" \
		"$(clan logs evil 2>&1 | tail -n 5)"
	tenths=30
	while [ ! -e "$home/PWNED" ] && [ "$tenths" -gt 0 ]; do
		sleep 0.1
		tenths=$((tenths - 1))
	done
	local ps logs
	ps=$(clan ps -a 2>&1)
	logs=$(clan logs evil 2>&1 | tail -n 5)
	clan down >/dev/null 2>&1
	[ -e "$home/PWNED" ] && die "a restart mounted the symlink's target (the home)" "$ps" "$logs"
	[ -e "$proj/data.orig/PWNED" ] && die "the service ran again with a symlink at ./data" "$ps"
	return 0
}

# Under --init, pid 1 is clan's own code, not dumpable: clan exec still
# joins the container (through the command's process), and what it runs
# cannot read pid 1's environment or fds.
case_exec_into_init_container() {
	start_sleeper initd --init
	run clan exec initd sh -c 'echo joined; cat /proc/1/environ >/dev/null 2>&1 || echo environ-refused; ls /proc/1/fd >/dev/null 2>&1 || echo fd-refused'
	stop_sleeper initd
	assert_eq "$rc" 0 "clan exec into an --init container (stderr: $err)"
	assert_eq "$out" "joined
environ-refused
fd-refused" "what the exec'd command saw of pid 1"
}

t exec_cannot_push_keystrokes case_exec_cannot_push_keystrokes
t exec_into_init_container case_exec_into_init_container
t bind_swapped_for_symlink case_bind_swapped_for_symlink
finish
