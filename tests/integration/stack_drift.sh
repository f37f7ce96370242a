#!/bin/bash
# A running stack meets edits of its .clanrc and .env (issue 11, item 4):
# `up -d` recreates exactly the services whose resolved config changed and
# says which, leaves the others running (same pid) and runs a finished
# one-shot again (as compose's up starts every exited container); `restart` keeps the running config and says the file differs;
# an invalid edit changes nothing; a bad control request is refused.
# And a start that hangs (item 6): `down` stops it at once, the waiting
# `up` fails saying why, Ctrl-C of `up -d` stops what it started (130).
# Busybox services only.
# shellcheck disable=SC2317 # cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
use_rootfs
need_cmd python3

CTL=$CLAN_TEST_ROOT/tests/ctl_client.py
PROJ=$(mk_tmp)

# write_rc FOO_LINE: the stack, web's environment line given.
write_rc() {
	cat >"$PROJ/.clanrc" <<-EOF2
		[project]
		name = drifttest
		[service.db]
		image = dir:$ROOTFS
		command = sleep 1000
		[service.web]
		image = dir:$ROOTFS
		command = sleep 1000
		environment = $1
		environment = BAR=\${BAR}
		depends_on = db
		[service.job]
		image = dir:$ROOTFS
		command = sh -c "echo ran; sleep 1"
		restart = no
	EOF2
}

# field SERVICE KEY: a field of `clan ps --format json` for SERVICE.
field() {
	clan ps --format json | python3 -c '
import json, sys
print([s[sys.argv[2]] for s in json.load(sys.stdin) if s["service"] == sys.argv[1]][0])' "$1" "$2"
}

