#!/bin/bash
# An official image whose entrypoint starts as root, fixes ownership and
# drops to its service user (Docker Hub's postgres), from the registry on
# 127.0.0.1: the stand-in of tests/import_lib.sh, pushed as
# library/postgres:15.
# - Without a subuid range, run as its service user (Docker's --user
#   postgres) it initialises its data dir and becomes ready: single mode
#   maps the user's id to the image's postgres. Started as root it cannot
#   drop to postgres, which is not mapped: the entrypoint fails at that
#   step and the server never starts, as under rootless Podman with one id.
# - With a range, both work (root's chown and setpriv have ids to use).
# This is the mapping a profile's `user:` asks for in single-id mode.
# clan-test-timeout: 1500
# (each image: a tar of a deb: image of the deb cache and a gzip of it,
# 20-60 s, once per run; the deb: images themselves 1-3 min each when not
# cached)
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/pull_lib.sh
. "$(dirname "$0")/../pull_lib.sh"
# shellcheck source=tests/import_lib.sh
. "$(dirname "$0")/../import_lib.sh"

command -v mmdebstrap >/dev/null || skip_case "mmdebstrap missing (apt-get install mmdebstrap): the deb: image of postgresql-15 needs it"
command -v dpkg >/dev/null || skip_case "dpkg missing: the deb cache's key needs dpkg --print-architecture"
pull_setup

IMG=$REGISTRY/library/postgres:15
# Seconds PostgreSQL may take to initialise and accept connections.
READY_S=90

push_pg() {
	registry_push postgres library/postgres:15 || die "cannot build or push the postgres stand-in"
	pull_ok "$IMG"
}

PG_PID=""
# start_pg NAME ARGS...: clan run --rm --name NAME ARGS... IMG in the
# background (the server in the foreground of its container), stopped when
# the case ends.
start_pg() {
	local name=$1
	shift
	"$CLAN" run --rm --name "$name" "$@" -e POSTGRES_PASSWORD=secret-pw "$IMG" \
		>"$LIB_TMP/$name.out" 2>"$LIB_TMP/$name.err" </dev/null &
	PG_PID=$!
	# shellcheck disable=SC2064 # the pid now
	trap "kill -INT $PG_PID 2>/dev/null; wait $PG_PID 2>/dev/null" EXIT
}

# stop_pg: SIGINT (postgres's fast shutdown, the image's STOPSIGNAL); the
# exit status of clan run in rc.
stop_pg() {
	kill -INT "$PG_PID" 2>/dev/null
	wait "$PG_PID"
	rc=$?
	trap - EXIT
}

# pg_log NAME: what the container printed.
pg_log() {
	cat "$LIB_TMP/$1.out" "$LIB_TMP/$1.err" 2>/dev/null | tail -n 25
}

# wait_ready NAME: pg_isready through clan exec, over TCP (the real
# server: the entrypoint's temporary one listens on its socket only), until
# it says so (bounded); dies with the log when the container ends first.
wait_ready() {
	local name=$1 tenths=$((READY_S * 10))
	while [ "$tenths" -gt 0 ]; do
		if ! kill -0 "$PG_PID" 2>/dev/null; then
			wait "$PG_PID"
			die "the container $name ended (exit $?) before PostgreSQL was ready:" "$(pg_log "$name")"
		fi
		if timeout 10 "$CLAN" exec "$name" pg_isready -q -h 127.0.0.1 -p 5432 </dev/null >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.5
		tenths=$((tenths - 5))
	done
	die "PostgreSQL in $name not ready after ${READY_S}s:" "$(pg_log "$name")"
}

# The server answers over TCP, POSTGRES_PASSWORD is the superuser's (and
# required from other hosts: as in the official image, initdb's own lines
# trust the container's loopback), and it runs as postgres, not root;
# exec runs as the container's user, EXEC_USER, as docker exec does.
assert_serves() {
	local name=$1 exec_user=$2
	clan_t exec "$name" psql -h 127.0.0.1 -U postgres -d postgres -tAc \
		"select current_user, rolpassword like 'SCRAM-SHA-256\$%' from pg_authid where rolname = 'postgres'"
	assert_eq "$rc" 0 "psql over TCP (stderr: $err)"
	assert_eq "$out" "postgres|t" "the database user, and its password set"
	clan_t exec "$name" sh -c 'tail -n 1 "$PGDATA/pg_hba.conf"'
	assert_eq "$out" "host all all all scram-sha-256" "the last line of pg_hba.conf"
	clan_t exec "$name" sh -c 'stat -c %U /proc/1; id -un'
	assert_eq "$rc" 0 "exit of ps (stderr: $err)"
	assert_eq "$out" "postgres"$'\n'"$exec_user" "the user of the server (pid 1) and of exec"
}

