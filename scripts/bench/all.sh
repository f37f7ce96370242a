#!/bin/bash
# Every benchmark in one go (issue 16): startup, net, stack, pull, build,
# config and scale (when scripts/bench/scale.sh exists), one after the
# other, each as the bench user (started by root, each script re-runs
# itself as BENCH_USER), then the summary table at the top of
# docs/benchmarks.md rewritten from the rows they wrote to summary.tsv:
# what, clan, the anchor, the ratio, the target, met / not met, and the
# date and clan revision of the run. Only the block between the
# `<!-- summary:begin -->` and `<!-- summary:end -->` lines is replaced.
# A bench that fails does not stop the others; its rows say failed.
#
# Usage: scripts/bench/all.sh
# Environment:
#   ALL_ONLY="startup net"  run only these (the other rows of the table
#                    are kept as they were)
#   ALL_DOC=FILE     the file whose table is rewritten (default:
#                    REPO/docs/benchmarks.md; empty: none)
#   ALL_TIMEOUT=7200 seconds one bench may take
#   BENCH_OUT=DIR    where every bench's results go, one dir each, with
#                    summary.tsv and summary.md (default: a temp dir)
#   RUNS, WARMUP, BENCH_USER, CLAN, ...: passed on to every bench (see
#                    each script; RUNS means rounds for net and stack)
set -euo pipefail

# shellcheck source=scripts/bench/lib.sh
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/lib.sh"
bench_init
ALL_TIMEOUT=${ALL_TIMEOUT:-7200}
doc=${ALL_DOC-$repo/docs/benchmarks.md}

benches=(startup net stack pull build config)
[ -f "$here/scale.sh" ] && benches+=(scale)
if [ -n "${ALL_ONLY:-}" ]; then
	for b in $ALL_ONLY; do
		case " ${benches[*]} " in *" $b "*) ;; *) die "ALL_ONLY: no bench $b (have: ${benches[*]})" ;; esac
	done
	read -r -a benches <<<"$ALL_ONLY"
fi

top=${BENCH_OUT:-$(mktemp -d /tmp/clan-bench-all.XXXXXX)}
mkdir -p "$top"
chmod 0755 "$top"
stamp="$(date -u '+%Y-%m-%d %H:%M UTC'), clan $rev"
ran=$top/ran.tsv # bench, exit status
: >"$ran"
: >"$top/summary.tsv"

for b in "${benches[@]}"; do
	say "=== $b ($(date -u +%H:%M:%S))"
	rm -rf -- "${top:?}/$b"
	mkdir -p "$top/$b"
	rc=0
	# each bench's own BENCH_OUT; its output to the terminal and a log
	BENCH_OUT=$top/$b timeout "$ALL_TIMEOUT" bash "$here/$b.sh" 2>&1 </dev/null |
		tee "$top/$b.log" >&2 || rc=${PIPESTATUS[0]}
	printf '%s\t%s\n' "$b" "$rc" >>"$ran"
	[ "$rc" = 0 ] || say "$b failed (exit $rc): its rows say failed; log: $top/$b.log"
done

# The rows: each target of the benches that ran, from their summary.tsv, or
# failed when a bench wrote none; then any row a bench wrote that is not in
# bench_targets (scale.sh's), in its order.
python3 - "$top" "$ran" "$stamp" <(bench_targets) >"$top/summary.tsv" <<'EOF'
import os, sys
top, ran, stamp, targets = sys.argv[1:5]
ran = dict(l.rstrip("\n").split("\t") for l in open(ran) if l.strip())
spec = [l.rstrip("\n").split("\t") for l in open(targets) if l.strip()]
got = {}
extra = []
for b in ran:
    p = os.path.join(top, b, "summary.tsv")
    rows = [l.rstrip("\n").split("\t") for l in open(p) if l.strip()] if os.path.exists(p) else []
    for r in rows:
        r = (r + [""] * 7)[:7]
        got[r[0]] = r
        if not any(s[2] == r[0] for s in spec):
            extra.append((b, r))
for key, script, what, anchor, unit, check, target in spec:
    if script not in ran:
        continue
    r = got.get(what) or [what, "failed", anchor, "-", "-", target, "failed"]
    print("\t".join([script] + r + [stamp]))
for b, r in extra:
    print("\t".join([b] + r + [stamp]))
if "scale" in ran and not any(b == "scale" for b, _ in extra):
    print("\t".join(["scale", "scale.sh", "failed", "-", "-", "-", "-", "failed", stamp]))
EOF

# summary.md: the block, with the rows of benches that did not run now
# kept from the doc's current block ("not run" when it has none).
python3 - "$top/summary.tsv" "$ran" "${doc:-/dev/null}" <(bench_targets) >"$top/summary.md" <<'EOF'
import re, sys
new = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
ran = {l.split("\t")[0] for l in open(sys.argv[2]) if l.strip()}
try:
    doc = open(sys.argv[3]).read()
except OSError:
    doc = ""
spec = [l.rstrip("\n").split("\t") for l in open(sys.argv[4]) if l.strip()]
script_of = {s[2]: s[1] for s in spec}
order = {s[2]: i for i, s in enumerate(spec)}
m = re.search(r"<!-- summary:begin -->\n(.*?)<!-- summary:end -->", doc, re.S)
old = []
for line in (m.group(1).splitlines() if m else []):
    if not line.startswith("| ") or line.startswith("| what |"):
        continue
    cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
    if len(cells) != 8:
        continue
    # rows whose what is not a known target are scale.sh's
    script = script_of.get(cells[0], "scale")
    if script not in ran:
        old.append([script] + cells)
have = {r[1] for r in old + new}
# a target no run has measured yet still has its row
todo = [[s[1], s[2], "not run", s[3], "-", "-", s[6], "not run", "-"] for s in spec if s[2] not in have]
rows = sorted(old + new + todo, key=lambda r: order.get(r[1], len(order)))
cell = lambda s: s.replace("|", "\\|")
print("<!-- summary:begin -->")
print("<!-- written by scripts/bench/all.sh: edit the targets in scripts/bench/lib.sh, not here -->")
print()
print("| what | clan | anchor | anchor's figure | ratio | target | met? | run |")
print("|---|---:|---|---:|---:|---|---|---|")
for r in rows:
    print("| " + " | ".join(cell(c) for c in r[1:]) + " |")
print()
print("<!-- summary:end -->")
EOF

if [ -n "$doc" ]; then
	if [ ! -f "$doc" ]; then
		say "no $doc: the table is in $top/summary.md"
	elif ! grep -q '^<!-- summary:begin -->$' "$doc" || ! grep -q '^<!-- summary:end -->$' "$doc"; then
		say "$doc has no <!-- summary:begin --> / <!-- summary:end --> lines: the table is in $top/summary.md"
	elif [ ! -w "$doc" ]; then
		say "$doc is not writable here: the table is in $top/summary.md"
	else
		python3 - "$doc" "$top/summary.md" <<'EOF'
import re, sys
doc = open(sys.argv[1]).read()
block = open(sys.argv[2]).read().rstrip("\n")
new = re.sub(r"<!-- summary:begin -->\n.*?<!-- summary:end -->", lambda _: block, doc, count=1, flags=re.S)
tmp = sys.argv[1] + ".tmp"
open(tmp, "w").write(new)
import os
os.replace(tmp, sys.argv[1])
EOF
		say "rewrote the summary table in $doc"
	fi
fi
cat "$top/summary.md"
say "results in $top (one dir per bench, summary.tsv, summary.md, logs)"
! grep -qv $'\t0$' "$ran"
