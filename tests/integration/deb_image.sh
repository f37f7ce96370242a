#!/bin/bash
# deb: images: Debian root filesystems built rootless with mmdebstrap on
# first use, cached in the store by suite + packages + architecture, reused
# without any build afterwards; an interrupted build leaves no layer.
# clan-test-timeout: 900
# (a cold build is 20-90 s of mmdebstrap per image, two images per user)
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

command -v mmdebstrap >/dev/null || skip_case "mmdebstrap missing (apt-get install mmdebstrap)"
command -v dpkg >/dev/null || skip_case "dpkg missing: the expected cache keys need dpkg --print-architecture"

# Bad references are refused before anything is built; the same probe
# tells whether `clan run` resolves deb: images at all.
probe=$("$CLAN" run --rm 'deb:bookworm+Not_A_Package' true 2>&1 </dev/null)
case $probe in
*"unknown image source"*) skip_case "clan run does not resolve deb: images yet ($probe)" ;;
esac

KEY_BASE=$(deb_key bookworm)
KEY_HELLO=$(deb_key bookworm hello)

# The images are built once per run of the suite, in the shared storage.
use_deb_storage

# ms since the epoch
now_ms() { date +%s%3N; }

case_bad_reference() {
	assert_usage_error clan run --rm 'deb:bookworm+Not_A_Package' true
	assert_contains "$err" "Not_A_Package" "the message names the bad package"
	assert_usage_error clan run --rm 'deb:' true
	assert_usage_error clan run --rm 'deb:bookworm+a,,curl' true
}

# First use builds (unless an earlier file of this run already did).
case_first_use() {
	run clan run --rm deb:bookworm cat /etc/debian_version
	assert_eq "$rc" 0 "exit of the first clan run deb:bookworm (stderr: $err)"
	assert_match "$out" '^12\.[0-9]+$' "/etc/debian_version"
	[ -d "$CLAN_STORAGE/layers/$KEY_BASE" ] || die "no layer $KEY_BASE in the store (the key is not sha256 of suite, arch, packages)"
	assert_nothing_mounted
}

# The second use runs no mmdebstrap: no build line, the layer untouched,
# and the time of an ordinary container start.
case_second_use_builds_nothing() {
	local layer=$CLAN_STORAGE/layers/$KEY_BASE before after t0 ms
	[ -d "$layer" ] || die "the first use did not leave a layer"
	before=$(stat -c '%i %Y' "$layer")
	t0=$(now_ms)
	run clan run --rm deb:bookworm cat /etc/debian_version
	ms=$(($(now_ms) - t0))
	after=$(stat -c '%i %Y' "$layer")
	assert_eq "$rc" 0 "exit (stderr: $err)"
	assert_match "$out" '^12\.[0-9]+$' "/etc/debian_version"
	assert_not_contains "$err" "building" "stderr of the second use"
	assert_eq "$after" "$before" "inode and mtime of the layer"
	note "second use: $ms ms"
	[ "$ms" -lt 3000 ] || die "the second use took $ms ms: was something built?"
	local tmps
	tmps=$(find "$CLAN_STORAGE/layers" -mindepth 1 -maxdepth 1 -name '.tmp-*')
	assert_eq "$tmps" "" "temp dirs left in layers/"
}

case_images_lists_it() {
	run clan images
	assert_eq "$rc" 0 "exit of clan images (stderr: $err)"
	local hex=${KEY_BASE:0:12}
	if ! [[ $out =~ deb:bookworm\+$hex || $out =~ deb[[:space:]]+bookworm\+$hex ]]; then
		die "clan images does not list deb:bookworm+$hex:" "$out"
	fi
}

# The layer is a container root: /dev is the runtime's, the builder's
# hostname and resolv.conf are gone, owners are what the mode gives.
case_layer_contents() {
	local layer=$CLAN_STORAGE/layers/$KEY_BASE left
	[ -d "$layer" ] || die "no layer"
	left=$(find "$layer/dev" -mindepth 1 2>/dev/null | head -n 3)
	assert_eq "$left" "" "entries in the layer's /dev"
	[ ! -e "$layer/etc/hostname" ] || die "the builder's /etc/hostname is in the layer"
	assert_eq "$(stat -c %u "$layer/etc")" "$(id -u)" "host owner of the layer's /etc"
	run clan run --rm deb:bookworm /bin/sh -c 'cat /etc/hostname; stat -c %U:%G /etc /bin/bash; ls /dev/null'
	assert_eq "$rc" 0 "exit (stderr: $err)"
	assert_contains "$out" "root:root" "owners of /etc and /bin/bash inside"
	assert_contains "$out" "/dev/null" "the runtime's /dev"
}

