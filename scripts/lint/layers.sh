#!/bin/sh
# The layers of clan's source (docs/architecture.md), lowest first: a file
# may include headers from its own folder and from the folders its line
# below names, never from above. Every project include names its folder
# ("base/util.h"), so the direction is visible where it is written.
#
# usage: scripts/lint/layers.sh [ROOT]   (ROOT: the source tree, default .)
# Prints each offending line as FILE:LINE: and exits 1 when there is one.
set -eu
cd "${1:-.}"

# folder: the folders it may include from (besides itself)
rules='
base:
ns: base
fs: base ns
image: base ns fs
registry: base ns fs image
debimage: base ns fs image
netns: base ns
container: base ns fs image registry debimage netns
build: base ns fs image registry debimage netns container
config: base ns fs image registry debimage netns container build
supervisor: base ns fs image registry debimage netns container build config
cli: base ns fs image registry debimage netns container build config supervisor
'

# shellcheck disable=SC2046 # file names have no blanks (checked by git)
printf '%s\n' "$rules" | awk -v rules_from="$0" '
FNR == 1 && NR != FNR { me = folder(FILENAME) }
NR == FNR {
	if ($0 ~ /^[a-z]+:/) {
		f = $1; sub(/:$/, "", f)
		known[f] = 1
		for (i = 2; i <= NF; i++) allowed[f, $i] = 1
	}
	next
}
function folder(p,   a) {
	split(p, a, "/")
	if ((a[1] == "rootless" || a[1] == "launcher") && length(a) >= 3) return a[2]
	if (a[1] == "netns" && length(a) == 2) return "netns"
	return ""
}
function complain(msg) { print msg; bad = 1 }
FNR == 1 {
	if (me == "") complain(FILENAME ": not in a layer folder (rootless/LAYER/, launcher/LAYER/, netns/)")
	else if (!(me in known)) complain(FILENAME ": folder " me "/ is not in the layer table of " rules_from)
}
/^[ \t]*#[ \t]*include[ \t]*"/ {
	if (me == "" || !(me in known)) next
	t = $0; sub(/^[^"]*"/, "", t); sub(/".*/, "", t)
	if (t !~ /\//) {
		complain(FILENAME ":" FNR ": #include \"" t "\" does not name its folder (\"" me "/" t "\")")
		next
	}
	tf = t; sub(/\/.*/, "", tf)
	if (tf != me && !((me, tf) in allowed))
		complain(FILENAME ":" FNR ": #include \"" t "\": " me "/ may not include from " tf "/")
}
END {
	if (bad) {
		print "layers: upward or unnamed includes above; the table of what may include what is in " rules_from > "/dev/stderr"
		exit 1
	}
}' - $(find rootless launcher netns -name '*.[ch]' | sort)
