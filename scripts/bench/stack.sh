#!/bin/bash
# Stack benchmark: the examples/django-postgres stack (PostgreSQL 15 + Django's
# runserver, a named volume for the database, the source bind-mounted) run in
# ONE run, as an unprivileged user, three ways:
#   clan      `clan up -d` on the example's .clanrc (deb: images)
#   compose   `clan up -d` on a compose file (no .clanrc), its two images
#             podman's, served by a docker-registry on 127.0.0.1
#   podman    `podman-compose up -d` on that same compose file, same images
#   first up: clan builds its two deb: images and initialises the volume;
#             podman's two images are built from the same Debian packages
#             (mmdebstrap, podman import, podman build), pushed to the
#             registry, and podman-compose starts on an empty volume; clan
#             on the compose file pulls them and starts on its own
#   warm up:  `up -d` until the web service answers HTTP 200 on `/` (images
#             present, volume initialised), then `down` (not -v), RUNS times,
#             clan and podman-compose in interleaved rounds
#   memory:   VmRSS (and Pss) of the processes each tool keeps beside the
#             containers while the stack runs: clan's per-stack supervisor,
#             its pod holder (which also forwards the published ports;
#             before, a forwarder of its own) and slirp4netns; podman's
#             conmon, rootlessport, slirp4netns, aardvark-dns and pause process
#   the floor: the web service's own command (migrate, runserver) run again
#             inside the running clan stack with `clan exec web`, timed until
#             its page answers 200, and PostgreSQL's own start (a copy of its
#             data dir, `clan exec db`) until pg_isready answers: the work
#             both stacks wait for; the compose file's stack gets its own
#             floor the same way, in its own containers (its images differ:
#             podman's build of the Dockerfile, no watchman)
# Prints a markdown table with medians and the targets: clan's warm up at
# least 3x faster than podman-compose's (each form), the supervisor under
# 4 MB RSS. The rows of issue 16's summary go to BENCH_OUT/summary.tsv:
# clan's share above the floor <= 100 ms and podman-compose >= 2.5x clan
# (each form), the supervisor < 2 MiB and all helpers < 6 MiB RSS (the
# .clanrc stack), the first up with no images <= 30 s.
#
# Usage: scripts/bench/stack.sh
# Environment:
#   CLAN=PATH          clan binary (default: REPO/build/clan)
#   CLAN_PROFILES_DIR=DIR  clan's service profiles (default: REPO/profiles)
#   RUNS=5 WARMUP=1    measured and unmeasured warm rounds
#   SETTLE=1           seconds between the page being served and the memory sample
#   READY_TIMEOUT=120  seconds a warm `up -d` may take to serve the page
#   BUILD_TIMEOUT=1200 seconds for clan's first up and for each podman image build
#   BENCH_USER=clanbench  who runs the benchmark when started by root
#   BENCH_OUT=DIR      where the markdown, raw results and logs go (default: temp)
#   BENCH_NO_INSTALL=1 started by root: do not apt-get install what is missing
# Started by root, it installs podman-compose, netavark, aardvark-dns,
# iptables and docker-registry when they are missing (podman-compose 1.0.3 needs a network with DNS: `db` must
# resolve) and re-runs itself as BENCH_USER with copies of the clan binary,
# profiles/ and the example (lib.sh; make the user with
# ../shared/scripts/podman-rootless-setup.sh USER). podman runs with its own
# storage, runtime dir and containers.conf (netavark) in the temp dir, so the
# user's own podman state is not touched. A tool that fails is reported with
# its error and marked failed in the table; the other is still measured.
set -euo pipefail

RUNS=${RUNS:-5}
WARMUP=${WARMUP:-1}
SETTLE=${SETTLE:-1}
READY_TIMEOUT=${READY_TIMEOUT:-120}
BUILD_TIMEOUT=${BUILD_TIMEOUT:-1200}

# shellcheck source=scripts/bench/lib.sh
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/lib.sh"
bench_init
profiles=${CLAN_PROFILES_DIR:-$repo/profiles}
example=$repo/examples/django-postgres

