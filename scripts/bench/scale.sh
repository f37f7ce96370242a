#!/bin/bash
# Scale benchmark (issue 16, "Scale"): how clan's cost grows with the work,
# each measured at two or more sizes in ONE run, as an unprivileged user:
#   stack   `clan up -d` of N services that only sleep (no dependencies:
#           independent ones start side by side), then `down`
#   ps      `clan ps -a` with N stopped containers in the store
#   layers  `clan run --rm --network none IMAGE true` of an image of N
#           layers (an OCI archive made here, `clan image load`-ed)
#   bind    `clan run --rm --network none -v TREE:/src dir:ROOTFS true`,
#           TREE empty or holding N files
#   logs    a service that writes N MB to stdout: until the supervisor has
#           stored it all (beside the same output to /dev/null in a
#           `clan run`), then `clan logs SVC >/dev/null` and
#           `clan logs --tail 10 SVC`
# Prints a markdown section with each size's time and the growth factor, and
# appends summary rows to $BENCH_OUT/summary.tsv:
#   what<TAB>clan<TAB>anchor-name<TAB>anchor<TAB>ratio<TAB>target<TAB>met|not met
#
# Usage: scripts/bench/scale.sh
# Environment:
#   CLAN=PATH          clan binary (default: REPO/build/clan)
#   ROOTFS=DIR         busybox rootfs (default: built once and cached in
#                      ~/.cache/clan-bench/busybox-rootfs)
#   RUNS=5             timed runs per size (hyperfine: RUNS*2, at least 10)
#   STACK_SIZES="2 10 20"  PS_SIZES="50 500"  LAYER_SIZES="10 100"
#   BIND_FILES=200000  LOG_MB="100 1024"
#   PARTS="stack ps layers bind logs"  which of them to measure
#   BENCH_USER=clanbench  who runs the benchmark when started by root
#   BENCH_OUT=DIR      where the markdown, JSON and summary.tsv go (default: temp)
# Timings on a shared machine are noisy: read the ratios of one run.
set -euo pipefail

RUNS=${RUNS:-5}
STACK_SIZES=${STACK_SIZES:-2 10 20}
PS_SIZES=${PS_SIZES:-50 500}
LAYER_SIZES=${LAYER_SIZES:-10 100}
BIND_FILES=${BIND_FILES:-200000}
LOG_MB=${LOG_MB:-100 1024}
PARTS=${PARTS:-stack ps layers bind logs}

# shellcheck source=scripts/bench/lib.sh
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/lib.sh"
bench_init
mkrootfs=$repo/scripts/mkrootfs-busybox.sh

if [ "$(id -u)" = 0 ]; then
	[ -f "$mkrootfs" ] && bench_copy scripts/mkrootfs-busybox.sh
	bench_as_user RUNS STACK_SIZES PS_SIZES LAYER_SIZES BIND_FILES LOG_MB PARTS ROOTFS
fi

for t in hyperfine python3; do
	command -v "$t" >/dev/null || die "$t not found: apt-get install $t"
done
[ -x "$clan" ] || die "no clan binary at $clan_name (set CLAN=PATH or run make)"
bench_xdg
bench_outdir
work=$(mktemp -d /tmp/clan-bench-work.XXXXXX)

if [ -n "${ROOTFS:-}" ]; then
	rootfs=$(readlink -f -- "$ROOTFS")
else
	rootfs=${XDG_CACHE_HOME:-$HOME/.cache}/clan-bench/busybox-rootfs
	mkdir -p "$(dirname -- "$rootfs")"
	[ -x "$rootfs/bin/busybox" ] || bash "$mkrootfs" "$rootfs"
fi
[ -x "$rootfs/bin/busybox" ] || die "no busybox rootfs at $rootfs"

# clan's own state for this run, so the user's containers, stacks and
# images are neither counted nor touched.
export CLAN_STORAGE=$work/storage
mkdir -p "$CLAN_STORAGE"
stacks=()
rm_all_containers() {
	local ids
	ids=$("$clan" ps -aq 2>/dev/null) || return 0
	# shellcheck disable=SC2086  # one id a line
	[ -z "$ids" ] || "$clan" rm -f $ids >/dev/null 2>&1 || true
}
cleanup() {
	local d
	for d in "${stacks[@]}"; do
		(cd "$d" && "$clan" down -t 0 >/dev/null 2>&1) || true
	done
	rm_all_containers
	rm -rf -- "$work" 2>/dev/null || "$clan" system prune -a -f >/dev/null 2>&1 || true
	rm -rf -- "$work" 2>/dev/null || true
}
trap cleanup EXIT

