#!/bin/bash
# compose's verbs with compose's flags (issue 13): up SERVICE... (and what
# it depends on; --no-deps), --force-recreate, --wait, down/stop/restart
# -t, ps -q/--services/-a/--format json, kill -s, top, port, pull and rm
# in a project dir, images. The hostile cases: service names with a path
# or shell text given to every verb, a bad signal, a port not published.
# Busybox services (dir: images) written as compose files: fast.
# shellcheck disable=SC2317 # cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
use_rootfs
need_cmd python3

# A free-looking high port for this run's published ports.
PORT=$((20000 + ($$ % 20000) + 7))

# The project: web depends on db; worker and solo on nothing. slow
# ignores SIGTERM (only -t or its grace period ends it).
project() {
	local dir
	dir=$(mk_tmp) || die "cannot make a project dir"
	sed "s|@ROOTFS@|$ROOTFS|g; s|@PORT@|$PORT|g" >"$dir/compose.yaml" <<-'EOF'
		services:
		  db:
		    image: dir:@ROOTFS@
		    command: sleep 1000
		  web:
		    image: dir:@ROOTFS@
		    command: ["sh", "-c", "echo hi > /tmp/index.html; exec httpd -f -p 8080 -h /tmp"]
		    ports: ["@PORT@:8080"]
		    depends_on: [db]
		  worker:
		    image: dir:@ROOTFS@
		    command: sleep 1000
		    restart: always
		  slow:
		    image: dir:@ROOTFS@
		    command: ["sh", "-c", "trap '' TERM; while :; do sleep 1; done"]
		    restart: "no"
		    profiles: [slow]
	EOF
	echo "$dir"
}

# enter: a fresh storage and project, the current dir; the stack goes
# down when the case ends, also when it fails half-way.
enter() {
	fresh_storage
	cd "$(project)" || die "no project dir"
	trap 'clan down -t 0 >/dev/null 2>&1' EXIT
}

# field SERVICE KEY: a key of `clan ps -a --format json` for SERVICE.
field() {
	clan ps -a --format json | python3 -c '
import json, sys
for s in json.load(sys.stdin):
    if s["service"] == sys.argv[1]:
        print(s[sys.argv[2]])' "$1" "$2"
}

# running: the running services, sorted, space-separated.
running() {
	clan ps --services | sort | tr '\n' ' ' | sed 's/ $//'
}

case_up_subset() {
	enter
	# web and what it depends on (db); flags after the name, as compose
	run clan up web -d
	assert_eq "$rc" 0 "up web -d (stderr: $err)"
	assert_eq "$(running)" "db web" "up web started web and db only"
	local db web
	db=$(field db pid)
	web=$(field web pid)
	# another service: the others keep running, the same processes
	run clan up -d worker
	assert_eq "$rc" 0 "up -d worker (stderr: $err)"
	assert_eq "$(running)" "db web worker" "worker started too"
	assert_eq "$(field db pid)" "$db" "db kept running"
	assert_eq "$(field web pid)" "$web" "web kept running"
	run clan down -t 0
	assert_eq "$rc" 0 "down -t 0 (stderr: $err)"
	# --no-deps: web alone
	run clan up --no-deps -d web
	assert_eq "$rc" 0 "up --no-deps web (stderr: $err)"
	assert_eq "$(running)" "web" "--no-deps started web alone"
	assert_eq "$(get "http://127.0.0.1:$PORT/" 5)" hi "web answers"
	# and the whole stack: db joins, web is left as it runs
	web=$(field web pid)
	run clan up -d
	assert_eq "$(running)" "db web worker" "up -d starts the rest"
	assert_eq "$(field web pid)" "$web" "web kept running"
}

case_force_recreate() {
	enter
	run clan up --wait --no-build --build --remove-orphans
	assert_eq "$rc" 0 "up --wait and compose's accepted flags (stderr: $err)"
	local db web
	db=$(field db pid)
	web=$(field web pid)
	run clan up -d
	assert_eq "$(field web pid)" "$web" "up -d unchanged: web not recreated"
	run clan up -d web --force-recreate
	assert_eq "$rc" 0 "up --force-recreate web (stderr: $err)"
	assert_contains "$err" "Recreating web" "it says so"
	assert_ne "$(field web pid)" "$web" "web recreated"
	assert_eq "$(field db pid)" "$db" "db (not named) left alone"
	assert_eq "$(get "http://127.0.0.1:$PORT/" 5)" hi "web answers again"
}

