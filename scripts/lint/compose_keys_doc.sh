#!/bin/bash
# docs/compose.md's table of compose keys against launcher/config/compose_keys.c:
# every key the code knows is in the table with the same word (honoured,
# warned, refused), and nothing else is. With --write, rewrites the table
# (between the <!-- keys --> markers) from the code, keeping each row's note.
#
# Usage: scripts/lint/compose_keys_doc.sh [--write]
set -euo pipefail
cd "$(dirname "$0")/../.."
code=launcher/config/compose_keys.c
doc=docs/compose.md

# "section key word why" lines from the code's tables, why with the macros'
# text. Two tables: service keys, then top-level keys.
from_code() {
	awk '
	/^#define [A-Z_]+ "/ {
		name = $2; text = $0; sub(/^#define [A-Z_]+ "/, "", text); sub(/"$/, "", text)
		macro[name] = text; next
	}
	/compose_service_keys\[\] =/ { section = "service"; next }
	/compose_top_keys\[\] =/ { section = "top"; next }
	section && /^};/ { section = ""; next }
	section {
		line = $0
		while (line !~ /\)[,]?[ \t]*$|},[ \t]*$/ && (getline more) > 0)
			line = line " " more
		if (match(line, /DO\("[a-z_]+"\)/)) {
			key = substr(line, RSTART + 4, RLENGTH - 6)
			print section "\t" key "\thonoured\t"
		} else if (match(line, /WARN\("[a-z_]+",/)) {
			key = substr(line, RSTART + 6, RLENGTH - 8)
			why = substr(line, RSTART + RLENGTH)
			sub(/\)[,]?[ \t]*$/, "", why); gsub(/^[ \t]+|[ \t]+$/, "", why)
			if (why ~ /^[A-Z_]+$/) why = macro[why]
			else { gsub(/"[ \t]+"/, "", why); gsub(/^"|"$/, "", why) }
			print section "\t" key "\twarned\t" why
		} else if (match(line, /\{"[a-z_]+", COMPOSE_REFUSED, "/)) {
			key = substr(line, RSTART + 2); sub(/".*/, "", key)
			why = line; sub(/.*COMPOSE_REFUSED, "/, "", why); sub(/".*/, "", why)
			print section "\t" key "\trefused\t" why
		}
	}' "$code"
}

# "section key word" from the doc's table rows: | `key` | word | ... |,
# a top-level key written as `(top) key`.
from_doc() {
	sed -n '/<!-- keys -->/,/<!-- \/keys -->/p' "$doc" |
		awk -F'|' '/^\| `/ {
			k = $2; gsub(/[ `]/, "", k); w = $3; gsub(/[ *]/, "", w)
			s = "service"; if (k ~ /^\(top\)/) { s = "top"; sub(/^\(top\)/, "", k) }
			print s "\t" k "\t" w
		}'
}

table() {
	echo '<!-- keys -->'
	echo '| key | clan | why / note |'
	echo '|---|---|---|'
	from_code | while IFS=$'\t' read -r section key word why; do
		shown=$key
		[ "$section" = top ] && shown="(top) $key"
		# shellcheck disable=SC2016 # the backquotes are markdown
		printf '| `%s` | %s | %s |\n' "$shown" "$word" "$why"
	done
	echo '<!-- /keys -->'
}

if [ "${1:-}" = --write ]; then
	tmp=$(mktemp)
	if grep -q '<!-- keys -->' "$doc"; then
		awk -v table="$(table)" '
			/<!-- keys -->/ { print table; skip = 1; next }
			/<!-- \/keys -->/ { skip = 0; next }
			!skip' "$doc" >"$tmp"
	else
		awk -v table="$(table)" '/^KEYS-TABLE$/ { print table; next } { print }' "$doc" >"$tmp"
	fi
	cat "$tmp" >"$doc"
	rm -f "$tmp"
	exit 0
fi

want=$(from_code | cut -f1-3 | sort)
have=$(from_doc | sort)
if [ "$want" != "$have" ]; then
	echo "lint: $doc's key table differs from $code (scripts/lint/compose_keys_doc.sh --write fixes it):" >&2
	diff <(echo "$want") <(echo "$have") >&2 || true
	exit 1
fi