if [ "$(id -u)" = 0 ]; then
	[ -d "$example" ] || die "no example at $example"
	[ -d "$profiles" ] || die "no profiles dir at $profiles (set CLAN_PROFILES_DIR)"
	missing=()
	command -v podman-compose >/dev/null || missing+=(podman-compose)
	[ -x /usr/lib/podman/netavark ] || missing+=(netavark)
	[ -x /usr/lib/podman/aardvark-dns ] || missing+=(aardvark-dns)
	# netavark runs iptables to set up the compose network
	command -v iptables >/dev/null || missing+=(iptables)
	command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
	command -v docker-registry >/dev/null || missing+=(docker-registry)
	if [ ${#missing[@]} -gt 0 ]; then
		if [ -n "${BENCH_NO_INSTALL:-}" ]; then
			say "missing: ${missing[*]} (BENCH_NO_INSTALL is set: the podman rows will fail)"
		else
			say "installing ${missing[*]}"
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 ||
				say "apt-get install ${missing[*]} failed: the podman rows will fail"
		fi
	fi
	bench_copy profiles "$profiles"
	bench_copy examples/django-postgres
	bench_as_user RUNS WARMUP SETTLE READY_TIMEOUT BUILD_TIMEOUT
fi

# ------------------------------------------------------- as a plain user
for t in python3 curl mmdebstrap unshare timeout; do
	command -v "$t" >/dev/null || die "$t not found: run ../shared/scripts/podman-rootless-setup.sh as root"
done
python3 -c 'import yaml' 2>/dev/null || die "python3-yaml not found (apt-get install python3-yaml)"
[ -d "$example" ] || die "no example at $example"
[ -f "$profiles/postgres.yaml" ] || die "no postgres profile in $profiles (set CLAN_PROFILES_DIR)"
export CLAN_PROFILES_DIR=$profiles

uid=$(id -u)
bench_outdir
mkdir -p "$out/logs"
logs=$out/logs
# Short paths: unix sockets live under the runtime dirs.
work=$(mktemp -d /tmp/clan-stack.XXXXXX)
chmod 0755 "$work"

secs() { # START_US END_US: seconds, 3 decimals
	local d=$(($2 - $1))
	printf '%d.%03d' $((d / 1000000)) $((d % 1000000 / 1000))
}
tail_log() { grep -v 'level=warning' "$1" 2>/dev/null | tail -n "${2:-3}" | tr -s '\t\n' '  ' | cut -c1-300; }

# ------------------------------------------------------------ the project
# One copy of the example, served by both stacks (the source tree is
# bind-mounted at /app by both; Django writes nothing into it).
proj=$work/proj
cp -a -- "$example" "$proj"
chmod -R u+w "$proj"
cport=$(bench_free_port)
pport=$(bench_free_port)
while [ "$pport" = "$cport" ]; do pport=$(bench_free_port); done
# clan: WEB_PORT picks the host port; an older .clanrc without ${WEB_PORT}
# gets its web port line pointed at the free port in this copy only.
if ! grep -q 'WEB_PORT' "$proj/.clanrc"; then
	sed -i "s/^port = 8000\b.*/port = $cport:8000/" "$proj/.clanrc"
fi

# The compose form: another copy with no .clanrc; its docker-compose.yml
# (write_compose) is the file both `clan up -d` and podman-compose read.
cproj=$work/cproj
cp -a -- "$example" "$cproj"
chmod -R u+w "$cproj"
rm -f -- "$cproj/.clanrc"
ccport=$(bench_free_port)
while [ "$ccport" = "$cport" ] || [ "$ccport" = "$pport" ]; do ccport=$(bench_free_port); done

# clan: its own runtime dir and a fresh store.
crun=$work/crun
mkdir -m 0700 "$crun"
export CLAN_STORAGE=$work/clan-storage
cl() { (cd "$proj" && XDG_RUNTIME_DIR=$crun WEB_PORT=$cport "$@"); }
clc() { (cd "$cproj" && XDG_RUNTIME_DIR=$crun WEB_PORT=$ccport "$@"); }

# podman: its own storage, runtime dir and containers.conf (netavark, so that
# the compose network resolves service names with aardvark-dns).
pdir=$work/podman
prun=$work/prun
mkdir -p "$pdir/ctx-db" "$pdir/ctx-web" "$pdir/img"
mkdir -m 0700 "$prun"
ucc=$HOME/.config/containers/containers.conf
runtime=$(sed -n 's/^runtime *= *"\(.*\)"/\1/p' "$ucc" 2>/dev/null | head -n 1)
cat >"$pdir/containers.conf" <<EOF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "${runtime:-runc}"

[network]
network_backend = "netavark"
EOF
cat >"$pdir/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$pdir/storage"
runroot = "$prun/containers"
rootless_storage_path = "$pdir/storage"
EOF
pm() {
	env XDG_RUNTIME_DIR="$prun" CONTAINERS_CONF="$pdir/containers.conf" \
		CONTAINERS_STORAGE_CONF="$pdir/storage.conf" "$@"
}
project=clanbench$$
pc() { (cd "$cproj" && WEB_PORT=$pport pm timeout 300 podman-compose -p "$project" -f "$cproj/docker-compose.yml" "$@"); }
pweb=${project}_web_1
pdb=${project}_db_1
img_db=localhost/clanbench-stack-db:$$
img_web=localhost/clanbench-stack-web:$$

clan_ok=1 clan_err=""
compose_ok=1 compose_err=""
podman_ok=1 podman_err=""
[ -x "$clan" ] || {
	clan_ok=0
	clan_err="no clan binary at $clan_name (set CLAN=PATH or run make)"
}
for t in podman podman-compose; do
	command -v "$t" >/dev/null || {
		podman_ok=0
		podman_err="$t not found (run this script as root, or apt-get install $t)"
	}
done
if [ "$podman_ok" = 1 ] && [ ! -x /usr/lib/podman/netavark ]; then
	podman_ok=0
	podman_err="netavark not found: podman-compose's network needs it for DNS (apt-get install netavark aardvark-dns)"
fi
[ "$clan_ok" = 1 ] || compose_ok=0 compose_err=$clan_err
command -v docker-registry >/dev/null || {
	compose_ok=0
	compose_err="docker-registry not found (run this script as root, or apt-get install docker-registry)"
}

# sup_pid: the pid of this run's stack supervisor, from its pid file ("PID
# STARTTIME"), when that process is alive and is a clan-supervisor of ours.
sup_pid() {
	local f p st
	for f in "$crun"/clan/stacks/*/supervisor.pid; do
		[ -f "$f" ] || continue
		read -r p st <"$f" || continue
		[ -O "/proc/$p" ] || continue
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = clan-supervisor ] || continue
		# the same process, not a reused pid; a zombie has exited
		[ "$(awk '{print $22}' "/proc/$p/stat" 2>/dev/null)" = "$st" ] || continue
		grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null && continue
		printf '%s\n' "$p"
		return 0
	done
	return 1
}

bench_registry_pid=""
cleanup() {
	set +e
	say "cleaning up"
	if [ -x "$clan" ] && [ -d "$CLAN_STORAGE" ]; then
		cl timeout 120 "$clan" down -v >>"$logs/clan-cleanup.log" 2>&1
		clc timeout 120 "$clan" down -v >>"$logs/clan-cleanup.log" 2>&1
		# a supervisor that outlived `down`: ours, by its pid file
		p=$(sup_pid) && kill "$p"
	fi
	[ -n "$bench_registry_pid" ] && kill "$bench_registry_pid" 2>/dev/null
	if [ -f "$cproj/docker-compose.yml" ] && command -v podman-compose >/dev/null; then
		pc down -v >>"$logs/podman-cleanup.log" 2>&1
	fi
	if command -v podman >/dev/null && [ -f "$pdir/storage.conf" ]; then
		pm timeout 120 podman system reset -f >>"$logs/podman-cleanup.log" 2>&1
		# podman's pause process for this runtime dir: ours
		p=$(cat "$prun/libpod/tmp/pause.pid" 2>/dev/null)
		if [ -n "$p" ] && [ -O "/proc/$p" ] &&
			grep -qz "^CONTAINERS_CONF=$pdir/" "/proc/$p/environ" 2>/dev/null; then
			kill "$p"
		fi
		# the slirp4netns of podman's rootless netns in this runtime dir,
		# left running when netavark failed
		for p in $(pgrep -u "$uid" -x slirp4netns); do
			tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF -- " $prun/netns/" && kill "$p"
		done
	fi
	bench_rm_store "$work" || say "could not remove $work"
}
trap cleanup EXIT

runs=$out/stack-runs.tsv
mem=$out/stack-mem.tsv
printf 'tool\tkind\tround\tstatus\tup_s\tpage_s\tdown_s\tnote\n' >"$runs"
printf 'tool\tround\trole\tpid\tcomm\trss_kib\tpss_kib\n' >"$mem"
first=$out/stack-first.tsv
: >"$first"

# wait_page PORT LIMIT_S ALIVE_FN: 0 once / answers 200; 1 after LIMIT_S or
# when ALIVE_FN (checked about once a second) says the stack is gone.
wait_page() {
	local port=$1 limit=$2 alive=$3 start code n=0
	start=$(bench_now_us)
	while :; do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/" || true)
		[ "$code" = 200 ] && return 0
		if [ $(($(bench_now_us) - start)) -gt $((limit * 1000000)) ]; then
			wait_err="no HTTP 200 on / after ${limit} s (last: $code)"
			return 1
		fi
		n=$((n + 1))
		if [ $((n % 40)) = 0 ] && ! "$alive"; then
			return 1
		fi
		sleep 0.02
	done
}
clan_alive() {
	sup_pid >/dev/null && return 0
	wait_err="the stack's supervisor is gone (see clan-*.log)"
	return 1
}
# conmon lives as long as its container: no conmon for web means web exited.
podman_alive() {
	local p
	for p in $(pgrep -u "$uid" -x conmon); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "-n $pweb " && return 0
	done
	wait_err="the web container exited: $(pm podman logs --tail 3 "$pweb" 2>&1 | grep -v level=warning | tr -s '\t\n' '  ' | cut -c1-250)"
	return 1
}
# db_ready TOOL: PostgreSQL answers over TCP (so a first start has finished
# initialising the volume before anything stops it).
db_ready() {
	local i run=cl
	[ "$1" = compose ] && run=clc
	for i in $(seq 240); do
		if [ "$1" != podman ]; then
			"$run" timeout 10 "$clan" exec -T db pg_isready -q -h 127.0.0.1 -p 5432 </dev/null >/dev/null 2>&1 && return 0
		else
			pm timeout 10 podman exec "$pdb" pg_isready -q -h 127.0.0.1 -p 5432 >/dev/null 2>&1 && return 0
		fi
		sleep 0.5
	done
	return 1
}

# ------------------------------------------------------ memory samples
# proc_line PID: "pid comm rss pss" of a live process, nothing otherwise.
proc_line() {
	local p=$1 rss pss comm
	grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null && return 0
	rss=$(awk '/^VmRSS:/{print $2}' "/proc/$p/status" 2>/dev/null) || return 0
	[ -n "$rss" ] || return 0
	pss=$(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup" 2>/dev/null) || pss=""
	comm=$(cat "/proc/$p/comm" 2>/dev/null) || return 0
	printf '%s\t%s\t%s\t%s\n' "$p" "$comm" "$rss" "${pss:--}"
}
# clan_helpers: role, pid of the supervisor and of its children that are not
# containers: the pod holder, which holds the published ports' sockets and
# forwards them (a clan-supervisor; older clans had a forwarder of their
# own beside a holder without sockets), and slirp4netns. A health check
# is a short-lived clan-supervisor child: only children seen in two
# snapshots 1.5 s apart count.
clan_snapshot() {
	local sup=$1 c
	for c in $(pgrep -P "$sup" 2>/dev/null); do
		case $(cat "/proc/$c/comm" 2>/dev/null) in
		clan-supervisor | slirp4netns) printf '%s:%s\n' "$c" "$(awk '{print $22}' "/proc/$c/stat" 2>/dev/null)" ;;
		esac
	done
}
clan_helpers() {
	local sup a b c role
	sup=$(sup_pid) || return 0
	printf 'supervisor\t%s\n' "$sup"
	a=$(clan_snapshot "$sup")
	sleep 1.5
	b=$(clan_snapshot "$sup")
	for c in $(comm -12 <(sort <<<"$a") <(sort <<<"$b") | cut -d: -f1 | sort -n); do
		case $(cat "/proc/$c/comm" 2>/dev/null) in
		slirp4netns) role=slirp4netns ;;
		clan-supervisor)
			if find "/proc/$c/fd" -lname 'socket:*' 2>/dev/null | grep -q .; then
				role="pod-holder-fwd"
			else
				role="pod-holder"
			fi
			;;
		*) continue ;;
		esac
		printf '%s\t%s\n' "$role" "$c"
	done
}
# podman_helpers: every process of ours started with this run's
# CONTAINERS_CONF in its environment (podman passes it on to its helpers;
# the containers' own processes have their image's environment), by role.
podman_helpers() {
	local p argv0 role
	for p in $(pgrep -u "$uid"); do
		grep -qz "^CONTAINERS_CONF=$pdir/" "/proc/$p/environ" 2>/dev/null || continue
		argv0=$(tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null | head -n 1)
		case $(cat "/proc/$p/comm" 2>/dev/null) in
		conmon) role=conmon ;;
		rootlessport) role=rootlessport ;;
		slirp4netns) role=slirp4netns ;;
		pasta | passt*) role=pasta ;;
		aardvark-dns) role=aardvark-dns ;;
		catatonit | "podman pause") role=pause ;;
		podman | podman-compose | python3 | timeout) continue ;; # a command, not a helper
		*)
			case ${argv0##*/} in
			rootlessport-child) role=rootlessport ;;
			*) role="other:$(cat "/proc/$p/comm" 2>/dev/null)" ;;
			esac
			;;
		esac
		printf '%s\t%s\n' "$role" "$p"
	done
}
sample_mem() { # TOOL ROUND
	local role p line
	while IFS=$'\t' read -r role p; do
		line=$(proc_line "$p")
		[ -n "$line" ] || continue
		IFS=$'\t' read -r p comm rss pss <<<"$line"
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$role" "$p" "$comm" "$rss" "$pss" >>"$mem"
	done < <(if [ "$1" = podman ]; then podman_helpers; else clan_helpers; fi)
}

