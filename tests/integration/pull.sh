#!/bin/bash
# clan pull from a docker-registry on 127.0.0.1 (tests/registry.sh): a
# multi-layer image with whiteouts and an opaque dir, Docker schema 2 and
# OCI manifests, a multi-platform index, zstd layers, pulls by digest, run
# pulling what is missing, a second pull that downloads nothing, ownership
# in subuid and single mode, and the errors of a missing image or registry.
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/pull_lib.sh
. "$(dirname "$0")/../pull_lib.sh"
pull_setup

APP=$REGISTRY/lib/app:1

# What the app image must look like inside: the lower layer's files that an
# upper layer deleted are gone (hand-made .wh. files, a whole dir, a whiteout
# umoci made), /opaque holds only the upper layer's file, no whiteout shows.
WHITEOUT_CHECK='for f in /etc/deleted-in-upper /etc/lower-dir /etc/deleted-by-umoci; do
	test -e $f && echo "still there: $f"; done
cat /etc/kept /etc/layer3 /etc/layer4
echo opaque: $(ls -A /opaque)
find / -xdev -name ".wh.*" | sed "s/^/whiteout visible: /"'
WHITEOUT_WANT='kept
3
4
opaque: upper-c'

# The fixtures themselves: another client (skopeo) sees the images.
case_fixtures() {
	registry_push app lib/app:1 || die "cannot push the app image"
	run registry_skopeo inspect --tls-verify=false "docker://$APP"
	assert_eq "$rc" 0 "skopeo inspect $APP (stderr: $err)"
	assert_contains "$out" "$(registry_info app app manifest)" "skopeo inspect"
}

case_pull_then_run() {
	need_clan pull
	registry_push app lib/app:1 || die "cannot push the app image"
	pull_ok "$APP"
	assert_store_clean
	need_run_images
	clan_t run --rm "$APP" cat /etc/os-release
	assert_eq "$rc" 0 "exit of clan run --rm $APP cat /etc/os-release (stderr: $err)"
	assert_contains "$out" "ID=clantest" "/etc/os-release of the image"
}

case_whiteouts_and_opaque() {
	need_clan pull
	registry_push app lib/app:1 || die "cannot push the app image"
	pull_ok "$APP"
	run_ok "$WHITEOUT_WANT" "$APP" /bin/sh -c "$WHITEOUT_CHECK"
}

# Every layer of the image is in the store once, under its diff id.
case_layers_in_store() {
	need_clan pull
	registry_push app lib/app:1 || die "cannot push the app image"
	fresh_storage
	pull_ok "$APP"
	assert_eq "$(store_layers)" "$(image_layer_ids app app)" "the layer dirs in $CLAN_STORAGE/layers"
}

# clan run of an image not pulled yet pulls it first.
case_run_pulls_missing_image() {
	need_clan pull
	registry_push app lib/app:1 || die "cannot push the app image"
	fresh_storage
	run_ok kept "$APP" cat /etc/kept
	# Now present: a second run downloads no blob.
	local before
	before=$(registry_blob_requests)
	run_ok kept "$APP" cat /etc/kept
	assert_eq "$(registry_blob_requests)" "$before" "blob downloads by a second run"
}

# A second pull of a present image is quick and downloads no blob.
case_second_pull_downloads_nothing() {
	need_clan pull
	registry_push app lib/app:1 || die "cannot push the app image"
	fresh_storage
	local before start ms
	before=$(registry_blob_requests)
	pull_ok "$APP"
	# The count sees clan's downloads: the first pull into an empty store made some.
	[ "$(registry_blob_requests)" -gt "$before" ] || die "the registry's log shows no blob download by the first pull"
	before=$(registry_blob_requests)
	start=$(now_ms)
	pull_ok "$APP"
	ms=$(($(now_ms) - start))
	assert_eq "$(registry_blob_requests)" "$before" "blob downloads by the second pull"
	# The benchmark holds the 50 ms target; this bound only catches a re-pull.
	if [ "$ms" -gt 2000 ]; then
		die "the second pull took ${ms} ms (a present image should take well under a second)"
	fi
	run_ok kept "$APP" cat /etc/kept
}

case_pull_by_digest() {
	need_clan pull
	registry_push app lib/app:1 || die "cannot push the app image"
	fresh_storage
	local ref
	ref=$REGISTRY/lib/app@$(registry_info app app manifest)
	pull_ok "$ref"
	run_ok kept "$ref" cat /etc/kept
}

