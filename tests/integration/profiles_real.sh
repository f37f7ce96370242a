#!/bin/bash
# The mariadb and nginx profiles on real Debian images: the server logs no
# "Access denied" for the health check, nginx no "[emerg] initgroups" and
# its access log reaches clan logs. Both services name the same package
# set, so they share one deb: image (one mmdebstrap build per user and
# run, kept in the shared deb: image cache, CLAN_TEST_DEB_CACHE_ROOT).
# clan-test-timeout: 900
# shellcheck disable=SC2317 # cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

command -v curl >/dev/null || skip_case "curl missing"
command -v mmdebstrap >/dev/null || skip_case "mmdebstrap missing: the deb: image cannot be built"
use_deb_storage

case_mariadb_and_nginx_log_cleanly() {
	local dir logs
	# a fixed port: clan ps shows 0 for a kernel-picked one
	local port=$((20000 + RANDOM % 30000))
	dir=$(mk_tmp) || die "mk_tmp"
	mkdir "$dir/html" && echo '<h1>hello</h1>' >"$dir/html/index.html"
	cat >"$dir/.clanrc" <<-'EOF'
		[service.db]
		profile = mariadb
		image = deb:bookworm
		packages = mariadb-server nginx-light
		environment = MARIADB_ROOT_PASSWORD=rootpw
		environment = MARIADB_DATABASE=app
		[service.web]
		profile = nginx
		image = deb:bookworm
		packages = mariadb-server nginx-light
		bind = html:/var/www/html:ro
		port = 127.0.0.1:PORT:80
	EOF
	sed -i "s/PORT/$port/" "$dir/.clanrc"
	cd "$dir" || die "cd"
	run clan up -d --wait-timeout 800
	if [ "$rc" != 0 ]; then
		clan down -v >/dev/null 2>&1
		die "clan up -d: exit $rc" "$err"
	fi
	curl -fsS "http://127.0.0.1:$port/" >/dev/null || note "curl of web failed"
	curl -sS "http://127.0.0.1:$port/no-such-page" >/dev/null
	# a few of db's health checks (1 s apart) after it became healthy
	sleep 4
	for _ in 1 2 3 4 5; do
		run clan logs web
		case $out in *"GET /no-such-page"*) break ;; esac
		sleep 1
	done
	run clan logs
	logs=$out
	clan down -v >/dev/null 2>&1
	# counts, not the whole log: a failure says which line is wrong
	assert_eq "$(grep -c 'mariadbd: ready for connections' <<<"$logs")" 2 "db ran (first start, then the server)"
	assert_eq "$(grep -c 'Access denied' <<<"$logs")" 0 "'Access denied' lines in db's log (the health check's user)"
	assert_eq "$(grep -c 'emerg' <<<"$logs")" 0 "[emerg] lines in web's log"
	assert_eq "$(grep -c '"GET /no-such-page HTTP/1.1" 404' <<<"$logs")" 1 "nginx's access log line in clan logs"
}

t mariadb_and_nginx_log_cleanly case_mariadb_and_nginx_log_cleanly
finish
