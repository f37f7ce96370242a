#!/bin/bash
# clan pull refuses hostile layers and blobs that do not match their digest
# (and skips device nodes, which are not hostile, only impossible here):
# each image below (tests/registry.sh, pushed by hand through the registry
# API) must fail with one `clan: ` line naming the bad entry or both
# digests, write nothing outside $CLAN_STORAGE, and leave nothing in the
# store that a later run would use.
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/pull_lib.sh
. "$(dirname "$0")/../pull_lib.sh"
pull_setup

# What the hostile layers aim at, as built: a canary file, an empty dir, and
# no `somewhere`.
outside_state() {
	tree_manifest "$REGISTRY_OUTSIDE"
	sha256sum "$REGISTRY_OUTSIDE/canary" /etc/passwd
}

# hostile NAME NEEDLE: lib/hostile-NAME:1 is refused, naming NEEDLE.
hostile() {
	local name=$1 needle=$2 before ref diff left
	need_clan pull
	registry_push hostile "lib/hostile-$name:1" "$name" || die "cannot push the $name image"
	fresh_storage
	before=$(outside_state)
	ref=$REGISTRY/lib/hostile-$name:1
	clan_t pull "$ref"
	assert_refused "$needle"
	assert_eq "$(outside_state)" "$before" "the files hostile layers aim at (in $REGISTRY_OUTSIDE)"
	[ -e "$REGISTRY_OUTSIDE/somewhere" ] && die "$REGISTRY_OUTSIDE/somewhere was created"
	left=$( (find "$CLAN_STORAGE" "$REGISTRY_OUTSIDE" -name 'escape-*'
		find "$(dirname "$CLAN_STORAGE")" -maxdepth 2 -name 'escape-*') 2>/dev/null)
	[ -n "$left" ] && die "files the layer wrote outside it:" "$left"
	# The hostile layer is not in the store, half or whole.
	diff=$(registry_info hostile "$name" diff_ids | tail -n 1)
	[ -e "$CLAN_STORAGE/layers/$(hex "$diff")" ] && die "the refused layer is in the store: layers/$(hex "$diff")"
	assert_no_temp_in_store
	# And a run does not use anything of it: it pulls again and refuses again.
	if clan_runs_images; then
		clan_t run --rm "$ref" true
		assert_refused "$needle"
	fi
}

case_dotdot() { hostile dotdot escape-dotdot; }
case_absolute() { hostile absolute escape-absolute; }
case_symlink() { hostile symlink evil-link; }
case_symlink_dir() { hostile symlink-dir evil-dir; }
case_symlink_rel() { hostile symlink-rel evil-rel; }
case_hardlink() { hostile hardlink evil-passwd; }
case_hardlink_canary() { hostile hardlink-canary evil-canary; }
# Device nodes in a layer (a Debian rootfs tarball made into an image has
# /dev/console, /dev/null...) are skipped, as rootless Podman skips them:
# the pull works, the layer holds no node, the image runs.
case_device_skipped() {
	need_clan pull
	registry_push hostile lib/hostile-device:1 device || die "cannot push the device image"
	fresh_storage
	local ref=$REGISTRY/lib/hostile-device:1 diff layer nodes
	pull_ok "$ref"
	diff=$(registry_info hostile device diff_ids | tail -n 1)
	layer=$CLAN_STORAGE/layers/$(hex "$diff")
	[ -e "$layer/etc/harmless" ] || die "the device layer's other files are not in the store ($layer)"
	nodes=$(find "$layer" \( -type c -o -type b \) -print 2>/dev/null)
	assert_eq "$nodes" "" "device nodes in the stored layer"
	if clan_runs_images; then
		run_ok "ok" "$ref" cat /etc/harmless
	fi
}

# The registry serves the bytes of another layer (same size) for a layer's
# digest: refused, naming both digests; neither is stored.
case_wrong_layer_digest() {
	need_clan pull
	registry_push tamper lib/tamper:1 good || die "cannot push the tamper image"
	registry_push tamper lib/tamper-evil:1 evil || die "cannot push the tamper image"
	local good evil dir
	good=$(registry_info tamper good layers | tail -n 1)
	evil=$(registry_info tamper evil layers | tail -n 1)
	dir=$(registry_image tamper)
	registry_tamper_blob "$good" "$dir/blobs/sha256/$(hex "$evil")" || die "cannot tamper with the registry's storage"
	fresh_storage
	clan_t pull "$REGISTRY/lib/tamper:1"
	assert_refused "$(hex "$good" | cut -c1-12)" "$(hex "$evil" | cut -c1-12)"
	[ -e "$CLAN_STORAGE/blobs/sha256/$(hex "$good")" ] && die "the wrong blob is stored as $good"
	# The layer is uncompressed: its digest is its diff id.
	[ -e "$CLAN_STORAGE/layers/$(hex "$good")" ] && die "a layer was extracted for $good"
	[ -e "$CLAN_STORAGE/layers/$(hex "$evil")" ] && die "the wrong content was extracted as a layer"
	assert_no_temp_in_store
	[ -e "$CLAN_STORAGE/blobs/sha256/.partial-$(hex "$good")" ] && die "the wrong download is kept to resume: blobs/sha256/.partial-$(hex "$good")"
	if clan_runs_images; then
		clan_t run --rm "$REGISTRY/lib/tamper:1" cat /marker
		assert_refused "$(hex "$good" | cut -c1-12)"
		assert_not_contains "$out" evil "the output of a run of the tampered image"
	fi
}