# The app's own start, for scale: the web service's command run again inside
# the running clan stack (`clan exec web`), on another port, until / answers
# 200 from inside the container; then its process group is stopped.
web_cmd='python3 manage.py migrate --noinput && exec python3 manage.py runserver 0.0.0.0:8001'
floor_py=$(
	cat <<'EOF'
import os, shutil, signal, subprocess, sys, time, urllib.request
# The running web service's watchman server has crawled Django's tree
# already; a cold start pays for that crawl, so the floor must too.
if shutil.which("watchman"):
    subprocess.run(["watchman", "shutdown-server"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=10, check=False)
t0 = time.monotonic()
p = subprocess.Popen(["sh", "-c", sys.argv[1]], stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)
ok = False
while time.monotonic() - t0 < 60 and p.poll() is None:
    try:
        ok = urllib.request.urlopen("http://127.0.0.1:8001/", timeout=2).status == 200
    except Exception:
        pass
    if ok:
        break
    time.sleep(0.02)
t1 = time.monotonic()
try:
    os.killpg(p.pid, signal.SIGTERM)
except ProcessLookupError:
    pass
p.wait()
print(f"{t1 - t0:.3f}" if ok else "failed")
EOF
)
# PostgreSQL's own start, the other part of the floor (web waits for db to
# be healthy): in the running db container, after a CHECKPOINT, a copy of
# its data dir is started on port 5433 and timed until pg_isready answers
# over TCP, as clan's health check asks; then stopped and removed. The copy
# of a running server's dir does a short crash recovery first.
db_floor_sh=$(
	cat <<'EOF'
set -eu
PATH=/usr/lib/postgresql/15/bin:$PATH
: "${PGDATA:=/var/lib/postgresql/data}"
export PGPASSWORD="${POSTGRES_PASSWORD:-}" PGUSER="${POSTGRES_USER:-postgres}"
export PGDATABASE="${POSTGRES_DB:-$PGUSER}"
# the socket (trust) where the server has it, else TCP with the password;
# without a checkpoint the copy only recovers longer
for h in /var/run/postgresql /tmp 127.0.0.1; do
	psql -q -h "$h" -c CHECKPOINT >/dev/null 2>&1 && break
done
d=$(mktemp -d /tmp/pgfloor.XXXXXX)
trap 'rm -rf "$d"' EXIT
cp -a "$PGDATA" "$d/data"
rm -f "$d/data/postmaster.pid"
t0=$(date +%s%N)
postgres -D "$d/data" -p 5433 -k "$d" -c listen_addresses=127.0.0.1 >"$d/log" 2>&1 &
pid=$!
ok=0
for _ in $(seq 3000); do
	if pg_isready -q -h 127.0.0.1 -p 5433; then ok=1; break; fi
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.01
done
t1=$(date +%s%N)
kill -INT "$pid" 2>/dev/null || true
wait "$pid" || true
[ "$ok" = 1 ] || { tail -n 3 "$d/log" >&2; echo failed; exit 0; }
echo "$(((t1 - t0) / 1000000))" | awk '{printf "%.3f\n", $1 / 1000}'
EOF
)
floor() { # ROUND [compose]: one line each for the web command and PostgreSQL in $runs
	local t run=cl web=floor db=dbfloor
	# the compose file's stack has its own images (podman's build): its
	# own floor, measured the same way in its own containers
	[ "${2:-}" = compose ] && run=clc web=cfloor db=cdbfloor
	t=$($run timeout 120 "$clan" exec -T web python3 -c "$floor_py" "$web_cmd" </dev/null 2>>"$logs/floor.log" | tail -n 1) || t=""
	case $t in
	[0-9]*.[0-9]*) printf '%s\trun\t%s\tok\t\t%s\t\t\n' "$web" "$1" "$t" >>"$runs" ;;
	*) printf '%s\trun\t%s\tfailed\t\t\t\t%s\n' "$web" "$1" "clan exec web: ${t:-no output} $(tail_log "$logs/floor.log" 1)" >>"$runs" ;;
	esac
	t=$($run timeout 120 "$clan" exec -T db sh -c "$db_floor_sh" </dev/null 2>>"$logs/floor-db.log" | tail -n 1) || t=""
	case $t in
	[0-9]*.[0-9]*) printf '%s\trun\t%s\tok\t\t%s\t\t\n' "$db" "$1" "$t" >>"$runs" ;;
	*) printf '%s\trun\t%s\tfailed\t\t\t\t%s\n' "$db" "$1" "clan exec db: ${t:-no output} $(tail_log "$logs/floor-db.log" 1)" >>"$runs" ;;
	esac
}

