#!/bin/bash
# clan-test-timeout: 300
# The compose conformance corpus (tests/compose/, issue 13): each case dir
# holds a published compose file (sources in tests/compose/SOURCES.md) and
# the answer compose gives for it, written by us from compose's semantics:
#   expected.json  `clan config --format json` on the case, compared after
#                  the case dir becomes @DIR@ and $HOME @HOME@, keys sorted
#                  (jq -S); expected.warn, when present, is its exact stderr
#                  (else stderr must be empty)
#   expected.err   first line `exit N`, then the exact stderr clan prints
#                  when it refuses the file
#   args           optional: project flags put before `config`, one a line
#   KNOWN_DIFF     one line: why clan's answer differs from compose's today.
#                  A known difference that matches is ok; one that does not
#                  is `ok # SKIP known difference: WHY`, never a silent pass.
# Each run copies the case to a fresh dir named after the case (the project
# name comes from it) under a fresh HOME, and runs clan with only HOME and
# PATH in its environment, so the shell's variables do not leak in.
# shellcheck disable=SC2317 # cases run via corpus_case
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

CORPUS=$CLAN_TEST_ROOT/tests/compose

# normalise TEXT DIR HOME: TEXT with the run's paths as @DIR@ and @HOME@
normalise() {
	local text=${1//"$2"/@DIR@}
	printf '%s\n' "${text//"$3"/@HOME@}"
}

# compare_case NAME: runs the case; exit 0 when clan's answer is the
# expected one, 1 with the difference on stdout, 77 (reason in the skip
# file) when it cannot be judged here.
compare_case() {
	local src=$CORPUS/$1 base dir home want got
	local -a args=()
	base=$(mk_tmp) || die "mk_tmp"
	home=$(mk_tmp) || die "mk_tmp"
	dir=$base/$1
	cp -r "$src" "$dir" || die "cannot copy $src"
	if [ -f "$src/args" ]; then mapfile -t args <"$src/args"; fi
	cd "$dir" || die "cd $dir"
	run env -i HOME="$home" PATH="$PATH" "$CLAN" "${args[@]}" config --format json
	if [ -f "$src/expected.err" ]; then
		want=$(cat "$src/expected.err")
		got=$(normalise "exit $rc
$err" "$dir" "$home")
		[ "$got" = "$want" ] && exit 0
		diff -u "$src/expected.err" <(printf '%s\n' "$got") | tail -n +3
		[ "$rc" = 0 ] && echo "(stdout: $(head -c 400 <<<"$out"))"
		exit 1
	fi
	[ -f "$src/expected.json" ] || die "$1: no expected.json or expected.err"
	command -v jq >/dev/null || skip_case "jq missing (scripts/deps.sh installs it)"
	if [ "$rc" != 0 ]; then
		echo "exit $rc, expected 0; stderr:"
		normalise "$err" "$dir" "$home"
		exit 1
	fi
	local fail=0
	got=$(normalise "$out" "$dir" "$home" | jq -S .) || {
		echo "stdout is not JSON: $out"
		exit 1
	}
	want=$(jq -S . "$src/expected.json") || die "$1/expected.json is not JSON"
	if [ "$got" != "$want" ]; then
		diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$got") | tail -n +3
		fail=1
	fi
	want=""
	[ -f "$src/expected.warn" ] && want=$(cat "$src/expected.warn")
	got=$(normalise "$err" "$dir" "$home")
	[ -z "$err" ] && got=""
	if [ "$got" != "$want" ]; then
		echo "stderr:"
		diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$got") | tail -n +3
		fail=1
	fi
	exit "$fail"
}

# corpus_case NAME: one TAP line for the case, a known difference said so
corpus_case() {
	local name=$1 why="" log=$LIB_TMP/case.log rc
	[ -f "$CORPUS/$name/KNOWN_DIFF" ] && why=$(head -n 1 "$CORPUS/$name/KNOWN_DIFF")
	rm -f "$LIB_TMP/skip-reason"
	(
		LIB_IN_CASE=1
		compare_case "$name"
	) >"$log" 2>&1 </dev/null
	rc=$?
	case $rc in
	0) ok "$name" ;;
	77) skip "$name" "$(cat "$LIB_TMP/skip-reason" 2>/dev/null)" ;;
	*)
		if [ -n "$why" ]; then
			echo "ok - $LIB_FILE: $name # SKIP known difference: $why"
			LIB_SKIPPED=$((LIB_SKIPPED + 1))
		else
			fail "$name" "$(head -n 60 "$log")"
		fi
		;;
	esac
}

# Ours, beside the corpus: whose variable wins in an included file. The
# project's (shell, then .env) beat the include's env files, of which the
# later beats the earlier (compose-go include.go: Mapping.Merge keeps what
# the parent defines); an env file missing is an error where it is named.
case_include_env_precedence() {
	local dir
	dir=$(mk_tmp) || die "mk_tmp"
	printf 'include:\n  - path: sub/child.yaml\n    env_file: [a.env, b.env]\n' >"$dir/compose.yaml"
	mkdir "$dir/sub"
	# shellcheck disable=SC2016 # compose's ${VAR}s
	printf 'services:\n  c:\n    image: "x/${P}-${A}-${B}-${S}"\n' >"$dir/sub/child.yaml"
	printf 'P=project\n' >"$dir/.env"
	printf 'P=a\nA=a\nB=a\nS=a\n' >"$dir/a.env"
	printf 'B=b\nS=b\n' >"$dir/b.env"
	cd "$dir" || die "cd"
	run env -i HOME="$dir" PATH="$PATH" S=shell "$CLAN" config --images
	assert_eq "$rc:$out" "0:x/project-a-b-shell" "image"
	rm "$dir/b.env"
	run env -i HOME="$dir" PATH="$PATH" "$CLAN" config --images
	assert_eq "$rc" 2 "exit with b.env missing"
	assert_contains "$err" "clan: compose.yaml:3:15: include: env_file $dir/b.env: No such file" "error at the env_file"
}
t include_env_precedence case_include_env_precedence

ncases=0
for d in "$CORPUS"/*/; do
	name=$(basename "$d")
	corpus_case "$name"
	ncases=$((ncases + 1))
done
[ "$ncases" -gt 0 ] || fail "all" "no case dir in $CORPUS"
finish
