#!/bin/bash
# Build benchmark: the usual Django Dockerfile (a python base, WORKDIR,
# COPY requirements.txt, RUN pip install -r requirements.txt, COPY . .,
# CMD) on examples/django-postgres's source, built by `clan build` and by
# `podman build` (rootless, --layers) in ONE run, as an unprivileged user,
# from the same base image served by a docker-registry on 127.0.0.1:
#   cold:          empty stores, the base pulled, every step run (one run)
#   no-op:         nothing changed (hyperfine, RUNS runs)
#   code edit:     a .py file changed before each run (hyperfine --prepare)
#   requirements:  requirements.txt changed before each run: pip reruns
# The base is Debian 12 with python3, python3-pip, python3-django and
# python3-psycopg2 (mmdebstrap), so pip finds every requirement met: no
# package index is needed. Prints a markdown table with the ratios and the
# targets: no-op under 100 ms and at least 10x faster than podman's, code
# edit at least 3x faster, cold within 1.2x of podman's.
#
# Usage: scripts/bench/build.sh
# Environment:
#   CLAN=PATH            clan binary (default: REPO/build/clan)
#   RUNS=10              hyperfine runs of the no-op and edit rebuilds
#   BENCH_USER=clanbench who runs it when started by root
#   WARMUP=1             hyperfine warm-up runs
#   BENCH_OUT=DIR        where the markdown, raw results and logs go
# Started by root, it installs what is missing (podman, docker-registry,
# skopeo, mmdebstrap, hyperfine) and re-runs itself as BENCH_USER (lib.sh;
# make the user with ../shared/scripts/podman-rootless-setup.sh USER); the
# targets are also rows of BENCH_OUT/summary.tsv; podman runs with
# its own storage and runtime dir in a temp dir.
set -euo pipefail

RUNS=${RUNS:-10}
WARMUP=${WARMUP:-1}
# shellcheck source=scripts/bench/lib.sh
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/lib.sh"
bench_init
example=$repo/examples/django-postgres

if [ "$(id -u)" = 0 ]; then
	missing=()
	for t in podman docker-registry skopeo mmdebstrap hyperfine; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		say "installing ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 ||
			die "apt-get install ${missing[*]} failed"
	fi
	[ -f "$clan" ] || die "no clan binary at $clan (run make)"
	bench_copy examples/django-postgres
	bench_as_user RUNS WARMUP
fi

bench_outdir
logs=$out/logs
mkdir -p "$logs"
work=$(mktemp -d /tmp/clan-build.XXXXXX)
chmod 0755 "$work"

# podman with its own storage and runtime dir
pdir=$work/podman
prun=$work/prun
mkdir -p "$pdir" && mkdir -m 0700 "$prun"
cat >"$pdir/containers.conf" <<EOF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
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
export CLAN_STORAGE=$work/clan-storage
crun=$work/crun
mkdir -m 0700 "$crun"

bench_registry_pid=""
cleanup() {
	set +e
	[ -n "$bench_registry_pid" ] && kill "$bench_registry_pid" 2>/dev/null
	pm podman system reset -f >>"$logs/podman-cleanup.log" 2>&1
	p=$(cat "$prun/libpod/tmp/pause.pid" 2>/dev/null)
	[ -n "$p" ] && [ -O "/proc/$p" ] && kill "$p" 2>/dev/null
	bench_rm_store "$work"
}
trap cleanup EXIT

# --- the base image: mmdebstrap -> podman import -> the local registry
bench_registry "$work/registry" "$logs/registry.log" ||
	die "docker-registry did not start: $(tail -n 3 "$logs/registry.log")"
base=$REGISTRY/bench/python:1
say "building the base image (mmdebstrap: python3, pip, django, psycopg2)"
TMPDIR=$work mmdebstrap --mode=unshare --variant=minbase \
	--include=python3,python3-pip,python3-django,python3-psycopg2 bookworm "$work/base.tar" \
	>"$logs/mmdebstrap.log" 2>&1 || die "mmdebstrap failed: $(tail -n 3 "$logs/mmdebstrap.log")"
pm podman import --change 'CMD ["python3"]' "$work/base.tar" localhost/bench-base:1 >"$logs/import.log" 2>&1 ||
	die "podman import failed"
pm podman push --tls-verify=false localhost/bench-base:1 "docker://$base" >"$logs/push.log" 2>&1 ||
	die "podman push failed: $(tail -n 3 "$logs/push.log")"
pm podman rmi -f localhost/bench-base:1 >/dev/null 2>&1
rm -f "$work/base.tar"

