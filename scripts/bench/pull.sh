#!/bin/bash
# Pull benchmark (issue 4): a ~150 MB, 5-layer image from a docker-registry
# on 127.0.0.1, pulled by `clan pull`, `podman pull --tls-verify=false` and
# `skopeo copy` to a dir, as an unprivileged user, with hyperfine:
#   cold: nothing present (each run's --prepare empties clan's storage,
#         `podman rmi`s the image, removes skopeo's dir); one hyperfine run
#   warm: everything present; one hyperfine run (skopeo's dir: transport
#         copies every blob again, so it has no warm row)
# Prints a markdown table with medians and the issue's targets: clan cold no
# slower than podman cold, clan warm under 50 ms.
#
# Usage: scripts/bench/pull.sh
# Environment:
#   CLAN=PATH          clan binary (default: REPO/build/clan)
#   RUNS_COLD=5 RUNS_WARM=20 WARMUP=1   hyperfine runs per command
#   BENCH_USER=clanbench  who runs the benchmark when started by root
#   BENCH_OUT=DIR      where the JSON and markdown results go (default: temp)
# The image is built once (tests/registry.sh, `bench`) and cached in
# ~/.cache/clan-bench/registry; the registry and all three stores live in a
# temp dir removed at the end. Started by root, the script re-runs itself as
# BENCH_USER with copies of tests/registry.sh, tests/registry_tool.py,
# scripts/mkrootfs-busybox.sh and the clan binary (lib.sh; make the user with
# ../shared/scripts/podman-rootless-setup.sh). The rows of issue 16's summary
# (cold <= 1.1x skopeo; warm < 50 ms) go to BENCH_OUT/summary.tsv.
set -euo pipefail

RUNS_COLD=${RUNS_COLD:-5}
RUNS_WARM=${RUNS_WARM:-20}
WARMUP=${WARMUP:-1}

# shellcheck source=scripts/bench/lib.sh
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/lib.sh"
bench_init
reglib=$repo/tests/registry.sh

if [ "$(id -u)" = 0 ]; then
	bench_copy tests/registry.sh
	bench_copy tests/registry_tool.py
	bench_copy scripts/mkrootfs-busybox.sh
	bench_as_user RUNS_COLD RUNS_WARM WARMUP
fi

# ------------------------------------------------------- as a plain user
for t in hyperfine python3 skopeo umoci docker-registry curl; do
	command -v "$t" >/dev/null || die "$t not found: run scripts/deps.sh and ../shared/scripts/podman-rootless-setup.sh as root"
done
bench_xdg
uid=$(id -u)
bench_outdir
work=$(mktemp -d /tmp/clan-bench-pull-work.XXXXXX)
chmod 0755 "$work"

REGISTRY_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/clan-bench/registry
REGISTRY_TMP=$work
export REGISTRY_CACHE REGISTRY_TMP
# shellcheck source=tests/registry.sh
. "$reglib"
# registry.sh's exit trap stops the registry; then the work dir goes.
registry_cleanup_work() {
	registry_stop_all
	[ -x "$work/prep.sh" ] && "$work/prep.sh" podman
	bench_rm_store "$work/clan-storage"
	rm -rf -- "$work"
}
trap registry_cleanup_work EXIT

