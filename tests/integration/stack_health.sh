#!/bin/bash
# Health checks and what `up` and `ps` say about services that start
# slowly, fail their check, exit, crash-loop, or whose port a sibling
# answers: compose's timing (a service 5 s slow to listen comes up with the
# default settings), the check's output in up's error and in ps json,
# health and ports shown for running services only, restarts and exit
# codes in ps. Busybox services only (fast).
# shellcheck disable=SC2317 # cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
use_rootfs
need_cmd python3

free_port() { python3 "$CLAN_TEST_ROOT/tests/net_tool.py" free-port; }

WWW=$LIB_TMP/www
mkdir -p "$WWW" && echo hello >"$WWW/index.html" && chmod -R a+rX "$WWW"
# A check that passes once something answers http on port 80.
CHECK_HTTP='wget -q -O /dev/null http://127.0.0.1:80/'

# stack: a project dir whose .clanrc is stdin.
stack() {
	local dir
	dir=$(mk_tmp)
	cat >"$dir/.clanrc"
	echo "$dir"
}

# field JSON SERVICE KEY: one field of a service in `clan ps --format json`.
field() {
	python3 -c '
import json, sys
for s in json.loads(sys.argv[1]):
    if s["service"] == sys.argv[2]:
        v = s.get(sys.argv[3])
        print(json.dumps(v) if isinstance(v, list) else ("" if v is None else v))' "$1" "$2" "$3"
}

down_here() { clan down >/dev/null 2>&1; }

# up_timed: clan up -d --timeout 30 (run's rc, out, err), its wall time in
# UP_MS.
up_timed() {
	local t0 t1
	t0=$(date +%s%N)
	run clan up -d --timeout 30
	t1=$(date +%s%N)
	UP_MS=$(((t1 - t0) / 1000000))
}

# Default settings (interval 30s, retries 3, no start period): a service
# that listens after 5 s comes up, and soon after it listens.
case_slow_listener_defaults() {
	local dir port t0 t1
	port=$(free_port)
	dir=$(stack <<-EOF
		[service.web]
		image = dir:$ROOTFS
		command = sh -c "echo warming up; sleep 5; exec httpd -f -p 80 -h /www"
		bind = $WWW:/www:ro
		port = $port:80
		healthcheck = $CHECK_HTTP
	EOF
	)
	cd "$dir" || die "no dir"
	t0=$(date +%s)
	run clan up -d --timeout 60
	t1=$(date +%s)
	assert_eq "$rc" 0 "up -d of a service 5 s slow to listen (stderr: $err)"
	[ $((t1 - t0)) -ge 5 ] || die "up -d returned after $((t1 - t0)) s, before the service listened"
	[ $((t1 - t0)) -le 20 ] || die "up -d took $((t1 - t0)) s: the service was seen late"
	assert_not_contains "$err" "warning" "no warning: its port is its own"
	run clan ps
	assert_match "$out" "web +running +healthy .*127.0.0.1:$port->80/tcp" "ps: healthy, port listed"
	run curl -sf -m 5 "http://127.0.0.1:$port/"
	assert_eq "$out" hello "the page"
	down_here
}

# While a service that publishes a TCP port starts, its check waits for the
# port to be listened on: a service 2 s slow to listen is checked a few
# times (at most each second, then at once when it listens), not every
# 50 ms, and is seen healthy soon after it listens.
case_check_waits_for_listen() {
	local dir port n
	port=$(free_port)
	dir=$(stack <<-EOF
		[service.web]
		image = dir:$ROOTFS
		command = sh -c "sleep 2; exec httpd -f -p 80 -h /www"
		bind = $WWW:/www:ro
		bind = ./state:/state
		port = $port:80
		healthcheck = echo x >>/state/checks && $CHECK_HTTP
		healthcheck_interval = 1s
	EOF
	)
	mkdir -p "$dir/state" && chmod 0777 "$dir/state"
	cd "$dir" || die "no dir"
	up_timed
	assert_eq "$rc" 0 "up -d (stderr: $err)"
	n=$(wc -l <"$dir/state/checks")
	if [ "$n" -lt 1 ] || [ "$n" -gt 4 ]; then
		die "$n checks ran while the service took 2 s to listen (expected 1-4: one a second, and one when it listened)"
	fi
	[ "$UP_MS" -le 2800 ] ||
		die "up -d took $UP_MS ms: the service listened after 2 s and was seen late"
	down_here
}

