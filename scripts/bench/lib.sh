# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables set here are the callers'
# What every benchmark in scripts/bench/ shares; sourced, never run:
#   bench_init          self, here, repo, clan, clan_name, rev of the caller
#   bench_copy/bench_as_user  started by root: copy what the script needs
#                       to a world-readable temp dir and re-run it there as
#                       BENCH_USER, then copy its results to BENCH_OUT
#   bench_xdg           a runtime dir podman can use
#   bench_outdir        out: the results dir; summary.tsv emptied
#   bench_hyperfine, bench_median  a hyperfine run and its medians
#   bench_table, bench_host        markdown
#   bench_result, bench_judge  a row of the summary table (one of issue
#                       16's targets, or a bench's own) to $out/summary.tsv

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
	printf 'bench: %s\n' "$*" >&2
	exit 1
}

# bench_init: the calling script's paths, the clan binary and its source.
# A re-run as BENCH_USER finds the copies beside itself (repo is the temp
# copy) and gets the original clan path and revision in BENCH_CLAN_*.
bench_init() {
	self=$(readlink -f -- "${BASH_SOURCE[1]}")
	here=$(dirname -- "$self")
	bench_name=$(basename -- "$self" .sh)
	repo=${BENCH_REPO:-$(cd -- "$here/../.." && pwd)}
	clan=${CLAN:-$repo/build/clan}
	case $clan in /*) ;; *) clan=$PWD/$clan ;; esac
	clan_name=${BENCH_CLAN_NAME:-$clan}
	# Which source the clan binary came from, as far as the repo can tell.
	rev=${BENCH_CLAN_REV:-$(git -c safe.directory="$repo" -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)}
	bench_copies=()
}

# bench_copy DEST [SRC]: bench_as_user copies SRC (default REPO/DEST, a file
# or a directory) to DEST in the copied repo, where the re-run's $repo is.
bench_copy() {
	bench_copies+=("$1" "${2:-$repo/$1}")
}

# bench_as_user VAR...: as root, re-runs the calling script as BENCH_USER
# (default clanbench) from a world-readable temp dir holding scripts/bench/,
# what bench_copy named and the clan binary, with a clean environment that
# passes on the named variables that are set. Results go to TMP/out and
# are copied to BENCH_OUT when that is set. Exits with the script's status.
bench_as_user() {
	local user=${BENCH_USER:-clanbench} uhome tmp out rc=0 v i envs=()
	command -v runuser >/dev/null || die "runuser not found (util-linux)"
	id "$user" >/dev/null 2>&1 ||
		die "user $user does not exist: run ../shared/scripts/podman-rootless-setup.sh $user as root, or set BENCH_USER"
	uhome=$(getent passwd "$user" | cut -d: -f6)
	tmp=$(mktemp -d "/tmp/clan-bench-$bench_name.XXXXXX")
	chmod 0755 "$tmp"
	mkdir -p "$tmp/repo/scripts"
	cp -a -- "$here" "$tmp/repo/scripts/bench"
	for ((i = 0; i < ${#bench_copies[@]}; i += 2)); do
		[ -e "${bench_copies[i + 1]}" ] || die "${bench_copies[i + 1]} not found"
		mkdir -p "$(dirname -- "$tmp/repo/${bench_copies[i]}")"
		cp -a -- "${bench_copies[i + 1]}" "$tmp/repo/${bench_copies[i]}"
	done
	if [ -f "$clan" ]; then
		cp -- "$clan" "$tmp/clan"
	else
		say "no clan binary at $clan (set CLAN=PATH or run make); the clan rows will fail"
	fi
	chmod -R a+rX "$tmp"
	out=$tmp/out
	mkdir -p "$out"
	chown "$user:" "$out"
	for v in "$@"; do
		[ -n "${!v+set}" ] && envs+=("$v=${!v}")
	done
	say "running as $user from $tmp"
	(cd "$tmp" && runuser -u "$user" -- env -i \
		HOME="$uhome" USER="$user" LOGNAME="$user" LANG=C.UTF-8 \
		PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
		CLAN="$tmp/clan" BENCH_CLAN_NAME="$clan" BENCH_CLAN_REV="$rev" BENCH_OUT="$out" \
		"${envs[@]}" bash "$tmp/repo/scripts/bench/$bench_name.sh") || rc=$?
	if [ -n "${BENCH_OUT:-}" ]; then
		mkdir -p "$BENCH_OUT"
		cp -a -- "$out"/. "$BENCH_OUT"/ 2>/dev/null || true
		say "results copied to $BENCH_OUT"
	fi
	rm -rf -- "$tmp/repo" "$tmp/clan"
	say "results in $out"
	exit "$rc"
}

# bench_xdg: podman needs a runtime dir it owns.
bench_xdg() {
	local uid
	uid=$(id -u)
	[ -n "${XDG_RUNTIME_DIR:-}" ] && [ -w "$XDG_RUNTIME_DIR" ] && return 0
	if [ -d "/run/user/$uid" ] && [ -w "/run/user/$uid" ]; then
		XDG_RUNTIME_DIR=/run/user/$uid
	else
		XDG_RUNTIME_DIR=/tmp/xdg-$(id -un)
		mkdir -m 0700 "$XDG_RUNTIME_DIR" 2>/dev/null || true
		[ -O "$XDG_RUNTIME_DIR" ] || die "$XDG_RUNTIME_DIR is not ours: set XDG_RUNTIME_DIR"
	fi
	export XDG_RUNTIME_DIR
}

# bench_outdir: out is BENCH_OUT (made) or a new temp dir; its summary.tsv
# starts empty.
bench_outdir() {
	out=${BENCH_OUT:-$(mktemp -d /tmp/clan-bench-out.XXXXXX)}
	mkdir -p "$out"
	: >"$out/summary.tsv"
}

# bench_q ARG: ARG quoted for a command line that hyperfine -N or eval splits.
bench_q() { printf '%q' "$1"; }

# bench_now_us: microseconds since the epoch.
bench_now_us() { printf '%s' "${EPOCHREALTIME/./}"; }

# bench_free_port: a 127.0.0.1 port that nothing listens on now.
bench_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# bench_rm_store DIR: removes DIR; a subuid-mode clan store and podman's
# storage hold files of subordinate ids: those are removed inside a user
# namespace that maps them.
bench_rm_store() {
	[ -e "$1" ] || return 0
	rm -rf -- "$1" 2>/dev/null && return 0
	unshare --map-auto --map-root-user rm -rf -- "$1" 2>/dev/null
	[ ! -e "$1" ]
}

# bench_registry DIR LOG: a docker-registry on a free 127.0.0.1 port, its
# config and storage in DIR, its output to LOG; bench_registry_pid is its
# pid, REGISTRY=127.0.0.1:PORT once /v2/ answers (10 s at most).
bench_registry() {
	local dir=$1 port
	port=$(bench_free_port)
	mkdir -p "$dir/storage"
	cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/storage
http:
  addr: 127.0.0.1:$port
EOF
	# a clean environment: docker-registry reads REGISTRY_* as overrides
	env -i PATH="$PATH" docker-registry serve "$dir/config.yml" >"$2" 2>&1 </dev/null &
	bench_registry_pid=$!
	for _ in $(seq 100); do
		if [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$port/v2/")" = 200 ]; then
			REGISTRY=127.0.0.1:$port
			return 0
		fi
		kill -0 "$bench_registry_pid" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

# bench_hyperfine JSON RUNS ARG...: hyperfine -N with WARMUP warm-up runs
# and RUNS runs, its JSON export to JSON; ARGs are hyperfine's (-n NAME CMD,
# --prepare CMD, ...).
bench_hyperfine() {
	local json=$1 runs=$2
	shift 2
	hyperfine -N --warmup "${WARMUP:-1}" --runs "$runs" --export-json "$json" "$@"
}

# bench_median JSON NAME [SCALE]: the median of the command named NAME in a
# hyperfine export, times SCALE (1: seconds, 1000: ms); nothing when absent.
bench_median() {
	python3 - "$@" <<'EOF'
import json, sys
scale = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
try:
    res = json.load(open(sys.argv[1]))["results"]
except (OSError, ValueError, KeyError):
    sys.exit(0)
for r in res:
    if r["command"] == sys.argv[2]:
        print(f"{r['median'] * scale:.6g}")
        break
EOF
}

# bench_median_of: the median of the numbers on stdin, one a line; nothing
# when there are none.
bench_median_of() {
	python3 -c '
import statistics, sys
v = [float(l) for l in sys.stdin if l.strip()]
if v:
    print(f"{statistics.median(v):.6g}")'
}

# bench_host [MORE]: the machine line of a results header.
bench_host() {
	printf -- '- %s, %s CPUs, kernel %s%s\n' "$(sed -n "s/^PRETTY_NAME=//p" /etc/os-release | tr -d \")" \
		"$(nproc)" "$(uname -r)" "${1:+; $1}"
}

# bench_table ALIGN HEADER...: a markdown table of the tab-separated rows on
# stdin; ALIGN has one letter per column, l or r.
bench_table() {
	local align=$1
	shift
	awk -F'\t' -v align="$align" -v head="$(printf '%s\t' "$@")" '
	function cell(s) {
		gsub(/\|/, "\\|", s)
		return s
	}
	BEGIN {
		n = split(head, h, "\t") - 1
		line = "|"
		sep = "|"
		for (i = 1; i <= n; i++) {
			line = line " " cell(h[i]) " |"
			sep = sep (substr(align, i, 1) == "r" ? "---:|" : "---|")
		}
		print line
		print sep
	}
	NF {
		line = "|"
		for (i = 1; i <= NF; i++)
			line = line " " cell($i) " |"
		print line
	}'
}

# ------------------------------------------------------ the summary table
# bench_targets: what scripts/bench/all.sh puts in the summary table of
# docs/benchmarks.md, in its order, one target a line:
#   key, script, what, anchor, unit, check, target
# check: R (clan / anchor), r (anchor / clan), C (clan's own figure; the
# ratio clan / anchor shown) or F (clan's own figure above a floor, the
# anchor; no ratio), an operator and a limit. The first rows are issue 16's.
bench_targets() {
	cat <<'EOF'
startup-none	startup	`clan run --rm --network none dir:ROOTFS true`	`bwrap --unshare-all`	ms	R<=1.3	≤ 1.3x bwrap
startup-net	startup	`clan run --rm` (default network)	`clan run --rm --network none`	ms	R<=1.5	≤ 1.5x clan --network none
stack-share	stack	warm `up -d` of the example (.clanrc) until the page answers: clan's share above the floor	floor: PostgreSQL ready + the web command alone	ms	F<=100	≤ 100 ms
stack-ratio	stack	warm `up -d` of the example (.clanrc) until the page answers	`podman-compose up -d`	s	r>=2.5	podman-compose ≥ 2.5x clan
stack-share-compose	stack	warm `up -d` of the compose file until the page answers: clan's share above the floor	floor: its images' PostgreSQL ready + web command alone	ms	F<=100	≤ 100 ms
stack-ratio-compose	stack	warm `up -d` of the compose file until the page answers	`podman-compose up -d`	s	r>=2.5	podman-compose ≥ 2.5x clan
net-tcp	net	short TCP connection through a published port (`clan run -p`)	host loopback	µs	R<=1.15	≤ 1.15x loopback
mem-sup	stack	helper memory of the running example stack (.clanrc): supervisor RSS	podman's conmon (2)	MiB	C<2	< 2 MiB
mem-all	stack	helper memory of the running example stack (.clanrc): all helpers' RSS	podman's helpers	MiB	C<6	< 6 MiB
pull-cold	pull	cold pull of a 144 MB 5-layer image	`skopeo copy` to dir:	ms	R<=1.1	≤ 1.1x skopeo
first-up	stack	first `clan up` of the example with no images, until the page answers	podman: build the two images	s	C<=30	≤ 30 s
pull-warm	pull	warm pull (image present)	`podman pull`	ms	C<50	< 50 ms
net-gbit	net	throughput through a published port (`clan run -p`)	host loopback	Gbit/s	R>=0.5	≥ 0.5x loopback
build-noop	build	no-op `clan build` of the Django Dockerfile	`podman build --layers`	s	C<0.1	< 0.1 s
build-noop-x	build	no-op `clan build`, against podman	`podman build --layers`	s	r>=10	podman ≥ 10x clan
build-code	build	`clan build` after a code edit	`podman build --layers`	s	r>=3	podman ≥ 3x clan
build-cold	build	cold `clan build` (base pulled, every step)	`podman build --layers`	s	R<=1.2	≤ 1.2x podman
config	config	`clan config` of a 20-service compose file	python3 + PyYAML (load only)	ms	C<20	< 20 ms
EOF
}

# bench_result KEY CLAN [ANCHOR]: appends the row of bench_targets' KEY to
# $out/summary.tsv (bench_judge).
bench_result() {
	local spec
	spec=$(bench_targets | awk -F'\t' -v k="$1" '$1 == k' | head -n 1)
	[ -n "$spec" ] || die "bench_result: no target $1"
	IFS=$'\t' read -r -a spec <<<"$spec"
	bench_judge "${spec[@]:2}" "$2" "${3:-}"
}

# bench_judge WHAT ANCHOR-NAME UNIT CHECK TARGET CLAN ANCHOR: appends a row
# to $out/summary.tsv, for a target of bench_targets or one of a bench's own:
#   what, clan, anchor name, anchor, ratio, target, met | not met | failed
# CLAN and ANCHOR are numbers in UNIT, empty when not measured (a CLAN that
# is, or a ratio that needs the ANCHOR, makes the row say failed); CHECK as
# in bench_targets.
bench_judge() {
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" | awk -F'\t' -v c="$6" -v a="${7:-}" '
	function fmt(v, u) {
		if (v == "") return "-"
		m = v < 0 ? -v : v + 0
		return sprintf(m >= 100 ? "%.0f %s" : m >= 10 ? "%.1f %s" : "%.2f %s", v, u)
	}
	{
		what = $1; anchor = $2; unit = $3; check = $4; target = $5
		kind = substr(check, 1, 1); op = check; sub(/^[CFRr]/, "", op)
		limit = op; sub(/^[<>=]+/, "", limit); op = substr(op, 1, length(op) - length(limit))
		ratio = "-"; x = ""
		if (kind != "F" && c != "" && a != "" && a + 0 > 0 && c + 0 > 0)
			ratio = sprintf("%.2fx", kind == "r" ? a / c : c / a)
		if (c != "" && (kind == "C" || kind == "F")) x = c + 0
		else if (ratio != "-") x = (kind == "r" ? a / c : c / a)
		if (x == "") verdict = "failed"
		else if (op == "<=") verdict = x <= limit + 0 ? "met" : "not met"
		else if (op == "<") verdict = x < limit + 0 ? "met" : "not met"
		else if (op == ">=") verdict = x >= limit + 0 ? "met" : "not met"
		else verdict = x > limit + 0 ? "met" : "not met"
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", what, c == "" ? "failed" : fmt(c, unit), anchor, fmt(a, unit), ratio, target, verdict
	}' >>"$out/summary.tsv"
}
