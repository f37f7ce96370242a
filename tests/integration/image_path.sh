#!/bin/bash
# CLAN_IMAGE_PATH (issue 15): read-only image stores searched before a
# pull, as Podman's additional image stores. An image pulled into one
# store (made read-only with chmod -R a-w, as on a read-only NFS export)
# runs from another user store without a copy of its layers and without
# any write to the read-only one; `clan images` says which store an image
# is in; clan up uses it too. Stores others could change, links where a
# store has dirs and records naming layers outside the store are refused
# with one line.
# clan-test-timeout: 600
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/pull_lib.sh
. "$(dirname "$0")/../pull_lib.sh"
pull_setup

APP=$REGISTRY/lib/app:1

# shared_store: a store dir holding $APP, then made read-only; prints it.
shared_store() {
	local dir
	registry_push app lib/app:1 >&2 || die "cannot push the app image"
	dir=$(mktemp -d "$LIB_TMP/shared.XXXXXX") || die "cannot make a store dir"
	CLAN_STORAGE=$dir timeout -k 5 "$PULL_TIMEOUT" "$CLAN" pull -q "$APP" >&2 ||
		die "cannot pull $APP into $dir"
	# what of it the user owns (a subuid range's files stay as they are)
	chmod -R a-w "$dir" 2>/dev/null
	echo "$dir"
}

# Every path of a tree with its mode, size, mtime and ctime: a write (even
# a chmod or a new lock file) changes it.
tree_state() {
	find "$1" -printf '%p %m %s %T@ %C@\n' 2>/dev/null | LC_ALL=C sort
}

restore_writable() {
	chmod -R u+w "$1" 2>/dev/null
	return 0
}

case_run_from_read_only_store() {
	need_run_images
	local shared before
	shared=$(shared_store)
	before=$(tree_state "$shared")
	fresh_storage
	export CLAN_IMAGE_PATH=$shared
	run_ok "upper-c" "$APP" ls /opaque
	# the owner the layer has: /www's 33 with a subuid range; without one
	# every file is the user's, root inside
	local owner=0
	has_subuid && owner=33
	run_ok "$owner" "$APP" stat -c %u /www
	assert_eq "$(store_layers)" "" "layers copied into the user's store"
	assert_eq "$(tree_state "$shared")" "$before" "the read-only store after clan run"
	clan_t images
	assert_eq "$rc" 0 "exit of clan images (stderr: $err)"
	assert_contains "$(head -n 1 <<<"$out")" STORE "the header of clan images"
	assert_match "$(grep "^$REGISTRY/lib/app " <<<"$out")" " $shared\$" "the STORE of $APP"
	clan_t images --format json
	assert_eq "$(jq -r '.[0].store' <<<"$out")" "$shared" "store in clan images --format json"
	assert_eq "$(tree_state "$shared")" "$before" "the read-only store after clan images"
	clan_t rmi "$APP"
	assert_refused "is in the read-only store $shared"
	assert_eq "$(tree_state "$shared")" "$before" "the read-only store after clan rmi"
	# without CLAN_IMAGE_PATH the listing is as before: no STORE column
	CLAN_IMAGE_PATH='' clan_t images
	assert_not_contains "$out" STORE "clan images without CLAN_IMAGE_PATH"
	restore_writable "$shared"
}

case_up_uses_read_only_store() {
	need_run_images
	local shared before dir
	shared=$(shared_store)
	before=$(tree_state "$shared")
	fresh_storage
	export CLAN_IMAGE_PATH=$shared
	dir=$(mk_tmp)
	cat >"$dir/compose.yaml" <<EOF
services:
  web:
    image: $APP
    command: ["sleep", "300"]
EOF
	(cd "$dir" && run timeout -k 5 120 "$CLAN" up -d && echo "$rc" >"$LIB_TMP/up.rc" && printf '%s' "$err" >"$LIB_TMP/up.err")
	assert_eq "$(cat "$LIB_TMP/up.rc")" 0 "exit of clan up -d (stderr: $(cat "$LIB_TMP/up.err"))"
	(cd "$dir" && timeout -k 5 60 "$CLAN" exec web ls /opaque) >"$LIB_TMP/exec.out" 2>&1
	(cd "$dir" && timeout -k 5 120 "$CLAN" down) >/dev/null 2>&1
	assert_eq "$(cat "$LIB_TMP/exec.out")" "upper-c" "clan exec web ls /opaque"
	assert_eq "$(store_layers)" "" "layers copied into the user's store"
	assert_eq "$(tree_state "$shared")" "$before" "the read-only store after clan up and down"
	restore_writable "$shared"
}