# keep_timeline TOOL ROUND T0_US: a clan stack's service logs (each line
# stamped) with when up -d began, in logs/TOOL-ROUND-timeline/, to see
# where a round's time went (db ready, web's first line) after the fact.
keep_timeline() {
	local d=$logs/$1-$2-timeline dir
	[ "$1" = podman ] && return 0
	for dir in "$crun"/clan/stacks/*/logs "$crun"/stacks/*/logs; do
		[ -d "$dir" ] || continue
		mkdir -p "$d/$(basename "$(dirname "$dir")")" && cp -r "$dir/." "$d/$(basename "$(dirname "$dir")")/"
	done
	echo "$3" >"$d/t0_us"
}

# ------------------------------------------------------------ one round
# round TOOL KIND N: up -d, page served, memory sample, down; one line in
# $runs. Returns 1 when the stack did not come up.
round() {
	local tool=$1 kind=$2 n=$3 log t0 t1 t2 t3 t4 rc=0 up="" page="" down="" status=ok note=""
	log=$logs/$tool-$kind-$n.log
	wait_err=""
	t0=$(bench_now_us)
	case $tool in
	clan) cl timeout "$READY_TIMEOUT" "$clan" up -d >"$log" 2>&1 || rc=$? ;;
	compose) clc timeout "$READY_TIMEOUT" "$clan" up -d >"$log" 2>&1 || rc=$? ;;
	podman) pc up -d >"$log" 2>&1 || rc=$? ;;
	esac
	t1=$(bench_now_us)
	if [ "$rc" != 0 ]; then
		status=failed note="up -d: exit $rc: $(tail_log "$log")"
	elif [ "$tool" = clan ] && ! wait_page "$cport" "$READY_TIMEOUT" clan_alive; then
		status=failed note=$wait_err
	elif [ "$tool" = compose ] && ! wait_page "$ccport" "$READY_TIMEOUT" clan_alive; then
		status=failed note=$wait_err
	elif [ "$tool" = podman ] && ! wait_page "$pport" "$READY_TIMEOUT" podman_alive; then
		status=failed note=$wait_err
	else
		t2=$(bench_now_us)
	fi
	if [ "$status" = ok ] && [ "$kind" = run ]; then
		sleep "$SETTLE"
		sample_mem "$tool" "$n"
		keep_timeline "$tool" "$n" "$t0"
		if [ "$tool" = clan ]; then floor "$n"; fi
		if [ "$tool" = compose ]; then floor "$n" compose; fi
	fi
	t3=$(bench_now_us)
	rc=0
	case $tool in
	clan) cl timeout 120 "$clan" down >>"$log" 2>&1 || rc=$? ;;
	compose) clc timeout 120 "$clan" down >>"$log" 2>&1 || rc=$? ;;
	podman) pc down >>"$log" 2>&1 || rc=$? ;;
	esac
	t4=$(bench_now_us)
	up=$(secs "$t0" "$t1")
	[ "$status" = ok ] && page=$(secs "$t0" "$t2")
	if [ "$rc" = 0 ]; then
		down=$(secs "$t3" "$t4")
	elif [ "$status" = ok ]; then
		status=failed note="down: exit $rc: $(tail_log "$log")"
	fi
	[ "$status" = ok ] || say "FAILED $tool $kind $n: $note"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$kind" "$n" "$status" "$up" "$page" "$down" "$note" >>"$runs"
	[ "$status" = ok ]
}

