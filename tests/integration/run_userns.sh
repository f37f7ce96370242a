#!/bin/bash
# clan run --userns auto|single|subuid: the id maps, chown inside, and the
# error when a subuid range or newuidmap is missing.
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
use_rootfs

# Normalises a /proc/PID/[ug]id_map into "inside outside count" lines.
norm_map() {
	awk '{ print $1, $2, $3 }'
}

case_single_map() {
	run clan run --rm --userns single "dir:$ROOTFS" /bin/sh -c 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	local uidmap gidmap
	uidmap=$(sed '/^--$/,$d' <<<"$out" | norm_map)
	gidmap=$(sed '1,/^--$/d' <<<"$out" | norm_map)
	assert_eq "$uidmap" "0 $(id -u) 1" "uid_map with --userns single"
	assert_eq "$gidmap" "0 $(id -g) 1" "gid_map with --userns single"
}

# single: chown succeeds (package managers need it) but changes nothing.
case_single_chown_no_effect() {
	run clan run --rm --userns single "dir:$ROOTFS" /bin/sh -c \
		'touch /tmp/x && chown 33:33 /tmp/x && echo chown-ok; stat -c "%u %g" /tmp/x'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "chown-ok
0 0" "chown 33:33 under --userns single"
}

# single with -u: the host user is the container user.
case_single_user_maps_to_host() {
	local d
	d=$(mk_tmp)
	chmod 0777 "$d"
	run clan run --rm --userns single -u app -v "$d:/data" "dir:$ROOTFS" /bin/sh -c \
		'id -u; cat /proc/self/uid_map; touch /data/f'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$(sed -n 1p <<<"$out")" 1000 "id -u with -u app"
	assert_eq "$(sed 1d <<<"$out" | norm_map)" "1000 $(id -u) 1" "uid_map with --userns single -u app"
	assert_eq "$(stat -c %u "$d/f")" "$(id -u)" "host owner of a file made by app"
}

case_subuid_map() {
	need_subuid
	local start
	start=$(subuid_start)
	run clan run --rm --userns subuid "dir:$ROOTFS" /bin/sh -c 'cat /proc/self/uid_map'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	local map
	map=$(norm_map <<<"$out")
	assert_eq "$(grep -c '' <<<"$map")" 2 "uid_map lines with --userns subuid (map: $map)"
	assert_eq "$(sed -n 1p <<<"$map")" "0 $(id -u) 1" "uid_map line 1"
	assert_match "$(sed -n 2p <<<"$map")" "^1 $start [0-9]+$" "uid_map line 2"
}

case_subuid_chown() {
	need_subuid
	run clan run --rm --userns subuid "dir:$ROOTFS" /bin/sh -c \
		'touch /tmp/x && chown 33:34 /tmp/x && stat -c "%u %g" /tmp/x'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "33 34" "owner after chown 33:34 under --userns subuid"
}

# subuid: -u app runs as a real uid of the range; files made in a bind
# mount by app are owned by that subuid on the host.
case_subuid_user() {
	need_subuid
	run clan run --rm --userns subuid -u app "dir:$ROOTFS" /bin/sh -c 'id -u; touch /tmp/y; stat -c %u /tmp/y'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "1000
1000" "id -u and a new file's owner with -u app"
}

case_auto_picks_mode() {
	run clan run --rm "dir:$ROOTFS" /bin/sh -c 'cat /proc/self/uid_map'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	local n
	n=$(grep -c '' <<<"$out")
	if has_subuid && has_newuidmap; then
		assert_eq "$n" 2 "uid_map lines in auto mode with a subuid range"
	else
		assert_eq "$n" 1 "uid_map lines in auto mode without a subuid range"
	fi
}

case_subuid_without_range() {
	need_nosubuid
	assert_usage_error clan run --rm --userns subuid "dir:$ROOTFS" true
	assert_contains "$err" "subuid" "stderr (names /etc/subuid)"
	assert_match "$err" "usermod|--add-subuids|/etc/subuid" "stderr (names the fix)"
}

# newuidmap missing from PATH: as on a machine without the uidmap package.
case_subuid_without_newuidmap() {
	need_subuid
	local bin
	bin=$(mk_tmp)
	run env PATH="$bin" "$CLAN" run --rm --userns subuid "dir:$ROOTFS" /bin/true
	if [ "$rc" = 0 ]; then
		# clan may look in the standard dirs as well: then hide nothing.
		if [ -x /usr/bin/newuidmap ]; then
			skip_case "clan finds /usr/bin/newuidmap without PATH; scripts/check.sh covers this as root"
		fi
	fi
	if [ "$rc" != 2 ] && [ "$rc" != 125 ]; then
		die "exit: expected 2 or 125, got $rc" "stderr: $err"
	fi
	assert_contains "$err" "newuidmap" "stderr"
	assert_contains "$err" "uidmap" "stderr (names the package)"
	assert_no_containers
}

t single_map case_single_map
t single_chown_no_effect case_single_chown_no_effect
t single_user_maps_to_host case_single_user_maps_to_host
t subuid_map case_subuid_map
t subuid_chown case_subuid_chown
t subuid_user case_subuid_user
t auto_picks_mode case_auto_picks_mode
t subuid_without_range case_subuid_without_range
t subuid_without_newuidmap case_subuid_without_newuidmap
finish