# With subordinate ids, files keep the owners Debian gives them (/var/mail
# is root:mail), and on the host they sit in the user's range.
case_owners_subuid() {
	need_subuid
	local layer=$CLAN_STORAGE/layers/$KEY_BASE start
	run clan run --rm deb:bookworm stat -c %U:%G /var/mail
	assert_eq "$rc" 0 "exit (stderr: $err)"
	assert_eq "$out" "root:mail" "owner of /var/mail inside"
	start=$(awk -F: -v a="$(id -un)" -v b="$(id -u)" '($1 == a || $1 == b) { print $2; exit }' /etc/subgid)
	# container gid 8 (mail) is host subgid start + 7: clan maps 1.. to the range
	assert_eq "$(stat -c %g "$layer/var/mail")" "$((start + 7))" "host gid of /var/mail"
}

# Without a range, every file is the user's (single mode shows them as
# root), and apt can still download (no _apt sandbox to switch to).
case_owners_single() {
	need_nosubuid
	local layer=$CLAN_STORAGE/layers/$KEY_BASE other
	other=$(find "$layer" ! -user "$(id -u)" -print -quit 2>/dev/null)
	assert_eq "$other" "" "a file of the layer not owned by $(id -un)"
	grep -qs 'APT::Sandbox::User "root"' "$layer/etc/apt/apt.conf.d/00clan-sandbox" ||
		die "no apt sandbox setting for single mode in the layer"
}

# Packages are installed; two shells asking for the same new image at
# once build it once (the second waits for the first, then uses it).
case_packages_two_shells() {
	"$CLAN" run --rm deb:bookworm+hello hello >"$LIB_TMP/a.out" 2>"$LIB_TMP/a.err" </dev/null &
	local a=$!
	"$CLAN" run --rm deb:bookworm+hello hello >"$LIB_TMP/b.out" 2>"$LIB_TMP/b.err" </dev/null
	local rb=$? ra
	wait "$a"
	ra=$?
	assert_eq "$ra" 0 "exit of the first shell (stderr: $(cat "$LIB_TMP/a.err"))"
	assert_eq "$rb" 0 "exit of the second shell (stderr: $(cat "$LIB_TMP/b.err"))"
	assert_eq "$(cat "$LIB_TMP/a.out")" "Hello, world!" "hello in the first shell"
	assert_eq "$(cat "$LIB_TMP/b.out")" "Hello, world!" "hello in the second shell"
	local builds
	builds=$(cat "$LIB_TMP/a.err" "$LIB_TMP/b.err" | grep -c 'building deb:bookworm+')
	[ "$builds" -le 1 ] || die "built $builds times:" "$(cat "$LIB_TMP/a.err" "$LIB_TMP/b.err")"
	local rec=$CLAN_STORAGE/images/$KEY_HELLO/image.json layer
	[ -f "$rec" ] || die "no record $KEY_HELLO for deb:bookworm+hello"
	# the base's layer and a delta (a store of an older clan: one layer)
	while read -r layer; do
		[ -d "$CLAN_STORAGE/layers/$layer" ] || die "layer $layer of deb:bookworm+hello is missing"
	done < <(sed -n '/"layers"/,/]/p' "$rec" | grep -o 'sha256:[0-9a-f]*' | cut -c8-)
	grep -q '"source": *"deb"' "$rec" || die "record without source deb:" "$(cat "$rec")"
	grep -q '"hello"' "$rec" || die "record without its packages:" "$(cat "$rec")"
}

