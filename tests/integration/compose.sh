#!/bin/bash
# Compose files (issue 13): a project with a docker-compose.yml and no
# .clanrc runs from it, with compose's rules: file discovery and -f
# merges, the override file, !reset/!override, profiles, depends_on
# conditions, file secrets, the project flags, `clan compose VERB` and a
# docker-compose link. The hostile cases: a compose file planted in a
# parent dir by another user, a YAML alias bomb, a secret the container
# tries to change. Busybox services (dir: images) only: fast.
# shellcheck disable=SC2016,SC2317 # ${VAR} templates in single quotes are meant; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
use_rootfs

# A free-looking high port for this run's published ports.
PORT=$((20000 + ($$ % 20000)))

# new_project FILE: an empty project dir with a compose file of stdin's
# text, @ROOTFS@ replaced by the busybox rootfs.
new_project() {
	local dir
	dir=$(mk_tmp) || die "cannot make a project dir"
	sed "s|@ROOTFS@|$ROOTFS|g; s|@PORT@|$PORT|g" >"$dir/$1"
	echo "$dir"
}

case_lifecycle() {
	fresh_storage
	local dir
	dir=$(new_project docker-compose.yml <<-'EOF'
		services:
		  api:
		    image: dir:@ROOTFS@
		    command: ["sh", "-c", "echo hello > /tmp/index.html; exec httpd -f -p 8080 -h /tmp"]
		    ports: ["@PORT@:8080"]
		    healthcheck:
		      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
		      interval: 1s
		  worker:
		    image: dir:@ROOTFS@
		    command: sh -c 'wget -q -O - http://api:8080/ && exec sleep 1000'
		    depends_on:
		      api:
		        condition: service_healthy
		    secrets: [token]
		secrets:
		  token:
		    file: ./token.txt
	EOF
	)
	echo s3cret >"$dir/token.txt"
	cd "$dir" || die "no project dir"
	run clan up -d
	assert_eq "$rc" 0 "up -d (stderr: $err)"
	run clan ps
	assert_match "$out" "api +running +healthy" "ps: api"
	assert_match "$out" "worker +running" "ps: worker"
	# the worker started after api was healthy: its wget got the page
	run clan logs worker
	assert_contains "$out" "hello" "worker's log"
	run clan exec worker cat /run/secrets/token
	assert_eq "$out" s3cret "the secret inside"
	# read-only: the container cannot change the user's file
	run clan exec worker sh -c 'echo changed > /run/secrets/token'
	assert_ne "$rc" 0 "writing the secret"
	assert_eq "$(cat "$dir/token.txt")" s3cret "the secret file on the host"
	# compose exec: stdin attached (docker-compose exec -T db psql < dump)
	# with no -i, no terminal when stdin is none
	assert_eq "$(printf 'echo from-stdin\ntty\n' | clan exec worker sh)" "from-stdin"$'\n'"not a tty" \
		"exec reads the piped stdin"
	assert_eq "$(echo piped | clan exec -T worker cat)" piped "exec -T"
	assert_eq "$(get "http://127.0.0.1:$PORT/" 5)" hello "the published port"
	run clan down
	assert_eq "$rc" 0 "down (stderr: $err)"
	run clan ps
	assert_contains "$err" "not running" "ps after down"
}

