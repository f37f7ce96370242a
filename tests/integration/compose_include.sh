#!/bin/bash
# A compose project split in files as teams write one: `include:` of a
# sub-project (its own paths and env_file), `extends:` of a service in
# another file and in the same one, a cycle and a missing file refused
# with the place they are written (exit 2). clan config shows the result;
# nothing is started.
# shellcheck disable=SC2016,SC2317 # $vars in single quotes are compose's; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

project() {
	local dir
	dir=$(mk_tmp) || die "mk_tmp"
	mkdir -p "$dir/db" "$dir/common"
	cat >"$dir/compose.yaml" <<'YAML'
include:
  - path: db/compose.yaml
    env_file: db.env
services:
  web:
    extends: {file: common/base.yaml, service: base}
    image: ${WEB_IMAGE:-busybox}
    depends_on: [db]
  worker:
    extends: web
    command: [sh, -c, "sleep 1"]
YAML
	printf 'DB_TAG=15\n' >"$dir/db.env"
	cat >"$dir/db/compose.yaml" <<'YAML'
services:
  db:
    image: postgres:${DB_TAG}
    volumes: ["./init:/docker-entrypoint-initdb.d:ro"]
YAML
	cat >"$dir/common/base.yaml" <<'YAML'
services:
  base:
    image: base
    environment: [FROM_BASE=1]
    volumes: ["./src:/src"]
YAML
	echo "$dir"
}

case_include_and_extends() {
	local dir
	dir=$(project)
	cd "$dir" || die "cd"
	run clan config --services
	assert_eq "$rc" 0 "exit"
	assert_eq "$out" "db
web
worker" "services: the included one and the extending ones"
	run clan config --format json
	assert_eq "$rc" 0 "exit"
	assert_contains "$out" '"image": "postgres:15"' "the include's env_file"
	assert_contains "$out" "\"source\": \"$dir/db/init\"" "the included file's paths are its own"
	assert_contains "$out" "\"source\": \"$dir/common/src\"" "the extended file's paths are its own"
	assert_contains "$out" '"FROM_BASE": "1"' "extends merges the base's environment"
	assert_eq "$err" "" "stderr"
	WEB_IMAGE=alpine run clan config --images
	assert_contains "$out" "alpine" "a shell variable in the extending file"
}

case_mistakes_named() {
	local dir
	dir=$(project)
	cd "$dir" || die "cd"
	printf 'services:\n  a:\n    extends: b\n  b:\n    extends: a\n' >cycle.yaml
	run clan -f cycle.yaml config
	assert_eq "$rc" 2 "a cycle is a usage error"
	assert_contains "$err" "cycle.yaml:3:14: extends cycle: a (" "the cycle named where written"
	printf 'include:\n  - nope/compose.yaml\nservices:\n  a:\n    image: x\n' >missing.yaml
	run clan -f missing.yaml config
	assert_eq "$rc" 2 "a missing include"
	assert_contains "$err" "missing.yaml:2:5: include: " "the include's place"
	printf 'hunter2-TOPSECRET\n' >secret.txt
	printf 'include:\n  - secret.txt\nservices:\n  a:\n    image: x\n' >leak.yaml
	run clan -f leak.yaml config
	assert_eq "$rc" 2 "a file that is no compose file"
	assert_not_contains "$err" "TOPSECRET" "a secret included by mistake is never shown"
}

t include_and_extends case_include_and_extends
t mistakes_named case_mistakes_named