# build_in_background REF: starts `clan run --rm REF true` in a fresh
# storage and returns once mmdebstrap has started (BUILD_PID is clan's).
build_in_background() {
	fresh_storage
	"$CLAN" run --rm "$1" true >"$LIB_TMP/bg.out" 2>"$LIB_TMP/bg.err" </dev/null &
	BUILD_PID=$!
	local tenths=200
	until pgrep -u "$(id -u)" -f "mmdebstrap.*$CLAN_STORAGE" >/dev/null; do
		kill -0 "$BUILD_PID" 2>/dev/null || die "clan ended before mmdebstrap started:" "$(cat "$LIB_TMP/bg.err")"
		[ "$tenths" -gt 0 ] || die "mmdebstrap did not start within 20 s"
		sleep 0.1
		tenths=$((tenths - 1))
	done
	sleep 2 # well into the download
}

# What an interrupted build may not leave: a layer, a record, a tag, a
# process, a mount.
assert_no_build_left() {
	local layers procs
	layers=$(find "$CLAN_STORAGE/layers" -mindepth 1 -maxdepth 1 ! -name '.tmp-*' 2>/dev/null)
	assert_eq "$layers" "" "layers after the interrupted build"
	assert_eq "$(find "$CLAN_STORAGE/images" "$CLAN_STORAGE/tags" -mindepth 1 2>/dev/null)" "" "records and tags"
	procs=$(pgrep -u "$(id -u)" -af "$CLAN_STORAGE")
	assert_eq "$procs" "" "processes of the build still running"
	assert_nothing_mounted
}

case_interrupted_build() {
	build_in_background deb:bookworm
	kill -TERM "$BUILD_PID"
	wait "$BUILD_PID"
	local code=$?
	assert_eq "$code" 143 "exit of clan after SIGTERM (stderr: $(cat "$LIB_TMP/bg.err"))"
	sleep 0.5
	assert_no_build_left
	local tmps
	tmps=$(find "$CLAN_STORAGE/layers" -mindepth 1 -maxdepth 1 -name '.tmp-*')
	assert_eq "$tmps" "" "temp dirs after SIGTERM (cleaned before the signal took effect)"
}

# SIGKILL gives clan no chance to clean up: the build dies with it (its
# pid 1 has a parent-death signal) and what is left is a temp dir that no
# run ever uses, never a layer.
case_killed_build() {
	build_in_background deb:bookworm
	kill -KILL "$BUILD_PID"
	wait "$BUILD_PID" 2>/dev/null
	local tenths=50
	while pgrep -u "$(id -u)" -f "$CLAN_STORAGE" >/dev/null && [ "$tenths" -gt 0 ]; do
		sleep 0.1
		tenths=$((tenths - 1))
	done
	assert_no_build_left
}

# Maintainer scripts run as the user on the host (root of the build's user
# namespace maps to it), so the build runs in a private root: seen through
# /proc/PID/root of the running mmdebstrap, the host's programs are there,
# the user's $HOME and the rest of clan's storage are not.
case_build_root_is_private() {
	build_in_background deb:bookworm
	local pid root marker=$CLAN_STORAGE/marker-$$ seen=""
	: >"$marker"
	pid=$(pgrep -o -u "$(id -u)" -f "mmdebstrap.*$CLAN_STORAGE")
	root=/proc/$pid/root
	[ -x "$root/usr/bin/apt-get" ] || seen="$seen no-usr"
	[ -e "$root$marker" ] && seen="$seen storage"
	[ -d "$HOME" ] && [ "$HOME" != / ] && [ -e "$root$HOME" ] && seen="$seen home"
	[ -e "$root/run/user" ] && seen="$seen run"
	kill -TERM "$BUILD_PID"
	wait "$BUILD_PID"
	assert_eq "$seen" "" "what the build's root shows ($root)"
	sleep 0.5
	assert_no_build_left
}

t bad_reference case_bad_reference
t first_use_builds case_first_use
t second_use_builds_nothing case_second_use_builds_nothing
t images_lists_it case_images_lists_it
t layer_is_a_container_root case_layer_contents
t owners_with_subuids case_owners_subuid
t owners_in_single_mode case_owners_single
t packages_two_shells_one_build case_packages_two_shells
t interrupted_build_leaves_nothing case_interrupted_build
t killed_build_leaves_no_layer case_killed_build
t build_root_is_private case_build_root_is_private
finish
