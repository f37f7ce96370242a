#!/bin/bash
# Stacks: the example Django + PostgreSQL project (examples/django-postgres)
# brought up, used, edited, restarted, taken down and up again, its
# supervisor killed; two projects at once; bad configurations refused; a
# dependency that never gets healthy; restart policies; Ctrl-C in the
# foreground. The deb: images are built once per run (shared storage).
# clan-test-timeout: 1200
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
use_rootfs
need_cmd curl
need_cmd python3
need_cmd mmdebstrap
use_deb_storage

EXAMPLE=$CLAN_TEST_ROOT/examples/django-postgres
[ -f "$EXAMPLE/.clanrc" ] || {
	fail all "no example project at $EXAMPLE"
	finish
}
free_port() { python3 "$CLAN_TEST_ROOT/tests/net_tool.py" free-port; }

PROJ=$LIB_TMP/proj
cp -a "$EXAMPLE" "$PROJ"
WEB_PORT=$(free_port)
export WEB_PORT
URL=http://127.0.0.1:$WEB_PORT

rows() { get "$URL/" 5 | sed -n 's/.*rows: \([0-9]*\).*/\1/p'; }

# The pid of the live supervisor of the stack named $1 (its pid file).
supervisor_pid() {
	local run f pid
	if [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -d "$XDG_RUNTIME_DIR/clan" ]; then
		run=$XDG_RUNTIME_DIR/clan
	else
		run=$(cat "$CLAN_STORAGE/runtime-dir")
	fi
	for f in "$run"/stacks/"$1"-*/supervisor.pid; do
		pid=$(cut -d' ' -f1 "$f" 2>/dev/null) || continue
		if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = clan-supervisor ]; then
			echo "$pid"
			return 0
		fi
	done
	return 1
}

# The pids under $1, two generations deep (services and their children).
descendants() {
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		pgrep -P "$c"
	done
}

# How many of the given pids are alive (zombies are not).
count_alive() {
	local p n=0
	for p in "$@"; do
		case $(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) in
		"" | Z | X) ;;
		*) n=$((n + 1)) ;;
		esac
	done
	echo "$n"
}

case_up_detached() {
	cd "$PROJ" || die "no project"
	run clan up -d
	assert_eq "$rc" 0 "clan up -d exit code (stderr: $err)"
	assert_contains "$out" "web: $URL/" "the URL printed by up -d"
	local body
	body=$(get "$URL/" 5) || die "no answer on $URL"
	assert_contains "$body" "<h1>Notes</h1>" "the page"
	assert_contains "$body" "rows: 0" "rows on a fresh database"
}

case_write_and_read() {
	run curl -s -o /dev/null -w '%{http_code}' "$URL/add?title=first+note"
	assert_eq "$out" 302 "GET /add status"
	assert_eq "$(rows)" 1 "rows after one add"
	assert_contains "$(get "$URL/")" "first note" "the row on the page"
	assert_eq "$(get "$URL/health")" ok "/health (a round trip to PostgreSQL)"
}

case_ps_and_logs() {
	cd "$PROJ" || die "no project"
	run clan ps
	assert_eq "$rc" 0 "clan ps exit code (stderr: $err)"
	assert_match "$out" "django-postgres-db-[0-9a-f]+ +db +running +healthy" "ps: db"
	assert_match "$out" "web +running +healthy .*127.0.0.1:$WEB_PORT->8000/tcp" "ps: web"
	run clan ps --format json
	assert_eq "$(python3 -c 'import json,sys; print(sorted(s["service"]+":"+s["state"] for s in json.load(sys.stdin)))' <<<"$out")" \
		"['db:running', 'web:running']" "ps --format json"
	run clan logs web
	assert_contains "$out" "web | Starting development server at http://0.0.0.0:8000/" "clan logs web"
	assert_contains "$out" "added note 1: first note" "clan logs web (the app's own line)"
	assert_not_contains "$out" "db |" "clan logs web shows only web"
	run clan logs --tail 1 --no-log-prefix db
	assert_eq "$(grep -c '' <<<"$out")" 1 "lines of logs --tail 1 db"
	run clan logs --no-color
	assert_contains "$out" "db  | " "the merged logs are aligned"
}

