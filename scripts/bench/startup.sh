#!/bin/bash
# Startup benchmark (issue 3): `clan run --rm dir:ROOTFS true` beside rootless
# podman, bwrap and `unshare -Urm` on the same busybox rootfs, in ONE hyperfine
# run, as an unprivileged user. Prints a markdown table with medians and the
# ratios the issue sets as targets (clan <= 2x bwrap, podman >= 10x clan).
#
# Usage: scripts/bench/startup.sh
# Environment:
#   CLAN=PATH        clan binary (default: REPO/build/clan)
#   ROOTFS=DIR       busybox rootfs to use (default: built once and cached in
#                    ~/.cache/clan-bench/busybox-rootfs)
#   RUNS=50 WARMUP=5 hyperfine runs and warm-up runs per command
#   BENCH_USER=clanbench  who runs the benchmark when started by root
#   BENCH_OUT=DIR    where the JSON and markdown results go (default: a temp dir)
# Started by root, it re-runs itself as BENCH_USER with a copy of
# mkrootfs-busybox.sh and the clan binary (lib.sh; make the user with
# ../shared/scripts/podman-rootless-setup.sh USER). The rows of issue 16's
# summary (clan <= 1.3x bwrap, default network <= 1.5x --network none) go
# to BENCH_OUT/summary.tsv.
# A clan that fails is reported with its error and marked failed in the
# table; the other rows are still measured.
set -euo pipefail

RUNS=${RUNS:-50}
WARMUP=${WARMUP:-5}
IMAGE=clanbench-busybox

# shellcheck source=scripts/bench/lib.sh
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/lib.sh"
bench_init
mkrootfs=$repo/scripts/mkrootfs-busybox.sh

if [ "$(id -u)" = 0 ]; then
	[ -f "$mkrootfs" ] && bench_copy scripts/mkrootfs-busybox.sh
	bench_as_user RUNS WARMUP ROOTFS
fi

# ------------------------------------------------------- as a plain user
for t in hyperfine python3; do
	command -v "$t" >/dev/null || die "$t not found: apt-get install $t (or run ../shared/scripts/podman-rootless-setup.sh as root)"
done
bench_xdg
uid=$(id -u)
bench_outdir
work=$(mktemp -d /tmp/clan-bench-work.XXXXXX)
trap 'rm -rf -- "$work"' EXIT

# The rootfs: scripts/mkrootfs-busybox.sh when the repo has it, else the same
# thing inline (static busybox, one relative symlink per applet, passwd).
mk_rootfs_inline() {
	local dest=$1 bb=/bin/busybox t a
	[ -x "$bb" ] || die "$bb not found: apt-get install busybox-static"
	t=$(mktemp -d "$(dirname -- "$dest")/.rootfs.XXXXXX")
	mkdir -p "$t"/{bin,etc,tmp,root,proc,sys,dev,usr/bin,sbin,mnt,data}
	chmod 1777 "$t/tmp"
	chmod 0755 "$t"
	cp -- "$bb" "$t/bin/busybox"
	for a in $("$bb" --list); do
		[ "$a" = busybox ] || ln -sf busybox "$t/bin/$a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$t/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$t/etc/group"
	mv -T -- "$t" "$dest"
}

if [ -n "${ROOTFS:-}" ]; then
	rootfs=$(readlink -f -- "$ROOTFS")
	[ -x "$rootfs/bin/true" ] || [ -x "$rootfs/bin/busybox" ] || die "ROOTFS=$ROOTFS has no /bin/true"
else
	rootfs=${XDG_CACHE_HOME:-$HOME/.cache}/clan-bench/busybox-rootfs
	mkdir -p "$(dirname -- "$rootfs")"
	if [ ! -x "$rootfs/bin/busybox" ]; then
		if [ -f "$mkrootfs" ]; then
			say "building rootfs with $mkrootfs"
			bash "$mkrootfs" "$rootfs"
		else
			say "building rootfs inline (no scripts/mkrootfs-busybox.sh)"
			mk_rootfs_inline "$rootfs"
		fi
	fi
	# A mount point for the bind-mount rows, so no tool creates one in the image.
	[ -d "$rootfs/data" ] || mkdir "$rootfs/data"
fi
if [ -d "$rootfs/data" ]; then target=/data; else target=/mnt; fi
bind=$work/x
mkdir -p "$bind"