md=$out/scale.md
summary=$out/summary.tsv
raw=$out/scale.tsv
: >"$md"
: >"$raw"
touch "$summary"
C=$(printf '%q' "$clan")
R=$(printf '%q' "$rootfs")

now_ms() { date +%s%3N; }

# median of the numbers on stdin
median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# hyperfine_ms NAME CMD: the median in ms of CMD (hyperfine -N), or "failed"
hyperfine_ms() {
	local name=$1 cmd=$2 j="$work/hf.json" runs=$((RUNS * 2))
	[ "$runs" -ge 10 ] || runs=10
	# once before timing, so a failure is shown, not a hyperfine abort
	# shellcheck disable=SC2086  # split like hyperfine -N does
	eval "set -- $cmd"
	local log
	if ! log=$(timeout 120 "$@" 2>&1 >/dev/null </dev/null); then
		say "FAILED $name: $(printf '%s' "$log" | tail -n 3 | tr '\n' ' ')"
		echo failed
		return
	fi
	if ! hyperfine -N -w 2 -r "$runs" --export-json "$j" -n "$name" "$cmd" >&2; then
		echo failed
		return
	fi
	python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$j"
}

# interleaved KEY1 CMD1 KEY2 CMD2...: each command's median in ms over 3
# rounds of hyperfine runs of them all, so that a load that comes and goes
# on a shared machine falls on each alike; prints "KEY<TAB>MS" lines
# ("failed" for a command that fails when tried once first).
interleaved() {
	local args=() key cmd log round runs=$(((RUNS * 2 + 2) / 3)) jsons=()
	[ "$runs" -ge 4 ] || runs=4
	while [ $# -gt 0 ]; do
		key=$1 cmd=$2
		shift 2
		# shellcheck disable=SC2086  # split like hyperfine -N does
		if ! log=$(eval "timeout 120 $cmd" 2>&1 >/dev/null </dev/null); then
			say "FAILED $key: $(printf '%s' "$log" | tail -n 3 | tr '\n' ' ')"
			printf '%s\tfailed\n' "$key"
			continue
		fi
		args+=(-n "$key" "$cmd")
	done
	[ ${#args[@]} -gt 0 ] || return 0
	for round in 1 2 3; do
		jsons+=("$work/round$round.json")
		hyperfine -N -w 1 -r "$runs" --export-json "$work/round$round.json" "${args[@]}" >&2 ||
			return 0
	done
	python3 - "${jsons[@]}" <<'PY'
import json, statistics, sys
times = {}
for p in sys.argv[1:]:
    for r in json.load(open(p))["results"]:
        times.setdefault(r["command"], []).extend(r["times"])
for k, t in times.items():
    print("%s\t%.1f" % (k, statistics.median(t) * 1000))
PY
}

# result SECTION SIZE-LABEL MS
result() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" | tee -a "$raw" >&2; }

# summary WHAT CLAN ANCHOR-NAME ANCHOR MAX-RATIO TARGET-TEXT
summary() {
	local what=$1 c=$2 an=$3 a=$4 max=$5 tt=$6 ratio verdict
	if [[ $c =~ ^[0-9.]+$ && $a =~ ^[0-9.]+$ ]] && [ "$a" != 0 ]; then
		ratio=$(awk -v c="$c" -v a="$a" 'BEGIN {printf "%.2f", c / a}')
		verdict=$(awk -v r="$ratio" -v m="$max" 'BEGIN {print (r <= m) ? "met" : "not met"}')
	else
		ratio=n/a
		verdict="not met"
	fi
	# every figure here is a time in ms
	printf '%s\t%s ms\t%s\t%s ms\t%sx\t%s\t%s\n' "$what" "$c" "$an" "$a" "$ratio" "$tt" "$verdict" >>"$summary"
	printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$what" "$c" "$an" "$a" "$ratio" "$tt" "$verdict" >>"$work/rows.md"
}
: >"$work/rows.md"

first() { echo "${1%% *}"; }
last() { echo "${1##* }"; }

# ------------------------------------------------------------ stack
# A stack of n services that sleep, in its own dir.
mk_stack() {
	local n=$1 d=$work/stack$1 i
	mkdir -p "$d"
	: >"$d/.clanrc"
	for i in $(seq "$n"); do
		printf '[service.s%d]\nimage = dir:%s\ncommand = sleep 100000\n' "$i" "$rootfs" >>"$d/.clanrc"
	done
	echo "$d"
}

bench_stack() {
	local n d t0 t1 i times rc
	for n in $STACK_SIZES; do
		d=$(mk_stack "$n")
		stacks+=("$d")
		times=()
		for i in $(seq $((RUNS + 1))); do
			t0=$(now_ms)
			rc=0
			(cd "$d" && timeout 300 "$clan" up -d >/dev/null 2>"$work/up.err") || rc=$?
			t1=$(now_ms)
			(cd "$d" && "$clan" down -t 0 >/dev/null 2>&1) || true
			if [ "$rc" != 0 ]; then
				say "FAILED clan up -d of $n services: $(tail -n 3 "$work/up.err" | tr '\n' ' ')"
				times=()
				break
			fi
			[ "$i" = 1 ] || times+=($((t1 - t0))) # the first is a warm-up
		done
		if [ ${#times[@]} -gt 0 ]; then
			result stack "$n" "$(printf '%s\n' "${times[@]}" | median)"
		else
			result stack "$n" failed
		fi
	done
}

# --------------------------------------------------------------- ps
bench_ps() {
	local have=0 n i
	for n in $PS_SIZES; do
		for ((i = have; i < n; i++)); do
			"$clan" run --network none --name "ps$i" "dir:$rootfs" true >/dev/null 2>&1 ||
				{
					say "FAILED clan run for the ps rows"
					break 2
				}
		done
		have=$n
		result ps "$n" "$(hyperfine_ms "clan ps -a ($n)" "$C ps -a")"
		result ps-running "$n" "$(hyperfine_ms "clan ps ($n)" "$C ps")"
	done
	rm_all_containers
}

# ----------------------------------------------------------- layers
# mk_layers_archive N FILE: an OCI archive of an image "clanbench-layers:N"
# with N layers, each adding one small file (and the bottom one busybox).
mk_layers_archive() {
	python3 - "$1" "$2" "$rootfs" <<'EOF'
import hashlib, io, json, os, sys, tarfile
n, dest, rootfs = int(sys.argv[1]), sys.argv[2], sys.argv[3]
blobs = {}
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    blobs[d] = data
    return "sha256:" + d
def layer(i):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        if i == 0:
            t.add(rootfs, arcname=".", recursive=True)
        data = ("layer %d\n" % i).encode()
        ti = tarfile.TarInfo("layers/%d" % i)
        ti.size = len(data)
        ti.mode = 0o644
        t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()
layers = [layer(i) for i in range(n)]
diff_ids = [blob(l) for l in layers]
cfg = json.dumps({"architecture": "amd64", "os": "linux",
                  "config": {"Cmd": ["/bin/sh"]},
                  "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
cfgd = blob(cfg)
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                             "digest": cfgd, "size": len(cfg)},
                  "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                              "digest": d, "size": len(l)} for d, l in zip(diff_ids, layers)]}).encode()
mand = blob(man)
index = json.dumps({"schemaVersion": 2, "manifests": [{
    "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mand, "size": len(man),
    "annotations": {"org.opencontainers.image.ref.name": "localhost/clanbench-layers:%d" % n}}]}).encode()
with tarfile.open(dest, "w") as t:
    def add(name, data):
        ti = tarfile.TarInfo(name)
        ti.size = len(data)
        ti.mode = 0o644
        t.addfile(ti, io.BytesIO(data))
    add("oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
    add("index.json", index)
    for d, data in blobs.items():
        add("blobs/sha256/" + d, data)
EOF
}

bench_layers() {
	local n pairs=() key ms
	for n in $LAYER_SIZES; do
		if ! mk_layers_archive "$n" "$work/layers$n.tar" ||
			! "$clan" image load -i "$work/layers$n.tar" >/dev/null 2>"$work/load.err"; then
			say "FAILED making the image of $n layers: $(tail -n 3 "$work/load.err" 2>/dev/null | tr '\n' ' ')"
			result layers "$n" failed
			continue
		fi
		rm -f -- "$work/layers$n.tar"
		pairs+=("$n" "$C run --rm --network none localhost/clanbench-layers:$n true")
	done
	[ ${#pairs[@]} -gt 0 ] || return 0
	while IFS=$'\t' read -r key ms; do
		result layers "$key" "$ms"
	done < <(interleaved "${pairs[@]}")
}

# ------------------------------------------------------------- bind
bench_bind() {
	local empty=$work/bind-empty tree=$work/bind-tree
	mkdir -p "$empty"
	python3 - "$tree" "$BIND_FILES" <<'EOF'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
per = 1000
for i in range(n):
    d = os.path.join(root, "d%d" % (i // per))
    if i % per == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%d" % i), "w") as f:
        f.write("x")
EOF
	local key ms
	while IFS=$'\t' read -r key ms; do
		result bind "$key" "$ms"
	done < <(interleaved 0 "$C run --rm --network none -v $empty:/src dir:$R true" \
		"$BIND_FILES" "$C run --rm --network none -v $tree:/src dir:$R true")
	rm -rf -- "$tree"
}

# ------------------------------------------------------------- logs
# The stored log of service w of the stack in dir d: its files' size.
log_bytes() {
	local f total=0
	while IFS= read -r f; do
		total=$((total + $(stat -c %s "$f")))
	done < <(find "$XDG_RUNTIME_DIR/clan" -path "*/logs/$1.log*" -type f 2>/dev/null)
	echo "$total"
}

# up_until_exited DIR: ms from `clan up -d` in DIR until its one service
# has exited (the supervisor has read all its output), or "failed".
up_until_exited() {
	local d=$1 t0 t1 state
	t0=$(now_ms)
	if ! (cd "$d" && "$clan" up -d >/dev/null 2>"$work/up.err"); then
		say "FAILED clan up in $d: $(tail -n 3 "$work/up.err" | tr '\n' ' ')"
		echo failed
		return
	fi
	for _ in $(seq 12000); do
		state=$(cd "$d" && "$clan" ps -a --format json 2>/dev/null |
			python3 -c 'import json,sys; print(json.load(sys.stdin)[0].get("State",""))' 2>/dev/null) || state=""
		[ "$state" = exited ] && break
		sleep 0.05
	done
	t1=$(now_ms)
	echo $((t1 - t0))
}

# sup_cpu_ms DIR: the CPU time (user + system, ms) the supervisor of the
# stack in DIR has used so far.
sup_cpu_ms() {
	local f pid _ tck
	tck=$(getconf CLK_TCK)
	for f in "$XDG_RUNTIME_DIR/clan/stacks/$(basename -- "$1")"-*/supervisor.pid; do
		read -r pid _ <"$f" 2>/dev/null || continue
		awk -v t="$tck" '{print ($14 + $15) * 1000 / t}' "/proc/$pid/stat" 2>/dev/null && return
	done
	echo failed
}

# mk_writer DIR SERVICE COMMAND: a stack of one service running COMMAND.
mk_writer() {
	mkdir -p "$1"
	stacks+=("$1")
	printf '[service.%s]\nimage = dir:%s\ncommand = sh -c "%s"\n' "$2" "$rootfs" "$3" >"$1/.clanrc"
}

bench_logs() {
	local mb d writer line svc pairs=() key ms
	# a line of 100 bytes with its newline, as a chatty service writes
	line=$(printf '%099d' 0)
	for mb in $LOG_MB; do
		writer="yes $line | head -c $((mb * 1024 * 1024))"
		# the anchor: the same output thrown away by the service itself
		mk_writer "$work/devnull$mb" "n$mb" "$writer >/dev/null"
		result logs-write-devnull "$mb" "$(up_until_exited "$work/devnull$mb")"
		(cd "$work/devnull$mb" && "$clan" down -t 0 >/dev/null 2>&1) || true
		svc=w$mb
		d=$work/logs$mb
		mk_writer "$d" "$svc" "$writer"
		result logs-write "$mb" "$(up_until_exited "$d")"
		result logs-supervisor-cpu "$mb" "$(sup_cpu_ms "$d")"
		result logs-stored-mb "$mb" $(($(log_bytes "$svc") / 1024 / 1024))
		# the stack stays up (its logs go with down) until they are read
		pairs+=("logs-cat $mb" "sh -c 'cat $XDG_RUNTIME_DIR/clan/*/*/logs/$svc.log* >/dev/null'"
			"logs-all $mb" "sh -c '$C --project-directory $d logs --no-log-prefix $svc >/dev/null'"
			"logs-tail $mb" "$C --project-directory $d logs --tail 10 $svc")
	done
	while IFS=$'\t' read -r key ms; do
		result "${key% *}" "${key#* }" "$ms"
	done < <(interleaved "${pairs[@]}")
	for mb in $LOG_MB; do
		(cd "$work/logs$mb" && "$clan" down -t 0 >/dev/null 2>&1) || true
	done
}

get() { awk -F'\t' -v s="$1" -v n="$2" '$1 == s && $2 == n {print $3}' "$raw" | tail -n 1; }

for part in $PARTS; do
	say "--- $part"
	"bench_$part" || say "FAILED $part"
done

# ------------------------------------------------------------ report
s_lo=$(first "$STACK_SIZES") s_hi=$(last "$STACK_SIZES")
p_lo=$(first "$PS_SIZES") p_hi=$(last "$PS_SIZES")
l_lo=$(first "$LAYER_SIZES") l_hi=$(last "$LAYER_SIZES")
g_lo=$(first "$LOG_MB") g_hi=$(last "$LOG_MB")
summary "\`up -d\`, $s_hi services" "$(get stack "$s_hi")" "$s_lo services" "$(get stack "$s_lo")" \
	"$(awk -v a="$s_lo" -v b="$s_hi" 'BEGIN {print b / a / 2.5}')" \
	"$s_hi services < $(awk -v a="$s_lo" -v b="$s_hi" 'BEGIN {print b / a / 2.5}')x $s_lo (far below linear)"
# a listing reads each record: linear is its floor; the issue asks < ~1 s
summary "\`ps -a\`, $p_hi containers" "$(get ps "$p_hi")" "$p_lo containers" "$(get ps "$p_lo")" \
	"$(awk -v a="$p_lo" -v b="$p_hi" 'BEGIN {print b / a}')" \
	"at most linear ($(awk -v a="$p_lo" -v b="$p_hi" 'BEGIN {print b / a}')x) and under 1000 ms"
[[ "$(get ps "$p_hi")" =~ ^[0-9.]+$ ]] && awk -v v="$(get ps "$p_hi")" 'BEGIN {exit !(v >= 1000)}' &&
	sed -i '$ s/\tmet$/\tnot met/' "$summary"
summary "\`run\`, $l_hi layers" "$(get layers "$l_hi")" "$l_lo layers" "$(get layers "$l_lo")" 1.5 \
	"$l_hi layers <= 1.5x $l_lo layers"
summary "\`run -v\`, $BIND_FILES files" "$(get bind "$BIND_FILES")" "empty dir" "$(get bind 0)" 1.1 \
	"<= 1.1x (no cost per file)"
summary "logs: a service writing $g_hi MB, until stored" "$(get logs-write "$g_hi")" "the same to /dev/null" \
	"$(get logs-write-devnull "$g_hi")" 2 "<= 2x"
summary "logs: the supervisor's CPU for $g_hi MB" "$(get logs-supervisor-cpu "$g_hi")" "the writer alone (wall)" \
	"$(get logs-write-devnull "$g_hi")" 0.5 "<= 0.5x"
summary "\`logs\` after $g_hi MB" "$(get logs-all "$g_hi")" "cat of the stored files" "$(get logs-cat "$g_hi")" 3 \
	"<= 3x cat"
summary "\`logs --tail 10\` after $g_hi MB" "$(get logs-tail "$g_hi")" "after $g_lo MB" "$(get logs-tail "$g_lo")" 1.5 \
	"<= 1.5x (constant time)"

{
	echo "### Scale, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	printf -- '- %s, %s CPUs, kernel %s; clan %s (%s); user %s; %s\n' \
		"$(sed -n 's/^PRETTY_NAME=//p' /etc/os-release | tr -d \")" "$(nproc)" "$(uname -r)" \
		"$clan_name" "$rev" "$(id -un)" "$(hyperfine --version)"
	echo "- medians of $RUNS runs (hyperfine rows: $((RUNS * 2 > 10 ? RUNS * 2 : 10))); the machine may be shared: read the ratios"
	echo
	echo "| what | size | median ms |"
	echo "|---|---:|---:|"
	awk -F'\t' '{u = ($1 == "logs-stored-mb") ? " MB" : ""; printf "| %s | %s | %s%s |\n", $1, $2, $3, u}' "$raw"
	echo
	echo "| what | clan ms | anchor | anchor ms | ratio | target | |"
	echo "|---|---:|---|---:|---:|---|---|"
	cat "$work/rows.md"
	echo
	echo "The stored log of a service is capped (10 MB, one old file kept): \`clan logs\` reads at most that, whatever was written."
} | tee "$md"
say "results: $md, $raw, $summary"
