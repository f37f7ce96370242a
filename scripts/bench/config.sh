#!/bin/bash
# Config benchmark (issue 13): `clan config` on a 20-service compose file
# beside, on the same files in ONE hyperfine run: `docker compose config`
# and `podman-compose config` where they have it (podman-compose 1.0.3,
# Debian 12's, has no config command), and the floor of any Python tool
# such as podman-compose: python3 loading the two files with PyYAML. The file is what a
# mid-sized project writes: an x- anchor merged into every service,
# ${VAR:-default} in ports and environment, an .env, named volumes, bind
# mounts, depends_on with conditions, health checks, an override file.
# Nothing is started: each command reads, merges, interpolates and prints.
# Prints a markdown table with means and the target (clan under 20 ms; the
# median is its row in BENCH_OUT/summary.tsv).
#
# Usage: scripts/bench/config.sh
# Environment:
#   CLAN=PATH          clan binary (default: REPO/build/clan)
#   SERVICES=20        services in the file
#   RUNS=50 WARMUP=5   hyperfine runs and warm-up runs per command
#   BENCH_USER=clanbench  who runs it when started by root (lib.sh)
#   BENCH_OUT=DIR      where the JSON and markdown results go (default: temp)
set -euo pipefail

SERVICES=${SERVICES:-20}
RUNS=${RUNS:-50}
WARMUP=${WARMUP:-5}

# shellcheck source=scripts/bench/lib.sh
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/lib.sh"
bench_init
[ "$(id -u)" = 0 ] && bench_as_user SERVICES RUNS WARMUP

command -v hyperfine >/dev/null || die "hyperfine not found: apt-get install hyperfine"
[ -x "$clan" ] || die "no clan binary at $clan_name (set CLAN=PATH or run make)"

bench_outdir
work=$(mktemp -d /tmp/clan-bench-config.XXXXXX)
trap 'rm -rf -- "$work"' EXIT
proj=$work/proj
mkdir -p "$proj/src"

# ------------------------------------------------------------ the project
{
	cat <<'EOF'
x-common: &common
  restart: unless-stopped
  environment: &env
    LOG_LEVEL: ${LOG_LEVEL:-info}
    TZ: UTC
  labels:
    team: platform

services:
  db:
    <<: *common
    image: postgres:15
    environment:
      POSTGRES_PASSWORD: ${DB_PASSWORD:?set DB_PASSWORD}
    volumes:
      - pgdata:/var/lib/postgresql/data
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U postgres"]
      interval: 5s
      timeout: 3s
      retries: 10
  cache:
    <<: *common
    image: redis:7
    command: ["redis-server", "--save", ""]
EOF
	for i in $(seq 3 "$SERVICES"); do
		cat <<EOF
  svc$i:
    <<: *common
    image: registry.example.test/team/svc$i:\${TAG:-latest}
    command: ["./run", "--port", "80$((i + 10))"]
    working_dir: /srv
    ports:
      - "127.0.0.1:\${BASE_PORT:-90}$((i + 10)):80$((i + 10))"
    environment:
      <<: *env
      SERVICE: svc$i
      DATABASE_URL: postgres://postgres:\${DB_PASSWORD}@db:5432/svc$i
      CACHE_URL: redis://cache:6379/$i
    env_file: .env
    volumes:
      - ./src:/srv/src:ro
      - data$i:/var/lib/svc$i
    depends_on:
      db:
        condition: service_healthy
      cache:
        condition: service_started
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://127.0.0.1:80$((i + 10))/health"]
      interval: 10s
    stop_grace_period: 20s
EOF
	done
	echo
	echo "volumes:"
	echo "  pgdata:"
	for i in $(seq 3 "$SERVICES"); do echo "  data$i:"; done
} >"$proj/compose.yaml"
cat >"$proj/compose.override.yaml" <<'EOF'
services:
  svc3:
    environment:
      DEBUG: "1"
    ports: !override ["127.0.0.1:9999:8013"]
EOF
cat >"$proj/.env" <<'EOF'
DB_PASSWORD=bench-secret
TAG=1.2.3
# a comment
export LOG_LEVEL="debug"
EOF

# Each must print the whole resolved file; one that fails is not timed.
cmds=() names=()
check() { # NAME CMD: times CMD when it succeeds on the project
	local name=$1 cmd=$2 log
	log=$out/$(tr -c 'a-z0-9\n' '-' <<<"$name" | head -c 40).log
	if (cd "$proj" && bash -c "$cmd") >"$log" 2>&1; then
		names+=("$name")
		cmds+=("$cmd")
	else
		say "$name failed, not timed: $(tail -n 2 "$log" | tr '\n' ' ')"
	fi
}
check clan "'$clan' config"
(cd "$proj" && "$clan" config --services | wc -l | grep -qx "$SERVICES") ||
	die "clan config --services does not list $SERVICES services"
podman-compose --help 2>/dev/null | grep -qw config && check podman-compose "podman-compose config"
python3 -c 'import yaml' 2>/dev/null &&
	check "python3 + PyYAML" "python3 -c 'import yaml; [yaml.load(open(f), Loader=yaml.BaseLoader) for f in (\"compose.yaml\", \"compose.override.yaml\")]'"
docker compose version >/dev/null 2>&1 && check "docker compose" "docker compose config"

args=()
for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
(cd "$proj" && bench_hyperfine "$out/config.json" "$RUNS" "${args[@]}" >"$out/hyperfine.txt" 2>&1) || {
	# -N (no shell) needs a plain command line: retry through the shell
	(cd "$proj" && hyperfine --runs "$RUNS" --warmup "$WARMUP" --export-json "$out/config.json" \
		"${args[@]}" >"$out/hyperfine.txt" 2>&1) || die "hyperfine failed: $(tail -n 3 "$out/hyperfine.txt")"
}

{
	echo "\`config\` on a ${SERVICES}-service compose file, $(date -u '+%Y-%m-%d %H:%M UTC'):"
	echo
	bench_host "load average $(cut -d' ' -f1-3 /proc/loadavg)"
	printf -- '- clan: %s (repo at %s); podman-compose %s; %s runs after %s warm-up\n' \
		"$clan_name" "$rev" "$(dpkg-query -W -f '${Version}' podman-compose 2>/dev/null || echo none)" \
		"$RUNS" "$WARMUP"
	printf -- '- the file: %s lines, an override file, an .env\n' "$(wc -l <"$proj/compose.yaml")"
	echo
	python3 - "$out/config.json" <<'EOF'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
print("| command | mean ms | median ms | min - max ms | ratio to clan |")
print("|---|---:|---:|---:|---:|")
base = next((r["mean"] for r in res if r["command"] == "clan"), None)
for r in res:
    ratio = f"{r['mean'] / base:.1f}" if base else ""
    name = r["command"] if r["command"].startswith("python3") else f"{r['command']} config"
    print(f"| `{name}` | {r['mean'] * 1000:.1f} | {r['median'] * 1000:.1f} | "
          f"{r['min'] * 1000:.1f} - {r['max'] * 1000:.1f} | {ratio} |")
print()
if base is not None:
    print(f"- clan config: {base * 1000:.1f} ms mean (target < 20 ms: {'met' if base < 0.020 else 'NOT met'})")
else:
    print("- clan config: not measured (it failed; see the logs)")
EOF
} | tee "$out/config.md"
bench_result config "$(bench_median "$out/config.json" clan 1000)" \
	"$(bench_median "$out/config.json" "python3 + PyYAML" 1000)"
say "results: $out/config.md, $out/config.json, $out/summary.tsv"