# ---------------------------------------------------------- first ups
# first_up TOOL RUN PORT WHAT: clan's first `up -d` (RUN: cl or clc, its
# project copy) until the page is served, one line in $first; a failure
# sets TOOL_ok=0 and TOOL_err. Then down (not -v): the volume stays.
first_up() {
	local tool=$1 run=$2 port=$3 what=$4 log=$logs/$1-first.log t0 t1 rc=0 builds why
	say "$tool: first up ($what)"
	t0=$(bench_now_us)
	"$run" timeout "$BUILD_TIMEOUT" "$clan" up -d >"$log" 2>&1 || rc=$?
	wait_err=""
	if [ "$rc" = 0 ] && wait_page "$port" "$READY_TIMEOUT" clan_alive; then
		t1=$(bench_now_us)
		builds=$(sed -n 's/^clan: built \(deb:[^ ]*\) in \([0-9.]*\) s.*$/\1 \2 s/p' "$log" | paste -sd, | sed 's/,/, /g')
		printf '%s\tfirst up (%s), page served\tok\t%s\t%s\n' "$tool" "$what" "$(secs "$t0" "$t1")" \
			"${builds:+image builds: $builds}" >>"$first"
		db_ready "$tool" || say "$tool: db not ready after the first up"
	else
		why=${wait_err:-"up -d: exit $rc: $(tail_log "$log")"}
		printf -v "${tool}_ok" 0
		printf -v "${tool}_err" '%s' "$why"
		printf '%s\tfirst up\tfailed\t\t%s\n' "$tool" "$why" >>"$first"
		say "FAILED $tool first up: $why"
	fi
	"$run" timeout 120 "$clan" down >>"$log" 2>&1 || true
}

# clan: builds both deb: images (mmdebstrap), initialises the volume.
if [ "$clan_ok" = 1 ]; then
	first_up clan cl "$cport" "builds two deb: images, initialises the volume"
fi

# podman: the same Debian packages as clan's deb: images (mmdebstrap
# --variant=apt, the host's apt sources), imported, plus a layer each with
# what the official image and the example's Dockerfile set. The postgres
# entrypoint is the `deb` script of clan's postgres profile, so both stacks
# initialise and start PostgreSQL the same way.
build_podman_images() {
	local log=$logs/podman-images.log t
	python3 - "$profiles/postgres.yaml" >"$pdir/ctx-db/docker-entrypoint.sh" <<'EOF' || return 1
import sys, yaml
print(yaml.safe_load(open(sys.argv[1]))["deb"]["script"], end="")
EOF
	cat >"$pdir/ctx-db/Containerfile" <<EOF
FROM $img_db-base
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV LANG=C.UTF-8 PGDATA=/var/lib/postgresql/data \\
    PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
USER postgres
STOPSIGNAL SIGINT
ENTRYPOINT ["/bin/sh", "/usr/local/bin/docker-entrypoint.sh"]
EOF
	cat >"$pdir/ctx-web/Containerfile" <<EOF
FROM $img_web-base
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
EXPOSE 8000
CMD ["sh", "-c", "python3 manage.py migrate --noinput && exec python3 manage.py runserver 0.0.0.0:8000"]
EOF
	for t in db:postgresql-15 web:python3-django,python3-psycopg2; do
		say "podman: mmdebstrap ${t#*:}"
		timeout "$BUILD_TIMEOUT" mmdebstrap --mode=unshare --variant=apt --include="${t#*:}" \
			bookworm "$pdir/img/${t%%:*}.tar" >>"$log" 2>&1 || return 1
	done
	pm podman import -q "$pdir/img/db.tar" "$img_db-base" >>"$log" 2>&1 || return 1
	pm podman import -q "$pdir/img/web.tar" "$img_web-base" >>"$log" 2>&1 || return 1
	rm -f -- "$pdir/img/db.tar" "$pdir/img/web.tar"
	pm podman build -q -t "$img_db" "$pdir/ctx-db" >>"$log" 2>&1 || return 1
	pm podman build -q -t "$img_web" "$pdir/ctx-web" >>"$log" 2>&1 || return 1
}
# The example's docker-compose.yml with the two images by their registry
# names, read by podman-compose and by clan alike, each given its own port
# in WEB_PORT. Its pg_isready goes over TCP (-h 127.0.0.1) as in clan's
# profile: Debian's package has no /var/run/postgresql in a fresh
# container, so the server's socket is in /tmp. podman-compose 1.0.3
# ignores `condition:` (web starts one second after db) and podman runs no
# health check without systemd.
write_compose() {
	cat >"$cproj/docker-compose.yml" <<EOF
services:
  db:
    image: $reg_db
    env_file: .env
    volumes:
      - pgdata:/var/lib/postgresql/data
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -h 127.0.0.1 -U \"\$\${POSTGRES_USER}\" -d \"\$\${POSTGRES_DB}\""]
      interval: 2s
      timeout: 5s
      retries: 30

  web:
    image: $reg_web
    command: sh -c "python3 manage.py migrate --noinput && exec python3 manage.py runserver 0.0.0.0:8000"
    working_dir: /app
    volumes:
      - .:/app
    ports:
      - "127.0.0.1:\${WEB_PORT}:8000"
    env_file: .env
    environment:
      DB_HOST: db
      PYTHONUNBUFFERED: "1"
      PYTHONDONTWRITEBYTECODE: "1"
    depends_on:
      db:
        condition: service_healthy