case_exec() {
	cd "$PROJ" || die "no project"
	run clan exec db psql -U app -d app -Atc 'select 1'
	assert_eq "$rc" 0 "exec db psql exit code (stderr: $err)"
	assert_eq "$out" 1 "select 1"
	run clan exec db psql -U app -d app -Atc 'select count(*) from notes_note'
	assert_eq "$out" 1 "rows seen from psql"
	run clan exec web python3 manage.py migrate
	assert_eq "$rc" 0 "exec web migrate exit code (stderr: $err)"
	assert_contains "$out" "No migrations to apply" "exec web migrate"
	run clan exec -w /tmp -e X=y web sh -c 'id -u; pwd; echo $X'
	assert_eq "$out" "0
/tmp
y" "exec -w -e"
	run clan exec -u nobody web id -un
	if has_subuid && has_newuidmap; then
		assert_eq "$out" nobody "exec -u nobody (subuid mode maps every user)"
	else
		# single mode maps one uid: the service's user
		assert_ne "$rc" 0 "exec -u nobody in single mode"
		assert_contains "$err" "not mapped" "exec -u nobody in single mode: the reason"
	fi
	run clan exec web sh -c 'exit 7'
	assert_eq "$rc" 7 "exit code of the exec'd command"
	run clan exec nosuchservice true
	assert_ne "$rc" 0 "exec into a service that does not exist"
}

# An edit to a view shows up on the next requests without a restart of
# the service (Django's autoreloader sees the bind-mounted tree).
case_live_edit() {
	cd "$PROJ" || die "no project"
	local before after start end
	before=$(clan ps --format json | python3 -c 'import json,sys; print([s["pid"] for s in json.load(sys.stdin) if s["service"]=="web"][0])')
	sed -i 's/return HttpResponse("ok\\n"/return HttpResponse("ok, edited\\n"/' notes/views.py
	grep -q 'ok, edited' notes/views.py || die "the edit did not apply"
	start=$(date +%s%N)
	local seen=""
	for _ in $(seq 40); do
		if [ "$(curl -sf -m 1 "$URL/health")" = "ok, edited" ]; then
			seen=1
			break
		fi
		sleep 0.05
	done
	end=$(date +%s%N)
	[ -n "$seen" ] || die "the edit was not served within 2 s"
	note "edit visible after $(((end - start) / 1000000)) ms"
	[ $(((end - start) / 1000000)) -le 2000 ] || die "the edit took more than 2 s"
	after=$(clan ps --format json | python3 -c 'import json,sys; print([s["pid"] for s in json.load(sys.stdin) if s["service"]=="web"][0])')
	assert_eq "$after" "$before" "web's pid 1 (not restarted)"
}

case_restart_web() {
	cd "$PROJ" || die "no project"
	local before after
	before=$(clan ps --format json | python3 -c 'import json,sys; print([s["pid"] for s in json.load(sys.stdin) if s["service"]=="web"][0])')
	run clan restart web
	assert_eq "$rc" 0 "clan restart web exit code (stderr: $err)"
	after=$(clan ps --format json | python3 -c 'import json,sys; print([s["pid"] for s in json.load(sys.stdin) if s["service"]=="web"][0])')
	assert_ne "$after" "$before" "web's pid 1 after restart"
	assert_eq "$(rows)" 1 "rows after restart web"
}

case_stop_start() {
	cd "$PROJ" || die "no project"
	run clan stop web
	assert_eq "$rc" 0 "clan stop web (stderr: $err)"
	run clan ps
	assert_not_contains "$out" " web " "ps (running only) after stop web"
	run clan ps -a
	assert_match "$out" "web +stopped" "ps -a after stop web"
	run curl -s -m 2 "$URL/"
	assert_ne "$rc" 0 "curl after stop web"
	run clan start web
	assert_eq "$rc" 0 "clan start web (stderr: $err)"
	assert_eq "$(rows)" 1 "rows after start web"
}

# exec -it: a terminal inside (script(1) gives us the outer one).
case_exec_tty() {
	need_cmd script
	cd "$PROJ" || die "no project"
	local log=$LIB_TMP/pty.out holder
	exec 3< <(exec sleep 60)
	holder=$!
	CLAN_Q=$(printf '%q' "$CLAN") timeout 30 script -qec \
		"stty rows 30 cols 100; \$CLAN_Q exec -it db sh -c 'tty; stty size; exit 5'" \
		/dev/null <&3 >"$log" 2>&1
	rc=$?
	exec 3<&-
	kill "$holder" 2>/dev/null
	out=$(tr -d '\r' <"$log")
	assert_eq "$rc" 5 "exec -it exit code (output: $out)"
	assert_match "$(sed -n 1p <<<"$out")" "^/dev/pts/[0-9]+$" "tty inside exec -it"
	assert_eq "$(sed -n 2p <<<"$out")" "30 100" "stty size inside exec -it"
}

