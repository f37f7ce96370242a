#!/bin/sh
# A test of scripts/lint/layers.sh: it passes a tree that keeps the layers
# and fails, naming file and line, on an upward include, an include that
# does not name its folder, and a file outside the layer folders.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
check=$here/scripts/lint/layers.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

tree() {
	rm -rf "$tmp/src"
	mkdir -p "$tmp/src/rootless/base" "$tmp/src/rootless/container" "$tmp/src/netns" \
		"$tmp/src/launcher/cli"
	printf '#include "base/util.h"\n' >"$tmp/src/rootless/base/util.c"
	: >"$tmp/src/rootless/base/util.h"
	printf '#include "base/util.h"\n#include "netns/slirp.h"\n' >"$tmp/src/rootless/container/spec.c"
	printf '#include "base/util.h"\n#include <stdio.h>\n' >"$tmp/src/netns/slirp.c"
	printf '#include "container/spec.h"\n' >"$tmp/src/launcher/cli/main.c"
}

expect() { # expect 0|1 NAME [PATTERN]
	want=$1 name=$2 pat=${3:-}
	rc=0
	"$check" "$tmp/src" >"$tmp/out" 2>&1 || rc=$?
	if [ "$rc" != "$want" ]; then
		echo "not ok - $name: exit $rc, want $want"
		sed 's/^/# /' "$tmp/out"
		fails=$((fails + 1))
	elif [ -n "$pat" ] && ! grep -q "$pat" "$tmp/out"; then
		echo "not ok - $name: no '$pat' in the output"
		sed 's/^/# /' "$tmp/out"
		fails=$((fails + 1))
	else
		echo "ok - $name"
	fi
}

tree
expect 0 "a tree that keeps the layers passes"

tree
printf '#include "container/spec.h"\n' >>"$tmp/src/rootless/base/util.c"
expect 1 "base/ including container/ fails" 'rootless/base/util.c:2: .*base/ may not include from container/'

tree
printf '#include "container/spec.h"\n' >"$tmp/src/netns/hosts.c"
expect 1 "netns/ including container/ fails" 'netns/hosts.c:1:'

tree
printf '#include "cli/commands.h"\n' >"$tmp/src/rootless/container/pod.c"
expect 1 "rootless/ including launcher's cli/ fails" 'container/ may not include from cli/'

tree
printf '#include "util.h"\n' >"$tmp/src/rootless/base/sync.c"
expect 1 "an include without its folder fails" 'does not name its folder'

tree
printf 'int x;\n' >"$tmp/src/rootless/stray.c"
expect 1 "a file outside the layer folders fails" 'not in a layer folder'

tree
mkdir -p "$tmp/src/rootless/extra"
printf 'int x;\n' >"$tmp/src/rootless/extra/x.c"
expect 1 "a folder missing from the table fails" 'not in the layer table'

[ "$fails" = 0 ] || exit 1
