#!/bin/bash
# clan run without --rm keeps the container; clan ps -a lists it as
# Exited (code); clan rm removes it, subuid-owned files included, without
# root. With --rm nothing is left.
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
use_rootfs

# The line of `clan ps -a` that names NAME.
ps_line() {
	clan ps -a 2>&1 | grep -E "(^|[[:space:]])$1([[:space:]]|$)"
}

# A --rm container's dir leaves containers/ at once and a detached cleaner
# deletes it from trash/: wait (bounded) until trash/ holds only what the
# cleaner must not touch (the names given).
await_trash_empty() {
	local left i
	for i in $(seq 50); do
		left=$(find "$CLAN_STORAGE/trash" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | grep -vxF -e "${1:-}" -e '' || true)
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	die "trash/ still holds after 5 s:" "$left" "$(find "$CLAN_STORAGE/trash" -maxdepth 3 2>&1)"
}

case_rm_leaves_nothing() {
	fresh_storage
	run clan run --rm "dir:$ROOTFS" /bin/sh -c 'echo x > /etc/f; mkdir -p /a/b/c; touch /a/b/c/d'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_no_containers
	assert_nothing_mounted
	run clan ps -a
	assert_eq "$rc" 0 "clan ps -a exit code (stderr: $err)"
	assert_eq "$(tail -n +2 <<<"$out" | grep -c .)" 0 "containers listed by ps -a after --rm: $out"
	await_trash_empty
}

case_rm_leaves_nothing_subuid() {
	fresh_storage
	need_subuid
	run clan run --rm --userns subuid "dir:$ROOTFS" /bin/sh -c \
		'mkdir -p /srv/a/b && echo x > /srv/a/b/f && chmod 700 /srv/a && chown -R 33:33 /srv/a'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_no_containers
	await_trash_empty
}

# What a cleaner killed midway left in trash/ goes with the next --rm, by
# the maps of its own record (subuid-owned files too); a symlink planted
# there is removed, never followed, and the name is free at once.
case_rm_sweeps_trash() {
	fresh_storage
	local keep=$LIB_TMP/precious.$$ id
	mkdir -p "$keep" && echo mine >"$keep/file"
	if has_subuid; then
		run clan run --name left --userns subuid "dir:$ROOTFS" /bin/sh -c \
			'mkdir -p /srv/a && echo x > /srv/a/f && chmod 700 /srv/a && chown -R 33:33 /srv/a'
	else
		run clan run --name left "dir:$ROOTFS" /bin/sh -c 'mkdir -p /srv/a && echo x > /srv/a/f'
	fi
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	id=$(list_containers | grep -v '^names/')
	mkdir -p "$CLAN_STORAGE/trash"
	mv "$CLAN_STORAGE/containers/$id" "$CLAN_STORAGE/trash/$id"
	rm "$CLAN_STORAGE/containers/names/left"
	ln -s "$keep" "$CLAN_STORAGE/trash/evil"
	run clan run --rm --name left "dir:$ROOTFS" true
	assert_eq "$rc" 0 "a --rm run reusing the name at once (stderr: $err)"
	assert_no_containers
	await_trash_empty evil
	[ -f "$keep/file" ] || die "the cleaner followed a symlink in trash/"
}

case_kept_and_listed() {
	fresh_storage
	run clan run --name keepme "dir:$ROOTFS" /bin/sh -c 'echo x > /etc/kept; exit 3'
	assert_eq "$rc" 3 "exit code (stderr: $err)"
	local n
	n=$(count_containers)
	assert_eq "$n" 1 "containers in storage after a run without --rm"
	local line
	line=$(ps_line keepme) || die "clan ps -a does not list keepme:" "$(clan ps -a 2>&1)"
	assert_contains "$line" "Exited (3)" "clan ps -a line for keepme"
	# Only -a shows stopped containers, as docker ps.
	run clan ps
	assert_eq "$rc" 0 "clan ps exit code (stderr: $err)"
	assert_not_contains "$out" keepme "clan ps (running only)"
	assert_exit 0 clan rm keepme
	run clan ps -a
	assert_not_contains "$out" keepme "clan ps -a after clan rm"
	assert_no_containers
}

