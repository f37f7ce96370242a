#!/bin/bash
# clan init in scratch project dirs as a user runs it: it picks the stack
# from what the dir holds, writes a .clanrc that clan config accepts, and
# stays inside the project: a settings.py that is a symlink out of it is
# not read, a FIFO does not block it, a huge or binary requirements.txt is
# read bounded or skipped, an existing .clanrc is never replaced without
# --force.
# shellcheck disable=SC2317 # cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

# in_project: cd to a new empty project dir (its path in $dir).
in_project() {
	dir=$(mk_tmp) || die "mk_tmp"
	mkdir "$dir/proj" && dir=$dir/proj
	cd "$dir" || die "cd"
}

# init_ok: clan init succeeds and clan config accepts what it wrote.
init_ok() {
	run clan init "$@"
	assert_eq "$rc" 0 "clan init (stderr: $err)"
	local msg=$out
	run clan config -q
	assert_eq "$rc:$err" "0:" "clan config -q of the written .clanrc"
	out=$msg
}

case_flask_with_redis() {
	in_project
	printf 'Flask==3.0\nredis>=5\n' >requirements.txt
	init_ok
	assert_contains "$out" "wrote .clanrc: Flask (requirements.txt, app.py) with Redis"
	assert_contains "$(cat .clanrc)" "profile = redis" "a redis service"
	assert_contains "$(cat .clanrc)" "packages = python3-redis" "python3-redis"
	run clan config --services
	assert_eq "$out" "redis
web" "redis starts first"
}

case_index_html_is_nginx() {
	in_project
	echo '<h1>hello</h1>' >index.html
	init_ok
	assert_contains "$out" "nginx serving this dir"
	assert_contains "$(cat .clanrc)" "profile = nginx"
	run clan config
	assert_contains "$out" 'published: "8080"' "published on 8080"
}

case_node_with_postgres() {
	in_project
	echo '{"dependencies": {"express": "^4", "pg": "^8"}}' >package.json
	init_ok
	assert_contains "$out" "Node (package.json) with PostgreSQL (package.json)"
	run clan config --services
	assert_eq "$out" "db
web" "db starts first"
}

case_django_settings_name_the_database() {
	in_project
	: >manage.py
	mkdir mysite
	cat >mysite/settings.py <<'PY'
DATABASES = {
    "default": {"ENGINE": "django.db.backends.mysql", "NAME": "app"},
}
PY
	init_ok
	assert_contains "$out" "Django (manage.py) with MariaDB (settings.py's ENGINE)"
	assert_contains "$(cat .clanrc)" "profile = mariadb"
	assert_contains "$(cat .clanrc)" "packages = python3-mysqldb"
}

# Abuse: the settings that would name MariaDB are outside the project;
# init reads none of them and keeps Django's default, saying why.
case_symlink_out_of_the_project_is_not_followed() {
	in_project
	local outside
	outside=$(dirname "$dir")/outside
	mkdir -p "$outside/site"
	echo '"ENGINE": "django.db.backends.mysql"' >"$outside/settings.py"
	echo '"ENGINE": "django.db.backends.mysql"' >"$outside/site/settings.py"
	: >manage.py
	ln -s ../outside/settings.py settings.py
	ln -s "$outside/site" mysite
	init_ok
	assert_contains "$out" "with PostgreSQL" "nothing read from outside"
	assert_not_contains "$(cat .clanrc)" "mariadb" "nothing read from outside"
	run clan init --force
	assert_contains "$err" "settings.py not read: it leads out of the project dir" "said why"
	# an absolute symlink is resolved inside the project, where there is nothing
	rm settings.py
	ln -s "$outside/settings.py" settings.py
	run clan init --force
	assert_eq "$rc" 0 "init"
	assert_contains "$out" "with PostgreSQL" "an absolute symlink is not followed out"
}

case_huge_binary_and_fifo_requirements() {
	in_project
	# 8 MiB, redis past the first 64 KiB: read bounded, said so
	{
		echo flask
		head -c 8388608 /dev/zero | tr '\0' '#'
		printf '\nredis\n'
	} >requirements.txt
	init_ok
	run clan init --force
	assert_contains "$err" "requirements.txt: read its first 64 KiB only" "bounded"
	assert_not_contains "$(cat .clanrc)" "profile = redis" "what is past the bound is not read"
	# binary: skipped, still Flask
	head -c 4096 /dev/urandom >requirements.txt
	printf '\0redis\n' >>requirements.txt
	run clan init --force
	assert_eq "$rc" 0 "init with a binary requirements.txt"
	assert_contains "$err" "requirements.txt not read: binary"
	assert_contains "$out" "Flask"
	# a FIFO: init must not block on it
	rm requirements.txt && mkfifo requirements.txt
	run timeout 10 "$CLAN" init --force
	assert_eq "$rc" 0 "init with a FIFO for requirements.txt (124: it blocked)"
	assert_contains "$err" "requirements.txt not read: not a regular file"
}

case_existing_clanrc_is_never_replaced() {
	in_project
	echo '; mine' >.clanrc
	printf 'redis\n' >requirements.txt
	assert_usage_error clan init
	assert_eq "$err" "clan: init: .clanrc exists already (--force replaces it)" "stderr"
	assert_eq "$(cat .clanrc)" "; mine" "untouched"
	# a dangling symlink is a .clanrc too: not followed, not written through
	rm .clanrc
	ln -s "$dir/../victim" .clanrc
	assert_usage_error clan init
	assert_eq "$(find .. -maxdepth 1 -name victim | wc -l)" 0 "nothing written through the link"
	init_ok --force
	[ -L .clanrc ] && die ".clanrc is still a symlink after --force"
	assert_eq "$(find .. -maxdepth 1 -name victim | wc -l)" 0 "--force replaced the link, not its target"
	assert_eq "$(find . -name '.clanrc.*' | wc -l)" 0 "temp files left"
}

t flask_with_redis case_flask_with_redis
t index_html_is_nginx case_index_html_is_nginx
t node_with_postgres case_node_with_postgres
t django_settings_name_the_database case_django_settings_name_the_database
t symlink_out_of_the_project_is_not_followed case_symlink_out_of_the_project_is_not_followed
t huge_binary_and_fifo_requirements case_huge_binary_and_fifo_requirements
t existing_clanrc_is_never_replaced case_existing_clanrc_is_never_replaced
finish
