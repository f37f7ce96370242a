#!/bin/bash
# `clan logs -f` of a real service printing 2,000,000 lines as fast as it
# can: its log rotates several times (10 MB each) while followed, and every
# line comes out once, in order. Then `clan logs --tail 3` and a plain
# `clan logs` of the rotated log, and the abuse: its log files replaced by
# a fifo and a symlink. Busybox service (fast).
# shellcheck disable=SC2317 # cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
use_rootfs
need_cmd awk

LINES=2000000
SIG=$LIB_TMP/sig
mkdir -p "$SIG" && chmod 0777 "$SIG"
OUT=$LIB_TMP/follow.out

# The service says ready, waits for /sig/go (so that clan logs -f is
# reading from its first line on), prints 1..LINES and stays up.
STACK=$(mk_tmp)
cat >"$STACK/.clanrc" <<-EOF2
	[project]
	name = logsfollow
	[service.spew]
	image = dir:$ROOTFS
	bind = $SIG:/sig
	command = sh -c "echo ready; while [ ! -e /sig/go ]; do sleep 0.1; done; seq 1 $LINES; exec sleep 1000"
EOF2

case_up() {
	cd "$STACK" || die "no stack dir"
	run clan up -d
	assert_eq "$rc" 0 "up -d (stderr: $err)"
}

# lines_out: how many lines clan logs -f wrote so far.
lines_out() { grep -c '' "$OUT" 2>/dev/null || echo 0; }

case_follow_every_line() {
	cd "$STACK" || die "no stack dir"
	clan logs -f --no-log-prefix --no-color spew >"$OUT" 2>"$LIB_TMP/follow.err" &
	local pid=$! tenths=300
	while ! grep -qx ready "$OUT" 2>/dev/null && [ "$tenths" -gt 0 ]; do
		sleep 0.1
		tenths=$((tenths - 1))
	done
	grep -qx ready "$OUT" || die "clan logs -f never showed the service's first line"
	: >"$SIG/go"
	# 2,000,000 lines and "ready": wait while the count grows
	local last=-1 now
	now=$(lines_out)
	while [ "$now" -lt $((LINES + 1)) ] && [ "$now" != "$last" ]; do
		last=$now
		sleep 5
		now=$(lines_out)
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	local verdict
	verdict=$(awk -v n="$LINES" '
		BEGIN { nx = 1 }
		NR == 1 { next }
		{ v = $0 + 0; if (v > nx) missing += v - nx; else if (v < nx) repeated++; if (v >= nx) nx = v + 1 }
		END { missing += n + 1 - nx; printf "%d lines, missing %d, repeated %d", NR - 1, missing, repeated }
	' "$OUT")
	note "clan logs -f: $verdict"
	assert_eq "$verdict" "$LINES lines, missing 0, repeated 0" \
		"every line followed once, in order (stderr: $(head -c 300 "$LIB_TMP/follow.err"))"
}

case_tail_and_plain() {
	cd "$STACK" || die "no stack dir"
	run clan logs --tail 3 --no-log-prefix spew
	assert_eq "$rc" 0 "logs --tail 3 (stderr: $err)"
	assert_eq "$out" "$((LINES - 2))
$((LINES - 1))
$LINES" "the last 3 lines"
	# compose's order: the service first, the options after it
	run clan logs spew -n 2 --no-log-prefix
	assert_eq "$rc" 0 "logs spew -n 2 (stderr: $err)"
	assert_eq "$out" "$((LINES - 1))
$LINES" "the last 2 lines, options after the service"
	# a plain logs: the kept lines (the log rotated: the first are gone),
	# in order, ending with the last
	clan logs --no-log-prefix spew >"$LIB_TMP/plain.out" 2>"$LIB_TMP/plain.err"
	local verdict
	verdict=$(awk '
		NR == 1 { prev = $0; next }
		$0 != prev + 1 { bad++ }
		{ prev = $0 }
		END { printf "%d out of place, last %s", bad, prev }
	' "$LIB_TMP/plain.out")
	assert_eq "$verdict" "0 out of place, last $LINES" "plain logs of the rotated log"
}

# logdir: the log dir of the logsfollow stack.
logdir() {
	local run d
	if [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -d "$XDG_RUNTIME_DIR/clan" ]; then
		run=$XDG_RUNTIME_DIR/clan
	else
		run=$(cat "$CLAN_STORAGE/runtime-dir")
	fi
	for d in "$run"/stacks/logsfollow-*/logs; do
		[ -e "$d/spew.log" ] && echo "$d" && return 0
	done
	return 1
}

# As a hostile local user could: the rotated log made a fifo and the log a
# symlink to another file with log lines. clan logs (and -f) neither hangs
# on the fifo nor shows the other file, and says why.
case_fifo_and_symlink() {
	cd "$STACK" || die "no stack dir"
	local d
	d=$(logdir) || die "no log dir for logsfollow"
	echo "1764100000.000000001 o SECRET of another file" >"$LIB_TMP/secret"
	rm -f "$d/spew.log.1" "$d/spew.log"
	mkfifo "$d/spew.log.1" || die "mkfifo"
	ln -s "$LIB_TMP/secret" "$d/spew.log" || die "ln -s"
	out=$(timeout 20 "$CLAN" logs spew 2>"$LIB_TMP/abuse.err")
	rc=$?
	err=$(cat "$LIB_TMP/abuse.err")
	assert_eq "$rc" 0 "logs next to a fifo and a symlink (124: it hung; stderr: $err)"
	assert_not_contains "$out" "SECRET" "the symlinked file is not shown"
	assert_contains "$err" "is a symlink" "the symlink is named"
	# -f runs until stopped: 5 s of it
	out=$(timeout 5 "$CLAN" logs -f spew 2>/dev/null)
	assert_not_contains "$out" "SECRET" "logs -f does not follow the symlink"
	rm -f "$d/spew.log.1" "$d/spew.log"
}

case_down() {
	cd "$STACK" || die "no stack dir"
	run clan down
	assert_eq "$rc" 0 "down (stderr: $err)"
}

t up case_up
t follow_every_line case_follow_every_line
t tail_and_plain case_tail_and_plain
t fifo_and_symlink case_fifo_and_symlink
t down case_down
finish