case_as_postgres() {
	push_pg
	local name=pg-user-$$
	start_pg "$name" --user postgres
	wait_ready "$name"
	assert_serves "$name" postgres
	assert_contains "$(pg_log "$name")" "PostgreSQL init process complete" "the entrypoint's log"
	stop_pg
	assert_eq "$rc" 0 "exit of clan run after SIGINT (log: $(pg_log "$name"))"
}

# As root: with a range the entrypoint's root branch works; with one id it
# fails where it drops to postgres (setpriv's setresuid: EINVAL, the id is
# not mapped) and the server never starts. Rootless Podman with one id
# (ignore_chown_errors) fails one line earlier, at the entrypoint's chown
# of PGDATA to postgres (EINVAL too); clan's single-mode seccomp filter
# makes chown succeed without effect, so here it is the next step.
case_as_root() {
	push_pg
	local name=pg-root-$$
	start_pg "$name"
	if has_subuid && has_newuidmap; then
		wait_ready "$name"
		assert_serves "$name" root
		stop_pg
		assert_eq "$rc" 0 "exit of clan run after SIGINT (log: $(pg_log "$name"))"
		return
	fi
	local tenths=$((READY_S * 10))
	while kill -0 "$PG_PID" 2>/dev/null && [ "$tenths" -gt 0 ]; do
		sleep 0.1
		tenths=$((tenths - 1))
	done
	kill -0 "$PG_PID" 2>/dev/null && die "as root without a range the container still runs after ${READY_S}s:" "$(pg_log "$name")"
	wait "$PG_PID"
	rc=$?
	trap - EXIT
	assert_ne "$rc" 0 "exit of clan run as root with one id"
	local log
	log=$(pg_log "$name")
	assert_match "$log" "setpriv: setresuid failed: Invalid argument" "why it failed"
	assert_not_contains "$log" "database system is ready" "the log"
	assert_not_contains "$log" "PostgreSQL init process complete" "the log"
}

# The image's PostgreSQL refuses root itself (the server's check, not the
# entrypoint's: its root branch is for the postgres command only).
case_postgres_refuses_root() {
	push_pg
	clan_t run --rm "$IMG" sh -c 'exec postgres -D /tmp/nothing'
	assert_ne "$rc" 0 "exit of postgres as root"
	assert_contains "$out$err" '"root" execution of the PostgreSQL server is not permitted' "postgres's refusal"
}

# --user postgres maps the user's one id to the image's postgres, looked up
# in the image's /etc/passwd: the data dir the server made is the user's
# on the host.
case_user_maps_to_postgres() {
	push_pg
	local pg_uid
	clan_t run --rm --user postgres "$IMG" sh -c 'id -u; id -u postgres; cat /proc/self/uid_map'
	assert_eq "$rc" 0 "exit (stderr: $err)"
	pg_uid=$(sed -n 2p <<<"$out")
	assert_eq "$(sed -n 1p <<<"$out")" "$pg_uid" "id -u under --user postgres"
	assert_ne "$pg_uid" 0 "postgres's uid in the image"
	if has_subuid && has_newuidmap; then
		return 0
	fi
	assert_match "$(sed -n 3p <<<"$out")" "^ *$pg_uid +$(id -u) +1\$" "the single-id map"
}

# A compose project as Docker users write it: the official image by name
# from a registry mirror, a named volume, and a client that depends_on the
# database with no healthcheck (most compose files): the postgres profile
# recognises the image, so the client starts once the server takes
# connections, and with one mapped id the database runs as postgres. The
# data outlives down.
case_compose_official_image() {
	push_pg
	fresh_storage
	local dir
	dir=$(mk_tmp)
	cat >"$dir/docker-compose.yml" <<-EOF
		services:
		  db:
		    image: $IMG
		    environment:
		      POSTGRES_PASSWORD: secret-pw
		    volumes:
		      - pgdata:/var/lib/postgresql/data
		  client:
		    image: $IMG
		    entrypoint: ["sh", "-c", "pg_isready -h db -p 5432 && echo DB-READY && exec sleep 1000"]
		    depends_on: [db]
		    healthcheck:
		      disable: true
		volumes:
		  pgdata:
	EOF
	cd "$dir" || die "no project dir"
	run clan config
	assert_contains "$out" "x-clan-profile: postgres" "the image is recognised"
	assert_contains "$out" "pg_isready" "the profile's health check orders depends_on"
	clan_t up -d --wait-timeout "$READY_S"
	assert_eq "$rc" 0 "up -d (stderr: $err)"
	run clan logs client
	assert_contains "$out" "DB-READY" "the client found the server accepting connections"
	clan_t exec db psql -U postgres -tAc "create table kept (x int); insert into kept values (42)"
	assert_eq "$rc" 0 "psql (stderr: $err)"
	# with one id run as the profile's user; with a range the entrypoint
	# drops to postgres itself and execs the server
	clan_t exec db sh -c 'stat -c %U /proc/1'
	assert_eq "$out" postgres "the server's user"
	assert_exit 0 clan down
	clan_t up -d --wait-timeout "$READY_S"
	assert_eq "$rc" 0 "up -d again (stderr: $err)"
	clan_t exec db psql -U postgres -tAc "select x from kept"
	assert_eq "$out" 42 "the data outlived down"
	assert_exit 0 clan down -v
}

