#!/bin/bash
# The image store as docker's commands show it: `clan images` (repository,
# tag, id, created, size), `clan rmi`, `clan system df`, `clan system prune`
# (stopped containers and unused layers go; images and what running
# containers use stay; -a also removes images no container uses).
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/pull_lib.sh
. "$(dirname "$0")/../pull_lib.sh"
pull_setup

APP=$REGISTRY/lib/app:1
ARCH=$(registry_host_arch)
# Two more images, each with a layer of its own above the shared busybox.
OTHER=$REGISTRY/lib/other:1
THIRD=$REGISTRY/lib/third:1

push_all() {
	registry_push app lib/app:1 || die "cannot push the app image"
	registry_push multi lib/other:1 "$ARCH" || die "cannot push the other image"
	registry_push tamper lib/third:1 good || die "cannot push the third image"
}

# The line of `clan images` for REPO (exact first column) and TAG.
images_line() {
	clan images 2>/dev/null | awk -v r="$1" -v t="$2" '$1 == r && $2 == t'
}

# A container that runs until the case ends: `clan run --rm --name NAME REF
# sleep`, waited for (bounded) until clan ps shows it running.
start_busy() {
	local name=$1 ref=$2 tenths=150
	"$CLAN" run --rm --name "$name" "$ref" sleep 120 >"$LIB_TMP/busy.out" 2>"$LIB_TMP/busy.err" </dev/null &
	BUSY_PID=$!
	# shellcheck disable=SC2064 # the pid now
	trap "kill -TERM $BUSY_PID 2>/dev/null; wait $BUSY_PID 2>/dev/null" EXIT
	while [ "$(ps_field "$name" running)" != True ] && [ "$tenths" -gt 0 ]; do
		kill -0 "$BUSY_PID" 2>/dev/null || die "the container $name ended:" "$(cat "$LIB_TMP/busy.err")"
		sleep 0.1
		tenths=$((tenths - 1))
	done
	[ "$(ps_field "$name" running)" = True ] || die "clan ps never showed $name running"
}

stop_busy() {
	kill -TERM "$BUSY_PID" 2>/dev/null
	wait "$BUSY_PID" 2>/dev/null
	trap - EXIT
}

case_images_lists() {
	need_clan pull
	need_clan images
	push_all
	fresh_storage
	pull_ok "$APP"
	clan_t images
	assert_eq "$rc" 0 "exit of clan images (stderr: $err)"
	local header line id
	header=$(head -n 1 <<<"$out")
	for col in REPOSITORY TAG "IMAGE ID" CREATED SIZE; do
		assert_contains "$header" "$col" "the header of clan images"
	done
	line=$(images_line "$REGISTRY/lib/app" 1)
	[ -n "$line" ] || die "clan images does not list $REGISTRY/lib/app 1:" "$out"
	# The id is the config digest, shortened to 12 hex digits as docker does.
	id=$(hex "$(registry_info app app config)")
	assert_contains "$line" "${id:0:12}" "the IMAGE ID of $APP"
	assert_match "$line" "[0-9.]+ ?[kMG]?B( |$)" "the SIZE of $APP"
	assert_eq "$(tail -n +2 <<<"$out" | grep -c .)" 1 "images listed after one pull"
}

case_rmi() {
	need_clan pull
	need_clan rmi
	need_clan images
	push_all
	fresh_storage
	pull_ok "$APP"
	pull_ok "$OTHER"
	clan_t rmi "$OTHER"
	assert_eq "$rc" 0 "exit of clan rmi $OTHER (stderr: $err)"
	[ -z "$(images_line "$REGISTRY/lib/other" 1)" ] || die "clan images still lists $OTHER"
	[ -n "$(images_line "$REGISTRY/lib/app" 1)" ] || die "clan rmi $OTHER removed $APP from clan images"
	# The layer they share stays; the one only OTHER had is gone.
	run_ok kept "$APP" cat /etc/kept
	local own
	own=$(registry_info multi "$ARCH" diff_ids | tail -n 1)
	[ -e "$CLAN_STORAGE/layers/$(hex "$own")" ] && die "clan rmi left the layer only $OTHER used"
	clan_t rmi "$REGISTRY/lib/no-such:1"
	assert_refused "lib/no-such"
}

# docker rmi refuses an image a container (even a stopped one) uses.
case_rmi_in_use() {
	need_clan pull
	need_clan rmi
	push_all
	fresh_storage
	pull_ok "$APP"
	need_run_images
	clan_t run --name stopped-user "$APP" true
	assert_eq "$rc" 0 "exit of clan run --name stopped-user (stderr: $err)"
	clan_t rmi "$APP"
	assert_refused "stopped-user"
	run_ok kept "$APP" cat /etc/kept
	clan_t rm stopped-user
	clan_t rmi "$APP"
	assert_eq "$rc" 0 "exit of clan rmi once the container is gone (stderr: $err)"
}

