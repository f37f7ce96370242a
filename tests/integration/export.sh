#!/bin/bash
# clan export (issue 15): the example stack (examples/django-postgres as a
# Docker user has it: docker-compose.yml, postgres:15, the web image built
# from its Dockerfile) exported as Kubernetes objects and as a compose
# file, checked as data, then really run: `podman kube play` brings it up
# and its page answers on the published port; the compose file runs under
# podman-compose. Podman runs rootless with its own config, storage,
# runtime dir and HOME in the case's temp dir (runc + cgroupfs: crun fails
# on this kernel's hybrid cgroups), the images from the tests' registry on
# 127.0.0.1 (the stand-ins of tests/import_lib.sh: postgres as
# library/postgres:15, the web image a CI would push as djangoweb), and
# `podman system reset` at the end. Without a subuid range (clan-nosub)
# rootless podman cannot run: those cases skip, the export ones still run.
# No OpenAPI validator (kubeconform, kubeval) is packaged in Debian 12: the
# objects are checked field by field here instead.
# clan-test-timeout: 1500
# (the stand-in images: a deb: image each, 1-3 min when not cached)
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/pull_lib.sh
. "$(dirname "$0")/../pull_lib.sh"
# shellcheck source=tests/import_lib.sh
. "$(dirname "$0")/../import_lib.sh"

# example_dir: $DIR, a copy of the example as a Docker user has it (under
# its own name: the project's), on a free port ($PORT)
DIR=""
PORT=""
example_dir() {
	DIR=$(mk_tmp)/django-postgres
	cp -a "$CLAN_TEST_ROOT/examples/django-postgres" "$DIR"
	rm -f "$DIR/.clanrc"
	PORT=$(python3 "$CLAN_TEST_ROOT/tests/net_tool.py" free-port)
	sed -i "s/127.0.0.1:8000:8000/127.0.0.1:$PORT:8000/" "$DIR/docker-compose.yml"
}

# export_example TARGET FILE: cd to a new example_dir, export TARGET to FILE
export_example() {
	example_dir
	cd "$DIR" || die "no project dir"
	run "$CLAN" export "$1" -o "$2"
	assert_eq "$rc" 0 "export $1 (stderr: $err)"
}

# yq FILE PYTHON: runs PYTHON with docs (every YAML document of FILE) and
# by(kind, name) defined; prints what it prints
yq() {
	python3 -c '
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]
def by(kind, name):
    m = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    return m[0] if m else None
exec(sys.argv[2])' "$1" "$2"
}

