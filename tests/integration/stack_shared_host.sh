#!/bin/bash
# Profiles on a shared machine, where a port published on 127.0.0.1 is
# reachable by every local user: the redis server asks for the per-project
# password clan generates (REDIS_PASSWORD), which the stack's other
# services reach as ${REDIS_PASSWORD}; the flask development server shows
# no in-browser debugger (a Python console for whoever reaches the port).
# Builds deb: images with redis-server and python3-flask once per run
# (shared storage).
# clan-test-timeout: 900
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_cmd python3
need_cmd curl
need_cmd mmdebstrap
use_deb_storage

# redis_says PORT COMMAND: the first reply line of a redis server on
# 127.0.0.1:PORT to an inline command, as another local user would send it.
redis_says() {
	python3 - "$1" "$2" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
s.sendall(sys.argv[2].encode() + b"\r\n")
s.settimeout(5)
print(s.recv(256).decode(errors="replace").splitlines()[0])
PY
}

# up_in DIR: the stack of DIR up (the deb: images built on first use), or
# the case fails with up's error and nothing left running.
up_in() {
	cd "$1" || die "cd $1"
	run clan up -d --wait-timeout 300
	if [ "$rc" != 0 ]; then
		clan down >/dev/null 2>&1
		die "clan up -d: exit $rc" "$err"
	fi
}

case_password_required_on_the_published_port() {
	local dir port pw
	port=$(python3 "$CLAN_TEST_ROOT/tests/net_tool.py" free-port)
	dir=$(mk_tmp)
	cat >"$dir/.clanrc" <<-EOF
		[service.redis]
		profile = redis
		image = deb:bookworm
		port = $port:6379
		[service.client]
		image = deb:bookworm
		packages = redis-server
		command = sleep 1000
		environment = REDISCLI_AUTH=\${REDIS_PASSWORD}
		depends_on = redis
	EOF
	up_in "$dir"
	pw=$(clan config | sed -n 's/^ *REDIS_PASSWORD: //p' | head -n 1)
	local anon authed inside shown
	# every user of the host reads /proc/PID/cmdline: the password must not
	# be there (a pattern file: grep's own arguments would match)
	printf '%s\n' "$pw" >"$LIB_TMP/pw"
	shown=$(grep -lFf "$LIB_TMP/pw" /proc/[0-9]*/cmdline 2>/dev/null)
	anon=$(redis_says "$port" PING)
	authed=$(redis_says "$port" "AUTH $pw")
	inside=$(clan exec client redis-cli -h redis ping 2>&1)
	clan down -v >/dev/null 2>&1
	assert_match "$pw" '^[A-Za-z0-9_-]{32}$' "the generated password"
	assert_eq "$shown" "" "command lines that show the password"
	assert_contains "$anon" "NOAUTH" "PING without the password"
	assert_eq "$authed" "+OK" "AUTH with the password"
	assert_eq "$inside" "PONG" "the client service through \${REDIS_PASSWORD}"
}

# A route that raises: with the debugger, Werkzeug answers with its
# interactive traceback page (and a console behind a guessable PIN);
# without it, a plain 500.
case_flask_no_debugger_on_the_published_port() {
	local dir port body
	port=$(python3 "$CLAN_TEST_ROOT/tests/net_tool.py" free-port)
	dir=$(mk_tmp)
	chmod 0755 "$dir"
	cat >"$dir/app.py" <<-'EOF'
		from flask import Flask
		app = Flask(__name__)
		@app.route("/")
		def boom():
		    raise RuntimeError("boom")
	EOF
	cat >"$dir/.clanrc" <<-EOF
		[service.web]
		profile = flask
		bind = .:/app
		port = $port:5000
	EOF
	up_in "$dir"
	body=$(curl -s -m 5 "http://127.0.0.1:$port/")
	clan down >/dev/null 2>&1
	assert_contains "$body" "Internal Server Error" "the answer to a failing route"
	assert_not_contains "$body" "Werkzeug Debugger" "the answer to a failing route"
	assert_not_contains "$body" "console" "the answer to a failing route"
}

t password_required_on_the_published_port case_password_required_on_the_published_port
t flask_no_debugger_on_the_published_port case_flask_no_debugger_on_the_published_port
finish