# A check that passes although nothing listens on the published port is
# not held back for good: it runs at the latest each second, and the
# service comes up (with the warning that nothing listens there).
case_check_without_listener_still_runs() {
	local dir port
	port=$(free_port)
	dir=$(stack <<-EOF
		[service.web]
		image = dir:$ROOTFS
		command = sleep 1000
		port = $port:80
		healthcheck = true
		healthcheck_interval = 30s
	EOF
	)
	cd "$dir" || die "no dir"
	up_timed
	assert_eq "$rc" 0 "up -d (stderr: $err)"
	[ "$UP_MS" -le 5000 ] || die "up -d took $UP_MS ms for a check that passes at once"
	run clan ps
	assert_match "$out" "web +running +healthy" "ps: healthy"
	down_here
}

# A health-checked service that exits (restart: no) leaves its supervisor
# idle: a check left scheduled for it once woke the loop at once, forever
# (a core at 100%).
case_exited_service_leaves_supervisor_idle() {
	local dir sup a b
	dir=$(stack <<-EOF
		[project]
		name = hcexit
		[service.brief]
		image = dir:$ROOTFS
		command = sh -c "sleep 1.5; exit 0"
		healthcheck = true
		healthcheck_interval = 200ms
		[service.stays]
		image = dir:$ROOTFS
		command = sleep 1000
	EOF
	)
	cd "$dir" || die "no dir"
	run clan up -d --timeout 30
	assert_eq "$rc" 0 "up -d (stderr: $err)"
	sleep 2.5
	run clan ps -a
	assert_match "$out" "brief +exited \(0\)" "ps: brief exited"
	sup=$(cut -d' ' -f1 "$(runtime_dir)"/stacks/hcexit-*/supervisor.pid)
	a=$(awk '{print $14 + $15}' "/proc/$sup/stat") || die "no supervisor $sup"
	sleep 2
	b=$(awk '{print $14 + $15}' "/proc/$sup/stat") || die "no supervisor $sup"
	# clock ticks (1/100 s): a spinning loop takes ~200 in 2 s
	[ $((b - a)) -le 20 ] || die "the supervisor used $((b - a)) ticks of CPU in 2 s with one service exited"
	down_here
}

# A check that keeps failing: up fails after retries x interval (not
# sooner), and says what the check printed.
case_check_output_on_failure() {
	local dir
	dir=$(stack <<-EOF
		[service.db]
		image = dir:$ROOTFS
		command = sh -c "echo db booting; exec sleep 1000"
		healthcheck = sh -c "echo probe-said-no >&2; echo second line; exit 3"
		healthcheck_interval = 1s
		healthcheck_retries = 2
	EOF
	)
	cd "$dir" || die "no dir"
	up_timed
	assert_eq "$rc" 1 "up -d with a check that fails"
	assert_contains "$err" "service db did not become healthy" "names the service"
	assert_contains "$err" "db health | probe-said-no" "the check's output"
	assert_contains "$err" "db health | second line" "its last lines"
	assert_contains "$err" "exit 3" "the check's exit code"
	assert_contains "$err" "db | db booting" "the service's log"
	# 2 retries x 1 s: not after 0.6 s as before
	[ "$UP_MS" -ge 1900 ] || die "up -d failed after $UP_MS ms; the grace is 2 x 1 s"
	run clan ps
	assert_contains "$err" "is not running" "nothing left running"
	down_here
}

# A service that became unhealthy while running: ps json says so and
# shows what the check printed.
case_unhealthy_in_ps_json() {
	local dir hc
	hc=$(mk_tmp)
	chmod 0777 "$hc"
	echo ok >"$hc/state" && chmod 0666 "$hc/state"
	dir=$(stack <<-EOF
		[service.app]
		image = dir:$ROOTFS
		command = sleep 1000
		bind = $hc:/hc
		healthcheck = sh -c "echo state=\$\$(cat /hc/state); grep -q ok /hc/state"
		healthcheck_interval = 200ms
		healthcheck_retries = 2
	EOF
	)
	cd "$dir" || die "no dir"
	run clan up -d
	assert_eq "$rc" 0 "up -d (stderr: $err)"
	run clan ps --format json
	assert_eq "$(field "$out" app health)" healthy "healthy first"
	echo down >"$hc/state"
	local h=""
	for _ in $(seq 50); do
		run clan ps --format json
		h=$(field "$out" app health)
		[ "$h" = unhealthy ] && break
		sleep 0.2
	done
	assert_eq "$h" unhealthy "unhealthy once the check fails"
	assert_contains "$(field "$out" app health_output)" "state=down" "ps json: the check's output"
	down_here
}