say "building the bench image (once; cached in $REGISTRY_CACHE)"
registry_image bench >/dev/null || die "cannot build the bench image"
# shellcheck disable=SC2119 # no --htpasswd: a plain registry
registry_start || die "cannot start docker-registry"
say "pushing it to $REGISTRY"
registry_push bench bench/app:1 || die "cannot push the bench image"
ref=$REGISTRY/bench/app:1
image_bytes=$(registry_info bench bench size)
# podman's image id is the config digest: rmi by id drops every tag (runs of
# this script on other ports tag the same image).
image_id=$(registry_info bench bench config)
image_id=${image_id#sha256:}
nlayers=$(registry_info bench bench layers | grep -c .)

export CLAN_STORAGE=$work/clan-storage
skodir=$work/skopeo-dir
podman_ok=1
command -v podman >/dev/null || podman_ok=0

# The prepare steps, one script with a mode (hyperfine runs them as is).
cat >"$work/prep.sh" <<EOF
#!/bin/bash
# Empties one tool's copy of the image before a cold run.
$(declare -f bench_rm_store)
case \$1 in
clan) bench_rm_store "$CLAN_STORAGE" ;;
podman) podman rmi -f "$image_id" >/dev/null 2>&1; exit 0 ;;
skopeo) rm -rf -- "$skodir" ;;
esac
EOF
chmod 0755 "$work/prep.sh"

C=$(bench_q "$clan") R=$(bench_q "$ref") S=$(bench_q "$skodir")
# id|name|prepare|command
cold=(
	"clan_cold|clan pull (cold)|clan|$C pull $R"
	"podman_cold|podman pull (cold)|podman|podman pull -q --tls-verify=false $R"
	"skopeo_cold|skopeo copy to dir: (cold)|skopeo|skopeo --insecure-policy copy -q --src-tls-verify=false docker://$R dir:$S"
)
warm=(
	"clan_warm|clan pull (warm)||$C pull $R"
	"podman_warm|podman pull (warm)||podman pull -q --tls-verify=false $R"
)

failed=$work/failed
order=$work/order
: >"$failed"
: >"$order"

# check_row ROW: runs the row once (after its prepare); prints its name and
# command when it works, records its error otherwise.
check_row() {
	local id name prep cmd log rc
	IFS='|' read -r id name prep cmd <<<"$1"
	printf '%s\t%s\n' "$id" "$name" >>"$order"
	if [ "${id#podman}" != "$id" ] && [ "$podman_ok" = 0 ]; then
		printf '%s\t%s\n' "$id" "podman not found (../shared/scripts/podman-rootless-setup.sh)" >>"$failed"
		return 1
	fi
	if [ "${id#clan}" != "$id" ] && [ ! -x "$clan" ]; then
		printf '%s\t%s\n' "$id" "no clan binary at $clan_name" >>"$failed"
		return 1
	fi
	[ -n "$prep" ] && "$work/prep.sh" "$prep"
	# shellcheck disable=SC2086 # split like hyperfine -N does; paths are %q-quoted
	eval "set -- $cmd"
	log=$(timeout 600 "$@" 2>&1 </dev/null) && rc=0 || rc=$?
	if [ "$rc" != 0 ]; then
		log=$(printf '%s\n' "$log" | grep -v 'level=warning' | tail -n 3 | tr '\n' ' ')
		say "FAILED $name: exit $rc: $log"
		printf '%s\t%s\n' "$id" "exit $rc: ${log:-(no output)}" >>"$failed"
		return 1
	fi
}