volumes:
  pgdata:
EOF
}

# push_images: podman's two images to the registry under the names the
# compose file uses (tagged so too, so podman-compose finds them locally).
push_images() {
	local log=$logs/podman-push.log pair
	for pair in "$img_db=$reg_db" "$img_web=$reg_web"; do
		pm podman tag "${pair%%=*}" "${pair#*=}" >>"$log" 2>&1 || return 1
		pm podman push -q --tls-verify=false "${pair#*=}" >>"$log" 2>&1 || return 1
	done
}
reg_db="" reg_web=""
if [ "$podman_ok" = 1 ]; then
	say "podman: building the two images (mmdebstrap, podman import, podman build)"
	t0=$(bench_now_us)
	if build_podman_images; then
		t1=$(bench_now_us)
		printf 'podman\timages: mmdebstrap x2, import, build\tok\t%s\t\n' "$(secs "$t0" "$t1")" >>"$first"
	else
		podman_ok=0
		podman_err="image build failed: $(tail_log "$logs/podman-images.log")"
		printf 'podman\timages\tfailed\t\t%s\n' "$podman_err" >>"$first"
		say "FAILED podman images: $podman_err"
	fi
fi
if [ "$podman_ok" = 1 ] && [ "$compose_ok" = 1 ]; then
	if ! bench_registry "$work/registry" "$logs/registry.log"; then
		compose_ok=0
		compose_err="docker-registry did not start: $(tail_log "$logs/registry.log")"
	fi
fi
if [ "$podman_ok" = 1 ]; then
	# the registry's names when there is one, else podman's own
	if [ "$compose_ok" = 1 ]; then
		# db is named as the example's postgres:15 is, so clan
		# recognises it as the official image (its postgres profile's
		# port, user and stop signal) as it would the real one
		reg_db=$REGISTRY/library/postgres:15-clanbench$$ reg_web=$REGISTRY/clanbench/web:$$
		if ! push_images; then
			compose_ok=0
			compose_err="podman push to the registry failed: $(tail_log "$logs/podman-push.log")"
			reg_db=$img_db reg_web=$img_web
		fi
	else
		reg_db=$img_db reg_web=$img_web
	fi
	write_compose
	say "podman-compose: first up (empty volume)"
	log=$logs/podman-first.log
	wait_err=""
	t0=$(bench_now_us)
	rc=0
	pc up -d >"$log" 2>&1 || rc=$?
	if [ "$rc" = 0 ] && wait_page "$pport" 60 podman_alive; then
		t1=$(bench_now_us)
		printf 'podman\tfirst up (empty volume), page served\tok\t%s\t\n' "$(secs "$t0" "$t1")" >>"$first"
	else
		printf 'podman\tfirst up (empty volume)\tfailed\t\t%s\n' "${wait_err:-"up -d: exit $rc: $(tail_log "$log")"}" >>"$first"
		say "podman-compose first up failed: ${wait_err:-exit $rc}"
	fi
	# the volume is initialised once PostgreSQL answers over TCP
	if ! db_ready podman; then
		podman_ok=0
		podman_err="PostgreSQL never answered after the first up: $(tail_log "$log")"
	fi
	pc down >>"$log" 2>&1 || true
fi

# clan on the compose file: pulls the two images, initialises its volume.
if [ "$podman_ok" = 0 ] && [ "$compose_ok" = 1 ]; then
	compose_ok=0
	compose_err="no images: podman built none ($podman_err)"
fi
if [ "$compose_ok" = 1 ]; then
	first_up compose clc "$ccport" "the compose file: pulls two images, initialises the volume"
fi

# ------------------------------------------------------- warm rounds
# Interleaved: the order turns round each round (clan, compose, podman;
# then podman, compose, clan).
total=$((WARMUP + RUNS))
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq 1 "$total"); do
	if [ "$i" -le "$WARMUP" ]; then kind=warmup n=$i; else kind=run n=$((i - WARMUP)); fi
	if [ $((i % 2)) = 1 ]; then order="clan compose podman"; else order="podman compose clan"; fi
	say "round $i of $total ($kind)"
	for tool in $order; do
		ok_var=${tool}_ok
		[ "${!ok_var}" = 1 ] || continue
		round "$tool" "$kind" "$n" || true
		sleep 1
	done
done