# slow ignores SIGTERM: its 10 s grace period, unless -t says less.
case_timeouts() {
	enter
	run clan --profile slow up -d slow
	assert_eq "$rc" 0 "up slow (stderr: $err)"
	local t0=$SECONDS
	run clan --profile slow stop -t 1 slow
	assert_eq "$rc" 0 "stop -t 1 (stderr: $err)"
	[ $((SECONDS - t0)) -le 5 ] || die "stop -t 1 took $((SECONDS - t0)) s"
	assert_eq "$(clan --profile slow ps --services)" "" "slow stopped"
	run clan --profile slow start slow -t 3
	assert_eq "$rc" 0 "start (stderr: $err)"
	t0=$SECONDS
	run clan --profile slow restart --timeout=1 slow
	assert_eq "$rc" 0 "restart --timeout=1 (stderr: $err)"
	[ $((SECONDS - t0)) -le 6 ] || die "restart --timeout=1 took $((SECONDS - t0)) s"
	t0=$SECONDS
	run clan --profile slow down -t 0
	assert_eq "$rc" 0 "down -t 0 (stderr: $err)"
	[ $((SECONDS - t0)) -le 5 ] || die "down -t 0 took $((SECONDS - t0)) s"
	run clan stop -t -1
	assert_eq "$rc" 2 "stop -t -1"
	run clan down --timeout x
	assert_eq "$rc" 2 "down --timeout x"
}

