#!/bin/bash
# clan config and clan init as a user runs them: in the project dir, with
# .env and the shell's variables, a project profile; bad files exit 2
# with one `clan: FILE:LINE: ...` line and start nothing.
# shellcheck disable=SC2016,SC2317 # $vars in single quotes are clan's; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

# project TEXT: a new project dir holding .clanrc TEXT and a profile
project() {
	local dir
	dir=$(mk_tmp) || die "mk_tmp"
	mkdir -p "$dir/profiles" "$dir/src"
	printf '%s' "$1" >"$dir/.clanrc"
	cat >"$dir/profiles/kv.yaml" <<'YAML'
image: deb:bookworm
user: nobody
ports: [6379]
volumes: [/data]
healthcheck: {test: "true", interval: 1s}
deb: {packages: [redis-server], command: [redis-server]}
YAML
	echo "$dir"
}

case_prints_the_resolved_stack() {
	local dir
	dir=$(project '[project]
name = shop
[service.web]
image = deb:bookworm
command = python3 -m http.server ${WEB_PORT:-8000}
port = ${WEB_PORT:-8000}
depends_on = cache
environment = SECRET=${SECRET}
[service.cache]
profile = kv
')
	printf 'SECRET=from-dotenv\nWEB_PORT=8001\n' >"$dir/.env"
	cd "$dir" || die "cd"
	WEB_PORT=9000 run clan config
	assert_eq "$rc" 0 "exit"
	assert_contains "$out" "name: shop"
	assert_contains "$out" "image: deb:bookworm+redis-server" "the profile's packages"
	assert_contains "$out" "SECRET: from-dotenv" ".env"
	assert_contains "$out" "127.0.0.1:9000:9000/tcp" "the shell beats .env"
	assert_contains "$out" "cache_data:/data" "the profile's data dir as a volume"
	assert_eq "$err" "" "stderr"
	run clan config --services
	assert_eq "$out" "cache
web" "services in start order"
	run clan config --volumes
	assert_eq "$out" "cache_data" "volumes"
	run clan config -q
	assert_eq "$rc:$out" "0:" "config -q"
}

case_warns_about_unset_variables() {
	local dir
	dir=$(project '[service.a]
image = deb:bookworm
environment = X=${NOT_SET_ANYWHERE}
')
	cd "$dir" || die "cd"
	run clan config
	assert_eq "$rc" 0 "exit"
	assert_eq "$err" 'clan: warning: .clanrc:3: the "NOT_SET_ANYWHERE" variable is not set, defaulting to a blank string' "stderr"
}

case_bad_config_exits_2_with_file_and_line() {
	local dir
	dir=$(project '[service.web]
image = deb:bookworm
imgae = typo
')
	cd "$dir" || die "cd"
	assert_usage_error clan config
	assert_eq "$err" "clan: .clanrc:3: unknown key 'imgae' in [service.web] (did you mean image?)" "stderr"
}

case_required_variable() {
	local dir
	dir=$(project '[service.db]
image = deb:bookworm
environment = PW=${DB_PASSWORD:?set DB_PASSWORD in .env}
')
	cd "$dir" || die "cd"
	assert_usage_error clan config
	assert_eq "$err" "clan: .clanrc:3: DB_PASSWORD: set DB_PASSWORD in .env" "stderr"
	echo "DB_PASSWORD=x" >.env
	assert_exit 0 clan config -q
}

case_dependency_cycle() {
	local dir
	dir=$(project '[service.a]
image = deb:bookworm
depends_on = b
[service.b]
image = deb:bookworm
depends_on = a
')
	cd "$dir" || die "cd"
	assert_usage_error clan config
	assert_eq "$err" "clan: .clanrc:6: dependency cycle: a -> b -> a" "stderr"
}

case_no_clanrc() {
	local dir
	dir=$(mk_tmp) || die "mk_tmp"
	cd "$dir" || die "cd"
	assert_usage_error clan config
	assert_contains "$err" "no .clanrc in" "stderr"
}

case_init_writes_once() {
	local dir
	dir=$(mk_tmp) || die "mk_tmp"
	cd "$dir" || die "cd"
	: >package.json
	assert_exit 0 clan init
	assert_contains "$out" "Node (package.json)"
	assert_contains "$(cat .clanrc)" "profile = node"
	echo "; mine" >>.clanrc
	assert_usage_error clan init
	assert_eq "$err" "clan: init: .clanrc exists already (--force replaces it)" "stderr"
	assert_contains "$(cat .clanrc)" "; mine" "the old .clanrc is untouched"
	assert_exit 0 clan init --force
	assert_not_contains "$(cat .clanrc)" "; mine" "--force replaced it"
	assert_eq "$(find . -name '.clanrc.*' | wc -l)" 0 "temp files left"
}

t prints_the_resolved_stack case_prints_the_resolved_stack
t warns_about_unset_variables case_warns_about_unset_variables
t bad_config_exits_2_with_file_and_line case_bad_config_exits_2_with_file_and_line
t required_variable case_required_variable
t dependency_cycle case_dependency_cycle
t no_clanrc case_no_clanrc
t init_writes_once case_init_writes_once
finish
