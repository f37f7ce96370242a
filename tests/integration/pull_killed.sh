#!/bin/bash
# clan pull of a 50 MiB layer through a proxy that slows it to 20 MB/s:
# killed halfway (SIGKILL, once part of the download is on disk), nothing
# half-done is used and a retry succeeds; two pulls of the same image at
# once both succeed (the store's locks).
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/pull_lib.sh
. "$(dirname "$0")/../pull_lib.sh"
pull_setup
if ! registry_proxy_start 20000000; then
	fail "all" "cannot start the throttling proxy (tests/registry_tool.py proxy)"
	finish
fi

# The largest file in the store, in bytes (0 when none).
largest_file() {
	find "$CLAN_STORAGE" -type f -printf '%s\n' 2>/dev/null | sort -n | tail -n 1 | grep . || echo 0
}

# The image runs and its 50 MiB file is intact.
assert_big_intact() {
	local ref=$1 want
	want=$(cat "$(registry_image big)/big.sha256")
	need_run_images
	clan_t run --rm "$ref" sha256sum /big/random
	assert_eq "$rc" 0 "exit of clan run --rm $ref sha256sum /big/random (stderr: $err)"
	assert_eq "${out%% *}" "$want" "sha256 of /big/random inside"
}

case_killed_then_retried() {
	need_clan pull
	registry_push big lib/big:1 || die "cannot push the big image"
	fresh_storage
	local ref=$PROXY/lib/big:1 pid tenths=300 size=0 layer
	layer=$(registry_info big big layers | tail -n 1)
	"$CLAN" pull "$ref" >"$LIB_TMP/pull1.out" 2>"$LIB_TMP/pull1.err" </dev/null &
	pid=$!
	# shellcheck disable=SC2064 # the pid now
	trap "kill -KILL $pid 2>/dev/null" EXIT
	# Kill it once 10 MB of the 50 are on disk (bounded: 30 s).
	while [ "$tenths" -gt 0 ] && kill -0 "$pid" 2>/dev/null; do
		size=$(largest_file)
		[ "$size" -ge 10000000 ] && break
		sleep 0.1
		tenths=$((tenths - 1))
	done
	if ! kill -KILL "$pid" 2>/dev/null; then
		wait "$pid"
		die "clan pull ended (exit $?) before it could be killed halfway; largest file ${size} bytes" \
			"stderr: $(cat "$LIB_TMP/pull1.err")"
	fi
	wait "$pid" 2>/dev/null
	[ "$size" -ge 10000000 ] || die "no download of 10 MB appeared in $CLAN_STORAGE within 30 s (largest file: $size bytes)"
	# The half blob is not stored under its digest, and no layer came of it.
	[ -e "$CLAN_STORAGE/blobs/sha256/$(hex "$layer")" ] && die "a half download is stored as blobs/sha256/$(hex "$layer")"
	[ -e "$CLAN_STORAGE/layers/$(registry_info big big diff_ids | tail -n 1 | sed 's/^sha256://')" ] &&
		die "a layer was made from a half download"
	pull_ok "$ref"
	assert_store_clean
	assert_big_intact "$ref"
}

case_concurrent_pulls() {
	need_clan pull
	registry_push big lib/big:1 || die "cannot push the big image"
	fresh_storage
	local ref=$PROXY/lib/big:1 p1 p2 rc1 rc2
	timeout -k 5 "$PULL_TIMEOUT" "$CLAN" pull "$ref" >"$LIB_TMP/p1.out" 2>"$LIB_TMP/p1.err" </dev/null &
	p1=$!
	timeout -k 5 "$PULL_TIMEOUT" "$CLAN" pull "$ref" >"$LIB_TMP/p2.out" 2>"$LIB_TMP/p2.err" </dev/null &
	p2=$!
	wait "$p1"
	rc1=$?
	wait "$p2"
	rc2=$?
	assert_eq "$rc1" 0 "exit of the first of two concurrent pulls (stderr: $(cat "$LIB_TMP/p1.err"))"
	assert_eq "$rc2" 0 "exit of the second of two concurrent pulls (stderr: $(cat "$LIB_TMP/p2.err"))"
	assert_store_clean
	assert_big_intact "$ref"
}

t killed_pull_then_retry case_killed_then_retried
t two_concurrent_pulls case_concurrent_pulls
finish
