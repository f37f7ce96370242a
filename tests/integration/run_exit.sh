#!/bin/bash
# clan run: the command's exit status is clan's, signals give 128+N, and a
# SIGTERM to clan reaches the container.
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
use_rootfs

case_exit_codes() {
	assert_exit 0 clan run --rm "dir:$ROOTFS" true
	assert_exit 1 clan run --rm "dir:$ROOTFS" false
	assert_exit 42 clan run --rm "dir:$ROOTFS" /bin/sh -c 'exit 42'
	assert_exit 255 clan run --rm "dir:$ROOTFS" /bin/sh -c 'exit 255'
}

# With --init (docker's flag) the command is pid 2 and can die of a signal
# sent from inside: clan exits 128+N. (Without it the command is pid 1,
# which the kernel shields from signals sent inside its namespace, so
# `kill -TERM $$` does nothing there, as under docker run.)
case_killed_by_signal() {
	assert_exit 143 clan run --rm --init "dir:$ROOTFS" /bin/sh -c 'kill -TERM $$'
	assert_exit 137 clan run --rm --init "dir:$ROOTFS" /bin/sh -c 'kill -KILL $$'
}

case_init_pid() {
	run clan run --rm --init "dir:$ROOTFS" /bin/sh -c 'echo $$; cat /proc/1/cmdline | tr "\0" " "'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$(sed -n 1p <<<"$out")" 2 "the command's pid under --init"
}

case_not_found() {
	assert_exit 127 clan run --rm "dir:$ROOTFS" /no/such/command
	assert_contains "$err" "/no/such/command" "stderr"
	assert_exit 127 clan run --rm "dir:$ROOTFS" no-such-command-in-path
}

case_not_executable() {
	assert_exit 126 clan run --rm "dir:$ROOTFS" /etc/passwd
	assert_contains "$err" "/etc/passwd" "stderr"
	assert_exit 126 clan run --rm "dir:$ROOTFS" /etc
}

# kill -TERM to the clan process: forwarded to the command, whose own trap
# decides the exit code; clan waits for it.
case_sigterm_forwarded_to_trap() {
	local d pid rc
	d=$(mk_tmp)
	"$CLAN" run --rm -v "$d:/data" "dir:$ROOTFS" /bin/sh -c \
		'trap "echo got-term > /data/term; exit 7" TERM; touch /data/ready; while :; do sleep 0.1; done' \
		</dev/null >"$d.out" 2>&1 &
	pid=$!
	wait_for "$d/ready" 20 || { kill -KILL "$pid"; die "container never became ready: $(cat "$d.out")"; }
	kill -TERM "$pid"
	local waited=0
	while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 100 ]; do
		sleep 0.1
		waited=$((waited + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		die "clan still running 10 s after SIGTERM"
	fi
	wait "$pid"
	rc=$?
	assert_eq "$rc" 7 "clan's exit code after SIGTERM (the trap exits 7; output: $(cat "$d.out"))"
	assert_eq "$(cat "$d/term" 2>/dev/null)" got-term "what the trap wrote"
}

# A plain `sleep` gets the SIGTERM too: clan exits 143 at once, and no
# process is left behind.
case_sigterm_forwarded_to_sleep() {
	local d pid rc
	d=$(mk_tmp)
	"$CLAN" run --rm -v "$d:/data" "dir:$ROOTFS" /bin/sh -c 'touch /data/ready; exec sleep 31337' \
		</dev/null >"$d.out" 2>&1 &
	pid=$!
	wait_for "$d/ready" 20 || { kill -KILL "$pid"; die "container never became ready: $(cat "$d.out")"; }
	sleep 0.2
	kill -TERM "$pid"
	local waited=0
	while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 50 ]; do
		sleep 0.1
		waited=$((waited + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		pkill -KILL -u "$(id -u)" -f 'sleep 31337'
		die "clan still running 5 s after SIGTERM"
	fi
	wait "$pid"
	rc=$?
	assert_eq "$rc" 143 "clan's exit code after SIGTERM (output: $(cat "$d.out"))"
	local left
	left=$(pgrep -u "$(id -u)" -f 'sleep 31337')
	if [ -n "$left" ]; then
		pkill -KILL -u "$(id -u)" -f 'sleep 31337'
		die "the container's sleep outlived clan: $left"
	fi
}

# Ctrl-C at a terminal sends SIGINT to clan: forwarded the same way.
case_sigint_forwarded() {
	local d pid rc
	d=$(mk_tmp)
	# bash starts background commands with SIGINT ignored; a terminal's
	# Ctrl-C reaches a foreground clan with the default disposition.
	env --default-signal=INT "$CLAN" run --rm -v "$d:/data" "dir:$ROOTFS" /bin/sh -c \
		'trap "echo got-int > /data/int; exit 9" INT; touch /data/ready; while :; do sleep 0.1; done' \
		</dev/null >"$d.out" 2>&1 &
	pid=$!
	wait_for "$d/ready" 20 || { kill -KILL "$pid"; die "container never became ready: $(cat "$d.out")"; }
	kill -INT "$pid"
	local waited=0
	while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 100 ]; do
		sleep 0.1
		waited=$((waited + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		die "clan still running 10 s after SIGINT"
	fi
	wait "$pid"
	rc=$?
	assert_eq "$rc" 9 "clan's exit code after SIGINT (the trap exits 9; output: $(cat "$d.out"))"
	assert_eq "$(cat "$d/int" 2>/dev/null)" got-int "what the trap wrote"
}

# Orphans are reaped: background children left by the command do not keep
# clan waiting and leave no zombie.
case_exit_with_background_child() {
	local start end
	start=$(date +%s)
	run clan run --rm "dir:$ROOTFS" /bin/sh -c 'sleep 1000 & exit 5'
	end=$(date +%s)
	assert_eq "$rc" 5 "exit code (stderr: $err)"
	if [ $((end - start)) -gt 10 ]; then
		die "clan waited $((end - start)) s for a background child of the command"
	fi
	local left
	left=$(pgrep -u "$(id -u)" -f 'sleep 1000')
	if [ -n "$left" ]; then
		pkill -KILL -u "$(id -u)" -f 'sleep 1000'
		die "a background child outlived the container: $left"
	fi
}

t exit_codes case_exit_codes
t killed_by_signal case_killed_by_signal
t init_pid case_init_pid
t not_found case_not_found
t not_executable case_not_executable
t sigterm_forwarded_to_trap case_sigterm_forwarded_to_trap
t sigterm_forwarded_to_sleep case_sigterm_forwarded_to_sleep
t sigint_forwarded case_sigint_forwarded
t exit_with_background_child case_exit_with_background_child
finish
