#!/bin/bash
# Image archives (issue 15): `clan image save` writes an OCI image layout
# tar that skopeo reads and `clan image load` takes back (save, rmi, load,
# run), for a pulled and a built image (layer tars made from the layer
# dirs, owners as recorded, the same bytes on every save); `clan image load` reads archives that umoci,
# skopeo (oci-archive: and docker-archive:) made; hostile archives are
# refused with one line and leave the store as it was.
# clan-test-timeout: 600
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/pull_lib.sh
. "$(dirname "$0")/../pull_lib.sh"
pull_setup

APP=$REGISTRY/lib/app:1
TOOL=$CLAN_TEST_ROOT/tests/archive_tool.py

push_app() {
	registry_push app lib/app:1 || die "cannot push the app image"
}

# An image built on the app image: a RUN that chowns, deletes (a whiteout)
# and hardlinks, as built:1.
build_image() {
	local dir name=built:1
	push_app
	dir=$(mk_tmp) || die "cannot make a project dir"
	cat >"$dir/Dockerfile" <<EOF
FROM $APP
RUN echo hello > /hello && mkdir /d && echo f > /d/f && chown 1:2 /d/f && ln /hello /hello2 && rm /etc/os-release
CMD ["cat", "/hello"]
EOF
	run timeout -k 5 300 "$CLAN" build --progress plain -t "$name" "$dir"
	[ "$rc" = 0 ] || die "clan build: exit $rc" "$err"
}

# load_ok ARCHIVE: clan image load -i ARCHIVE succeeds; out is its report.
load_ok() {
	clan_t image load -i "$1"
	[ "$rc" = 0 ] || die "clan image load -i $1: exit $rc" "stdout: $out" "stderr: $err"
}

save_ok() {
	clan_t image save "$@"
	[ "$rc" = 0 ] || die "clan image save $*: exit $rc" "stderr: $err"
}

rmi_ok() {
	clan_t rmi "$@"
	[ "$rc" = 0 ] || die "clan rmi $*: exit $rc" "stderr: $err"
}

# Everything of the store but the containers' and runtime dirs, with sizes.
store_snapshot() {
	(cd "$CLAN_STORAGE" && find images layers tags blobs -printf '%p %s\n' 2>/dev/null | LC_ALL=C sort)
}

case_round_trip_pulled() {
	need_clan image save
	push_app
	fresh_storage
	pull_ok "$APP"
	local tar=$LIB_TMP/pulled.tar
	save_ok -o "$tar" "$APP"
	assert_eq "$(tar tf "$tar" | grep -c '^oci-layout$')" 1 "oci-layout in the archive"
	# owners of the pulled layers as the registry's tars had them
	assert_eq "$(python3 "$TOOL" owner "$tar" www)" "33/33" "owner of /www in the saved layer"
	assert_eq "$(python3 "$TOOL" owner "$tar" home/app)" "1000/1000" "owner of /home/app in the saved layer"
	rmi_ok "$APP"
	assert_eq "$(store_layers)" "" "layers after clan rmi"
	load_ok "$tar"
	assert_eq "$out" "Loaded image: $APP" "clan image load's report"
	run_ok "upper-c" "$APP" ls /opaque
	assert_no_temp_in_store
}

case_round_trip_built() {
	need_clan image save
	fresh_storage
	build_image
	local tar=$LIB_TMP/built.tar again=$LIB_TMP/again.tar
	save_ok -o "$tar" built:1
	save_ok -o "$again" built:1
	assert_eq "$(sha256sum <"$tar")" "$(sha256sum <"$again")" "two saves of one image"
	# owners as the RUN and the pulled layer asked for, subuid range or not
	assert_eq "$(python3 "$TOOL" owner "$tar" d/f)" "1/2" "owner of /d/f in the saved layer"
	assert_eq "$(python3 "$TOOL" owner "$tar" www)" "33/33" "owner of /www in the saved layer"
	assert_eq "$(python3 "$TOOL" owner "$tar" etc/.wh.os-release)" "0/0" "the whiteout of /etc/os-release"
	if command -v skopeo >/dev/null; then
		registry_skopeo inspect "oci-archive:$tar" >/dev/null 2>"$LIB_TMP/skopeo.err" ||
			die "skopeo cannot read the archive:" "$(cat "$LIB_TMP/skopeo.err")"
	fi
	rmi_ok built:1
	load_ok "$tar"
	assert_eq "$out" "Loaded image: built:1" "clan image load's report"
	run_ok "hello" built:1
	run_ok "hello" built:1 cat /hello2
	clan_t run --rm built:1 cat /etc/os-release
	assert_ne "$rc" 0 "exit of cat of a file the RUN removed"
	# a loaded image goes out again as it came in
	save_ok -o "$again" built:1
	assert_eq "$(sha256sum <"$again")" "$(sha256sum <"$tar")" "a save of the loaded image"
}