case_ps_flags() {
	enter
	run clan up -d web
	assert_eq "$rc" 0 "up (stderr: $err)"
	run clan ps -q
	assert_eq "$rc" 0 "ps -q (stderr: $err)"
	assert_eq "$(printf '%s\n' "$out" | grep -c .)" 2 "ps -q: one line a container"
	assert_not_contains "$out" "NAME" "ps -q: no header"
	run clan ps --services
	assert_eq "$(printf '%s\n' "$out" | sort | tr '\n' ' ')" "db web " "ps --services"
	run clan ps --services -a
	assert_contains "$out" "worker" "ps --services -a: the stopped one too"
	run clan ps web
	assert_contains "$out" "web" "ps web"
	assert_not_contains "$out" " db " "ps web: not db"
	run clan ps -a
	assert_match "$out" "worker +stopped" "ps -a shows the stopped service"
	run clan ps --format json
	assert_eq "$rc" 0 "ps --format json"
	local keys
	keys=$(printf '%s' "$out" | python3 -c '
import json, sys
v = [s for s in json.load(sys.stdin) if s["Service"] == "web"][0]
p = v["Publishers"][0]
print(v["Name"] != "", v["State"], v["Project"] != "", p["URL"], p["TargetPort"], p["PublishedPort"] > 0, p["Protocol"])')
	assert_eq "$keys" "True running True 127.0.0.1 8080 True tcp" "compose's keys"
}

case_kill() {
	enter
	run clan up -d db worker
	assert_eq "$rc" 0 "up (stderr: $err)"
	local worker
	worker=$(field worker pid)
	run clan kill worker
	assert_eq "$rc" 0 "kill worker (stderr: $err)"
	# restart: always brings it back, a new process
	local i=0
	while [ "$i" -lt 50 ]; do
		[ "$(field worker state)" = running ] && [ "$(field worker pid)" != "$worker" ] && break
		sleep 0.2
		i=$((i + 1))
	done
	assert_eq "$(field worker state)" running "worker restarted (restart: always)"
	assert_ne "$(field worker pid)" "$worker" "a new worker process"
	# db has no restart policy: it stays exited, with SIGTERM's code
	run clan kill -s SIGTERM db
	assert_eq "$rc" 0 "kill -s SIGTERM db (stderr: $err)"
	i=0
	while [ "$i" -lt 50 ] && [ "$(field db state)" != exited ]; do
		sleep 0.2
		i=$((i + 1))
	done
	assert_eq "$(field db state)" exited "db exited"
	assert_eq "$(field db exit_code)" 143 "its exit code says SIGTERM"
	run clan kill -s NOPE worker
	assert_eq "$rc" 2 "kill -s NOPE"
	assert_contains "$err" "NOPE" "the bad signal named"
	assert_eq "$(field worker state)" running "a bad signal kills nothing"
	run clan kill --signal=99 worker
	assert_eq "$rc" 2 "kill --signal=99"
}

case_top_port() {
	enter
	run clan up -d web
	assert_eq "$rc" 0 "up (stderr: $err)"
	run clan top web
	assert_eq "$rc" 0 "top web (stderr: $err)"
	assert_match "$out" "UID +PID +PPID +C +STIME +TTY +TIME +CMD" "compose's columns"
	assert_contains "$out" "httpd -f -p 8080" "web's process"
	assert_not_contains "$out" "sleep 1000" "not db's"
	run clan top
	assert_contains "$out" "sleep 1000" "top: every service"
	run clan port web 8080
	assert_eq "$rc" 0 "port web 8080 (stderr: $err)"
	assert_eq "$out" "127.0.0.1:$PORT" "the published address"
	run clan port web 8080 --protocol tcp
	assert_eq "$out" "127.0.0.1:$PORT" "--protocol tcp after the operands"
	run clan port --protocol udp web 8080
	assert_eq "$rc" 1 "port: not published as udp"
	run clan port db 5432
	assert_eq "$rc" 1 "port: db publishes nothing"
	assert_contains "$err" "does not publish port 5432/tcp" "it says so"
	run clan port web 0
	assert_eq "$rc" 2 "port web 0"
	run clan port --protocol sctp web 8080
	assert_eq "$rc" 2 "--protocol sctp"
}

# A port with no host port ("8080"): the kernel picks one when the stack
# starts; up's URL, port and ps all give the one it picked, each port of
# a range its own; once the stack is down there is none to give.
case_picked_ports() {
	fresh_storage
	local dir addr
	dir=$(mk_tmp) || die "cannot make a project dir"
	cat >"$dir/compose.yaml" <<-EOF
		services:
		  api:
		    image: dir:$ROOTFS
		    command: ["sh", "-c", "echo picked > /tmp/index.html; exec httpd -f -p 8080 -h /tmp"]
		    ports: ["8080", "9000-9001/udp"]
	EOF
	cd "$dir" || die "no project dir"
	trap 'clan down -t 0 >/dev/null 2>&1' EXIT
	run clan up -d
	assert_eq "$rc" 0 "up (stderr: $err)"
	assert_match "$out" "^api: http://127\\.0\\.0\\.1:[1-9][0-9]*/\$" "up's URL has the picked port"
	run clan port api 8080
	assert_eq "$rc" 0 "port api 8080 (stderr: $err)"
	addr=$out
	assert_match "$addr" "^127\\.0\\.0\\.1:[1-9][0-9]*\$" "the picked address"
	run clan up -d
	assert_eq "$rc" 0 "up -d again (stderr: $err)"
	assert_eq "$(clan port api 8080)" "$addr" "up -d of a running stack keeps the port"
	assert_eq "$(curl -s -m 5 "http://$addr/")" picked "served on the picked port"
	run clan ps --format json
	assert_contains "$out" "$addr->8080/tcp" "ps shows the picked port"
	run clan port --protocol udp api 9000
	local u0=$out
	run clan port --protocol udp api 9001
	assert_match "$u0 $out" "^127\\.0\\.0\\.1:[1-9][0-9]* 127\\.0\\.0\\.1:[1-9][0-9]*\$" "each port of the range"
	assert_ne "$u0" "$out" "two ports of a range, two host ports"
	assert_exit 0 clan down
	run clan port api 8080
	assert_eq "$rc" 1 "port after down"
	assert_contains "$err" "not running" "why"
}

case_pull_rm_images() {
	enter
	run clan pull
	assert_eq "$rc" 0 "pull in a project dir (stderr: $err)"
	assert_contains "$err" "skipping web: dir:" "dir: images are not pulled"
	run clan pull web db
	assert_eq "$rc" 0 "pull web db (stderr: $err)"
	assert_contains "$err" "skipping db" "db named"
	assert_not_contains "$err" "skipping worker" "worker not named"
	run clan up -d web
	assert_eq "$rc" 0 "up (stderr: $err)"
	run clan images
	assert_eq "$rc" 0 "images (stderr: $err)"
	assert_match "$out" "web +dir:" "images lists web"
	assert_match "$out" "db +dir:" "images lists db"
	run clan rm
	assert_eq "$rc" 0 "rm in a project dir (stderr: $err)"
	assert_contains "$err" "No stopped containers" "rm: nothing to remove"
	run clan rm -f -s web
	assert_eq "$rc" 0 "rm -f -s web (stderr: $err)"
	assert_eq "$(running)" "db" "rm -s stopped web"
}

# Service names with a path or shell text: every verb refuses them (2)
# before anything is done; nothing of them reaches a file or a shell.
case_hostile_names() {
	enter
	local bad verb
	# shellcheck disable=SC2016 # the text must reach clan unexpanded
	for bad in "../web" "web;id" '$(touch pwned)' "a/b" ".." "web|x" ""; do
		for verb in up stop start restart kill ps top rm; do
			run clan "$verb" "$bad"
			assert_eq "$rc" 2 "$verb '$bad' (stderr: $err)"
		done
		run clan port "$bad" 80
		assert_eq "$rc" 2 "port '$bad' (stderr: $err)"
		run clan logs "$bad"
		assert_eq "$rc" 2 "logs '$bad' (stderr: $err)"
		run clan exec "$bad" true
		assert_eq "$rc" 2 "exec '$bad' (stderr: $err)"
	done
	[ ! -e pwned ] || die "a shell ran a service name"
	run clan up nosuch
	assert_eq "$rc" 2 "up nosuch"
	assert_contains "$err" "no service nosuch" "it says so"
	run clan stop wbe
	assert_contains "$err" "did you mean web?" "a did-you-mean"
	assert_eq "$(clan ps --services)" "" "nothing was started"
	assert_no_containers
}

t up_subset case_up_subset
t force_recreate case_force_recreate
t timeouts case_timeouts
t ps_flags case_ps_flags
t kill case_kill
t top_port case_top_port
t picked_ports case_picked_ports
t pull_rm_images case_pull_rm_images
t hostile_names case_hostile_names
finish