# The same image as Docker schema 2 (skopeo --format v2s2).
case_docker_schema2() {
	need_clan pull
	registry_push --v2s2 app lib/app-docker:1 || die "cannot push the app image as Docker schema 2"
	fresh_storage
	pull_ok "$REGISTRY/lib/app-docker:1"
	run_ok "$WHITEOUT_WANT" "$REGISTRY/lib/app-docker:1" /bin/sh -c "$WHITEOUT_CHECK"
}

# An OCI index listing another architecture first: clan takes this one's.
case_multi_platform_index() {
	need_clan pull
	registry_push multi lib/multi:1 || die "cannot push the multi-platform index"
	fresh_storage
	pull_ok "$REGISTRY/lib/multi:1"
	run_ok "$(registry_host_arch)" "$REGISTRY/lib/multi:1" cat /etc/arch-marker
}

# The same index as a Docker manifest list.
case_docker_manifest_list() {
	need_clan pull
	registry_push --v2s2 multi lib/multi-docker:1 || die "cannot push the manifest list"
	fresh_storage
	pull_ok "$REGISTRY/lib/multi-docker:1"
	run_ok "$(registry_host_arch)" "$REGISTRY/lib/multi-docker:1" cat /etc/arch-marker
}

# Every layer zstd-compressed; a fresh store, so each one is decompressed.
case_zstd_layers() {
	need_clan pull
	registry_push zstd lib/zstd:1 || die "cannot push the zstd image"
	fresh_storage
	pull_ok "$REGISTRY/lib/zstd:1"
	run_ok "$WHITEOUT_WANT" "$REGISTRY/lib/zstd:1" /bin/sh -c "$WHITEOUT_CHECK"
}

# With a subuid range, files keep their owners: /www is 33:33 inside.
case_owner_kept_in_subuid_mode() {
	need_clan pull
	need_subuid
	registry_push app lib/app:1 || die "cannot push the app image"
	fresh_storage
	pull_ok "$APP"
	run_ok "33:33 33:33" --userns subuid "$APP" /bin/sh -c 'echo $(stat -c %u:%g /www /www/owned-by-33)'
}

# Without one, every file is the user's: root inside.
case_owner_single_mode() {
	need_clan pull
	need_nosubuid
	registry_push app lib/app:1 || die "cannot push the app image"
	fresh_storage
	pull_ok "$APP"
	run_ok "0:0 0:0" --userns single "$APP" /bin/sh -c 'echo $(stat -c %u:%g /www /www/owned-by-33)'
}

case_missing_image() {
	need_clan pull
	clan_t pull "$REGISTRY/lib/no-such-image:1"
	assert_refused "lib/no-such-image"
}

case_missing_tag() {
	need_clan pull
	registry_push app lib/app:1 || die "cannot push the app image"
	clan_t pull "$REGISTRY/lib/app:no-such-tag"
	assert_refused "no-such-tag"
}

# Nothing listens on port 1: a clear error, quickly.
case_unreachable_registry() {
	need_clan pull
	local start
	start=$(now_ms)
	clan_t pull 127.0.0.1:1/lib/app:1
	assert_refused "127.0.0.1:1"
	if [ $(($(now_ms) - start)) -gt 30000 ]; then
		die "clan took more than 30 s to give up on a closed port"
	fi
}

case_bad_reference() {
	need_clan pull
	assert_usage_error clan pull "$REGISTRY/Lib/App:1"
}

t fixtures case_fixtures
t pull_then_run case_pull_then_run
t whiteouts_and_opaque_dir case_whiteouts_and_opaque
t layers_in_store_under_diff_ids case_layers_in_store
t run_pulls_missing_image case_run_pulls_missing_image
t second_pull_downloads_nothing case_second_pull_downloads_nothing
t pull_by_digest case_pull_by_digest
t docker_schema2_manifest case_docker_schema2
t multi_platform_index_picks_this_arch case_multi_platform_index
t docker_manifest_list_picks_this_arch case_docker_manifest_list
t zstd_layers case_zstd_layers
t owner_kept_in_subuid_mode case_owner_kept_in_subuid_mode
t owner_is_user_in_single_mode case_owner_single_mode
t missing_image_named case_missing_image
t missing_tag_named case_missing_tag
t unreachable_registry_named case_unreachable_registry
t bad_reference_is_usage_error case_bad_reference
finish