case_kube_objects() {
	local dir
	example_dir
	dir=$DIR
	cd "$dir" || die "no project dir"
	run "$CLAN" export kube -o k.yaml --registry 127.0.0.1:5000/team
	assert_eq "$rc" 0 "export kube (stderr: $err)"
	assert_eq "$out" "" "nothing on stdout with -o"
	assert_eq "$(stat -c %a k.yaml)" 600 "the file's mode (it holds the .env's password)"
	assert_contains "$err" "web: bind $dir -> /app: a hostPath volume, for a dev cluster" "the bind's warning"
	assert_contains "$err" "db: stop_signal SIGINT" "the stop signal's warning"
	assert_contains "$err" "podman build -t 127.0.0.1:5000/team/django-postgres-web:latest" "how to push the built image"
	assert_eq "$(grep -c 'note: web is built' <<<"$err")" 1 "one line for the built image"
	run yq k.yaml '
print(sorted((d["kind"], d["metadata"]["name"]) for d in docs))
db, web = by("Pod", "db"), by("Pod", "web")
c = web["spec"]["containers"][0]
print(c["image"], c.get("imagePullPolicy"), c["args"][:2], c["workingDir"])
print(c["ports"])
print(web["spec"]["volumes"][0]["hostPath"]["path"] == sys.argv[3] if len(sys.argv) > 3 else web["spec"]["volumes"][0]["hostPath"])
w = web["spec"]["initContainers"][0]
print(w["name"], w["image"], w["command"][-2:])
print(sorted(by("Secret", "web-secret")["stringData"]), by("ConfigMap", "web-env")["data"]["DB_HOST"])
p = db["spec"]["containers"][0]["livenessProbe"]
print(p["exec"]["command"][:2], p["periodSeconds"], p["timeoutSeconds"], p["failureThreshold"])
print(db["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"], by("PersistentVolumeClaim", "django-postgres-pgdata")["spec"]["accessModes"])
print(by("Service", "db")["spec"]["ports"], by("Service", "web")["spec"]["selector"])
'
	assert_eq "$rc" 0 "the YAML parses (stderr: $err)"
	local want
	want="[('ConfigMap', 'db-env'), ('ConfigMap', 'web-env'), ('PersistentVolumeClaim', 'django-postgres-pgdata'), ('Pod', 'db'), ('Pod', 'web'), ('Secret', 'db-secret'), ('Secret', 'web-secret'), ('Service', 'db'), ('Service', 'web')]
127.0.0.1:5000/team/django-postgres-web:latest IfNotPresent ['sh', '-c'] /app
[{'containerPort': $PORT, 'protocol': 'TCP', 'hostPort': $PORT, 'hostIP': '127.0.0.1'}]"
	# the container port is 8000, published on $PORT
	want=${want//"{'containerPort': $PORT"/"{'containerPort': 8000"}
	assert_contains "$out" "$want" "the objects and the web container"
	assert_contains "$out" "wait-db 127.0.0.1:5000/team/django-postgres-web:latest ['db', '5432']" "the wait for db's port"
	assert_contains "$out" "['DJANGO_SECRET_KEY', 'POSTGRES_PASSWORD'] db" "secrets in the Secret, the rest in the ConfigMap"
	assert_contains "$out" "['/bin/sh', '-c'] 2 5 30" "the health check as a probe"
	assert_contains "$out" "django-postgres-pgdata ['ReadWriteOnce']" "the volume's claim"
	assert_contains "$out" "[{'name': 'tcp-5432', 'port': 5432, 'targetPort': 5432, 'protocol': 'TCP'}]" "db's Service on its profile's port"
	# one service: it and what it depends on
	run "$CLAN" export kube db
	assert_eq "$rc" 0 "export kube db"
	assert_not_contains "$out" "name: web" "web is not exported with db alone"
	assert_contains "$out" "claimName: django-postgres-pgdata" "db's claim"
}

case_compose_file() {
	local dir
	export_example compose c.yaml
	dir=$DIR
	run yq c.yaml '
d = docs[0]
web, db = d["services"]["web"], d["services"]["db"]
print(web["image"], web["build"]["context"] == sys.argv[0] or web["build"]["dockerfile"], web["ports"], web["volumes"])
print(db["healthcheck"]["test"][1])
print(db["volumes"], sorted(d["volumes"]), web["depends_on"])
print(any(k.startswith("x-clan") for s in d["services"].values() for k in s))
'
	assert_eq "$rc" 0 "the YAML parses (stderr: $err)"
	assert_contains "$out" "django-postgres-web Dockerfile ['127.0.0.1:$PORT:8000'] ['$dir:/app']" "web: built image's name, short port and bind"
	assert_contains "$out" 'pg_isready -h 127.0.0.1 -U "$${POSTGRES_USER}" -d "$${POSTGRES_DB}"' "the health test's \$ doubled for compose's interpolation"
	assert_contains "$out" "['pgdata:/var/lib/postgresql/data'] ['pgdata'] {'db': {'condition': 'service_healthy', 'required': True}}" "db's volume, web's depends_on"
	assert_contains "$out" "False" "no x-clan keys"
	# clan reads its own export back to the same stack
	run "$CLAN" -f c.yaml config
	assert_eq "$rc" 0 "clan config of the export (stderr: $err)"
	assert_contains "$out" 'pg_isready -h 127.0.0.1 -U "${POSTGRES_USER}"' "the health test read back"
	local back want
	back=$("$CLAN" -f c.yaml config --format json | jq -S 'del(.services.web.image)')
	want=$("$CLAN" config --format json | jq -S 'del(.services.web.image)')
	assert_eq "$back" "$want" "the export read back is the stack"
}

case_refused() {
	local dir before
	dir=$(mk_tmp)
	cp -a "$CLAN_TEST_ROOT/examples/django-postgres/." "$dir/"
	cd "$dir" || die "no project dir"
	before=$(tree_manifest .)
	run "$CLAN" export compose -o c.yaml
	assert_eq "$rc" 2 "the .clanrc's deb: images have no compose form"
	assert_eq "$(grep -c . <<<"$err")" 1 "one line (got: $err)"
	assert_contains "$err" "service db: image deb:bookworm+postgresql-15 exists only on this machine" "names the service and image"
	run "$CLAN" export kube -o k.yaml
	assert_eq "$rc" 2 "nor a Kubernetes form"
	assert_eq "$(tree_manifest .)" "$before" "no file written"
	run "$CLAN" export yaml
	assert_eq "$rc" 2 "an unknown target"
	assert_contains "$err" "expected kube or compose, not yaml" "says the targets"
	run "$CLAN" export compose --registry r.example/x
	assert_eq "$rc" 2 "--registry is for kube"
	rm .clanrc
	run "$CLAN" export kube --registry 'x;rm -rf ~'
	assert_eq "$rc" 2 "a registry that is shell text"
	run "$CLAN" export kube nosuch
	assert_eq "$rc" 2 "an unknown service"
	assert_eq "$(tree_manifest . | grep -v '^\. ')" "$(grep -v -e '^\. ' -e clanrc <<<"$before")" "nothing written"
}

# hostile names and values: Kubernetes names made of them, values as data
case_hostile() {
	local dir
	dir=$(mk_tmp)
	cd "$dir" || die "no project dir"
	cat >compose.yaml <<'EOF'
services:
  My_DB.Primary:
    image: busybox
    environment:
      QUOTED: "a \"b\" 'c'"
      MULTI: "line1\nline2: x\n---\nkind: Pod"
      TMPL: "{{ .Values.x }} $$(id) $${HOME}"
      API_TOKEN: "t0k3n"
      DATABASE_URL: "postgres://u:pw@db/app"
    command: ["sh", "-c", "echo $$(date) $$$$"]
    labels:
      "bad key!": x
  app:
    image: busybox
    user: nobody
    init: true
    depends_on: [My_DB.Primary]
EOF
	run "$CLAN" export kube -o k.yaml
	assert_eq "$rc" 0 "export (stderr: $err)"
	assert_contains "$err" "My_DB.Primary: named my-db-primary in Kubernetes" "the name sanitised, said"
	assert_contains "$err" "app: user nobody: Kubernetes takes numeric ids" "a user name warned"
	assert_contains "$err" "app: init: no Kubernetes form" "init warned"
	assert_contains "$err" "label bad key!: not a Kubernetes annotation name" "a bad label warned"
	assert_contains "$err" "depends_on My_DB.Primary: it listens on no TCP port" "a wait with no port warned"
	run yq k.yaml '
print(len(docs), sorted(d["kind"] for d in docs))
cm = by("ConfigMap", "my-db-primary-env")["data"]
print(repr(cm["QUOTED"])); print(repr(cm["MULTI"])); print(repr(cm["TMPL"]))
print(sorted(by("Secret", "my-db-primary-secret")["stringData"]))
print(by("Pod", "my-db-primary")["spec"]["containers"][0]["args"])
'
	assert_eq "$rc" 0 "parses (stderr: $err)"
	assert_contains "$out" "4 ['ConfigMap', 'Pod', 'Pod', 'Secret']" "no document came of a value"
	assert_contains "$out" "'a \"b\" \\'c\\''" "quotes kept"
	assert_contains "$out" "'line1\\nline2: x\\n---\\nkind: Pod'" "newlines and --- kept as data"
	assert_contains "$out" "'{{ .Values.x }} \$(id) \${HOME}'" "{{ and \$ kept (ConfigMap data is not expanded)"
	assert_contains "$out" "['API_TOKEN', 'DATABASE_URL']" "a token and a URL with a password are secrets"
	assert_contains "$out" "['sh', '-c', 'echo \$\$(date) \$\$\$']" "\$( and \$\$ escaped for Kubernetes's \$(VAR)"
	# names that would clash, or leave nothing
	cat >compose.yaml <<'EOF'
services:
  my_db: {image: busybox}
  my-db: {image: busybox}
EOF
	run "$CLAN" export kube
	assert_eq "$rc" 2 "two services with one Kubernetes name"
	assert_contains "$err" "services my_db and my-db would both be named my-db" "names both"
	local long
	long=$(printf 'a%.0s' $(seq 80))
	printf 'services:\n  %sX: {image: busybox}\n  %sY: {image: busybox}\n' "$long" "$long" >compose.yaml
	run "$CLAN" export kube -o long.yaml
	assert_eq "$rc" 0 "long names (stderr: $err)"
	run yq long.yaml 'print(sorted(len(d["metadata"]["name"]) for d in docs), len({d["metadata"]["name"] for d in docs}))'
	assert_eq "$out" "[63, 63] 2" "cut to 63, still apart"
}

# --- podman: a rootless podman of the case's own (nothing outside its dir)

PM=""
# pm CMD...: CMD with podman's environment, within SECS (default 120)
pm() {
	timeout -k 5 "${SECS:-120}" env HOME="$PM/home" XDG_CONFIG_HOME="$PM/home/.config" \
		XDG_DATA_HOME="$PM/home/.local/share" XDG_RUNTIME_DIR="$PM/run" \
		CONTAINERS_CONF="$PM/containers.conf" CONTAINERS_STORAGE_CONF="$PM/storage.conf" \
		CONTAINERS_REGISTRIES_CONF="$PM/registries.conf" "$@"
}

pm_cleanup() {
	[ -n "$PM" ] || return 0
	pm podman system reset -f >/dev/null 2>&1
	local p
	p=$(cat "$PM/run/libpod/tmp/pause.pid" 2>/dev/null)
	[ -n "$p" ] && [ -O "/proc/$p" ] && kill "$p" 2>/dev/null
	rm_tree "$PM"
}

# pm_init: at the top level, once: podman's config in a new dir ($PM),
# shared by the cases (the images are pulled once), reset when the file
# ends; or PM_WHY says why podman cannot run here
PM_WHY=""
PM_PREV_EXIT_TRAP=""
pm_init() {
	if ! command -v podman >/dev/null; then
		PM_WHY="podman missing (apt-get install podman; scripts/deps.sh)"
		return
	fi
	if ! has_subuid || ! has_newuidmap; then
		PM_WHY="rootless podman needs a subuid range and newuidmap: $(id -un) has none (the clan-sub run covers this)"
		return
	fi
	PM=$(mk_tmp)
	PM_PREV_EXIT_TRAP=$(trap -p EXIT)
	trap pm_on_exit EXIT
	mkdir -p "$PM/home" && mkdir -m 0700 "$PM/run"
	cat >"$PM/containers.conf" <<EOF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
EOF
	cat >"$PM/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$PM/storage"
runroot = "$PM/run/containers"
EOF
	# postgres:15 is Docker Hub's: the registry here stands in for it
	cat >"$PM/registries.conf" <<EOF
unqualified-search-registries = ["docker.io"]
short-name-mode = "permissive"
[[registry]]
prefix = "docker.io"
location = "docker.io"
[[registry.mirror]]
location = "$REGISTRY"
insecure = true
[[registry]]
location = "$REGISTRY"
insecure = true
EOF
}

pm_on_exit() {
	pm_cleanup
	if [ -n "$PM_PREV_EXIT_TRAP" ]; then
		eval "set -- $PM_PREV_EXIT_TRAP"
		eval "$3"
	fi
}

# pm_setup: in a case: skips when podman cannot run here; the images
# pushed, podman answering with the file's config
pm_setup() {
	[ -z "$PM_WHY" ] || skip_case "$PM_WHY"
	registry_push postgres library/postgres:15 || die "cannot build or push the postgres stand-in"
	registry_push djangoweb clan-example/django-postgres-web:latest || die "cannot build or push the web stand-in"
	SECS=60 run pm podman info --format '{{.Host.OCIRuntime.Name}} {{.Store.GraphDriverName}}'
	assert_eq "$rc" 0 "podman info (stderr: $err)"
	assert_eq "$out" "runc overlay" "podman's runtime and storage, from the file's config"
}

case_kube_play() {
	pm_setup
	local ver
	example_dir
	cd "$DIR" || die "no project dir"
	run "$CLAN" export kube -o k.yaml --registry "$REGISTRY/clan-example"
	assert_eq "$rc" 0 "export kube (stderr: $err)"
	# podman 4.3 (Debian 12) stores a played Secret as YAML but reads a
	# secretRef as JSON of base64 values ("secret db-secret is not valid
	# JSON"): there, the Secrets go in as podman secrets of that form
	cp k.yaml play.yaml
	ver=$(pm podman version --format '{{.Client.Version}}')
	if printf '%s\n4.4\n' "$ver" | sort -V -C; then
		yq k.yaml '
import base64, json
for d in docs:
    if d["kind"] == "Secret":
        v = {k: base64.b64encode(x.encode()).decode() for k, x in d["stringData"].items()}
        open(d["metadata"]["name"] + ".json", "w").write(json.dumps(v))
yaml.safe_dump_all([d for d in docs if d["kind"] != "Secret"], open("play.yaml", "w"))' ||
			die "cannot read the Secrets"
		for f in *-secret.json; do
			pm podman secret create "${f%.json}" "$f" >/dev/null || die "podman secret create ${f%.json}"
		done
	fi
	SECS=60 run pm podman network create clan-export
	assert_eq "$rc" 0 "podman network create (stderr: $err)"
	SECS=300 run pm podman kube play --network clan-export play.yaml
	assert_eq "$rc" 0 "podman kube play (stderr: $err)"
	local page
	page=$(get "http://127.0.0.1:$PORT/health" 120) || {
		pm podman ps -a >&2
		pm podman logs web-web >&2
		die "the page does not answer on $PORT"
	}
	assert_eq "$page" ok "/health, a round trip to PostgreSQL through the db Pod"
	run pm podman kube down play.yaml
	assert_eq "$rc" 0 "podman kube down (stderr: $err)"
	run pm podman ps -aq
	assert_eq "$out" "" "no container left"
}

case_compose_up() {
	command -v podman-compose >/dev/null || skip_case "podman-compose missing (apt-get install podman-compose; scripts/deps.sh)"
	pm_setup
	local dir
	example_dir
	dir=$DIR
	cd "$dir" || die "no project dir"
	run "$CLAN" export compose -o c.yaml
	assert_eq "$rc" 0 "export compose (stderr: $err)"
	mkdir run && cp c.yaml run/compose.yaml
	# the web image as its CI would push it, under the export's name: no
	# apt-get inside podman build here
	pm podman pull -q "$REGISTRY/clan-example/django-postgres-web:latest" >/dev/null || die "pull the web stand-in"
	pm podman tag "$REGISTRY/clan-example/django-postgres-web:latest" django-postgres-web || die "tag"
	# podman-compose 1.0.3 does not wait for service_healthy: db first
	SECS=300 run pm podman-compose -f run/compose.yaml up -d db
	assert_eq "$rc" 0 "podman-compose up -d db (stderr: $err)"
	local i=0
	until pm podman healthcheck run run_db_1 >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -lt 120 ] || die "db never healthy: $(pm podman logs run_db_1 2>&1 | tail -n 5)"
		sleep 1
	done
	SECS=300 run pm podman-compose -f run/compose.yaml up -d
	assert_eq "$rc" 0 "podman-compose up -d (stderr: $err)"
	local page
	page=$(get "http://127.0.0.1:$PORT/health" 120) || {
		pm podman ps -a >&2
		die "the page does not answer on $PORT"
	}
	assert_eq "$page" ok "/health under podman-compose"
	run pm podman-compose -f run/compose.yaml down -v
	assert_eq "$rc" 0 "podman-compose down (stderr: $err)"
	run pm podman ps -aq
	assert_eq "$out" "" "no container left"
}

t "export kube: the example's objects, exactly" case_kube_objects
t "export compose: the example's file, read back by clan" case_compose_file
t "export: deb: images, bad targets and names refused, nothing written" case_refused
t "export kube: hostile names and values" case_hostile
command -v mmdebstrap >/dev/null || skip_case "mmdebstrap missing (apt-get install mmdebstrap): the stand-in images are deb: images"
command -v dpkg >/dev/null || skip_case "dpkg missing: the deb cache's key needs dpkg --print-architecture"
pull_setup
pm_init
t "export kube: podman kube play runs it, the page answers" case_kube_play
t "export compose: podman-compose runs it, the page answers" case_compose_up
finish
