#!/bin/bash
# deb: images with packages are two layers: the suite's base (built once,
# shared) and a delta made by apt-get over an overlay of it; apt's
# downloads and lists are cached in the store for the next build; records
# of an older clan (one layer, keyed like the image) still load; `clan up`
# builds the images of independent services side by side, reports a failed
# build with its service and stops the others, and Ctrl-C leaves nothing.
# clan-test-timeout: 1200
# (one base build, then several small deltas; all slower on a busy machine)
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

command -v mmdebstrap >/dev/null || skip_case "mmdebstrap missing (apt-get install mmdebstrap)"
command -v dpkg >/dev/null || skip_case "dpkg missing: the expected cache keys need dpkg --print-architecture"
use_rootfs

KEY_BASE=$(deb_key bookworm)
KEY_HELLO=$(deb_key bookworm hello)

# One store for the file, empty at first: the cache and the layering are
# only seen from the start.
CLAN_STORAGE=$(mktemp -d "$LIB_TMP/storage.XXXXXX") || die "cannot make a storage dir"
export CLAN_STORAGE

# layers_of KEY: the layer ids of image KEY's record, one a line.
layers_of() {
	sed -n '/"layers"/,/]/p' "$CLAN_STORAGE/images/$1/image.json" | grep -o 'sha256:[0-9a-f]*' | cut -c8-
}

# What a stopped or failed build may not leave: a temp dir, a process, a
# mount.
assert_no_build_left() {
	local tmps procs
	tmps=$(find "$CLAN_STORAGE/layers" -mindepth 1 -maxdepth 1 -name '.tmp-*')
	assert_eq "$tmps" "" "temp dirs in layers/"
	procs=$(pgrep -u "$(id -u)" -af "$CLAN_STORAGE")
	assert_eq "$procs" "" "processes of a build still running"
	assert_nothing_mounted
}