# -f a.yml -f b.yml merges in order; compose.override.yaml beside
# compose.yaml is merged by itself; !reset and !override as compose.
case_merge_files() {
	local dir
	dir=$(new_project a.yml <<-'EOF'
		version: "3.8"
		services:
		  web:
		    image: dir:@ROOTFS@
		    command: sleep 1
		    environment: {A: "1", B: "1"}
		    ports: ["8000:8000"]
		    tty: true
	EOF
	)
	cat >"$dir/b.yml" <<-'EOF'
		services:
		  web:
		    environment: [B=2, C=3]
		    ports: !override ["9000:9000"]
		    tty: !reset null
	EOF
	cd "$dir" || die "no project dir"
	run clan -f a.yml -f b.yml config
	assert_eq "$rc" 0 "config of two files (stderr: $err)"
	assert_contains "$out" "A: \"1\"" "A from a.yml"
	assert_contains "$out" "B: \"2\"" "B from b.yml"
	assert_contains "$out" "C: \"3\"" "C from b.yml"
	assert_contains "$out" 'published: "9000"' "ports replaced"
	assert_not_contains "$out" "8000" "the !override dropped a.yml's port"
	assert_not_contains "$err" "tty" "the !reset removed tty (no warning)"
	assert_contains "$err" "a.yml:1:10: version: it is obsolete" "the version warning"
	# the default names: compose.yaml and its override
	mv a.yml compose.yaml
	mv b.yml compose.override.yaml
	run clan config
	assert_eq "$rc" 0 "config (stderr: $err)"
	assert_contains "$out" "C: \"3\"" "the override file merged"
	# COMPOSE_FILE names the files too, ':'-separated
	run env COMPOSE_FILE=compose.yaml "$CLAN" config
	assert_not_contains "$out" "C: \"3\"" "COMPOSE_FILE without the override"
}

# clan config --no-normalize: the files merged as written (short-form
# ports, no canonical long form), interpolated; --no-interpolate leaves
# ${VAR} as written, even one that would fail; neither is for a .clanrc.
case_config_as_written() {
	local dir
	dir=$(new_project compose.yaml <<-'EOF'
		x-base: &base
		  restart: always
		services:
		  web:
		    <<: *base
		    image: dir:@ROOTFS@
		    command: sleep 1
		    ports: ["${WEB_PORT:-8000}:80"]
		    environment: {ON: on, N: 0x10, Q: "1.0"}
		  dbg:
		    image: dir:@ROOTFS@
		    profiles: [debug]
	EOF
	)
	cat >"$dir/compose.override.yaml" <<-'EOF'
		services:
		  web:
		    ports: ["9000:90"]
	EOF
	cd "$dir" || die "no project dir"
	run env WEB_PORT=8123 "$CLAN" -p shown config --no-normalize --format json
	assert_eq "$rc" 0 "config --no-normalize (stderr: $err)"
	assert_eq "$(jq -c . <<<"$out")" \
		'{"name":"shown","x-base":{"restart":"always"},"services":{"web":{"image":"dir:'"$ROOTFS"'","command":"sleep 1","ports":["8123:80","9000:90"],"environment":{"ON":"on","N":16,"Q":"1.0"},"restart":"always"}}}' \
		"the merged files, as written (dbg's profile is not active)"
	run clan config --no-interpolate
	assert_eq "$rc" 0 "config --no-interpolate (stderr: $err)"
	assert_contains "$out" '- ${WEB_PORT:-8000}:80' "the template as written"
	# a required variable unset: an error when interpolated, not when not;
	# templates where a name goes (the project's, a volume's) too
	sed -i 's/WEB_PORT:-8000/WEB_PORT:?set WEB_PORT/' compose.yaml
	printf 'name: ${PROJ:-p}\nvolumes:\n  data: {name: "${VOL:-v}_x"}\n' >>compose.yaml
	run clan config --no-normalize
	assert_eq "$rc" 2 "config --no-normalize with WEB_PORT unset"
	assert_contains "$err" "set WEB_PORT" "the template's message"
	run clan config --no-interpolate --format json
	assert_eq "$rc" 0 "config --no-interpolate (stderr: $err)"
	assert_eq "$(jq -r '.services.web.ports[0]' <<<"$out")" '${WEB_PORT:?set WEB_PORT}:80' "the port as written"
	assert_eq "$(jq -r '.volumes.data.name' <<<"$out")" '${VOL:-v}_x' "the volume's name as written"
	rm compose.yaml compose.override.yaml
	printf '[service.web]\nimage = dir:%s\n' "$ROOTFS" >.clanrc
	run clan config --no-normalize
	assert_eq "$rc" 2 "config --no-normalize of a .clanrc"
	assert_contains "$err" "are for compose files; this project is a .clanrc" "why"
}