# ------------------------------------------------------------ the rows
# id|name|command (hyperfine -N splits the command like a POSIX shell).
rows=()
add() { rows+=("$1|$2|$3"); }
C=$(bench_q "$clan") R=$(bench_q "$rootfs") B=$(bench_q "$bind")
# bwrap --unshare-all and podman --network none give a namespace with only
# loopback: so does clan --network none. clan's default network (slirp4netns)
# is compared with podman's default.
add clan "clan run --rm --network none" "$C run --rm --network none dir:$R true"
add clan_v "clan run --rm --network none -v" "$C run --rm --network none -v $B:$target dir:$R true"
add clan_single "clan run --rm --network none --userns single" "$C run --rm --network none --userns single dir:$R true"
add clan_subuid "clan run --rm --network none --userns subuid" "$C run --rm --network none --userns subuid dir:$R true"
add clan_slirp "clan run --rm (default network: slirp4netns)" "$C run --rm dir:$R true"
add podman_none "podman run --rm --network none" "podman run --rm --network none $IMAGE true"
add podman "podman run --rm (default network)" "podman run --rm $IMAGE true"
add bwrap "bwrap --unshare-all" "bwrap --unshare-all --bind $R / --proc /proc --dev /dev true"
add bwrap_v "bwrap --unshare-all + bind" "bwrap --unshare-all --bind $R / --proc /proc --dev /dev --bind $B $target true"
add unshare "unshare -Urm true" "unshare -Urm true"

# podman: the same rootfs, imported fresh so it matches what the others run.
podman_err=""
if ! command -v podman >/dev/null; then
	podman_err="podman not found (run ../shared/scripts/podman-rootless-setup.sh as root)"
elif ! podman_log=$(tar -C "$rootfs" -c . 2>&1 | podman import - "$IMAGE" 2>&1); then
	podman_err="podman import failed: $(printf '%s\n' "$podman_log" | grep -v 'level=warning' | tail -n 3 | tr '\n' ' ')"
fi

# Each command once before timing: a failure is printed and its row marked
# failed instead of aborting the whole hyperfine run.
failed=$work/failed
: >"$failed"
ok_names=()
ok_cmds=()
order=$work/order
: >"$order"
for row in "${rows[@]}"; do
	IFS='|' read -r id name cmd <<<"$row"
	printf '%s\t%s\t%s\n' "$id" "$name" "$cmd" >>"$order"
	err=""
	tool=${cmd%% *}
	if [ "${id#podman}" != "$id" ] && [ -n "$podman_err" ]; then
		err=$podman_err
	elif [ "${id#clan}" != "$id" ] && [ ! -x "$clan" ]; then
		err="no clan binary at $clan_name (set CLAN=PATH or run make)"
	elif [ "${id#clan}" = "$id" ] && ! command -v "$tool" >/dev/null; then
		err="$tool not found"
	else
		# shellcheck disable=SC2086  # split like hyperfine -N does; paths are %q-quoted
		eval "set -- $cmd"
		log=$(timeout 60 "$@" 2>&1 </dev/null) && rc=0 || rc=$?
		if [ "$rc" != 0 ]; then
			log=$(printf '%s\n' "$log" | grep -v 'level=warning' | tail -n 3 | tr '\n' ' ')
			err="exit $rc: ${log:-(no output)}"
		fi
	fi
	if [ -n "$err" ]; then
		say "FAILED $name: $err"
		printf '%s\t%s\n' "$id" "$err" >>"$failed"
	else
		ok_names+=("$name")
		ok_cmds+=("$cmd")
	fi
done