# The example's shape from its compose file alone, no .clanrc: every
# service on an image: from the mirror. PostgreSQL 15 by name (env_file
# .env, a named volume), the Django app on the image a team's CI would
# push (tests/import_lib.sh's djangoweb) with the source bind-mounted and
# published, depends_on with no healthcheck (the profile orders it) and
# the image's own WORKDIR and CMD. Its page reads and writes the
# database; an edit of the source is served with no restart of anything.
web_pid() {
	"$CLAN" ps --format json | python3 -c 'import json,sys; print([s["pid"] for s in json.load(sys.stdin) if s["service"]=="web"][0])'
}

case_compose_django_example() {
	push_pg
	registry_push djangoweb clan-example/web:1 || die "cannot build or push the web image"
	fresh_storage
	local dir port
	dir=$(mk_tmp)
	cp -a "$CLAN_TEST_ROOT/examples/django-postgres/." "$dir/"
	rm -f "$dir/.clanrc"
	port=$(python3 "$CLAN_TEST_ROOT/tests/net_tool.py" free-port)
	cat >"$dir/docker-compose.yml" <<-EOF
		services:
		  db:
		    image: $IMG
		    env_file: .env
		    volumes:
		      - pgdata:/var/lib/postgresql/data
		  web:
		    image: $REGISTRY/clan-example/web:1
		    command: sh -c "python3 manage.py migrate --noinput && exec python3 manage.py runserver 0.0.0.0:8000"
		    volumes:
		      - .:/app
		    ports:
		      - "127.0.0.1:$port:8000"
		    env_file: .env
		    environment:
		      DB_HOST: db
		      PYTHONUNBUFFERED: "1"
		    depends_on: [db]
		volumes:
		  pgdata:
	EOF
	cd "$dir" || die "no project dir"
	run timeout -k 5 900 "$CLAN" up -d --wait-timeout 600
	assert_eq "$rc" 0 "up -d (stderr: $err)"
	run curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/add?title=from+compose"
	assert_eq "$out" 302 "GET /add"
	assert_contains "$(get "http://127.0.0.1:$port/" 10)" "from compose" "the row on the page"
	assert_eq "$(get "http://127.0.0.1:$port/health" 10)" ok "/health (a round trip to PostgreSQL)"
	# live edit: the bind-mounted source, reloaded by the dev server
	local before
	before=$(web_pid)
	assert_match "$before" "^[1-9][0-9]*\$" "web's pid before the edit"
	sed -i 's/return HttpResponse("ok\\n"/return HttpResponse("ok, edited\\n"/' "$dir/notes/views.py"
	grep -q 'ok, edited' "$dir/notes/views.py" || die "the edit did not apply"
	local i=0 page=""
	while [ "$i" -lt 50 ]; do
		page=$(get "http://127.0.0.1:$port/health" 2)
		[ "$page" = "ok, edited" ] && break
		sleep 0.2
		i=$((i + 1))
	done
	assert_eq "$page" "ok, edited" "the edited view, served with no restart"
	assert_eq "$(web_pid)" "$before" "web's pid 1 (not restarted)"
	assert_exit 0 clan down -v
}

t "as postgres (--user postgres): initialised and ready" case_as_postgres
t "as root: as rootless Podman (one id: fails at the drop)" case_as_root
t "postgres itself refuses root" case_postgres_refuses_root
t "--user postgres maps the user to the image's postgres" case_user_maps_to_postgres
t "a compose project on the official image: recognised, ordered, persistent" case_compose_official_image
t "the example's stack from a compose file alone, every image from the mirror" case_compose_django_example
finish