# Failures in the start period do not count.
case_start_period() {
	local dir
	dir=$(stack <<-EOF
		[service.web]
		image = dir:$ROOTFS
		command = sh -c "sleep 2; exec httpd -f -p 80 -h /www"
		bind = $WWW:/www:ro
		healthcheck = $CHECK_HTTP
		healthcheck_interval = 100ms
		healthcheck_retries = 1
		healthcheck_start_period = 10s
	EOF
	)
	cd "$dir" || die "no dir"
	run clan up -d --timeout 30
	assert_eq "$rc" 0 "up -d: failures in the start period do not count (stderr: $err)"
	down_here
}

# Health is a running service's: not shown once it exited or was stopped,
# nor its ports.
case_no_health_when_not_running() {
	local dir port
	port=$(free_port)
	dir=$(stack <<-EOF
		[service.gone]
		image = dir:$ROOTFS
		command = sh -c "exec httpd -f -p 80 -h /www"
		bind = $WWW:/www:ro
		port = $port:80
		healthcheck = $CHECK_HTTP
		[service.quits]
		image = dir:$ROOTFS
		command = sh -c "sleep 3; exit 4"
		healthcheck = true
	EOF
	)
	cd "$dir" || die "no dir"
	run clan up -d
	assert_eq "$rc" 0 "up -d (stderr: $err)"
	run clan stop gone
	assert_eq "$rc" 0 "stop (stderr: $err)"
	local state=""
	for _ in $(seq 50); do
		run clan ps --format json
		state=$(field "$out" quits state)
		[ "$state" = exited ] && break
		sleep 0.2
	done
	assert_eq "$state" exited "quits exited"
	assert_eq "$(field "$out" quits health)" "" "no health for an exited service"
	assert_eq "$(field "$out" quits exit_code)" 4 "its exit code"
	assert_eq "$(field "$out" gone state)" stopped "gone stopped"
	assert_eq "$(field "$out" gone health)" "" "no health for a stopped service"
	assert_eq "$(field "$out" gone ports)" "[]" "no live ports for a stopped service"
	run clan ps -a
	assert_match "$out" "quits +exited \\(4\\) +- " "ps table: exited (4), no health"
	assert_not_contains "$out" "healthy" "ps table: no health"
	assert_not_contains "$out" "$port" "ps table: no port for the stopped service"
	down_here
}

# A service that exits before it is healthy fails up with its exit code
# and its last log lines.
case_exit_before_healthy() {
	local dir
	dir=$(stack <<-EOF
		[service.dies]
		image = dir:$ROOTFS
		command = sh -c "echo cannot open config; exit 7"
		healthcheck = $CHECK_HTTP
		restart = on-failure
	EOF
	)
	cd "$dir" || die "no dir"
	run clan up -d --timeout 30
	assert_eq "$rc" 1 "up -d of a service that exits before it is healthy"
	assert_contains "$err" "service dies exited with code 7 before it was ready" "exit code"
	assert_contains "$err" "dies | cannot open config" "its last log lines"
	down_here
}

# The check reaches port 80, which a sibling answers: that does not make
# the service healthy.
case_sibling_port_not_healthy() {
	local dir port
	port=$(free_port)
	dir=$(stack <<-EOF
		[service.other]
		image = dir:$ROOTFS
		command = httpd -f -p 80 -h /www
		bind = $WWW:/www:ro
		[service.web]
		image = dir:$ROOTFS
		command = sleep 1000
		port = $port:80
		healthcheck = $CHECK_HTTP
		healthcheck_interval = 200ms
		healthcheck_retries = 2
		depends_on = other
	EOF
	)
	cd "$dir" || die "no dir"
	run clan up -d --timeout 30
	assert_eq "$rc" 1 "up -d: web's check reached other's server"
	assert_contains "$err" "service web did not become healthy" "names the service"
	assert_contains "$err" "port 80 is answered by another process" "says why"
	down_here
}

