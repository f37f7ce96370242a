# shellcheck shell=bash
# shellcheck disable=SC2154 # rc, out, err: set by tests/lib.sh's run
# The storage cases of scripts/faults.sh: clan killed during a pull, the
# disk full during a pull, the storage dir read-only, /etc/subuid removed
# between two ups.

# --- root's part: undone by faults.sh after each case ------------------------

# mount_tmpfs DIR SIZE: a tmpfs of SIZE on DIR owned by the case's user.
mount_tmpfs() {
	mount -t tmpfs -o "size=$2,mode=0700,uid=$FU_UID,gid=$FU_GID" clan-faults "$1" ||
		die "cannot mount a tmpfs on $1"
	echo "$1" >>"$FAULT_MOUNTS_FILE"
	FAULT_MOUNTS="${FAULT_MOUNTS:-} $1"
}

# make_readonly DIR: DIR read-only (a read-only bind mount over itself).
make_readonly() {
	mount --bind "$1" "$1" || die "cannot bind-mount $1"
	echo "$1" >>"$FAULT_MOUNTS_FILE"
	FAULT_MOUNTS="${FAULT_MOUNTS:-} $1"
	mount -o remount,bind,ro "$1" || die "cannot make $1 read-only"
}

# undo_readonly DIR: DIR writable again.
undo_readonly() {
	umount "$1" || die "cannot unmount $1"
	sed -i "\\|^$1\$|d" "$FAULT_MOUNTS_FILE"
	FAULT_MOUNTS=${FAULT_MOUNTS// $1/}
}

# drop_subids USER: USER's lines leave /etc/subuid and /etc/subgid (the
# originals are kept for faults.sh to put back).
drop_subids() {
	local f uid
	uid=$(id -u "$1")
	for f in subuid subgid; do
		[ -f "$WORK/$f.bak" ] || cp -p "/etc/$f" "$WORK/$f.bak" || die "cannot back up /etc/$f"
		grep -vE "^($1|$uid):" "/etc/$f" >"/etc/$f.faults-new"
		chmod --reference="/etc/$f" "/etc/$f.faults-new"
		mv -f "/etc/$f.faults-new" "/etc/$f" || die "cannot rewrite /etc/$f"
	done
}

# --- pull ------------------------------------------------------------------------

# pull_setup_here: a registry with the big image (busybox plus 50 MiB of
# random data) and a proxy slowing it to 20 MB/s; from the top level of
# faults.sh (its servers live as long as the script).
pull_setup_here() {
	[ -n "$REGISTRY" ] && return 0
	local why
	if ! why=$(registry_have_tools); then
		PULL_SKIP=$why
		return 0
	fi
	registry_start || {
		PULL_SKIP="cannot start docker-registry on 127.0.0.1"
		return 0
	}
	registry_push big lib/big:1 || PULL_SKIP="cannot build or push the big test image"
	registry_proxy_start 20000000 || PULL_SKIP="cannot start the throttling proxy"
	chmod -R a+rX "$REGISTRY_CACHE"
	BIG_SHA=$(cat "$(registry_image big)/big.sha256")
	export BIG_SHA
}

need_registry() {
	[ -z "${PULL_SKIP:-}" ] || skip_case "$PULL_SKIP"
	[ -n "$REGISTRY" ] || skip_case "no registry"
}

# The big image is in the store, whole: listed, and its 50 MiB file reads
# back with the right sha256.
assert_big_pulled() {
	local ref=$1
	uclan_ok images -a --format json
	assert_contains "$out" "lib/big" "clan images -a after the pull"
	uclan_ok run --rm "$ref" sha256sum /big/random
	assert_eq "${out%% *}" "$BIG_SHA" "sha256 of /big/random"
}

# case_pull_kill USER MARKER: kill -9 clan pull once it reaches MARKER
# (partial: a download under way; blob: the first blob stored; layer_tmp:
# the first layer being extracted): no half image is listed, the next pull
# completes and the image is whole.
case_pull_kill() {
	local user=$1 marker=$2 ref
	need_registry
	fault_user "$user"
	ref=$PROXY/lib/big:1
	uclan_bg "$WORK/pull" pull "$ref"
	at "$marker" || bg_ended "clan pull" "$marker" "$WORK/pull.err"
	kill9 "$BG" clan
	wait "$BG"
	assert_store_sane
	assert_not_contains "$out" "lib/big" "clan images -a after a killed pull"
	assert_no_leftovers
	uclan_ok pull "$ref"
	assert_big_pulled "$ref"
	assert_no_leftovers
	note_leftovers
}

# case_pull_disk_full USER: the storage is a 64 MiB tmpfs: the pull of the
# big image (50 MiB compressed, 50 MiB more extracted) fails with a clan:
# line, lists no image, leaves nothing running; once the disk grows, the
# same pull completes.
case_pull_disk_full() {
	local user=$1 ref
	need_registry
	fault_user "$user"
	mount_tmpfs "$CLAN_STORAGE" 64m
	ref=$REGISTRY/lib/big:1
	uclan pull "$ref"
	[ "$rc" != 0 ] || die "clan pull on a full disk exited 0" "stderr: $err"
	assert_contains "$err" "clan: " "the error of a pull on a full disk"
	note "pull on a full disk: exit $rc: $err"
	assert_store_sane
	assert_not_contains "$out" "lib/big" "clan images -a after a pull on a full disk"
	assert_no_leftovers
	mount -o remount,size=512m "$CLAN_STORAGE" || die "cannot grow the tmpfs"
	uclan_ok pull "$ref"
	assert_big_pulled "$ref"
	assert_no_leftovers
	note_leftovers
}

# --- the storage dir read-only ------------------------------------------------------

# refused_cleanly WHAT: the last clan command failed with a clan: line
# (no crash, no hang: uclan checks those) and started nothing.
refused_cleanly() {
	[ "$rc" != 0 ] || die "$1 on a read-only storage exited 0" "stdout: $out" "stderr: $err"
	assert_contains "$err" "clan: " "the error of $1 on a read-only storage"
	note "$1 on a read-only storage: exit $rc: $err"
	assert_no_leftovers
}

# case_storage_ro USER: the storage read-only before up: up -d, run and
# pull fail cleanly, ps and images still answer; writable again, the stack
# comes up.
case_storage_ro() {
	local user=$1
	fault_user "$user"
	new_stack
	uclan_ok up -d
	uclan_ok down
	make_readonly "$CLAN_STORAGE"
	uclan up -d
	refused_cleanly "clan up -d"
	uclan run --rm "dir:$ROOTFS" true
	refused_cleanly "clan run"
	uclan ps -a
	[ "$rc" = 0 ] || die "clan ps -a on a read-only storage: exit $rc" "stderr: $err"
	uclan images -a
	[ "$rc" = 0 ] || die "clan images -a on a read-only storage: exit $rc" "stderr: $err"
	undo_readonly "$CLAN_STORAGE"
	stack_recovers
}

# case_storage_ro_running USER: the storage becomes read-only under a
# running stack: ps answers, down stops every process (it may fail to
# remove the records, with a clan: line); writable again, down and up work.
case_storage_ro_running() {
	local user=$1
	fault_user "$user"
	new_stack
	uclan_ok up -d
	make_readonly "$CLAN_STORAGE"
	uclan ps
	[ "$rc" = 0 ] || die "clan ps on a read-only storage: exit $rc" "stderr: $err"
	uclan down
	note "down on a read-only storage: exit $rc: $err"
	[ "$rc" = 0 ] || assert_contains "$err" "clan: " "the error of down on a read-only storage"
	assert_no_leftovers
	undo_readonly "$CLAN_STORAGE"
	uclan_ok down
	stack_recovers
}

# --- /etc/subuid removed between two ups -------------------------------------------

# case_subuid_removed USER RUNNING: USER's subuid range goes away after an
# up (RUNNING=1: while the stack runs; 0: after its down): ps and down work,
# the next up either works (single-id mode) or fails naming /etc/subuid,
# and nothing is left; with the range back, up works.
case_subuid_removed() {
	local user=$1 running=$2
	fault_user "$user"
	grep -qE "^($user|$FU_UID):" /etc/subuid || skip_case "$user has no /etc/subuid range"
	new_stack
	uclan_ok up -d
	[ "$running" = 1 ] || uclan_ok down
	drop_subids "$user"
	uclan ps
	[ "$rc" = 0 ] || die "clan ps without a subuid range: exit $rc" "stderr: $err"
	uclan down
	[ "$rc" = 0 ] || die "clan down without a subuid range: exit $rc" "stderr: $err"
	assert_no_leftovers
	uclan up -d
	note "up -d without a subuid range: exit $rc: $err"
	if [ "$rc" = 0 ]; then
		web_answers || die "up -d without a subuid range said ok, but web does not answer"
	else
		assert_contains "$err" "subuid" "why up -d fails without a subuid range"
	fi
	uclan_ok down
	assert_no_leftovers
	restore_subids
	stack_recovers
}