case_unnamed_kept() {
	fresh_storage
	run clan run "dir:$ROOTFS" true
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	local id
	id=$(list_containers | grep -v '^names/')
	[ -n "$id" ] || die "no container kept in $CLAN_STORAGE/containers"
	run clan ps -a
	assert_contains "$out" "Exited (0)" "clan ps -a"
	# docker shows and takes the id's first 12 characters.
	assert_contains "$out" "${id:0:12}" "clan ps -a (the id)"
	assert_exit 0 clan rm "${id:0:12}"
	assert_no_containers
}

case_rm_subuid_files() {
	fresh_storage
	need_subuid
	run clan run --name subfiles --userns subuid "dir:$ROOTFS" /bin/sh -c \
		'mkdir -p /srv/a/b && echo x > /srv/a/b/f && chmod 700 /srv/a /srv/a/b && chown -R 33:33 /srv/a'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_exit 0 clan rm subfiles
	assert_no_containers
}

case_rm_unknown() {
	fresh_storage
	run clan rm no-such-container
	assert_ne "$rc" 0 "exit code of clan rm no-such-container"
	assert_match "$err" "^clan: .*no-such-container" "stderr"
}

case_name_conflict() {
	fresh_storage
	assert_exit 0 clan run --name twice "dir:$ROOTFS" true
	run clan run --name twice "dir:$ROOTFS" /bin/sh -c 'echo RAN'
	if [ "$rc" != 2 ] && [ "$rc" != 125 ]; then
		die "exit of a second --name twice: expected 2 or 125, got $rc" "stderr: $err"
	fi
	assert_not_contains "$out" RAN "stdout (the command must not run)"
	assert_contains "$err" twice "stderr"
	assert_eq "$(count_containers)" 1 "containers after the conflict"
	assert_exit 0 clan rm twice
}

# rm -f kills the run that owns slirp4netns: its API socket is removed by
# rm, not left in the runtime dir (one per container ever removed).
case_rm_f_leaves_no_socket() {
	fresh_storage
	need_cmd slirp4netns
	local port=$((20000 + RANDOM % 20000)) id sock
	clan run --name sockleft -p "$port:80" "dir:$ROOTFS" sleep 60 </dev/null >/dev/null 2>&1 &
	local pid=$!
	for _ in $(seq 100); do
		id=$(list_containers | grep -v '^names/' | head -n 1)
		[ -n "$id" ] && break
		sleep 0.1
	done
	[ -n "$id" ] || die "clan run did not make a container"
	sock=$(runtime_dir)/net/${id:0:12}.sock
	wait_for "$sock" 10 || die "no slirp4netns socket $sock while the container runs"
	assert_exit 0 clan rm -f sockleft
	wait "$pid" 2>/dev/null
	[ ! -e "$sock" ] || die "clan rm -f left the slirp4netns socket $sock"
	assert_no_containers
}

# The image is shown whole (docker cuts only the command): a long dir:
# path cut at 24 characters named nothing.
case_ps_shows_whole_image() {
	fresh_storage
	local long
	long=$(fresh_rootfs) || die "cannot copy the rootfs"
	[ "${#long}" -gt 24 ] || skip_case "the temp dir path $long is too short to be cut"
	run clan run --name wholeimage "dir:$long" true
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	local line
	line=$(ps_line wholeimage) || die "clan ps -a does not list wholeimage:" "$(clan ps -a 2>&1)"
	assert_contains "$line" "dir:$long" "clan ps -a line for wholeimage"
	assert_exit 0 clan rm wholeimage
}

t rm_leaves_nothing case_rm_leaves_nothing
t rm_leaves_nothing_subuid case_rm_leaves_nothing_subuid
t rm_sweeps_trash case_rm_sweeps_trash
t kept_and_listed case_kept_and_listed
t unnamed_kept case_unnamed_kept
t rm_subuid_files case_rm_subuid_files
t rm_unknown case_rm_unknown
t name_conflict case_name_conflict
t rm_f_leaves_no_socket case_rm_f_leaves_no_socket
t ps_shows_whole_image case_ps_shows_whole_image
finish
