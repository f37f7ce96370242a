#!/bin/bash
# Issue 14's done-when: examples/django-postgres as a Docker user has it,
# its docker-compose.yml and Dockerfile alone (no .clanrc), `clan up
# --build`: postgres:15 and debian:bookworm-slim by name from a mirror of
# Docker Hub on 127.0.0.1 (CLAN_REGISTRY_MIRROR; the stand-ins of
# tests/import_lib.sh), the web image built from the Dockerfile (apt-get
# from the Debian archive in its RUN, pip finding every requirement met).
# A .py edit is served with no rebuild and no restart; a requirements.txt
# edit and `up --build` rerun only the steps from its COPY on, and the
# service is recreated on the new image.
# clan-test-timeout: 1800
# (the stand-in images: a deb: image each, 1-3 min when not cached; the
# build's apt-get 20-60 s)
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/pull_lib.sh
. "$(dirname "$0")/../pull_lib.sh"
# shellcheck source=tests/import_lib.sh
. "$(dirname "$0")/../import_lib.sh"

command -v mmdebstrap >/dev/null || skip_case "mmdebstrap missing (apt-get install mmdebstrap): the stand-in images are deb: images"
command -v dpkg >/dev/null || skip_case "dpkg missing: the deb cache's key needs dpkg --print-architecture"
pull_setup

web_pid() {
	"$CLAN" ps --format json | python3 -c 'import json,sys; print([s["pid"] for s in json.load(sys.stdin) if s["service"]=="web"][0])'
}

up_build() {
	run timeout -k 5 900 "$CLAN" up --build -d --wait-timeout 600
}

case_example_up_build() {
	registry_push postgres library/postgres:15 || die "cannot build or push the postgres stand-in"
	registry_push debianslim library/debian:bookworm-slim || die "cannot build or push the debian stand-in"
	fresh_storage
	CLAN_REGISTRY_MIRROR=http://$REGISTRY
	export CLAN_REGISTRY_MIRROR
	local dir port
	dir=$(mk_tmp)
	cp -a "$CLAN_TEST_ROOT/examples/django-postgres/." "$dir/"
	rm -f "$dir/.clanrc"
	# the one change a second checkout needs: a free port
	port=$(python3 "$CLAN_TEST_ROOT/tests/net_tool.py" free-port)
	sed -i "s/127.0.0.1:8000:8000/127.0.0.1:$port:8000/" "$dir/docker-compose.yml"
	cd "$dir" || die "no project dir"
	up_build
	assert_eq "$rc" 0 "up --build -d (stderr: $err)"
	assert_contains "$err" "building web" "up built the web image"
	assert_contains "$err" "RUN pip3 install" "the requirements step ran"
	run curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/add?title=built+here"
	assert_eq "$out" 302 "GET /add"
	assert_contains "$(get "http://127.0.0.1:$port/" 10)" "built here" "the row on the page"
	assert_eq "$(get "http://127.0.0.1:$port/health" 10)" ok "/health (a round trip to PostgreSQL)"
	# a .py edit: served by the dev server from the bind mount, no rebuild
	local before page="" i=0
	before=$(web_pid)
	sed -i 's/return HttpResponse("ok\\n"/return HttpResponse("ok, edited\\n"/' notes/views.py
	grep -q 'ok, edited' notes/views.py || die "the edit did not apply"
	while [ "$i" -lt 50 ]; do
		page=$(get "http://127.0.0.1:$port/health" 2)
		[ "$page" = "ok, edited" ] && break
		sleep 0.2
		i=$((i + 1))
	done
	assert_eq "$page" "ok, edited" "the edited view, served with no restart"
	assert_eq "$(web_pid)" "$before" "web's pid 1 (not restarted)"
	# up --build after a code edit: the apt and pip steps are cached
	up_build
	assert_eq "$rc" 0 "up --build after the code edit (stderr: $err)"
	assert_contains "$(grep -m1 '] RUN apt-get' <<<"$err")" CACHED "apt-get after a code edit"
	assert_contains "$(grep -m1 '] RUN pip3' <<<"$err")" CACHED "pip after a code edit"
	# a requirements edit: from its COPY on, apt-get stays cached
	printf '# pinned for the test\n' >>requirements.txt
	up_build
	assert_eq "$rc" 0 "up --build after the requirements edit (stderr: $err)"
	assert_contains "$(grep -m1 '] RUN apt-get' <<<"$err")" CACHED "apt-get after a requirements edit"
	assert_not_contains "$(grep -m1 '] COPY requirements' <<<"$err")" CACHED "the requirements COPY"
	assert_not_contains "$(grep '] RUN pip3' <<<"$err" | tail -n 1)" CACHED "pip after a requirements edit"
	assert_contains "$out$err" "Recreating web" "web on the new image"
	assert_contains "$(get "http://127.0.0.1:$port/" 30)" "built here" "the data outlived the recreate"
	assert_exit 0 clan down -v
}

t "the example from docker-compose.yml + Dockerfile: up --build, edits" case_example_up_build
finish