case_down_up_keeps_rows() {
	cd "$PROJ" || die "no project"
	local pid kids
	pid=$(supervisor_pid django-postgres) || die "no live supervisor"
	kids=$(descendants "$pid")
	run clan down
	assert_eq "$rc" 0 "clan down exit code (stderr: $err)"
	run curl -s -m 2 "$URL/"
	assert_ne "$rc" 0 "curl after down"
	run clan ps
	assert_contains "$err" "is not running" "clan ps after down"
	# shellcheck disable=SC2086 # one pid per word
	assert_eq "$(count_alive "$pid" $kids)" 0 "processes of the stack alive after down"
	run clan volume ls
	assert_match "$out" "django-postgres-[0-9a-f]+_pgdata" "volume ls keeps the volume"
	run clan up -d
	assert_eq "$rc" 0 "clan up -d exit code (stderr: $err)"
	assert_eq "$(rows)" 1 "rows after down and up"
}

# The supervisor killed with SIGKILL: nothing of the stack keeps running,
# ps says it is gone, and up starts it cleanly (PostgreSQL recovers).
case_kill9_supervisor() {
	cd "$PROJ" || die "no project"
	local pid kids left
	pid=$(supervisor_pid django-postgres) || die "no live supervisor"
	kids=$(descendants "$pid")
	[ -n "$kids" ] || die "the supervisor has no children"
	kill -KILL "$pid"
	for _ in $(seq 50); do
		# shellcheck disable=SC2086 # one pid per word
		left=$(count_alive $kids)
		[ "$left" = 0 ] && break
		sleep 0.1
	done
	assert_eq "$left" 0 "processes of the stack alive after kill -9 of its supervisor"
	run clan ps
	assert_contains "$err" "its supervisor is gone" "clan ps after kill -9"
	run clan up -d
	assert_eq "$rc" 0 "clan up -d after kill -9 (stderr: $err)"
	assert_eq "$(rows)" 1 "rows after kill -9 and up"
}

# Same project name, another directory: its own containers, volume, port.
case_two_projects() {
	local other=$LIB_TMP/other/proj port2 body
	mkdir -p "$LIB_TMP/other"
	cp -a "$EXAMPLE" "$other"
	port2=$(free_port)
	(cd "$other" && WEB_PORT=$port2 clan up -d >"$LIB_TMP/up2.out" 2>&1) ||
		die "second project: up -d failed" "$(cat "$LIB_TMP/up2.out")"
	body=$(get "http://127.0.0.1:$port2/" 5) || die "second project: no answer"
	assert_contains "$body" "rows: 0" "the second project's own database"
	assert_eq "$(rows)" 1 "the first project is untouched"
	run clan volume ls
	assert_eq "$(grep -c 'django-postgres-[0-9a-f]*_pgdata' <<<"$out")" 2 "two volumes"
	(cd "$other" && WEB_PORT=$port2 clan down -v >/dev/null 2>&1) || die "second project: down -v failed"
	assert_eq "$(rows)" 1 "the first project after the second went down"
}

case_down_v_removes_volume() {
	cd "$PROJ" || die "no project"
	run clan down -v
	assert_eq "$rc" 0 "clan down -v exit code (stderr: $err)"
	run clan volume ls
	assert_not_contains "$out" "_pgdata" "volume ls after down -v"
	run clan up -d
	assert_eq "$rc" 0 "up -d after down -v (stderr: $err)"
	assert_eq "$(rows)" 0 "rows on the new volume"
	run clan down -v
	assert_eq "$rc" 0 "final down -v"
}

# A small stack on the busybox rootfs, in its own dir.
tiny() {
	local dir
	dir=$(mk_tmp)
	cat >"$dir/.clanrc"
	echo "$dir"
}

case_foreground_ctrl_c() {
	local dir port
	port=$(free_port)
	mkdir -p "$LIB_TMP/www" && echo tiny >"$LIB_TMP/www/index.html"
	dir=$(tiny <<-EOF
		[service.web]
		image = dir:$ROOTFS
		command = httpd -f -p 80 -h /www
		bind = $LIB_TMP/www:/www:ro
		port = $port:80
	EOF
	)
	cd "$dir" || die "no dir"
	"$CLAN" up --no-color >"$LIB_TMP/fg.out" 2>"$LIB_TMP/fg.err" </dev/null &
	local fg=$!
	get "http://127.0.0.1:$port/" 20 >/dev/null || {
		kill "$fg"
		die "the foreground stack does not answer" "$(cat "$LIB_TMP/fg.err")"
	}
	kill -INT "$fg"
	wait "$fg"
	rc=$?
	assert_eq "$rc" 0 "clan up's exit code after Ctrl-C (stderr: $(cat "$LIB_TMP/fg.err"))"
	assert_contains "$(cat "$LIB_TMP/fg.out")" "web: http://127.0.0.1:$port/" "URL printed"
	run clan ps
	assert_contains "$err" "is not running" "ps after Ctrl-C"
	run curl -s -m 2 "http://127.0.0.1:$port/"
	assert_ne "$rc" 0 "the port after Ctrl-C"
	clan down >/dev/null 2>&1
}