json=$out/startup.json
run_hyperfine() { # json name cmd [name cmd...]
	local j=$1 args=()
	shift
	while [ $# -gt 0 ]; do
		args+=(-n "$1" "$2")
		shift 2
	done
	bench_hyperfine "$j" "$RUNS" "${args[@]}"
}
if [ ${#ok_cmds[@]} -gt 0 ]; then
	pairs=()
	for i in "${!ok_cmds[@]}"; do pairs+=("${ok_names[$i]}" "${ok_cmds[$i]}"); done
	if ! run_hyperfine "$json" "${pairs[@]}" >&2; then
		# One command failed mid-run: time each alone so the rest still count.
		say "the combined hyperfine run failed; timing each command on its own"
		parts=()
		for i in "${!ok_cmds[@]}"; do
			if run_hyperfine "$work/part$i.json" "${ok_names[$i]}" "${ok_cmds[$i]}" >&2; then
				parts+=("$work/part$i.json")
			else
				for row in "${rows[@]}"; do
					IFS='|' read -r id name _ <<<"$row"
					[ "$name" = "${ok_names[$i]}" ] && printf '%s\t%s\n' "$id" "failed during the hyperfine runs" >>"$failed"
				done
			fi
		done
		python3 - "$json" "${parts[@]}" <<'EOF'
import json, sys
res = []
for p in sys.argv[2:]:
    res += json.load(open(p))["results"]
json.dump({"results": res, "note": "commands timed in separate hyperfine runs"}, open(sys.argv[1], "w"), indent=1)
EOF
	fi
else
	echo '{"results": []}' >"$json"
fi

# ----------------------------------------------------------- the table
machine() {
	bench_host ""
	printf -- '- %s; runc %s; bubblewrap %s; %s\n' \
		"$(podman --version 2>/dev/null || echo 'podman: none')" \
		"$(runc --version 2>/dev/null | awk 'NR==1{print $3}')" \
		"$(bwrap --version 2>/dev/null | awk '{print $2}')" \
		"$(hyperfine --version)"
	printf -- '- clan: %s (repo at %s when the benchmark started)\n' "$clan_name" "$rev"
	printf -- '- user %s (uid %s, subuid range: %s); %s runs after %s warm-up, hyperfine -N\n' \
		"$(id -un)" "$uid" "$(grep -q "^$(id -un):" /etc/subuid 2>/dev/null && echo yes || echo no)" "$RUNS" "$WARMUP"
}
{
	echo "Startup, \`true\` in a busybox rootfs, $(date -u '+%Y-%m-%d %H:%M UTC'):"
	echo
	machine
	echo
	python3 - "$json" "$order" "$failed" <<'EOF'
import json, sys
data = json.load(open(sys.argv[1]))
results = {r["command"]: r for r in data["results"]}
if data.get("note"):
    print(f"Note: {data['note']} (the combined run failed).\n")
order = [l.rstrip("\n").split("\t", 2) for l in open(sys.argv[2]) if l.strip()]
failed = dict(l.rstrip("\n").split("\t", 1) for l in open(sys.argv[3]) if l.strip())
med = {}
print("| command | median ms | mean ± σ ms | min ms |")
print("|---|---:|---:|---:|")
for id_, name, _ in order:
    r = results.get(name)
    if r is None:
        err = failed.get(id_, "not measured").replace("|", "\\|")
        print(f"| `{name}` | failed | {err[:200]} | |")
        continue
    med[id_] = r["median"] * 1000
    print(f"| `{name}` | {r['median']*1000:.1f} | {r['mean']*1000:.1f} ± {r['stddev']*1000:.1f} | {r['min']*1000:.1f} |")
print()
def ratio(a, b, label, target=None, le=True):
    if a not in med or b not in med:
        print(f"- {label}: not measured")
        return
    x = med[a] / med[b]
    verdict = ""
    if target is not None:
        met = x <= target if le else x >= target
        verdict = f" (target {'≤' if le else '≥'} {target:g}: {'met' if met else 'NOT met'})"
    print(f"- {label}: {x:.2f}{verdict}")
ratio("clan", "bwrap", "clan / bwrap (medians)", 2, True)
ratio("clan_v", "bwrap_v", "clan -v / bwrap + bind", 2, True)
ratio("podman_none", "clan", "podman --network none / clan", 10, False)
ratio("podman", "clan_slirp", "podman (default network) / clan (default network)")
ratio("clan_slirp", "clan", "clan default network / clan --network none")
ratio("clan", "unshare", "clan / unshare -Urm")
EOF
} | tee "$out/startup.md"

# The summary rows (issue 16), by the names the rows have in the JSON.
ms() { bench_median "$json" "$1" 1000; }
bench_result startup-none "$(ms "clan run --rm --network none")" "$(ms "bwrap --unshare-all")"
bench_result startup-net "$(ms "clan run --rm (default network: slirp4netns)")" "$(ms "clan run --rm --network none")"
say "results: $out/startup.md, $out/startup.json, $out/summary.tsv"