# save to stdout, load from stdin; by id: no name in the archive.
case_pipes_and_ids() {
	need_clan image save
	push_app
	fresh_storage
	pull_ok "$APP"
	local id
	id=$("$CLAN" images -q | head -n 1)
	[ -n "$id" ] || die "clan images -q printed no id"
	run sh -c "'$CLAN' image save '$APP' | '$CLAN' image load"
	[ "$rc" = 0 ] || die "save | load: exit $rc" "$err"
	assert_eq "$out" "Loaded image: $APP" "report of save | load"
	run sh -c "'$CLAN' image save $id | '$CLAN' image load"
	[ "$rc" = 0 ] || die "save ID | load: exit $rc" "$err"
	assert_match "$out" "^Loaded image ID: sha256:[0-9a-f]{64}\$" "report of a load of an image saved by id"
	# the loaded one is an image of its own: no tag, the same content
	run_ok "upper-c" "${out#Loaded image ID: sha256:}" ls /opaque
}

case_umoci_layout() {
	local dir tar=$LIB_TMP/umoci.tar
	dir=$(registry_image app) || die "cannot build the app image with umoci"
	tar -C "$dir" -cf "$tar" . || die "cannot tar the umoci layout"
	fresh_storage
	load_ok "$tar"
	assert_eq "$out" "Loaded image: app:latest" "clan image load's report"
	run_ok "upper-c" app ls /opaque
}

case_skopeo_archives() {
	command -v skopeo >/dev/null || skip_case "skopeo missing (apt-get install skopeo)"
	local dir
	dir=$(registry_image app) || die "cannot build the app image"
	registry_skopeo copy -q "oci:$dir:app" "oci-archive:$LIB_TMP/sk.tar:lib/sk:2" >&2 ||
		die "skopeo copy to oci-archive failed"
	registry_skopeo copy -q "oci:$dir:app" "docker-archive:$LIB_TMP/dk.tar:lib/dk:3" >&2 ||
		die "skopeo copy to docker-archive failed"
	fresh_storage
	load_ok "$LIB_TMP/sk.tar"
	assert_eq "$out" "Loaded image: lib/sk:2" "report of the oci-archive load"
	run_ok "upper-c" lib/sk:2 ls /opaque
	load_ok "$LIB_TMP/dk.tar"
	assert_eq "$out" "Loaded image: lib/dk:3" "report of the docker-archive load"
	run_ok "upper-c" lib/dk:3 ls /opaque
}

# hostile KIND NEEDLE: the archive is refused with one line naming NEEDLE;
# the store and the dirs it aimed at are as they were.
hostile() {
	local kind=$1 needle=$2 tar=$LIB_TMP/hostile-$1.tar before
	python3 "$TOOL" hostile "$kind" "$tar" || die "cannot make the $kind archive"
	before=$(store_snapshot)
	clan_t image load -i "$tar"
	assert_refused "$needle"
	assert_eq "$(store_snapshot)" "$before" "the store after the $kind archive"
	assert_no_temp_in_store
	if [ -e /tmp/clan-absolute-escape ] || [ -e /tmp/clan-symlink-escape ] || [ -e "$LIB_TMP/escaped" ]; then
		die "the $kind archive wrote outside the store"
	fi
}

case_hostile_archives() {
	fresh_storage
	python3 "$TOOL" hostile good "$LIB_TMP/good.tar" || die "cannot make the good archive"
	load_ok "$LIB_TMP/good.tar"
	assert_contains "$("$CLAN" images)" "hostile " "clan images after the good archive"
	hostile dotdot "'../escaped' leaves the archive"
	hostile absolute "'/tmp/clan-absolute-escape' leaves the archive"
	hostile symlink-out "is a symlink to '/tmp', outside the archive"
	hostile symlink-write "outside the archive"
	hostile hardlink "is a hardlink"
	hostile blob-digest "failed verification"
	hostile diff-id "failed verification"
	hostile layer-escape "leaves the layer"
	hostile huge-size "more than the archive holds"
	hostile no-index "not an image archive"
	hostile dup-entry "'index.json' comes twice"
	# not a tar at all
	head -c 4096 /dev/urandom >"$LIB_TMP/noise.tar"
	clan_t image load -i "$LIB_TMP/noise.tar"
	assert_refused "not a readable tar archive"
}

case_usage() {
	need_clan image save
	fresh_storage
	assert_usage_error "$CLAN" image save
	assert_contains "$err" "name an image" "stderr of clan image save"
	assert_usage_error "$CLAN" image load extra
	assert_contains "$err" "extra" "stderr of clan image load extra"
	assert_usage_error "$CLAN" image frobnicate
	assert_contains "$err" "save, load" "stderr of clan image frobnicate"
	assert_usage_error "$CLAN" image load -i "$LIB_TMP/does-not-exist.tar"
	assert_contains "$err" "does-not-exist.tar" "stderr of a load of a missing file"
	clan_t image save -o "$LIB_TMP/none.tar" no-such-image:1
	assert_refused "no such image: no-such-image:1"
	assert_eq "$rc" 1 "exit of a save of a missing image"
	[ ! -e "$LIB_TMP/none.tar" ] || die "a failed save left $LIB_TMP/none.tar"
	[ -z "$(find "$LIB_TMP" -maxdepth 1 -name 'none.tar.tmp-*')" ] || die "a failed save left its temp file"
}

t round_trip_pulled_image case_round_trip_pulled
t round_trip_built_image_owners_whiteouts case_round_trip_built
t save_to_pipe_load_from_pipe_by_id case_pipes_and_ids
t load_umoci_layout case_umoci_layout
t load_skopeo_oci_and_docker_archives case_skopeo_archives
t hostile_archives_refused case_hostile_archives
t usage_errors case_usage
finish
