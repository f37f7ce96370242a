#!/bin/bash
# Networking benchmark: published ports. An iperf3 server and a tiny HTTP
# server behind `clan run -p` (clan's forwarder, and slirp4netns's own
# port_handler), rootless podman -p (slirp4netns + rootlessport, and pasta
# when this podman has it) and plain host loopback, all in ONE run, as an
# unprivileged user. The client is always on the host, on 127.0.0.1:
#   throughput: `iperf3 -c 127.0.0.1 -p PORT -t IPERF_TIME`, receiver Gbit/s
#   short connection: `ab -n REQUESTS -c 1`, a fresh connection per request,
#                     mean microseconds per request
# Every row runs the same server (servers.py, by the host's /usr/bin/python3,
# which starts the host's iperf3); the rows are measured in interleaved rounds
# so that load which comes and goes spreads over all of them. Prints a
# markdown table with medians and the targets: clan at least 0.5x loopback
# throughput, a short connection under 200 us, clan ahead of podman on both.
#
# Usage: scripts/bench/net.sh
# Environment:
#   CLAN=PATH          clan binary (default: REPO/build/clan)
#   RUNS=3             rounds (iperf3 runs and ab runs per row; the median counts)
#   IPERF_TIME=5       seconds per iperf3 run
#   REQUESTS=2000      requests per ab run
#   PORT_BASE=15200    first host port tried (ports in use are skipped)
#   READY_TIMEOUT=15   seconds a server may take to answer on its ports
#   BENCH_USER=clanbench  who runs the benchmark when started by root
#   BENCH_OUT=DIR      where the markdown and raw results go (default: temp)
# Started by root, it re-runs itself as BENCH_USER with a copy of the clan
# binary (lib.sh; make the user with ../shared/scripts/podman-rootless-setup.sh
# USER). The rows of issue 16's summary (a short connection <= 1.15x
# loopback's; throughput) go to BENCH_OUT/summary.tsv. A row that fails is
# reported with its error and marked failed in the table; the other rows are
# still measured.
set -euo pipefail

RUNS=${RUNS:-3}
IPERF_TIME=${IPERF_TIME:-5}
REQUESTS=${REQUESTS:-2000}
PORT_BASE=${PORT_BASE:-15200}
READY_TIMEOUT=${READY_TIMEOUT:-15}

# shellcheck source=scripts/bench/lib.sh
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/lib.sh"
bench_init
[ "$(id -u)" = 0 ] && bench_as_user RUNS IPERF_TIME REQUESTS PORT_BASE READY_TIMEOUT

# ------------------------------------------------------- as a plain user
for t in iperf3 ab curl ss python3 timeout; do
	command -v "$t" >/dev/null || die "$t not found: apt-get install iperf3 apache2-utils curl iproute2 python3 (or run ../shared/scripts/podman-rootless-setup.sh as root)"
done
# The server's interpreter: the same file on the host, in clan's `host` image
# and in podman's rootfs (which bind-mounts the host's /usr).
py=/usr/bin/python3
[ -x "$py" ] || die "$py not found: apt-get install python3"

bench_xdg
uid=$(id -u)
bench_outdir
work=$(mktemp -d /tmp/clan-bench-net-work.XXXXXX)
chmod 0755 "$work"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

podman_ok=1
command -v podman >/dev/null || podman_ok=0

# Servers we started: id -> pid (and podman's container name), for cleanup.
declare -A spid=() sname=()

# stop_row ID: TERM to the pid we started (clan and podman pass it on to the
# server, which stops iperf3 and exits), KILL after 10 s; podman's container
# is removed in any case.
stop_row() {
	local id=$1 pid=${spid[$1]:-} i
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		unset "spid[$id]"
	fi
	if [ -n "${sname[$id]:-}" ]; then
		timeout 30 podman rm -f --ignore "${sname[$id]}" >/dev/null 2>&1 || true
		unset "sname[$id]"
	fi
}
cleanup() {
	local id
	for id in "${!spid[@]}" "${!sname[@]}"; do stop_row "$id"; done
	# podman's rootless "root" is this user, so its files in the rootfs are ours.
	rm -rf -- "$work" 2>/dev/null || podman unshare rm -rf -- "$work" 2>/dev/null || true
}
trap cleanup EXIT