case_delta_on_base() {
	run clan run --rm deb:bookworm+hello hello
	assert_eq "$rc" 0 "exit (stderr: $err)"
	assert_eq "$out" "Hello, world!" "hello"
	assert_contains "$err" "building deb:bookworm with mmdebstrap" "the base is built first"
	assert_contains "$err" "building deb:bookworm+hello on deb:bookworm+${KEY_BASE:0:12}" "then the delta on it"
	local layers delta
	layers=$(layers_of "$KEY_HELLO" | paste -sd' ')
	assert_match "$layers" "^$KEY_BASE [0-9a-f]{64}\$" "layers of the record: the base's, then the delta"
	delta=$CLAN_STORAGE/layers/${layers#* }
	[ -x "$delta/usr/bin/hello" ] || die "the delta has no usr/bin/hello"
	[ ! -e "$delta/usr/bin/apt-get" ] || die "the delta holds the base's files (usr/bin/apt-get)"
	local left
	left=$(cd "$delta" && find etc/resolv.conf usr/sbin/policy-rc.d dev tmp var/lib/apt/lists \
		var/cache/apt -mindepth 0 ! -type d 2>/dev/null | head -n 5)
	assert_eq "$left" "" "what only the build needed, left in the delta"
	local kib
	kib=$(du -sk "$delta" | cut -f1)
	[ "$kib" -lt 20000 ] || die "the delta of hello is $kib KiB: apt's lists or caches in it?"
	run clan run --rm deb:bookworm+hello dpkg-query -W -f '${Status}' hello
	assert_eq "$out" "install ok installed" "dpkg's view of hello in the image"
	assert_no_build_left
}

# The downloads and lists of the first build are in the store's cache
# (the user's, 0700); a second image with hello downloads only what is new.
case_cache_reused() {
	local cache=$CLAN_STORAGE/deb-cache
	assert_eq "$(stat -c '%a %u' "$cache")" "700 $(id -u)" "mode and owner of the cache"
	compgen -G "$cache/archives/hello_*.deb" >/dev/null || die "no hello .deb in the cache:" "$(find "$cache/archives" | head)"
	compgen -G "$cache/lists/*_InRelease" >/dev/null || die "no lists in the cache"
	CLAN_DEBUG=1 run clan run --rm deb:bookworm+hello,sl true
	assert_eq "$rc" 0 "exit (stderr: $(tail -n 5 <<<"$err"))"
	grep -q '^Get:.* sl ' <<<"$err" || die "sl was not downloaded? apt said:" "$(grep -E '^(Get|Hit):' <<<"$err")"
	if grep -q '^Get:.* hello ' <<<"$err"; then
		die "hello was downloaded again:" "$(grep '^Get:' <<<"$err")"
	fi
	grep -q '^Hit:.*InRelease' <<<"$err" || note "the lists changed on the mirror meanwhile (no Hit:)"
}

# A record of an older clan: one layer whose id is the image's key. It
# loads without a build; so does its layer when the record is gone.
case_old_single_layer_store() {
	local key dir
	key=$(deb_key bookworm clan-forged)
	cp -a "$ROOTFS" "$CLAN_STORAGE/layers/$key" || die "cannot copy the rootfs"
	sed -e "s/$KEY_BASE/$key/g" -e 's/"packages": \[\]/"packages": ["clan-forged"]/' \
		"$CLAN_STORAGE/images/$KEY_BASE/image.json" >"$LIB_TMP/old.json"
	mkdir "$CLAN_STORAGE/images/$key" && mv "$LIB_TMP/old.json" "$CLAN_STORAGE/images/$key/image.json"
	run clan run --rm deb:bookworm+clan-forged /bin/busybox echo old
	assert_eq "$rc" 0 "exit (stderr: $err)"
	assert_eq "$out" "old" "the old image's own layer"
	assert_not_contains "$err" "building" "stderr"
	rm -r "${CLAN_STORAGE:?}/images/$key"
	run clan run --rm deb:bookworm+clan-forged /bin/busybox echo lost
	assert_eq "$rc" 0 "exit without the record (stderr: $err)"
	assert_eq "$out" "lost" "the old layer, its record written again"
	assert_not_contains "$err" "building" "stderr without the record"
}

# new_stack NAME PACKAGES_A PACKAGES_B: a project of two sleeping services
# on deb: images with those packages.
new_stack() {
	local dir
	dir=$(mk_tmp) || die "cannot make a project dir"
	printf '[project]\nname = %s\n' "$1" >"$dir/.clanrc"
	printf '[service.%s]\nimage = deb:bookworm\npackages = %s\ncommand = sleep 1000\n' \
		a "$2" b "$3" >>"$dir/.clanrc"
	echo "$dir"
}

# Both deltas start before either ends: they run side by side.
case_up_builds_side_by_side() {
	local dir first_built
	dir=$(new_stack layerspar figlet sl)
	cd "$dir" || die "no project dir"
	run clan up -d
	assert_eq "$rc" 0 "up -d (stderr: $err)"
	first_built=$(grep -n 'built deb:bookworm+' <<<"$err" | head -n 1 | cut -d: -f1)
	for p in figlet sl; do
		local at
		at=$(grep -n "building deb:bookworm+$p on" <<<"$err" | cut -d: -f1)
		[ -n "$at" ] || die "no build of $p:" "$err"
		[ "$at" -lt "$first_built" ] || die "$p began after another build ended:" "$err"
	done
	run clan down
	assert_eq "$rc" 0 "down (stderr: $err)"
	cd / || true
}

# b's package does not exist: up fails naming service b and the package;
# a's build (cowsay pulls in perl: still at work then) is stopped and
# cleans up.
case_up_one_fails() {
	local dir
	dir=$(new_stack layersfail cowsay clan-no-such-package)
	cd "$dir" || die "no project dir"
	run clan up -d
	assert_ne "$rc" 0 "up -d with a package that does not exist"
	assert_contains "$err" "service b" "the error names the service"
	assert_contains "$err" "clan-no-such-package" "the error names the image"
	sleep 0.5
	assert_no_build_left
	run clan ps
	assert_not_contains "$out" "sleep" "services started after the failure"
	cd / || true
}

# Ctrl-C while two builds run: clan ends with 130 once both cleaned up.
case_up_interrupted() {
	local dir pid code tenths=600
	dir=$(new_stack layersint fortune-mod toilet)
	cd "$dir" || die "no project dir"
	"$CLAN" up -d >"$LIB_TMP/int.out" 2>"$LIB_TMP/int.err" </dev/null &
	pid=$!
	until [ "$(grep -c 'building deb:bookworm+.* on' "$LIB_TMP/int.err")" -ge 2 ]; do
		kill -0 "$pid" 2>/dev/null || die "up ended before both builds started:" "$(cat "$LIB_TMP/int.err")"
		[ "$tenths" -gt 0 ] || die "the two builds did not start within 60 s:" "$(cat "$LIB_TMP/int.err")"
		sleep 0.1
		tenths=$((tenths - 1))
	done
	sleep 1
	kill -INT "$pid"
	wait "$pid"
	code=$?
	assert_eq "$code" 130 "exit of up after SIGINT (stderr: $(tail -n 3 "$LIB_TMP/int.err"))"
	assert_no_build_left
	cd / || true
}

t delta_on_the_base case_delta_on_base
t downloads_and_lists_cached case_cache_reused
t old_single_layer_store_loads case_old_single_layer_store
t up_builds_side_by_side case_up_builds_side_by_side
t up_one_build_fails case_up_one_fails
t up_interrupted_leaves_nothing case_up_interrupted
finish
