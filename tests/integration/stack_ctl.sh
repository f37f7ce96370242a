#!/bin/bash
# The stack supervisor's control socket against abusive clients: one that
# trickles its request a byte a second, many that send nothing, one that
# never reads its answer, one that sends too much. Meanwhile `clan ps` and
# `clan restart` answer and health checks keep running: the supervisor's
# loop never waits on one client. Busybox services only (fast).
# shellcheck disable=SC2317 # cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
use_rootfs
need_cmd python3

CTL=$CLAN_TEST_ROOT/tests/ctl_client.py
HC=$LIB_TMP/hc
mkdir -p "$HC" && chmod 0777 "$HC"

# The stack: one service whose health check appends a line to $HC/count
# (a host dir), every 200 ms.
STACK=$(mk_tmp)
cat >"$STACK/.clanrc" <<-EOF2
	[project]
	name = ctltest
	[service.svc]
	image = dir:$ROOTFS
	command = sleep 1000
	bind = $HC:/hc
	healthcheck = sh -c "echo x >>/hc/count"
	healthcheck_interval = 200ms
EOF2

# The control socket of the live ctltest stack.
ctl_sock() {
	local run d pid
	if [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -d "$XDG_RUNTIME_DIR/clan" ]; then
		run=$XDG_RUNTIME_DIR/clan
	else
		run=$(cat "$CLAN_STORAGE/runtime-dir")
	fi
	for d in "$run"/stacks/ctltest-*; do
		pid=$(cut -d' ' -f1 "$d/supervisor.pid" 2>/dev/null) || continue
		if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = clan-supervisor ] && [ -S "$d/supervisor.sock" ]; then
			echo "$d/supervisor.sock"
			return 0
		fi
	done
	return 1
}

checks() { grep -c '' "$HC/count" 2>/dev/null || echo 0; }

# timed SECONDS CMD...: runs CMD (stdout/stderr in $out/$err) with a
# timeout; rc 124 when it did not answer in time.
timed() {
	local secs=$1
	shift
	out=$(timeout "$secs" "$@" 2>"$LIB_TMP/timed.err")
	rc=$?
	err=$(cat "$LIB_TMP/timed.err")
}

case_up() {
	cd "$STACK" || die "no stack dir"
	run clan up -d
	assert_eq "$rc" 0 "up -d (stderr: $err)"
	ctl_sock >/dev/null || die "no control socket found"
}

# Options after the service, as compose takes them: exec's until the
# command's first word (-T is exec's, -x the command's), logs' anywhere.
case_options_after_operands() {
	cd "$STACK" || die "no stack dir"
	run clan exec svc -T echo hi -x -T
	assert_eq "$rc" 0 "exec svc -T echo (stderr: $err)"
	assert_eq "$out" "hi -x -T" "the words after the command's first are the command's"
	run clan logs svc --tail 1 --no-color
	assert_eq "$rc" 0 "logs svc --tail 1 (stderr: $err)"
	run clan logs svc --tail
	assert_eq "$rc:$err" "2:clan: logs: flag '--tail' needs a value" "a missing value after the operand"
}

# A client sending one byte a second holds nothing: ps and restart answer
# at once, health checks go on, and the client is dropped after ~2 s.
case_trickle() {
	cd "$STACK" || die "no stack dir"
	local sock before after
	sock=$(ctl_sock) || die "no control socket"
	python3 "$CTL" trickle "$sock" 15 >"$LIB_TMP/trickle.out" &
	local tr=$!
	sleep 0.5
	before=$(checks)
	timed 10 "$CLAN" ps
	assert_eq "$rc" 0 "clan ps while a client trickles (stderr: $err)"
	assert_contains "$out" "svc" "ps lists the service"
	timed 20 "$CLAN" restart svc
	assert_eq "$rc" 0 "clan restart svc while a client trickles (stderr: $err)"
	sleep 1
	after=$(checks)
	[ "$after" -ge $((before + 2)) ] ||
		die "health checks ran $((after - before)) times in the meantime; the loop was stuck"
	wait "$tr"
	assert_eq "$?" 0 "the trickling client was dropped ($(cat "$LIB_TMP/trickle.out"))"
	local secs
	secs=$(sed -n 's/closed after \([0-9]*\).*/\1/p' "$LIB_TMP/trickle.out")
	if [ -z "$secs" ] || [ "$secs" -ge 8 ]; then
		die "dropped too late: $(cat "$LIB_TMP/trickle.out") (the deadline is 2 s)"
	fi
}

# More silent clients than slots: the oldest are dropped, ps still answers.
case_silent_flood() {
	cd "$STACK" || die "no stack dir"
	local sock
	sock=$(ctl_sock) || die "no control socket"
	python3 "$CTL" silent "$sock" 40 8 &
	local fl=$!
	sleep 1
	timed 10 "$CLAN" ps
	assert_eq "$rc" 0 "clan ps behind 40 silent connections (stderr: $err)"
	kill "$fl" 2>/dev/null
	wait "$fl" 2>/dev/null
	return 0
}

# A client that never reads its answer, and one that sends 70000 bytes
# with no newline: neither stops the next request.
case_noread_and_big() {
	cd "$STACK" || die "no stack dir"
	local sock
	sock=$(ctl_sock) || die "no control socket"
	python3 "$CTL" noread "$sock" 6 &
	local nr=$!
	run python3 "$CTL" big "$sock"
	assert_match "$out" "request too long|closed" "the answer to an oversized request"
	timed 10 "$CLAN" ps
	assert_eq "$rc" 0 "clan ps next to a client that never reads (stderr: $err)"
	kill "$nr" 2>/dev/null
	wait "$nr" 2>/dev/null
	return 0
}

case_down() {
	cd "$STACK" || die "no stack dir"
	timed 60 "$CLAN" down
	assert_eq "$rc" 0 "down (stderr: $err)"
}

t up case_up
t options_after_operands case_options_after_operands
t trickle case_trickle
t silent_flood case_silent_flood
t noread_and_big case_noread_and_big
t down case_down
finish