case_dependency_never_healthy() {
	local dir
	dir=$(tiny <<-EOF
		[service.db]
		image = dir:$ROOTFS
		command = sh -c "echo db booting; exec sleep 1000"
		healthcheck = false
		healthcheck_interval = 100ms
		healthcheck_retries = 2
		[service.web]
		image = dir:$ROOTFS
		command = sleep 1000
		depends_on = db
	EOF
	)
	cd "$dir" || die "no dir"
	run clan up -d --wait-timeout 20
	assert_eq "$rc" 1 "up -d with a dependency that never gets healthy"
	assert_contains "$err" "service db did not become healthy" "the error names the service"
	assert_contains "$err" "db | db booting" "the error shows its last log lines"
	run clan ps
	assert_contains "$err" "is not running" "nothing left running"
	clan down >/dev/null 2>&1
}

case_restart_policy() {
	local dir
	dir=$(tiny <<-EOF
		[service.flaky]
		image = dir:$ROOTFS
		command = sh -c "echo run; sleep 0.2; exit 3"
		restart = on-failure
		[service.steady]
		image = dir:$ROOTFS
		command = sleep 1000
	EOF
	)
	cd "$dir" || die "no dir"
	run clan up -d
	assert_eq "$rc" 0 "up -d (stderr: $err)"
	local runs=0
	for _ in $(seq 60); do
		runs=$(clan logs --no-log-prefix flaky 2>/dev/null | grep -c '^run$')
		[ "$runs" -ge 2 ] && break
		sleep 0.1
	done
	[ "$runs" -ge 2 ] || die "flaky ran $runs times; on-failure should restart it"
	run clan down
	assert_eq "$rc" 0 "down (stderr: $err)"
}

# Bad configurations start nothing: exit 2, one line naming file:line.
case_bad_configs() {
	local dir
	while IFS='|' read -r what text want; do
		dir=$(mk_tmp)
		printf '%b' "$text" >"$dir/.clanrc"
		(cd "$dir" && "$CLAN" up -d) >"$LIB_TMP/bad.out" 2>"$LIB_TMP/bad.err" </dev/null
		rc=$?
		assert_eq "$rc" 2 "$what: exit code"
		assert_contains "$(cat "$LIB_TMP/bad.err")" "$want" "$what: message"
		assert_eq "$(grep -c '' "$LIB_TMP/bad.err")" 1 "$what: one line"
	done <<-EOF
		unknown key|[service.a]\nimage = host\ncommnad = true\n|.clanrc:3: unknown key 'commnad'
		unknown section|[servce.a]\nimage = host\n|.clanrc:1:
		cycle|[service.a]\nimage = host\ndepends_on = b\n[service.b]\nimage = host\ndepends_on = a\n|cycle
		unknown dependency|[service.a]\nimage = host\ndepends_on = dbb\n|.clanrc:3:
		missing variable|[service.a]\nimage = \${NO_SUCH_IMAGE_VAR:?set it}\n|.clanrc:2:
		two services on one port|[service.a]\nimage = host\nport = 18001:80\n[service.b]\nimage = host\nport = 18002:80\n|.clanrc:
		bad port|[service.a]\nimage = host\nport = 80x\n|.clanrc:3:
	EOF
}

t up_detached case_up_detached
t write_and_read case_write_and_read
t ps_and_logs case_ps_and_logs
t exec case_exec
t live_edit case_live_edit
t restart_web case_restart_web
t stop_start case_stop_start
t exec_tty case_exec_tty
t down_up_keeps_rows case_down_up_keeps_rows
t kill9_supervisor case_kill9_supervisor
t two_projects case_two_projects
t down_v_removes_volume case_down_v_removes_volume
t foreground_ctrl_c case_foreground_ctrl_c
t dependency_never_healthy case_dependency_never_healthy
t restart_policy case_restart_policy
t bad_configs case_bad_configs
# whatever a failed case left running
for d in "$PROJ" "$LIB_TMP/other/proj"; do
	[ -d "$d" ] && (cd "$d" && "$CLAN" down -v >/dev/null 2>&1)
done
finish