# --- the project: the example's source and the usual Dockerfile
proj=$work/proj
cp -a -- "$example" "$proj"
chmod -R u+w "$proj"
rm -f "$proj/.clanrc"
cat >"$proj/Dockerfile" <<EOF
FROM $base
WORKDIR /app
COPY requirements.txt .
RUN pip3 install --no-index --break-system-packages -r requirements.txt
COPY . .
CMD ["python3", "manage.py", "runserver", "0.0.0.0:8000"]
EOF
cb="cd $proj && XDG_RUNTIME_DIR=$crun CLAN_REGISTRY_MIRROR= $clan build -q -t bench-app ."
pb="cd $proj && XDG_RUNTIME_DIR=$prun CONTAINERS_CONF=$pdir/containers.conf CONTAINERS_STORAGE_CONF=$pdir/storage.conf podman build -q --layers --tls-verify=false -t bench-app ."

cold() { # NAME CMD: one timed run, seconds
	local t0 t1
	t0=$(bench_now_us)
	bash -c "$2" >"$logs/cold-$1.log" 2>&1 || die "$1 cold build failed: $(tail -n 5 "$logs/cold-$1.log")"
	t1=$(bench_now_us)
	awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f", d / 1e6 }'
}
say "cold builds"
clan_cold=$(cold clan "$cb")
podman_cold=$(cold podman "$pb")

hf() { # NAME PREPARE: hyperfine clan and podman, medians to out/NAME.json
	local prep=()
	[ -n "$2" ] && prep=(--prepare "$2")
	bench_hyperfine "$out/$1.json" "$RUNS" "${prep[@]}" \
		-n clan "bash -c '$cb'" -n podman "bash -c '$pb'" >"$logs/$1.log" 2>&1 ||
		die "hyperfine $1 failed: $(tail -n 5 "$logs/$1.log")"
}
say "no-op rebuilds"
hf noop ""
# (hyperfine -N runs --prepare without a shell too: bash -c for the >>)
edits() { grep -c '^# edit' "$1"; }
say "code edits"
hf code "bash -c 'echo \"# edit \$RANDOM\$RANDOM\" >> $proj/notes/views.py'"
say "requirements edits"
hf reqs "bash -c 'echo \"# edit \$RANDOM\$RANDOM\" >> $proj/requirements.txt'"
# every run had its edit
[ "$(edits "$proj/notes/views.py")" -ge $((2 * RUNS)) ] || die "the code edits did not happen"
[ "$(edits "$proj/requirements.txt")" -ge $((2 * RUNS)) ] || die "the requirements edits did not happen"

row() { # LABEL CLAN PODMAN TARGET: a tab-separated row of the table
	awk -v l="$1" -v c="$2" -v p="$3" -v t="$4" \
		'BEGIN { printf "%s\t%.3f s\t%.3f s\t%.1fx\t%s\n", l, c, p, p / c, t }'
}
ratio_ok() { awk -v c="$1" -v p="$2" -v k="$3" 'BEGIN { exit !(p / c >= k) }'; }
n_clan=$(bench_median "$out/noop.json" clan) n_pod=$(bench_median "$out/noop.json" podman)
c_clan=$(bench_median "$out/code.json" clan) c_pod=$(bench_median "$out/code.json" podman)
r_clan=$(bench_median "$out/reqs.json" clan) r_pod=$(bench_median "$out/reqs.json" podman)
noop_t="under 0.1 s and 10x: $(awk -v c="$n_clan" 'BEGIN { exit !(c < 0.1) }' && ratio_ok "$n_clan" "$n_pod" 10 && echo met || echo NOT met)"
code_t="3x: $(ratio_ok "$c_clan" "$c_pod" 3 && echo met || echo NOT met)"
cold_t="within 1.2x: $(awk -v c="$clan_cold" -v p="$podman_cold" 'BEGIN { exit !(c <= 1.2 * p) }' && echo met || echo NOT met)"
{
	echo "clan $rev, $(pm podman --version), $(date -u +%Y-%m-%d), $RUNS runs (medians)"
	echo
	{
		row "cold (base pulled, every step)" "$clan_cold" "$podman_cold" "$cold_t"
		row "no-op rebuild" "$n_clan" "$n_pod" "$noop_t"
		row "code edit (a .py file)" "$c_clan" "$c_pod" "$code_t"
		row "requirements.txt edit" "$r_clan" "$r_pod" "-"
	} | bench_table lllll build clan podman "podman / clan" target
} | tee "$out/build.md"
bench_result build-noop "$n_clan" "$n_pod"
bench_result build-noop-x "$n_clan" "$n_pod"
bench_result build-code "$c_clan" "$c_pod"
bench_result build-cold "$clan_cold" "$podman_cold"