# ----------------------------------------------------------- the table
machine() {
	bench_host "load average $load_start at the first round, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	printf -- '- %s (runc, cgroupfs, overlay, netavark %s); podman-compose %s; slirp4netns %s\n' \
		"$(podman --version 2>/dev/null || echo 'podman: none')" \
		"$(dpkg-query -W -f '${Version}' netavark 2>/dev/null || echo none)" \
		"$(dpkg-query -W -f '${Version}' podman-compose 2>/dev/null || echo none)" \
		"$(slirp4netns --version 2>/dev/null | awk 'NR==1{print $3}')"
	printf -- '- clan: %s (repo at %s when the benchmark started)\n' "$clan_name" "$rev"
	printf -- '- user %s (uid %s, subuid range: %s); %s measured rounds after %s warm-up, interleaved\n' \
		"$(id -un)" "$uid" "$(grep -q "^$(id -un):" /etc/subuid 2>/dev/null && echo yes || echo no)" \
		"$RUNS" "$WARMUP"
}
{
	echo "Django + PostgreSQL stack (examples/django-postgres), $(date -u '+%Y-%m-%d %H:%M UTC'):"
	echo
	machine
	echo
	python3 - "$runs" "$mem" "$first" "$clan_err" "$podman_err" "$compose_err" <<'EOF'
import csv, statistics, sys
runs = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
mem = list(csv.DictReader(open(sys.argv[2]), delimiter="\t"))
first = [l.rstrip("\n").split("\t") for l in open(sys.argv[3]) if l.strip()]
errs = {"clan": sys.argv[4], "podman": sys.argv[5], "compose": sys.argv[6]}
names = {"clan": "`clan up -d` / `clan down` (.clanrc, deb: images)",
         "compose": "`clan up -d` / `clan down` (the compose file)",
         "podman": "`podman-compose up -d` / `down` (the same compose file)"}
med = {}
def col(rows, k):
    return [float(r[k]) for r in rows if r[k]]
print("| stack | `up -d` returns, median s | page served (HTTP 200), median s | min - max s | `down`, median s | runs |")
print("|---|---:|---:|---:|---:|---|")
for tool in ("clan", "compose", "podman"):
    rs = [r for r in runs if r["tool"] == tool and r["kind"] == "run"]
    ok = [r for r in rs if r["status"] == "ok"]
    bad = [r for r in rs if r["status"] != "ok"]
    if not ok:
        err = errs[tool] or (bad[0]["note"] if bad else "not measured")
        err = err.replace("|", "\\|")[:250]
        print(f"| {names[tool]} | failed | {err} | | | |")
        continue
    up, page, down = col(ok, "up_s"), col(ok, "page_s"), col(ok, "down_s")
    med[tool] = (statistics.median(page), statistics.median(down) if down else None)
    note = f"{len(ok)} of {len(rs)}"
    if bad:
        note += " (failed: " + "; ".join(r["note"] for r in bad).replace("|", "\\|")[:200] + ")"
    dm = f"{statistics.median(down):.2f}" if down else "failed"
    print(f"| {names[tool]} | {statistics.median(up):.2f} | {statistics.median(page):.2f} | {min(page):.2f} - {max(page):.2f} | {dm} | {note} |")
floor = [r for r in runs if r["tool"] == "floor" and r["status"] == "ok"]
if floor:
    fp = col(floor, "page_s")
    med["floor"] = statistics.median(fp)
    print(f"| the web command alone (`clan exec web`, see below) | | {statistics.median(fp):.2f} | {min(fp):.2f} - {max(fp):.2f} | | {len(floor)} |")
dbfloor = [r for r in runs if r["tool"] == "dbfloor" and r["status"] == "ok"]
if dbfloor:
    fp = col(dbfloor, "page_s")
    med["dbfloor"] = statistics.median(fp)
    print(f"| PostgreSQL's start alone (`clan exec db`, see below) | | {statistics.median(fp):.2f} | {min(fp):.2f} - {max(fp):.2f} | | {len(dbfloor)} |")
for key, label in (("cfloor", "the compose file's web command alone (`clan exec web` in its stack)"),
                   ("cdbfloor", "the compose file's PostgreSQL start alone (`clan exec db` in its stack)")):
    rs = [r for r in runs if r["tool"] == key and r["status"] == "ok"]
    if rs:
        fp = col(rs, "page_s")
        med[key] = statistics.median(fp)
        print(f"| {label} | | {statistics.median(fp):.2f} | {min(fp):.2f} - {max(fp):.2f} | | {len(rs)} |")
print()
if first:
    print("First up and image builds (once, not in the medians):")
    print()
    for f in first:
        tool, what, status, t, note = (f + [""] * 5)[:5]
        label = {"clan": "clan", "compose": "clan on the compose file"}.get(tool, "podman")
        val = f"{float(t):.1f} s" if status == "ok" and t else "failed"
        print(f"- {label}, {what}: {val}" + (f" ({note})" if note else ""))
    print()
# memory: per role, the sum over its processes in one round; median (max)
# over the rounds
clan_roles = [("supervisor", "supervisor (`clan-supervisor`)"), ("pod-holder", "pod holder (`clan-supervisor`)"),
             ("pod-holder-fwd", "pod holder and port forwarder (`clan-supervisor`)"), ("slirp4netns", "slirp4netns")]
roles = {
    "clan": clan_roles,
    "compose": clan_roles,
    "podman": [("conmon", "conmon"), ("rootlessport", "rootlessport + rootlessport-child"),
               ("slirp4netns", "slirp4netns"), ("pasta", "pasta"), ("aardvark-dns", "aardvark-dns"),
               ("pause", "pause process (catatonit / `podman pause`)")],
}
def kib(v):
    return f"{v:.0f}"
sup_rss = None
if mem:
    print("Memory of the processes each tool keeps beside the containers while the stack runs "
          "(VmRSS and Pss, KiB; median over the measured rounds, max in brackets):")
    print()
    print("| tool | process | count | RSS KiB | Pss KiB |")
    print("|---|---|---:|---:|---:|")
    totals = {}
    for tool in ("clan", "compose", "podman"):
        ms = [m for m in mem if m["tool"] == tool]
        if not ms:
            continue
        rounds = sorted({m["round"] for m in ms})
        known = [r for r, _ in roles[tool]]
        extra = sorted({m["role"] for m in ms} - set(known))
        tot_rss, tot_pss, tot_n = [], [], []
        for rd in rounds:
            rm = [m for m in ms if m["round"] == rd]
            tot_rss.append(sum(int(m["rss_kib"]) for m in rm))
            tot_pss.append(sum(int(m["pss_kib"]) for m in rm if m["pss_kib"] != "-"))
            tot_n.append(len(rm))
        for role, label in roles[tool] + [(e, e) for e in extra]:
            per = []
            pss = []
            cnt = []
            for rd in rounds:
                rm = [m for m in ms if m["round"] == rd and m["role"] == role]
                if rm:
                    per.append(sum(int(m["rss_kib"]) for m in rm))
                    pss.append(sum(int(m["pss_kib"]) for m in rm if m["pss_kib"] != "-"))
                    cnt.append(len(rm))
            if not per:
                continue
            if tool == "clan" and role == "supervisor":
                sup_rss = (statistics.median(per), max(per))
            c = f"{min(cnt)}" if min(cnt) == max(cnt) else f"{min(cnt)}-{max(cnt)}"
            print(f"| {tool} | {label} | {c} | {kib(statistics.median(per))} ({kib(max(per))}) | {kib(statistics.median(pss))} |")
        totals[tool] = statistics.median(tot_rss)
        print(f"| **{tool}** | **total** | {statistics.median(tot_n):.0f} | **{kib(statistics.median(tot_rss))}** ({kib(max(tot_rss))}) | {kib(statistics.median(tot_pss))} |")
    print()
else:
    totals = {}
if "compose" in med and "podman" in med:
    r = med["podman"][0] / med["compose"][0]
    print(f"- warm up until the page is served, the same compose file, podman-compose / clan (medians): {r:.2f} (target ≥ 3: {'met' if r >= 3 else 'NOT met'})")
else:
    print("- warm up on the compose file, podman-compose / clan: not measured")
if "clan" in med and "podman" in med:
    r = med["podman"][0] / med["clan"][0]
    print(f"- warm up until the page is served, podman-compose / clan on its .clanrc (medians): {r:.2f} (target ≥ 3: {'met' if r >= 3 else 'NOT met'})")
    if "floor" in med:
        print(f"- above the web command alone (medians): clan +{med['clan'][0] - med['floor']:.2f} s, podman-compose +{med['podman'][0] - med['floor']:.2f} s")
    if med["clan"][1] and med["podman"][1]:
        print(f"- down, podman-compose / clan: {med['podman'][1] / med['clan'][1]:.2f}")
else:
    print("- warm up, podman-compose / clan: not measured")
if "floor" in med and "dbfloor" in med:
    f = med["floor"] + med["dbfloor"]
    above = [f"{label} {med[t][0] - f:+.2f} s" for t, label in
             (("clan", "clan"), ("compose", "clan on the compose file"), ("podman", "podman-compose")) if t in med]
    print(f"- above the floor, PostgreSQL's start + the web command (medians, {f:.2f} s): {', '.join(above) or 'not measured'}")
if "cfloor" in med and "cdbfloor" in med and "compose" in med:
    f = med["cfloor"] + med["cdbfloor"]
    print(f"- the compose file's stack above its own floor (its images' web command + PostgreSQL's start, medians, {f:.2f} s): {med['compose'][0] - f:+.2f} s")
if sup_rss:
    m, x = sup_rss
    verdict = "met" if x < 4096 else "NOT met"
    print(f"- clan's supervisor: {m:.0f} KiB RSS median, {x:.0f} KiB max = {x / 1024:.2f} MiB = {x * 1.024 / 1000:.2f} MB "
          f"(target < 4 MB, read as 4 MiB = 4096 KiB: {verdict}; read as 4,000,000 bytes: {'met' if x * 1024 < 4e6 else 'NOT met'})")
else:
    print("- clan's supervisor RSS: not measured")
if "clan" in totals and "podman" in totals:
    print(f"- all helper processes, podman / clan (RSS medians): {totals['podman'] / totals['clan']:.2f}")
EOF
} | tee "$out/stack.md"