# The server: a single-threaded accept loop that reads the request and
# writes a fixed HTTP/1.0 response, so each connection costs little and the
# forwarding is what shows; the rest of argv (iperf3 -s) runs beside it and is
# stopped on SIGTERM.
srv=$work/srv
mkdir -p "$srv"
cat >"$srv/servers.py" <<'EOF'
import signal, socket, subprocess, sys

port = int(sys.argv[1])
child = subprocess.Popen(sys.argv[2:]) if len(sys.argv) > 2 else None


def stop(*_):
    if child:
        child.terminate()
        try:
            child.wait(5)
        except subprocess.TimeoutExpired:
            child.kill()
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
resp = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n"
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", port))
s.listen(128)
while True:
    c, _ = s.accept()
    try:
        buf = b""
        while b"\r\n\r\n" not in buf:
            d = c.recv(4096)
            if not d:
                break
            buf += d
        c.sendall(resp)
    except OSError:
        pass
    c.close()
EOF
chmod -R a+rX "$srv"

# podman's rootfs: the host's /usr bind-mounted read-only into a skeleton
# with the host's top-level symlinks (bin -> usr/bin, lib -> usr/lib, ...), so
# it runs the same python3 and iperf3; podman writes only into this skeleton.
rootfs=$work/rootfs
mkdir -p "$rootfs"/{usr,etc,proc,sys,dev,tmp,run}
chmod 1777 "$rootfs/tmp"
for l in /*; do
	[ -L "$l" ] || continue
	t=$(readlink -- "$l")
	case $t in usr/* | /usr/*) ln -s -- "${t#/}" "$rootfs/${l#/}" ;; esac
done

# free_port: sets port to the next port from PORT_BASE up that nothing
# listens on and that we have not handed out yet.
next_port=$PORT_BASE
listening=" $(ss -Htln | awk '{n = split($4, a, ":"); printf "%s ", a[n]}') "
port=
free_port() {
	while [ "$next_port" -lt 65536 ]; do
		port=$next_port
		next_port=$((next_port + 1))
		case $listening in *" $port "*) continue ;; esac
		return 0
	done
	die "no free port from $PORT_BASE up"
}

# ------------------------------------------------------------ the rows
# id|name (the command is built in start_row).
rows=(
	"loop|host loopback"
	"clan|clan -p"
	"clan_slirp|clan -p, port_handler=slirp4netns"
	"podman|podman -p (slirp4netns + rootlessport)"
	"podman_pasta|podman -p --network pasta"
)
declare -A iport=() hport=() cmdline=()
failed=$work/failed
order=$work/order
results=$out/net-runs.tsv
: >"$failed"
: >"$order"
printf 'id\tfigure\tround\tvalue\n' >"$results"
fail_row() { # ID MESSAGE
	say "FAILED ${1}: $2"
	printf '%s\t%s\n' "$1" "$2" >>"$failed"
	stop_row "$1"
}
is_failed() { grep -q "^$1"$'\t' "$failed"; }
log_tail() { grep -v 'level=warning' "$work/$1.log" 2>/dev/null | tail -n 3 | tr '\n' ' ' | sed 's/ *$//'; }

# start_row ID: starts the row's servers in the background (iperf3 on
# iport[ID], HTTP on hport[ID] of 127.0.0.1).
start_row() {
	local id=$1 ip hp inner=(/tmp/netbench/servers.py 8080 iperf3 -s -p 5201) cmd=()
	free_port
	ip=$port
	free_port
	hp=$port
	iport[$id]=$ip
	hport[$id]=$hp
	# clan's `host` image mounts a fresh tmpfs on /tmp: the mount point is made there.
	local clan_args=(run --rm -v "$srv:/tmp/netbench:ro" -p "127.0.0.1:$ip:5201" -p "127.0.0.1:$hp:8080")
	local podman_args=(run --rm --name "clanbench-net-$$-$id" -v /usr:/usr:ro -v "$srv:/tmp/netbench:ro"
		-p "127.0.0.1:$ip:5201" -p "127.0.0.1:$hp:8080")
	case $id in
	loop) cmd=("$py" "$srv/servers.py" "$hp" iperf3 -s -p "$ip") ;;
	clan) cmd=("$clan" "${clan_args[@]}" host "$py" "${inner[@]}") ;;
	clan_slirp) cmd=("$clan" "${clan_args[@]}" --network slirp4netns:port_handler=slirp4netns host "$py" "${inner[@]}") ;;
	podman) cmd=(podman "${podman_args[@]}" --rootfs "$rootfs" "$py" "${inner[@]}") ;;
	podman_pasta) cmd=(podman "${podman_args[@]}" --network pasta --rootfs "$rootfs" "$py" "${inner[@]}") ;;
	esac
	local c="" a
	for a in "${cmd[@]}"; do c+="$(bench_q "$a") "; done
	cmdline[$id]=${c% }
	case $id in podman*) sname[$id]=clanbench-net-$$-$id ;; esac
	"${cmd[@]}" </dev/null >"$work/$id.log" 2>&1 &
	spid[$id]=$!
}

# iperf_run ID SECONDS JSON: one iperf3 run; prints the receiver's Gbit/s, or
# fails with iperf3's error (iperf3 -J can exit 0 on a reset connection).
iperf_run() {
	local rc=0
	timeout $(($2 + 20)) iperf3 -c 127.0.0.1 -p "${iport[$1]}" -t "$2" -J >"$3" 2>&1 || rc=$?
	python3 - "$3" "$rc" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except ValueError:
    sys.exit(f"exit {sys.argv[2]}, no JSON: " + open(sys.argv[1]).read()[-200:].replace("\n", " "))
if d.get("error"):
    sys.exit(d["error"])
print(f"{d['end']['sum_received']['bits_per_second'] / 1e9:.3f}")
EOF
}

# wait_ready ID: the row answers on both ports within READY_TIMEOUT seconds
# (a forwarder may hold the host port before the server listens inside, so
# only a full answer counts), or the row fails.
wait_ready() {
	local id=$1 end=$((SECONDS + READY_TIMEOUT)) http=0
	while [ "$SECONDS" -lt "$end" ]; do
		if ! kill -0 "${spid[$id]}" 2>/dev/null; then
			local rc=0
			wait "${spid[$id]}" || rc=$?
			unset "spid[$id]"
			fail_row "$id" "exited $rc before answering: $(log_tail "$id")"
			return 1
		fi
		if [ "$http" = 0 ] && [ "$(curl -s -m 2 "http://127.0.0.1:${hport[$id]}/" 2>/dev/null)" = ok ]; then
			http=1
		fi
		# A 1 s iperf3 run: the readiness probe and a warm-up.
		if [ "$http" = 1 ] && iperf_run "$id" 1 "$work/$id-probe.json" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.2
	done
	fail_row "$id" "no answer on 127.0.0.1:${iport[$id]} (iperf3) and :${hport[$id]} (HTTP) after ${READY_TIMEOUT} s: $(log_tail "$id")"
	return 1
}

for row in "${rows[@]}"; do
	IFS='|' read -r id name <<<"$row"
	printf '%s\t%s\n' "$id" "$name" >>"$order"
	if [ "${id#podman}" != "$id" ] && [ "$podman_ok" = 0 ]; then
		fail_row "$id" "podman not found (run ../shared/scripts/podman-rootless-setup.sh as root)"
		continue
	fi
	if [ "${id#clan}" != "$id" ] && [ ! -x "$clan" ]; then
		fail_row "$id" "no clan binary at $clan_name (set CLAN=PATH or run make)"
		continue
	fi
	start_row "$id"
	say "$name: ${cmdline[$id]}"
	wait_ready "$id" || true
done

live() {
	local row id
	for row in "${rows[@]}"; do
		id=${row%%|*}
		is_failed "$id" || echo "$id"
	done
}

# ----------------------------------------------------- the measurements
# Rounds: every live row once per round, throughput first, then short
# connections, so drift in the machine's load lands on all rows alike.
for ((r = 1; r <= RUNS; r++)); do
	for id in $(live); do
		say "round $r/$RUNS: iperf3 -t $IPERF_TIME to $id"
		if v=$(iperf_run "$id" "$IPERF_TIME" "$out/iperf-$id-$r.json" 2>&1); then
			printf '%s\tgbit\t%s\t%s\n' "$id" "$r" "$v" >>"$results"
		else
			fail_row "$id" "iperf3 round $r: $v"
		fi
	done
done
for ((r = 1; r <= RUNS; r++)); do
	for id in $(live); do
		say "round $r/$RUNS: ab -n $REQUESTS -c 1 to $id"
		f=$out/ab-$id-$r.txt
		rc=0
		timeout 300 ab -n "$REQUESTS" -c 1 "http://127.0.0.1:${hport[$id]}/" >"$f" 2>&1 || rc=$?
		done_n=$(awk '/^Complete requests:/ {print $3}' "$f")
		bad_n=$(awk '/^Failed requests:/ {print $3}' "$f")
		ms=$(awk '/^Time per request:/ {print $4; exit}' "$f")
		if [ "$rc" != 0 ] || [ "$done_n" != "$REQUESTS" ] || [ "$bad_n" != 0 ] || [ -z "$ms" ]; then
			fail_row "$id" "ab round $r: exit $rc, ${done_n:-0} complete, ${bad_n:-?} failed: $(tail -n 2 "$f" | tr '\n' ' ')"
			continue
		fi
		printf '%s\tus\t%s\t%s\n' "$id" "$r" "$(awk -v m="$ms" 'BEGIN {printf "%.0f", m * 1000}')" >>"$results"
	done
done
for id in "${!spid[@]}"; do stop_row "$id"; done

# ----------------------------------------------------------- the table
machine() {
	bench_host "load average $load_start when it started"
	printf -- '- %s; slirp4netns %s; passt %s; %s; ab %s; Python %s\n' \
		"$(podman --version 2>/dev/null || echo 'podman: none')" \
		"$(slirp4netns --version 2>/dev/null | awk 'NR==1{print $3}')" \
		"$(dpkg-query -W -f '${Version}' passt 2>/dev/null || echo none)" \
		"$(iperf3 --version 2>/dev/null | awk 'NR==1{print $1, $2}')" \
		"$(ab -V 2>/dev/null | awk 'NR==1{print $5}')" \
		"$("$py" -c 'import platform; print(platform.python_version())')"
	printf -- '- clan: %s (repo at %s when the benchmark started)\n' "$clan_name" "$rev"
	printf -- '- user %s (uid %s); %s round(s): iperf3 -t %s (1 stream), then ab -n %s -c 1, client on the host, 127.0.0.1\n' \
		"$(id -un)" "$uid" "$RUNS" "$IPERF_TIME" "$REQUESTS"
}
{
	echo "Published ports, client on the host to 127.0.0.1, $(date -u '+%Y-%m-%d %H:%M UTC'):"
	echo
	machine
	echo
	python3 - "$results" "$order" "$failed" <<'EOF'
import statistics, sys
vals = {}
for l in list(open(sys.argv[1]))[1:]:
    id_, fig, _, v = l.rstrip("\n").split("\t")
    vals.setdefault((id_, fig), []).append(float(v))
order = [l.rstrip("\n").split("\t", 1) for l in open(sys.argv[2]) if l.strip()]
failed = dict(l.rstrip("\n").split("\t", 1) for l in open(sys.argv[3]) if l.strip())
med = {}
for id_, _ in order:
    if id_ in failed:
        continue
    for fig in ("gbit", "us"):
        if vals.get((id_, fig)):
            med[(id_, fig)] = statistics.median(vals[(id_, fig)])
def spread(id_, fig, fmt):
    v = vals[(id_, fig)]
    return f"{fmt.format(med[(id_, fig)])} ({fmt.format(min(v))}-{fmt.format(max(v))})"
print("| row | Gbit/s (min-max) | x loopback | µs per connection (min-max) | x loopback |")
print("|---|---:|---:|---:|---:|")
for id_, name in order:
    if id_ in failed:
        err = failed[id_].replace("|", "\\|")
        print(f"| {name} | failed | {err[:240]} | | |")
        continue
    g, u = med.get((id_, "gbit")), med.get((id_, "us"))
    gl, ul = med.get(("loop", "gbit")), med.get(("loop", "us"))
    print(f"| {name} | {spread(id_, 'gbit', '{:.1f}')} | {g / gl:.2f} | {spread(id_, 'us', '{:.0f}')} | {u / ul:.2f} |"
          if None not in (g, u, gl, ul) else f"| {name} | not measured | | | |")
print()
def have(*keys):
    return all(k in med for k in keys)
C, P = "clan", "podman"
if have((C, "gbit"), ("loop", "gbit")):
    x = med[(C, "gbit")] / med[("loop", "gbit")]
    print(f"- clan -p / loopback throughput: {x:.2f} (target ≥ 0.5: {'met' if x >= 0.5 else 'NOT met'})")
else:
    print("- clan -p / loopback throughput: not measured")
if have((C, "us")):
    u = med[(C, "us")]
    extra = f", {u - med[('loop', 'us')]:.0f} µs more than loopback" if have(("loop", "us")) else ""
    print(f"- clan -p short connection: {u:.0f} µs (target < 200 µs: {'met' if u < 200 else 'NOT met'}){extra}")
else:
    print("- clan -p short connection: not measured")
if have((C, "gbit"), (P, "gbit"), (C, "us"), (P, "us")):
    x = med[(C, "gbit")] / med[(P, "gbit")]
    y = med[(P, "us")] / med[(C, "us")]
    print(f"- clan -p / podman -p throughput: {x:.2f} (target > 1: {'met' if x > 1 else 'NOT met'})")
    print(f"- podman -p / clan -p µs per connection: {y:.2f} (target > 1: {'met' if y > 1 else 'NOT met'})")
else:
    print("- clan -p against podman -p: not measured")
for other, label in (("clan_slirp", "clan -p, port_handler=slirp4netns"), ("podman_pasta", "podman -p --network pasta")):
    if have((C, "gbit"), (other, "gbit"), (C, "us"), (other, "us")):
        print(f"- clan -p / {label}: throughput {med[(C, 'gbit')] / med[(other, 'gbit')]:.2f}, "
              f"µs per connection {med[(C, 'us')] / med[(other, 'us')]:.2f}")
EOF
} | tee "$out/net.md"

# The summary rows (issue 16): medians over the rounds.
med() { awk -F'\t' -v i="$1" -v f="$2" '$1 == i && $2 == f {print $4}' "$results" | bench_median_of; }
row_med() { is_failed "$1" || med "$1" "$2"; }
bench_result net-tcp "$(row_med clan us)" "$(row_med loop us)"
bench_result net-gbit "$(row_med clan gbit)" "$(row_med loop gbit)"
say "results: $out/net.md, $out/summary.tsv, $out/net-runs.tsv (iperf3 JSON and ab output beside them)"