# bench_set JSON RUNS ROW...: one hyperfine run over the rows that work.
bench_set() {
	local json=$1 runs=$2 row id name prep cmd
	shift 2
	local args=()
	for row in "$@"; do
		check_row "$row" || continue
		IFS='|' read -r id name prep cmd <<<"$row"
		[ -n "$prep" ] && args+=(--prepare "$work/prep.sh $prep")
		args+=(-n "$name" "$cmd")
	done
	if [ ${#args[@]} -eq 0 ]; then
		echo '{"results": []}' >"$json"
		return
	fi
	bench_hyperfine "$json" "$runs" "${args[@]}" >&2 ||
		{
			say "hyperfine failed for $json"
			echo '{"results": []}' >"$json"
		}
}

say "cold: $RUNS_COLD runs each"
bench_set "$out/pull-cold.json" "$RUNS_COLD" "${cold[@]}"
# Warm: everything present (the cold set ended with a pull of each).
say "warm: $RUNS_WARM runs each"
bench_set "$out/pull-warm.json" "$RUNS_WARM" "${warm[@]}"

# ----------------------------------------------------------- the table
machine() {
	bench_host ""
	printf -- '- %s; skopeo %s; docker-registry %s; %s\n' \
		"$(podman --version 2>/dev/null || echo 'podman: none')" \
		"$(skopeo --version 2>/dev/null | awk '{print $3}')" \
		"$(docker-registry --version 2>/dev/null | awk '{print $3}')" \
		"$(hyperfine --version)"
	printf -- '- clan: %s (repo at %s when the benchmark started)\n' "$clan_name" "$rev"
	printf -- '- image: %s layers, %s MB compressed (gzip), from 127.0.0.1\n' "$nlayers" "$((image_bytes / 1000000))"
	printf -- '- user %s (uid %s, subuid range: %s); cold %s runs, warm %s runs, %s warm-up, hyperfine -N\n' \
		"$(id -un)" "$uid" "$(grep -q "^$(id -un):" /etc/subuid 2>/dev/null && echo yes || echo no)" \
		"$RUNS_COLD" "$RUNS_WARM" "$WARMUP"
}
{
	echo "Pull of a ${nlayers}-layer, $((image_bytes / 1000000)) MB image from a local registry, $(date -u '+%Y-%m-%d %H:%M UTC'):"
	echo
	machine
	echo
	python3 - "$out/pull-cold.json" "$out/pull-warm.json" "$order" "$failed" <<'EOF'
import json, sys
results = {}
for p in sys.argv[1:3]:
    for r in json.load(open(p))["results"]:
        results[r["command"]] = r
order = [l.rstrip("\n").split("\t", 1) for l in open(sys.argv[3]) if l.strip()]
failed = dict(l.rstrip("\n").split("\t", 1) for l in open(sys.argv[4]) if l.strip())
med = {}
print("| command | median ms | mean ± σ ms | min ms |")
print("|---|---:|---:|---:|")
for id_, name in order:
    r = results.get(name)
    if r is None:
        err = failed.get(id_, "not measured").replace("|", "\\|")
        print(f"| `{name}` | failed | {err[:200]} | |")
        continue
    med[id_] = r["median"] * 1000
    sd = r.get("stddev") or 0  # None after a single run
    print(f"| `{name}` | {r['median']*1000:.1f} | {r['mean']*1000:.1f} ± {sd*1000:.1f} | {r['min']*1000:.1f} |")
print()
def ratio(a, b, label, target=None):
    if a not in med or b not in med:
        print(f"- {label}: not measured")
        return
    x = med[a] / med[b]
    verdict = f" (target ≤ {target:g}: {'met' if x <= target else 'NOT met'})" if target else ""
    print(f"- {label}: {x:.2f}{verdict}")
ratio("clan_cold", "podman_cold", "clan cold / podman cold (medians)", 1)
ratio("clan_cold", "skopeo_cold", "clan cold / skopeo copy to dir: cold")
ratio("podman_warm", "clan_warm", "podman warm / clan warm")
if "clan_warm" in med:
    m = med["clan_warm"]
    print(f"- clan warm median: {m:.1f} ms (target < 50 ms: {'met' if m < 50 else 'NOT met'})")
else:
    print("- clan warm: not measured")
EOF
} | tee "$out/pull.md"

# The summary rows (issue 16), by the names the rows have in the JSON.
cold_ms() { bench_median "$out/pull-cold.json" "$1" 1000; }
bench_result pull-cold "$(cold_ms "clan pull (cold)")" "$(cold_ms "skopeo copy to dir: (cold)")"
bench_result pull-warm "$(bench_median "$out/pull-warm.json" "clan pull (warm)" 1000)" \
	"$(bench_median "$out/pull-warm.json" "podman pull (warm)" 1000)"
say "results: $out/pull.md, $out/summary.tsv, $out/pull-cold.json, $out/pull-warm.json"