# up -d warns when a published port has nothing of its service behind it:
# nothing at all, or a sibling.
case_unbound_port_warns() {
	local dir p1 p2
	p1=$(free_port)
	p2=$(free_port)
	dir=$(stack <<-EOF
		[service.other]
		image = dir:$ROOTFS
		command = httpd -f -p 80 -h /www
		bind = $WWW:/www:ro
		[service.idle]
		image = dir:$ROOTFS
		command = sleep 1000
		port = $p1:8080
		[service.web]
		image = dir:$ROOTFS
		command = sleep 1000
		port = $p2:80
	EOF
	)
	cd "$dir" || die "no dir"
	run clan up -d --timeout 30
	assert_eq "$rc" 0 "up -d (stderr: $err)"
	assert_contains "$err" "service idle publishes port 8080 but nothing in it listens" \
		"warns: nothing listens"
	assert_contains "$err" "service web publishes port 80 but another service" \
		"warns: a sibling listens"
	assert_not_contains "$err" "service other" "no warning for the service that listens"
	down_here
}

# A lone service that crash-loops: up -d says so, with its exit code and
# last lines; ps shows the exit code and the restart count.
case_crash_loop() {
	local dir
	dir=$(stack <<-EOF
		[service.crash]
		image = dir:$ROOTFS
		command = sh -c "echo crashing now; exit 1"
		restart = on-failure
	EOF
	)
	cd "$dir" || die "no dir"
	run clan up -d --timeout 30
	assert_contains "$err" "service crash exited with code 1 before it was ready" "up -d says so"
	assert_contains "$err" "crash | crashing now" "with its last lines"
	local n=0
	for _ in $(seq 80); do
		run clan ps --format json
		n=$(field "$out" crash restarts)
		[ "${n:-0}" -ge 2 ] && break
		sleep 0.1
	done
	[ "${n:-0}" -ge 2 ] || die "ps json restarts: '$n' (out: $out)"
	assert_eq "$(field "$out" crash exit_code)" 1 "ps json: exit code"
	run clan ps
	assert_match "$out" "crash +(restarting \\(1\\)|running) +- +[^ ]+ +[1-9][0-9]* " \
		"ps table: state with exit code, restarts"
	assert_contains "$out" "RESTARTS" "ps table header"
	down_here
}

# A one-shot service (restart = no) that ends well within the settle time
# does not fail up, and what depends on it starts (compose's
# service_started); one that fails does fail up.
case_one_shot() {
	local dir
	dir=$(stack <<-EOF
		[service.migrate]
		image = dir:$ROOTFS
		command = sh -c "echo migrated"
		[service.app]
		image = dir:$ROOTFS
		command = sleep 1000
		depends_on = migrate
	EOF
	)
	cd "$dir" || die "no dir"
	run clan up -d
	assert_eq "$rc" 0 "up -d with a one-shot that ends well (stderr: $err)"
	run clan ps --format json
	assert_eq "$(field "$out" app state)" running "its dependent started"
	assert_eq "$(field "$out" migrate exit_code)" 0 "the one-shot's exit code"
	down_here
	dir=$(stack <<-EOF
		[service.migrate]
		image = dir:$ROOTFS
		command = sh -c "echo no database; exit 2"
		[service.app]
		image = dir:$ROOTFS
		command = sleep 1000
	EOF
	)
	cd "$dir" || die "no dir"
	run clan up -d
	assert_eq "$rc" 1 "up -d with a one-shot that fails"
	assert_contains "$err" "service migrate exited with code 2 before it was ready" "exit code"
	assert_contains "$err" "migrate | no database" "its last lines"
	down_here
}

t slow_listener_defaults case_slow_listener_defaults
t check_output_on_failure case_check_output_on_failure
t check_waits_for_listen case_check_waits_for_listen
t check_without_listener_still_runs case_check_without_listener_still_runs
t exited_service_leaves_supervisor_idle case_exited_service_leaves_supervisor_idle
t unhealthy_in_ps_json case_unhealthy_in_ps_json
t start_period case_start_period
t no_health_when_not_running case_no_health_when_not_running
t exit_before_healthy case_exit_before_healthy
t sibling_port_not_healthy case_sibling_port_not_healthy
t unbound_port_warns case_unbound_port_warns
t crash_loop case_crash_loop
t one_shot case_one_shot
# whatever a failed case left running
for d in "$LIB_TMP"/tmp.*; do
	[ -f "$d/.clanrc" ] && (cd "$d" && "$CLAN" down >/dev/null 2>&1)
done
finish
