#!/bin/bash
# `make demo`: the example stack, examples/django-postgres (Django +
# PostgreSQL from Debian packages), brought up with `clan up -d`; ends with
# its URL once the page answers. The first run builds the two Debian images
# with mmdebstrap (a minute or two); later runs take seconds.
# Usage: scripts/demo.sh CLAN_BINARY   (WEB_PORT=N picks the host port)
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 CLAN_BINARY" >&2
	exit 2
fi
clan=$1
case $clan in /*) ;; *) clan=$PWD/$clan ;; esac
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
project=$repo/examples/django-postgres

if [ ! -x "$clan" ]; then
	echo "demo: $clan missing: run make first" >&2
	exit 2
fi

port_busy() {
	ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

# 8000 unless something else listens there
port=${WEB_PORT:-8000}
if [ -z "${WEB_PORT:-}" ] && port_busy "$port"; then
	for p in $(seq 8001 8099); do
		if ! port_busy "$p"; then
			port=$p
			break
		fi
	done
fi
export WEB_PORT=$port

cd "$project"
echo "demo: cd examples/django-postgres && clan up -d"
"$clan" up -d
url=http://127.0.0.1:$port/
for _ in $(seq 100); do
	if page=$(curl -sf -m 2 "$url"); then
		break
	fi
	sleep 0.1
done
rows=$(sed -n 's/.*rows: \([0-9]*\).*/\1/p' <<<"${page:-}")
if [ -z "$rows" ]; then
	echo "demo: $url does not answer; see: $clan logs" >&2
	exit 1
fi
cat <<MSG

demo: the stack runs: Django on $url ($rows rows in PostgreSQL)
demo: edit examples/django-postgres/notes/views.py and reload the page: no restart
demo: in examples/django-postgres:
        $clan ps
        $clan logs -f web
        $clan exec db psql -U app -d app
        $clan down        # stop (the database stays in its volume)
        $clan down -v     # stop and delete the database
MSG