# A store made by hand: a record of image fake:1 whose one layer is
# LAYER_ID; prints the store's dir.
fake_store() {
	local layer_id=$1 dir id
	dir=$(mktemp -d "$LIB_TMP/fake.XXXXXX") || die "cannot make a store dir"
	chmod 0755 "$dir"
	id=sha256:$(printf 'fake' | sha256sum | cut -d' ' -f1)
	mkdir -p "$dir/images/${id#sha256:}" "$dir/tags" "$dir/layers" "$dir/blobs/sha256"
	printf '{"id": "%s", "manifest": null, "layers": ["%s"], "env": [], "entrypoint": [], "cmd": ["/bin/true"], "workdir": null, "user": null, "created": 1, "size": 0, "source": "build", "packages": []}\n' \
		"$id" "$layer_id" >"$dir/images/${id#sha256:}/image.json"
	ln -s "$id" "$dir/tags/docker.io%2Flibrary%2Ffake:1"
	echo "$dir"
}

# refused_by STORE NEEDLE: clan run fake:1 with CLAN_IMAGE_PATH=STORE fails
# with one line naming NEEDLE, and pulls nothing.
refused_by() {
	CLAN_IMAGE_PATH=$1 clan_t run --rm fake:1
	assert_refused "$2"
	assert_not_contains "$err" "Unable to find image" "stderr"
}

case_hostile_stores() {
	fresh_storage
	local layer secret store
	layer=sha256:$(printf 'layer' | sha256sum | cut -d' ' -f1)
	secret=$(mk_tmp)
	echo "secret" >"$secret/key"
	# a layer dir that is a link to the user's own files
	store=$(fake_store "$layer")
	ln -s "$secret" "$store/layers/${layer#sha256:}"
	refused_by "$store" "is not a directory (a symlink)"
	# a record naming a layer outside the store
	store=$(fake_store "sha256:../../../../../..$secret")
	refused_by "$store" "bad layer id"
	# a layer the store lacks
	store=$(fake_store "$layer")
	refused_by "$store" "is missing from the store"
	# a store others could write to
	store=$(fake_store "$layer")
	chmod o+w "$store/layers"
	refused_by "$store" "writable by others than its owner"
	chmod o-w "$store/layers"
	chmod g+w "$store"
	refused_by "$store" "writable by others than its owner"
	chmod g-w "$store"
	# a link where the store has a dir
	mv "$store/images" "$store/images.real"
	ln -s images.real "$store/images"
	refused_by "$store" "is not a directory (a symlink)"
	# a FIFO for a record: skipped, never read (it would hang)
	store=$(fake_store "$layer")
	rm "$store"/images/*/image.json
	mkfifo "$(echo "$store"/images/*)/image.json"
	CLAN_IMAGE_PATH=$store clan_t images
	assert_eq "$rc" 0 "exit of clan images with a FIFO for a record (stderr: $err)"
	assert_not_contains "$out" fake "clan images with a FIFO for a record"
	# not absolute, not there
	refused_by "relative/store" "CLAN_IMAGE_PATH='relative/store': it is a list of absolute paths"
	refused_by "$LIB_TMP/no-such-store" "is not an image store directory"
	assert_usage_error env CLAN_IMAGE_PATH="relative/store" "$CLAN" images
	assert_eq "$(store_layers)" "" "layers in the user's store"
}

t run_from_read_only_store case_run_from_read_only_store
t up_uses_read_only_store case_up_uses_read_only_store
t hostile_stores_refused case_hostile_stores
finish