# Pulled by digest, the registry serves another manifest (same size):
# refused, naming both digests.
case_wrong_manifest_digest() {
	need_clan pull
	registry_push tamper lib/mtamper:1 mgood || die "cannot push the tamper image"
	registry_push tamper lib/mtamper-evil:1 mevil || die "cannot push the tamper image"
	local good evil dir
	good=$(registry_info tamper mgood manifest)
	evil=$(registry_info tamper mevil manifest)
	dir=$(registry_image tamper)
	registry_tamper_blob "$good" "$dir/blobs/sha256/$(hex "$evil")" || die "cannot tamper with the registry's storage"
	fresh_storage
	clan_t pull "$REGISTRY/lib/mtamper@$good"
	assert_refused "$(hex "$good" | cut -c1-12)" "$(hex "$evil" | cut -c1-12)"
	[ -z "$(store_layers)" ] || die "layers extracted from a manifest that failed its digest:" "$(store_layers)"
}

# A gzip layer of 32 MiB of zeros (32 KiB of blob) under CLAN_PULL_EXPAND_MIB=8:
# stopped at 8 MiB with the message naming the blob, the image and the
# setting; neither the layer nor its blob stays. The setting raised, it pulls.
case_bomb() {
	need_clan pull
	registry_push bomb lib/bomb:1 bomb || die "cannot push the bomb image"
	local ref=$REGISTRY/lib/bomb:1 blob diff used
	blob=$(registry_info bomb bomb layers | tail -n 1)
	diff=$(registry_info bomb bomb diff_ids | tail -n 1)
	fresh_storage
	CLAN_PULL_EXPAND_MIB=8 clan_t pull "$ref"
	assert_refused "layer $blob of $ref expands past 8 MiB (a decompression bomb?); " \
		"CLAN_PULL_EXPAND_MIB=32 clan pull $ref"
	[ -e "$CLAN_STORAGE/layers/$(hex "$diff")" ] && die "the bomb's layer is in the store"
	[ -e "$CLAN_STORAGE/blobs/sha256/$(hex "$blob")" ] && die "the bomb's blob is in the store"
	assert_no_temp_in_store
	used=$(du -sm "$CLAN_STORAGE" | cut -f1)
	[ "$used" -lt 16 ] || die "the store holds $used MiB after the refusal"
	CLAN_PULL_EXPAND_MIB=0 clan_t pull "$ref"
	assert_refused "CLAN_PULL_EXPAND_MIB='0' is not a number of MiB"
	CLAN_PULL_EXPAND_MIB=64 pull_ok "$ref"
	[ -e "$CLAN_STORAGE/layers/$(hex "$diff")" ] || die "the layer is not in the store once allowed"
}

# Three layers of 6 MiB of zeros: each within its bound of 8 MiB, together
# past the pull's (8 MiB and 20 times the blobs).
case_bomb_pull() {
	need_clan pull
	registry_push bomb lib/bomb-pull:1 bomb-pull || die "cannot push the bomb image"
	fresh_storage
	CLAN_PULL_EXPAND_MIB=8 clan_t pull "$REGISTRY/lib/bomb-pull:1"
	assert_refused " of $REGISTRY/lib/bomb-pull:1 " "(a decompression bomb?)"
	assert_no_temp_in_store
}

t dotdot_escape_refused case_dotdot
t absolute_path_refused case_absolute
t write_through_symlink_refused case_symlink
t write_through_symlink_to_dir_refused case_symlink_dir
t write_through_relative_symlink_refused case_symlink_rel
t hardlink_to_etc_passwd_refused case_hardlink
t hardlink_out_of_layer_refused case_hardlink_canary
t device_node_skipped case_device_skipped
t wrong_layer_digest_refused case_wrong_layer_digest
t wrong_manifest_digest_refused case_wrong_manifest_digest
t gzip_bomb_refused case_bomb
t bomb_over_a_pull_refused case_bomb_pull
finish