# The summary rows (issue 16), from the raw results.
page_med() { # TOOL: median seconds until the page was served
	awk -F'\t' -v t="$1" '$1 == t && $2 == "run" && $4 == "ok" {print $6}' "$runs" | bench_median_of
}
mem_med() { # TOOL [ROLE]: median over the rounds of the RSS summed per round, MiB
	awk -F'\t' -v t="$1" -v r="${2:-}" 'NR > 1 && $1 == t && (r == "" || $3 == r) {s[$2] += $6}
		END {for (k in s) print s[k] / 1024}' "$mem" | bench_median_of
}
first_s() { # TOOL WHAT-PREFIX: seconds of a first-up line that worked
	awk -F'\t' -v t="$1" -v w="$2" '$1 == t && index($2, w) == 1 && $3 == "ok" {print $4; exit}' "$first"
}
c_page=$(page_med clan) cc_page=$(page_med compose) p_page=$(page_med podman)
web_floor=$(page_med floor) db_floor=$(page_med dbfloor)
floor_ms=""
[ -n "$web_floor" ] && [ -n "$db_floor" ] && floor_ms=$(awk -v w="$web_floor" -v d="$db_floor" 'BEGIN {print (w + d) * 1000}')
share() { # PAGE_S: ms above the floor
	[ -n "$1" ] && [ -n "$floor_ms" ] && awk -v p="$1" -v f="$floor_ms" 'BEGIN {print p * 1000 - f}'
}
bench_result stack-share "$(share "$c_page")" "$floor_ms"
bench_result stack-ratio "$c_page" "$p_page"
# the compose file's own floor (its images), else the .clanrc's
cweb_floor=$(page_med cfloor) cdb_floor=$(page_med cdbfloor)
cfloor_ms=$floor_ms
[ -n "$cweb_floor" ] && [ -n "$cdb_floor" ] && cfloor_ms=$(awk -v w="$cweb_floor" -v d="$cdb_floor" 'BEGIN {print (w + d) * 1000}')
cshare() { # PAGE_S: ms above the compose file's floor
	[ -n "$1" ] && [ -n "$cfloor_ms" ] && awk -v p="$1" -v f="$cfloor_ms" 'BEGIN {print p * 1000 - f}'
}
bench_result stack-share-compose "$(cshare "$cc_page")" "$cfloor_ms"
bench_result stack-ratio-compose "$cc_page" "$p_page"
bench_result mem-sup "$(mem_med clan supervisor)" "$(mem_med podman conmon)"
bench_result mem-all "$(mem_med clan)" "$(mem_med podman)"
bench_result first-up "$(first_s clan "first up")" "$(first_s podman images)"
say "results: $out/stack.md, $out/summary.tsv, $out/stack-runs.tsv, $out/stack-mem.tsv, logs in $logs"