# Top-level volumes: name: is the storage name, so two projects naming
# it share the data; external: is made outside the project (clan volume
# create), refused with one line while missing, and never removed by it.
case_named_volumes() {
	fresh_storage
	local a b
	a=$(new_project compose.yaml <<-'EOF'
		services:
		  w:
		    image: dir:@ROOTFS@
		    command: sh -c 'echo from-a > /shared/f; cat /ext/f 2>/dev/null; exec sleep 1000'
		    volumes: [data:/shared, outside:/ext]
		volumes:
		  data:
		    name: team-data
		  outside:
		    external: true
	EOF
	)
	b=$(new_project compose.yaml <<-'EOF'
		services:
		  r:
		    image: dir:@ROOTFS@
		    command: sleep 1000
		    volumes: [mine:/shared]
		volumes:
		  mine: {name: team-data}
	EOF
	)
	cd "$a" || die "no project dir"
	run clan up -d
	assert_ne "$rc" 0 "up with the external volume missing"
	assert_contains "$err" "volume outside is external (made outside the project) and there is none called outside: clan volume create outside makes it" "the one line"
	assert_exit 0 clan volume create outside
	run clan volume create ../escape
	assert_eq "$rc" 2 "volume create of a path"
	clan_up_ok() { run clan up -d; assert_eq "$rc" 0 "up (stderr: $err)"; }
	clan_up_ok
	cd "$b" || die "no project dir"
	clan_up_ok
	local i=0 got=""
	while [ "$i" -lt 50 ]; do
		got=$(clan exec r cat /shared/f 2>/dev/null)
		[ "$got" = from-a ] && break
		sleep 0.1
		i=$((i + 1))
	done
	assert_eq "$got" from-a "project b reads what project a wrote in team-data"
	# b still runs on team-data: a's down -v and volume rm leave it
	cd "$a" || die "no project dir"
	run clan down -v
	assert_eq "$rc" 0 "down -v while b uses team-data (stderr: $err)"
	assert_contains "$out" "kept volume team-data: another stack is using it" "down -v keeps it"
	run clan volume rm team-data
	assert_eq "$rc" 1 "volume rm of a volume in use"
	assert_contains "$err" "volume team-data is in use by a running stack" "why"
	assert_eq "$(clan -f "$b/compose.yaml" exec r cat /shared/f 2>&1)" from-a "b's data untouched"
	cd "$b" || die "no project dir"
	assert_exit 0 clan down
	cd "$a" || die "no project dir"
	run clan down -v
	assert_eq "$rc" 0 "down -v (stderr: $err)"
	assert_contains "$out" "removed volume team-data" "down -v removes the named volume"
	assert_not_contains "$out" "outside" "and not the external one"
	run clan volume ls
	assert_match "$out" $'\n''local +outside ' "the external volume is still there"
	assert_not_contains "$out" "team-data" "team-data is gone"
	run clan volume ls -q
	assert_eq "$out" outside "volume ls -q: the names only"
	run clan volume ls --format json
	assert_eq "$rc" 0 "volume ls --format json (stderr: $err)"
	local fields
	fields=$(python3 -c 'import json, os, sys
v = json.load(sys.stdin)
assert len(v) == 1, v
print(v[0]["Name"], v[0]["Driver"], v[0]["Scope"], os.path.isdir(v[0]["Mountpoint"]))' <<<"$out")
	assert_eq "$fields" "outside local local True" "docker's keys, the mountpoint a dir: $out"
	assert_usage_error clan volume ls --format yaml
}

case_profiles() {
	local dir
	dir=$(new_project compose.yaml <<-'EOF'
		services:
		  web:
		    image: dir:@ROOTFS@
		  debug:
		    image: dir:@ROOTFS@
		    profiles: [tools]
	EOF
	)
	cd "$dir" || die "no project dir"
	run clan config --services
	assert_eq "$out" web "without the profile"
	run clan --profile tools config --services
	assert_eq "$out" "$(printf 'web\ndebug')" "--profile tools"
	run env COMPOSE_PROFILES=tools "$CLAN" config --services
	assert_eq "$out" "$(printf 'web\ndebug')" "COMPOSE_PROFILES=tools"
}

# service_completed_successfully: web waits until the one-shot migrate
# has exited 0 (it writes a file web then reads, in a shared volume).
case_completed_successfully() {
	fresh_storage
	local dir
	dir=$(new_project compose.yaml <<-'EOF'
		services:
		  migrate:
		    image: dir:@ROOTFS@
		    command: sh -c 'sleep 1; echo migrated > /shared/done'
		    volumes: [shared:/shared]
		  web:
		    image: dir:@ROOTFS@
		    command: sh -c 'cat /shared/done; exec sleep 1000'
		    volumes: [shared:/shared]
		    depends_on:
		      migrate: {condition: service_completed_successfully}
		volumes:
		  shared:
	EOF
	)
	cd "$dir" || die "no project dir"
	run clan up -d
	assert_eq "$rc" 0 "up -d (stderr: $err)"
	run clan logs web
	assert_contains "$out" migrated "web ran after migrate completed"
	assert_exit 0 clan down -v
}

# Both files: the .clanrc is read, and config says which in one line;
# -f picks the compose file.
case_clanrc_wins() {
	local dir
	dir=$(new_project compose.yaml <<-'EOF'
		services:
		  fromcompose:
		    image: dir:@ROOTFS@
	EOF
	)
	printf '[service.fromclanrc]\nimage = dir:%s\n' "$ROOTFS" >"$dir/.clanrc"
	cd "$dir" || die "no project dir"
	run clan config --services
	assert_eq "$out" fromclanrc "the .clanrc's service"
	assert_contains "$err" "using .clanrc; compose.yaml beside it is not read" "config's note"
	run clan -f compose.yaml config --services
	assert_eq "$out" fromcompose "-f compose.yaml"
}

# clan init in a compose project does not shadow its compose file.
case_init_leaves_compose() {
	local dir
	dir=$(new_project docker-compose.yml <<-'EOF'
		services:
		  web:
		    image: dir:@ROOTFS@
	EOF
	)
	cd "$dir" || die "no project dir"
	assert_usage_error clan init
	assert_contains "$err" "docker-compose.yml is here, and clan runs it as it is" "init's refusal"
	[ ! -e .clanrc ] || die "init wrote a .clanrc"
	assert_exit 0 clan init --force
	[ -e .clanrc ] || die "init --force wrote no .clanrc"
}

# build: with no Dockerfile in the context: up fails before starting
# anything, naming the file it looked for (tests/integration/build.sh has
# the builds themselves).
case_build_no_dockerfile() {
	local dir
	dir=$(new_project docker-compose.yml <<-'EOF'
		services:
		  web:
		    build: .
		    ports: ["8000:8000"]
	EOF
	)
	cd "$dir" || die "no project dir"
	run clan up -d
	assert_eq "$rc" 2 "up's exit code"
	assert_contains "$err" "service web: cannot read the Dockerfile $dir/Dockerfile" "up's refusal"
	assert_no_containers
}

case_mistakes() {
	local dir
	dir=$(new_project compose.yaml <<-'EOF'
		version: "3.8"
		services:
		  web:
		    imgae: dir:@ROOTFS@
		    x-note: ignored
		  db:
		    image: dir:@ROOTFS@
		    restart: allways
		  cache:
		    image: dir:@ROOTFS@
		    volumes: [data:/data]
		x-defaults: {}
	EOF
	)
	cd "$dir" || die "no project dir"
	run clan config -q
	assert_eq "$rc" 2 "config -q (stderr: $err)"
	assert_contains "$err" "clan: compose.yaml:4:12: service web: unknown key imgae (did you mean image?)" "a typo"
	assert_contains "$err" "clan: compose.yaml:8:14: restart: expected no, always" "a bad value"
	assert_contains "$err" "clan: compose.yaml:11:15: service cache uses volume data, which is not declared" "an undeclared volume"
	assert_not_contains "$err" "x-" "x- keys are ignored"
}

# A compose file in a parent dir that other users can write is not the
# project: another user could plant one above the user's dir.
case_parent_not_trusted() {
	local top
	top=$(mk_tmp)
	printf 'services:\n  evil:\n    image: dir:%s\n' "$ROOTFS" >"$top/compose.yaml"
	chmod 0666 "$top/compose.yaml"
	mkdir -p "$top/mine"
	cd "$top/mine" || die "no dir"
	run clan config --services
	assert_eq "$rc" 2 "config under a world-writable compose.yaml (stdout: $out)"
	assert_contains "$err" "ignored $top/compose.yaml: writable by other users" "config's message"
	assert_not_contains "$out" evil "config's services"
	# the user's own compose file above, with a .env (or an override)
	# others may write beside it: that one is not read either
	chmod 0644 "$top/compose.yaml"
	echo 'COMPOSE_FILE=/tmp/evil.yml' >"$top/.env"
	chmod 0666 "$top/.env"
	run clan config --services
	assert_eq "$rc" 2 "config under a world-writable .env (stdout: $out)"
	assert_contains "$err" "ignored $top/.env: writable by other users" "config's message"
	rm -f "$top/.env"
	printf 'services:\n  evil:\n    image: busybox\n' >"$top/compose.override.yaml"
	chmod 0666 "$top/compose.override.yaml"
	run clan config --services
	assert_eq "$rc" 2 "config under a world-writable override (stdout: $out)"
	assert_contains "$err" "ignored $top/compose.override.yaml: writable by other users" "config's message"
}

# Aliases that expand exponentially are refused quickly, not expanded.
case_alias_bomb() {
	local dir
	dir=$(mk_tmp)
	{
		echo 'a: &a ["x","x","x","x","x","x","x","x","x","x"]'
		local prev=a
		for n in b c d e f g h i j; do
			printf '%s: &%s [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n' \
				"$n" "$n" "$prev" "$prev" "$prev" "$prev" "$prev" "$prev" "$prev" "$prev" "$prev" "$prev"
			prev=$n
		done
		echo 'services: {web: {image: busybox}}'
	} >"$dir/compose.yaml"
	cd "$dir" || die "no dir"
	run timeout 10 "$CLAN" config -q
	assert_eq "$rc" 2 "config of an alias bomb (stderr: $err)"
	assert_contains "$err" "alias" "the refusal names aliases"
}

# The project flags work before the command, after `compose`, and under
# the name docker-compose; -p names the project.
case_compose_names() {
	local dir
	dir=$(new_project docker-compose.yml <<-'EOF'
		name: fromfile
		services:
		  web:
		    image: dir:@ROOTFS@
	EOF
	)
	cd / || die "no /"
	run clan compose -f "$dir/docker-compose.yml" config
	assert_eq "$rc" 0 "clan compose -f (stderr: $err)"
	assert_contains "$out" "name: fromfile" "the file's name:"
	run clan --project-directory "$dir" -p other config
	assert_contains "$out" "name: other" "-p beats name:"
	run env COMPOSE_PROJECT_NAME=fromenv "$CLAN" compose --project-directory "$dir" config
	assert_contains "$out" "name: fromenv" "COMPOSE_PROJECT_NAME beats name:"
	run clan -p Bad_Name --project-directory "$dir" config
	assert_eq "$rc" 2 "a -p that is not in compose's form"
	ln -s "$CLAN" "$dir/docker-compose"
	cd "$dir" || die "no project dir"
	run "$dir/docker-compose" config --services
	assert_eq "$rc" 0 "docker-compose config (stderr: $err)"
	assert_eq "$out" web "docker-compose config --services"
	# compose's verbs clan lacks: one line, not clan's own run of an
	# image called web
	run "$dir/docker-compose" run --rm web ls
	assert_eq "$rc" 2 "docker-compose run"
	assert_eq "$err" "clan: compose run is not in clan yet; start the stack (clan up -d) and run the command in the service: clan exec SERVICE CMD..." "run's line"
	run clan compose build
	assert_eq "$rc" 0 "clan compose build (no service has a build)"
	assert_contains "$err" "no service of fromfile has a build" "build's line"
	run clan -f nosuch.yml config
	assert_eq "$rc" 1 "-f a missing file"
	assert_contains "$err" "nosuch.yml" "the message names it"
}

# compose's runtime keys reach the container: read_only, cap_drop/cap_add,
# shm_size, ulimits, tmpfs (the short key and a volume of type tmpfs).
case_runtime_keys() {
	fresh_storage
	local dir
	dir=$(new_project compose.yaml <<-'EOF'
		services:
		  web:
		    image: dir:@ROOTFS@
		    command: sh -c 'grep CapEff /proc/self/status; ulimit -n; df -k /dev/shm /scratch /cache | tail -3; touch /x 2>&1; touch /scratch/ok && echo tmpfs-ok; exec sleep 1000'
		    read_only: true
		    cap_drop: [ALL]
		    cap_add: [NET_BIND_SERVICE]
		    shm_size: 128m
		    ulimits:
		      nofile: {soft: 256, hard: 512}
		    tmpfs: ["/scratch:size=10m"]
		    volumes:
		      - type: tmpfs
		        target: /cache
		        tmpfs: {size: 1048576}
	EOF
	)
	cd "$dir" || die "no project dir"
	run clan up -d
	assert_eq "$rc" 0 "up -d (stderr: $err)"
	run clan logs web
	assert_match "$out" "CapEff:[[:space:]]+0000000000000400" "only NET_BIND_SERVICE"
	assert_contains "$out" "| 256" "ulimit -n"
	assert_match "$out" "131072 +0 +131072 +0% /dev/shm" "shm_size"
	assert_match "$out" "10240 +0 +10240 +0% /scratch" "the tmpfs key with its size"
	assert_match "$out" "1024 +0 +1024 +0% /cache" "the tmpfs volume with its size"
	assert_contains "$out" "Read-only file system" "read_only"
	assert_contains "$out" "tmpfs-ok" "a tmpfs stays writable"
	assert_exit 0 clan down
	printf 'services:\n  web:\n    image: dir:%s\n    cap_add: [NET_ADMN]\n' "$ROOTFS" >compose.yaml
	assert_usage_error clan config
	assert_contains "$err" "compose.yaml:4:15: cap_add:" "a misspelt capability"
	assert_contains "$err" "NET_ADMIN" "its did-you-mean"
}

# ~/ in env_file and include paths is the user's home, as compose's.
case_home_paths() {
	local dir
	dir=$(new_project compose.yaml <<-'EOF'
		include: [~/inc.yml]
		services:
		  web:
		    image: dir:@ROOTFS@
		    env_file: ~/vars.env
	EOF
	)
	mkdir -p "$dir/h"
	echo 'FROM_HOME=yes' >"$dir/h/vars.env"
	printf 'services:\n  extra:\n    image: dir:%s\n' "$ROOTFS" >"$dir/h/inc.yml"
	cd "$dir" || die "no project dir"
	run env HOME="$dir/h" "$CLAN" config
	assert_eq "$rc" 0 "config (stderr: $err)"
	assert_contains "$out" "FROM_HOME: \"yes\"" "env_file: ~/vars.env"
	assert_contains "$out" "  extra:" "include: [~/inc.yml]"
}

t lifecycle case_lifecycle
t home_paths case_home_paths
t runtime_keys case_runtime_keys
t merge_files case_merge_files
t profiles case_profiles
t named_volumes case_named_volumes
t config_as_written case_config_as_written
t completed_successfully case_completed_successfully
t clanrc_wins case_clanrc_wins
t init_leaves_compose case_init_leaves_compose
t build_no_dockerfile case_build_no_dockerfile
t mistakes case_mistakes
t parent_not_trusted case_parent_not_trusted
t alias_bomb case_alias_bomb
t compose_names case_compose_names
finish
