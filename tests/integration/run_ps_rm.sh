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

case_rm_leaves_nothing() {
	fresh_storage
	run clan run --rm "dir:$ROOTFS" /bin/sh -c 'echo x > /etc/f; mkdir -p /a/b/c; touch /a/b/c/d'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_no_containers
	assert_nothing_mounted
	run clan ps -a
	assert_eq "$rc" 0 "clan ps -a exit code (stderr: $err)"
	assert_eq "$(tail -n +2 <<<"$out" | grep -c .)" 0 "containers listed by ps -a after --rm: $out"
}

case_rm_leaves_nothing_subuid() {
	fresh_storage
	need_subuid
	run clan run --rm --userns subuid "dir:$ROOTFS" /bin/sh -c \
		'mkdir -p /srv/a/b && echo x > /srv/a/b/f && chmod 700 /srv/a && chown -R 33:33 /srv/a'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_no_containers
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

t rm_leaves_nothing case_rm_leaves_nothing
t rm_leaves_nothing_subuid case_rm_leaves_nothing_subuid
t kept_and_listed case_kept_and_listed
t unnamed_kept case_unnamed_kept
t rm_subuid_files case_rm_subuid_files
t rm_unknown case_rm_unknown
t name_conflict case_name_conflict
finish