# A tag that moves to a new image (a re-pull) does not orphan the image a
# running container was made from: prune keeps it (and its layers), rmi of
# its id names the user.
case_moved_tag_keeps_image_in_use() {
	need_clan pull
	need_clan rmi
	local moving=$REGISTRY/lib/moving:1 old new
	registry_push app lib/moving:1 || die "cannot push the first image"
	fresh_storage
	pull_ok "$moving"
	need_run_images
	old=$(clan images -q 2>/dev/null | head -1)
	start_busy old-user "$moving"
	rm -f "$REGISTRY_DIR/pushed/lib%moving:1" # push again, not "already pushed"
	registry_push tamper lib/moving:1 good || die "cannot push the second image"
	pull_ok "$moving"
	new=$(images_line "$REGISTRY/lib/moving" 1 | awk '{print $3}')
	if [ -z "$old" ] || [ -z "$new" ] || [ "$old" = "$new" ]; then
		die "the tag did not move: $old -> $new"
	fi
	clan_t system prune -f
	assert_eq "$rc" 0 "exit of clan system prune (stderr: $err)"
	clan images -q 2>/dev/null | grep -qx "$old" || die "prune deleted the image old-user was made from"
	clan_t rmi "$old"
	assert_refused "old-user"
	stop_busy
}

case_system_df() {
	need_clan pull
	need_clan system df
	push_all
	fresh_storage
	pull_ok "$APP"
	need_run_images
	clan_t run --name df-stopped "$APP" true
	clan_t system df
	assert_eq "$rc" 0 "exit of clan system df (stderr: $err)"
	local header images containers
	header=$(head -n 1 <<<"$out")
	for col in TYPE TOTAL ACTIVE SIZE RECLAIMABLE; do
		assert_contains "$header" "$col" "the header of clan system df"
	done
	images=$(awk '$1 == "Images" { print $2, $3 }' <<<"$out")
	containers=$(awk '$1 == "Containers" { print $2, $3 }' <<<"$out")
	# One image, used by one (stopped, so not active) container.
	assert_eq "$images" "1 1" "TOTAL and ACTIVE of the Images row: $out"
	assert_eq "$containers" "1 0" "TOTAL and ACTIVE of the Containers row: $out"
	clan_t rm df-stopped
}

case_system_prune() {
	need_clan pull
	need_clan images
	need_clan rmi
	need_clan system prune
	push_all
	fresh_storage
	pull_ok "$APP"
	pull_ok "$OTHER"
	pull_ok "$THIRD"
	need_run_images
	clan_t run --name pruned-stopped "$APP" true
	assert_eq "$rc" 0 "exit of clan run --name pruned-stopped (stderr: $err)"
	start_busy pruned-busy "$OTHER"
	# rmi may leave THIRD's own layer for prune to collect.
	clan_t rmi "$THIRD"
	assert_eq "$rc" 0 "exit of clan rmi $THIRD (stderr: $err)"
	clan_t system prune -f
	assert_eq "$rc" 0 "exit of clan system prune -f (stderr: $err)"
	[ -z "$(ps_field pruned-stopped name)" ] || die "clan system prune left the stopped container"
	assert_eq "$(ps_field pruned-busy running)" True "the running container after clan system prune"
	[ -n "$(images_line "$REGISTRY/lib/app" 1)" ] || die "clan system prune removed the tagged image $APP"
	[ -n "$(images_line "$REGISTRY/lib/other" 1)" ] || die "clan system prune removed $OTHER, in use"
	# Exactly the layers of the two images are left.
	assert_eq "$(store_layers)" "$( (image_layer_ids app app; image_layer_ids multi "$ARCH") | LC_ALL=C sort -u)" \
		"layers left after clan system prune"
	stop_busy
	run_ok kept "$APP" cat /etc/kept
	assert_store_clean
}

# prune -a: images no container uses go too; the running one's stays.
case_system_prune_all() {
	need_clan pull
	need_clan images
	need_clan system prune
	push_all
	fresh_storage
	pull_ok "$APP"
	pull_ok "$OTHER"
	need_run_images
	start_busy prune-all-busy "$OTHER"
	clan_t system prune -a -f
	assert_eq "$rc" 0 "exit of clan system prune -a -f (stderr: $err)"
	[ -z "$(images_line "$REGISTRY/lib/app" 1)" ] || die "clan system prune -a kept $APP, which no container uses"
	[ -n "$(images_line "$REGISTRY/lib/other" 1)" ] || die "clan system prune -a removed $OTHER, in use"
	assert_eq "$(store_layers)" "$(image_layer_ids multi "$ARCH")" "layers left after clan system prune -a"
	stop_busy
}

t images_lists_repository_tag_id_created_size case_images_lists
t rmi_removes_image_keeps_shared_layers case_rmi
t rmi_refuses_image_a_container_uses case_rmi_in_use
t moved_tag_keeps_image_in_use case_moved_tag_keeps_image_in_use
t system_df case_system_df
t system_prune_stopped_containers_unused_layers case_system_prune
t system_prune_all_keeps_images_in_use case_system_prune_all
finish