# wait_state SERVICE STATE: up to 15 s.
wait_state() {
	for _ in $(seq 150); do
		[ "$(field "$1" state 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
	die "service $1 did not become $2 (it is $(field "$1" state))"
}

env_of() { clan exec web env | sed -n "s/^$1=//p"; }

ctl_sock() {
	local run d
	if [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -d "$XDG_RUNTIME_DIR/clan" ]; then
		run=$XDG_RUNTIME_DIR/clan
	else
		run=$(cat "$CLAN_STORAGE/runtime-dir")
	fi
	for d in "$run"/stacks/"$1"-*; do
		[ -S "$d/supervisor.sock" ] && echo "$d/supervisor.sock" && return 0
	done
	return 1
}

case_up() {
	cd "$PROJ" || die "no project"
	write_rc "FOO=one"
	echo "BAR=first" >.env
	run clan up -d
	assert_eq "$rc" 0 "up -d (stderr: $err)"
	wait_state job exited
}

# Nothing changed: nothing running restarts; the finished one-shot runs
# again, as compose's up starts what exited (a migration job at each up).
case_unchanged() {
	cd "$PROJ" || die "no project"
	local web db
	web=$(field web pid)
	db=$(field db pid)
	run clan up -d
	assert_eq "$rc" 0 "up -d, unchanged (stderr: $err)"
	assert_not_contains "$err" "Recreating" "what up -d said"
	sleep 1.5
	assert_eq "$(field web pid)" "$web" "web's pid"
	assert_eq "$(field db pid)" "$db" "db's pid"
	assert_contains "$err" "Starting job (it exited with code 0)" "what up -d said"
	wait_state job exited
	local ran=0
	for _ in $(seq 50); do
		ran=$(clan logs --no-log-prefix job | grep -c '^ran$')
		[ "$ran" -ge 2 ] && break
		sleep 0.1
	done
	assert_eq "$ran" 2 "times job ran"
}

# An edit of web's environment in .clanrc: web alone is recreated.
case_edit_clanrc() {
	cd "$PROJ" || die "no project"
	local web db
	web=$(field web pid)
	db=$(field db pid)
	write_rc "FOO=two"
	run clan up -d
	assert_eq "$rc" 0 "up -d after the edit (stderr: $err)"
	assert_contains "$err" "Recreating web (environment changed)" "what up -d said"
	assert_not_contains "$err" "Recreating db" "what up -d said"
	assert_eq "$(env_of FOO)" two "FOO in web"
	assert_ne "$(field web pid)" "$web" "web's pid (recreated)"
	assert_eq "$(field db pid)" "$db" "db's pid (not recreated)"
	wait_state job exited
}

# An edit of .env reaches web through ${BAR}.
case_edit_env() {
	cd "$PROJ" || die "no project"
	local db
	db=$(field db pid)
	echo "BAR=second" >.env
	run clan up -d
	assert_eq "$rc" 0 "up -d after the .env edit (stderr: $err)"
	assert_contains "$err" "Recreating web" "what up -d said"
	assert_eq "$(env_of BAR)" second "BAR in web"
	assert_eq "$(field db pid)" "$db" "db's pid"
}

# restart keeps the running config and says the file differs.
case_restart_says() {
	cd "$PROJ" || die "no project"
	write_rc "FOO=three"
	run clan restart web
	assert_eq "$rc" 0 "restart web (stderr: $err)"
	assert_contains "$err" "web's config in" "what restart said"
	assert_contains "$err" "run clan up -d to apply" "what restart said"
	assert_eq "$(env_of FOO)" two "FOO in web after restart"
	run clan restart db
	assert_not_contains "$err" "changed since up" "restart db (unchanged)"
	run clan up -d
	assert_eq "$(env_of FOO)" three "FOO in web after up -d"
}

# A stopped service starts again on up -d; the others stay.
case_stopped_starts() {
	cd "$PROJ" || die "no project"
	local web
	run clan stop db
	assert_eq "$rc" 0 "stop db (stderr: $err)"
	web=$(field web pid)
	run clan up -d
	assert_eq "$rc" 0 "up -d (stderr: $err)"
	assert_contains "$err" "Starting db" "what up -d said"
	assert_eq "$(field db state)" running "db's state"
	assert_eq "$(field web pid)" "$web" "web's pid"
}

# An edit that does not load: up -d refuses it, the stack runs on.
case_invalid_edit() {
	cd "$PROJ" || die "no project"
	local web db
	web=$(field web pid)
	db=$(field db pid)
	cp .clanrc "$LIB_TMP/good.clanrc"
	printf '[service.web]\nimage = dir:%s\ndepends_on = nosuch\n' "$ROOTFS" >>.clanrc
	run clan up -d
	assert_eq "$rc" 2 "up -d with a bad .clanrc (stderr: $err)"
	cp "$LIB_TMP/good.clanrc" .clanrc
	assert_eq "$(field web pid)" "$web" "web's pid"
	assert_eq "$(field db pid)" "$db" "db's pid"
	assert_eq "$(env_of FOO)" three "FOO in web"
}

# Bad requests on the control socket change nothing.
case_bad_requests() {
	cd "$PROJ" || die "no project"
	local sock web
	sock=$(ctl_sock drifttest) || die "no control socket"
	web=$(field web pid)
	run python3 "$CTL" send "$sock" '{"op":"up","recreate":[{"name":"web"}]}'
	assert_contains "$out" "bad service config" "a config with fields missing"
	run python3 "$CTL" send "$sock" '{"op":"up","recreate":"web"}'
	assert_contains "$out" "recreate is not a list" "recreate not a list"
	run python3 "$CTL" send "$sock" '{"op":"config"}'
	assert_contains "$out" '"environment"' "the config answer"
	run python3 "$CTL" big "$sock" 2000000
	assert_match "$out" "request too long|closed" "a 2 MB request"
	# whole configs that parse but cannot run: refused before web stops
	run python3 "$CTL" send "$sock" "$(web_config_with mounts \
		'[{"volume":null,"src":"/nonexistent-drift","dst":"/x","ro":false}]')"
	assert_contains "$out" '"ok":false' "a bind source that is not there"
	assert_contains "$out" "nonexistent-drift" "a bind source that is not there"
	run python3 "$CTL" send "$sock" "$(web_config_with ports \
		'[{"ip":"127.0.0.1","host":1,"container":80,"count":1,"proto":"tcp"}]')"
	assert_contains "$out" "the whole stack must be recreated" "a port change"
	assert_eq "$(field web pid)" "$web" "web's pid"
	assert_eq "$(env_of FOO)" three "FOO in web"
}

# web_config_with KEY JSON: an up request with web's running config,
# KEY set to JSON.
web_config_with() {
	python3 "$CTL" send "$(ctl_sock drifttest)" '{"op":"config"}' | python3 -c '
import json, sys
a = json.load(sys.stdin)
c = [s["config"] for s in a["services"] if s["service"] == "web"][0]
c[sys.argv[1]] = json.loads(sys.argv[2])
print(json.dumps({"op": "up", "recreate": [c]}))' "$1" "$2"
}

# A service added: the whole stack is recreated, saying why.
case_added() {
	cd "$PROJ" || die "no project"
	cat >>.clanrc <<-EOF2
		[service.cache]
		image = dir:$ROOTFS
		command = sleep 1000
	EOF2
	run clan up -d
	assert_eq "$rc" 0 "up -d with a service added (stderr: $err)"
	assert_contains "$err" "Recreating the stack drifttest (service cache was added)" \
		"what up -d said"
	assert_eq "$(field cache state)" running "cache's state"
}

# Ctrl-C of up -d while a recreated service starts: it is stopped again,
# exit 130; the others run on. The next up -d brings it back.
case_ctrl_c_recreate() {
	cd "$PROJ" || die "no project"
	local db
	db=$(field db pid)
	cp .clanrc "$LIB_TMP/good.clanrc"
	sed -i '/^depends_on = db$/a healthcheck = false\nhealthcheck_interval = 1s\nhealthcheck_start_period = 600s' .clanrc
	grep -q '^healthcheck = false' .clanrc || die "the edit did not apply"
	"$CLAN" up -d >"$LIB_TMP/up.out" 2>"$LIB_TMP/up.err" </dev/null &
	local up=$!
	for _ in $(seq 100); do
		[ "$(field web state 2>/dev/null)" = starting ] && break
		sleep 0.1
	done
	kill -INT "$up"
	wait_gone "$up" 30
	local up_rc=$?
	cp "$LIB_TMP/good.clanrc" .clanrc
	assert_eq "$up_rc" 130 "up's exit code after SIGINT ($(cat "$LIB_TMP/up.err"))"
	assert_eq "$(field web state)" stopped "web's state after Ctrl-C"
	assert_eq "$(field db pid)" "$db" "db's pid"
	run clan up -d
	assert_eq "$rc" 0 "up -d again (stderr: $err)"
	assert_eq "$(field web state)" running "web's state"
}

case_down() {
	cd "$PROJ" || die "no project"
	run timeout 60 "$CLAN" down
	assert_eq "$rc" 0 "down (stderr: $err)"
}

# A stack whose start hangs: web's health check never answers in its
# start period, so `up -d` would wait for its whole --timeout.
HANG=$(mk_tmp)
cat >"$HANG/.clanrc" <<-EOF2
	[project]
	name = hangtest
	[service.web]
	image = dir:$ROOTFS
	command = sleep 1000
	healthcheck = false
	healthcheck_interval = 1s
	healthcheck_start_period = 600s
EOF2

# Starts `up -d` in the background (pid in UP); returns once its
# supervisor answers.
start_hanging_up() {
	cd "$HANG" || die "no project"
	"$CLAN" up -d --timeout 300 >"$LIB_TMP/up.out" 2>"$LIB_TMP/up.err" </dev/null &
	UP=$!
	for _ in $(seq 100); do
		[ "$(field web state 2>/dev/null)" = starting ] && return 0
		sleep 0.1
	done
	kill "$UP" 2>/dev/null
	die "web never got to starting ($(cat "$LIB_TMP/up.err"))"
}

# wait_gone PID SECONDS: rc of PID, or 124 (and PID killed) past SECONDS.
wait_gone() {
	for _ in $(seq $(($2 * 10))); do
		if ! kill -0 "$1" 2>/dev/null; then
			wait "$1"
			return
		fi
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1"
	return 124
}

case_down_cancels_up() {
	start_hanging_up
	run timeout 30 "$CLAN" down
	assert_eq "$rc" 0 "down while up waits (stderr: $err)"
	wait_gone "$UP" 20
	local up_rc=$?
	assert_eq "$up_rc" 1 "up's exit code ($(cat "$LIB_TMP/up.err"))"
	assert_contains "$(cat "$LIB_TMP/up.err")" "stopped by clan down" "what up said"
	run clan ps
	assert_contains "$err" "not running" "ps after down"
}

case_ctrl_c_up() {
	cd "$HANG" || die "no project"
	timeout 60 "$CLAN" down >/dev/null 2>&1 # what a failed case before left
	start_hanging_up
	kill -INT "$UP"
	wait_gone "$UP" 30
	local up_rc=$?
	assert_eq "$up_rc" 130 "up's exit code after SIGINT ($(cat "$LIB_TMP/up.err"))"
	assert_contains "$(cat "$LIB_TMP/up.err")" "interrupted" "what up said"
	run clan ps
	assert_contains "$err" "not running" "ps after Ctrl-C"
}

case_hang_down() {
	cd "$HANG" || die "no project"
	run timeout 60 "$CLAN" down
	assert_eq "$rc" 0 "down (stderr: $err)"
}

t up case_up
t unchanged case_unchanged
t edit_clanrc case_edit_clanrc
t edit_env case_edit_env
t restart_says case_restart_says
t stopped_starts case_stopped_starts
t invalid_edit case_invalid_edit
t bad_requests case_bad_requests
t added case_added
t ctrl_c_recreate case_ctrl_c_recreate
t down case_down
t down_cancels_up case_down_cancels_up
t ctrl_c_up case_ctrl_c_up
t hang_down case_hang_down
finish
