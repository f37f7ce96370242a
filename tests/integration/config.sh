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
	assert_contains "$out" 'published: "9000"' "the shell beats .env"
	assert_contains "$out" "source: cache_data" "the profile's data dir as a volume"
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
	assert_contains "$err" "no .clanrc or compose file in" "stderr"
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

# The installed redis profile asks for REDIS_PASSWORD: clan config shows
# a generated value, the same on every run, private to the user, usable
# as ${REDIS_PASSWORD} by the other services; .env overrides it.
case_redis_gets_a_generated_password() {
	local dir first second file
	dir=$(project '[service.web]
image = deb:bookworm
environment = REDIS_URL=redis://:${REDIS_PASSWORD}@redis:6379/0
[service.redis]
profile = redis
image = deb:bookworm
')
	cd "$dir" || die "cd"
	run clan config
	assert_eq "$rc" 0 "clan config (stderr: $err)"
	first=$(grep -o 'REDIS_PASSWORD: [A-Za-z0-9_-]*' <<<"$out" | head -n 1)
	assert_match "$first" '^REDIS_PASSWORD: [A-Za-z0-9_-]{32}$' "the redis service's password"
	assert_contains "$out" "redis://:${first#REDIS_PASSWORD: }@redis:6379/0" "web's REDIS_URL"
	run clan config
	second=$(grep -o 'REDIS_PASSWORD: [A-Za-z0-9_-]*' <<<"$out" | head -n 1)
	assert_eq "$second" "$first" "the password of a second clan config"
	file=$(find "$CLAN_STORAGE/secrets" -type f -name '*-REDIS_PASSWORD')
	[ -n "$file" ] || die "no secret file in $CLAN_STORAGE/secrets"
	assert_eq "$(stat -c %a "$file")" 600 "the secret file's mode"
	assert_eq "$(stat -c %a "$CLAN_STORAGE/secrets")" 700 "the secrets dir's mode"
	echo 'REDIS_PASSWORD=chosen' >.env
	run clan config
	assert_contains "$out" "REDIS_PASSWORD: chosen" "a password set in .env"
}

# issue 11: an inline comment is ' #' or ' ;' outside quotes, as in .env;
# a value refused on a line that had one says so.
case_inline_comments() {
	local dir
	dir=$(project '[service.web]
image = deb:bookworm
environment = BAR=baz   # note
port = 18741:80  # web
command = sh -c "a ; b"   ; runs a, then b
')
	cd "$dir" || die "cd"
	run clan config
	assert_eq "$rc" 0 "exit (stderr: $err)"
	assert_contains "$out" "BAR: baz" "environment without its comment"
	assert_not_contains "$out" "note" "the comment"
	assert_contains "$out" 'published: "18741"' "port without its comment"
	assert_contains "$out" "target: 80" "the port inside"
	assert_contains "$out" "- a ; b" "the ' ;' inside quotes"
	printf '[service.web]\nimage = deb:bookworm\nport = 8000: # web\n' >.clanrc
	assert_usage_error clan config
	assert_contains "$err" "clan: .clanrc:3: bad port '8000:'" "stderr"
	assert_contains "$err" "(an inline comment starts with ' #' or ' ;': the value ends before '# web')" "the hint"
}

# issue 11: a command is split into words as compose does; shell syntax
# outside quotes is refused with the fix, not run by an added /bin/sh -c.
case_command_needs_its_own_shell() {
	local dir
	dir=$(project '[service.web]
image = deb:bookworm
command = npm install && npm start
')
	cd "$dir" || die "cd"
	assert_usage_error clan config
	assert_eq "$err" "clan: .clanrc:3: command: '&&' needs a shell, and clan adds none (a command is split into words, as compose does): write command = sh -c '...'" "stderr"
}

# issue 11: the text's own sh -c is the only shell, so its $i (written $$i
# for interpolation) is the loop's, not an outer shell's empty one.
case_sh_c_loop_runs_as_written() {
	local root dir
	root=$(rootfs) || skip_case "no busybox rootfs (scripts/mkrootfs-busybox.sh failed)"
	dir=$(project "[service.loop]
image = dir:$root
command = sh -c \"i=0; while [ \$\$i -lt 3 ]; do echo \$\$i; i=\$\$((i+1)); done; exec sleep 1000\"
")
	cd "$dir" || die "cd"
	run clan up -d
	assert_eq "$rc" 0 "up -d (stderr: $err)"
	for _ in $(seq 50); do
		out=$(clan logs --no-log-prefix loop 2>&1)
		case "$out" in *2*) break ;; esac
		sleep 0.1
	done
	clan down >/dev/null 2>&1
	assert_eq "$out" "0
1
2" "the loop's output"
	# clan run takes its argv as given: no words, no shell
	run clan run --rm "dir:$root" echo 'a && b' '$HOME'
	assert_eq "$rc:$out" '0:a && b $HOME' "clan run's argv"
}

# issue 13: .env has compose's exact syntax (compose-go's parser): export,
# KEY: value, escapes and octal in double quotes, literal single quotes,
# ${VAR} from the lines above, ' #' comments only; the same reader serves
# env_file, whose values reach the container's environment.
case_dotenv_compose_syntax() {
	local dir
	dir=$(project '[service.web]
image = deb:bookworm
env_file = .env
environment = FROM_CLANRC=${B}
')
	printf '%s\n' 'export A=one' 'B: ${A}-two' 'C="say \"hi\" \0101"' \
		"D='lit \$A \\n'" 'E=val # comment' 'F=a#b' 'G="x' 'y" # two lines' >"$dir/.env"
	cd "$dir" || die "cd"
	run clan config
	assert_eq "$rc" 0 "exit (stderr: $err)"
	assert_contains "$out" "FROM_CLANRC: one-two" "KEY: value, \${A} from the line above"
	assert_contains "$out" 'C: say "hi" A' "escaped quotes and \\0101"
	assert_contains "$out" 'D: lit $A \n' "single quotes literal"
	assert_contains "$out" "E: val" "a comment after ' #'"
	assert_contains "$out" "F: a#b" "a # without a space before it"
	assert_contains "$out" "G: |-" "a double-quoted value over two lines"
	printf 'K=1\nK V=2\n' >.env
	assert_usage_error clan config
	assert_contains "$err" "clan: .env:2: expected KEY=VALUE, got 'K V=2'" "stderr"
}

# A clan binary copied alone (no share/clan/profiles, no profiles/ beside
# it) still has the shipped profiles: they are compiled in. A user's and
# the project's profiles shadow them; a bad name is still one error.
case_builtin_profiles_in_a_copied_binary() {
	local tmp dir home bin
	tmp=$(mk_tmp) || die "mk_tmp"
	bin=$tmp/bin/clan
	home=$tmp/home
	dir=$tmp/proj
	mkdir -p "$tmp/bin" "$home" "$dir" || die "mkdir"
	cp "$CLAN" "$bin" || die "cannot copy $CLAN"
	printf '[service.db]\nprofile = postgres\n' >"$dir/.clanrc"
	cd "$dir" || die "cd"
	copied() { env -u CLAN_PROFILES_DIR -u XDG_CONFIG_HOME HOME="$home" "$bin" "$@"; }
	run copied profiles
	assert_eq "$rc" 0 "profiles (stderr: $err)"
	local p
	for p in django flask mariadb nginx node postgres redis; do
		assert_match "$out" "(^|"$'\n'")$p " "the built-in $p is listed"
	done
	run copied profile show postgres
	assert_eq "$rc" 0 "profile show postgres (stderr: $err)"
	assert_eq "$(head -n 1 <<<"$out")" "# (built into clan)/postgres.yaml" "where it comes from"
	assert_eq "$(tail -n +2 <<<"$out")" "$(cat "$CLAN_TEST_ROOT/profiles/postgres.yaml")" \
		"the shipped file, byte for byte"
	run copied config
	assert_eq "$rc" 0 "config of a profile = postgres project (stderr: $err)"
	assert_contains "$out" "image: postgres:15" "the profile's image"
	assert_contains "$out" "PGDATA" "the profile's environment"
	# the user's profile shadows the built-in one, the project's both
	mkdir -p "$home/.config/clan/profiles" "$dir/profiles" || die "mkdir"
	printf 'description: mine\nimage: postgres:16\n' >"$home/.config/clan/profiles/postgres.yaml"
	run copied config
	assert_contains "$out" "image: postgres:16" "the user's profile wins: $out"
	assert_not_contains "$out" "PGDATA" "and nothing of the built-in one"
	run copied profiles
	assert_match "$out" "(^|"$'\n'")postgres +mine" "profiles lists the user's: $out"
	printf 'image: postgres:17\n' >"$dir/profiles/postgres.yaml"
	run copied config
	assert_contains "$out" "image: postgres:17" "the project's profile wins over the user's"
	run copied profile show postgres
	assert_eq "$(head -n 1 <<<"$out")" "# $dir/profiles/postgres.yaml" "show names the file that wins"
	assert_usage_error copied profile show ../postgres
	assert_usage_error copied profile show nosuch
	assert_contains "$err" "available: django, flask" "the built-in names offered"
}

t prints_the_resolved_stack case_prints_the_resolved_stack
t redis_gets_a_generated_password case_redis_gets_a_generated_password
t warns_about_unset_variables case_warns_about_unset_variables
t bad_config_exits_2_with_file_and_line case_bad_config_exits_2_with_file_and_line
t required_variable case_required_variable
t dependency_cycle case_dependency_cycle
t no_clanrc case_no_clanrc
t init_writes_once case_init_writes_once
t inline_comments case_inline_comments
t command_needs_its_own_shell case_command_needs_its_own_shell
t sh_c_loop_runs_as_written case_sh_c_loop_runs_as_written
t dotenv_compose_syntax case_dotenv_compose_syntax
t builtin_profiles_in_a_copied_binary case_builtin_profiles_in_a_copied_binary
finish
