#!/bin/bash
# Site and user defaults (clan.conf: the site's, the user's, CLAN_*
# variables over both) and storage on a network filesystem: a storage dir
# on one moves to node-local disk with a one-time note, or clan refuses
# with the fix when no node-local dir is usable. The network filesystem is
# sshfs over loopback (this kernel has no NFS client; statfs says FUSE for
# both, and both are shared).
# shellcheck disable=SC2016,SC2317 # cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

use_rootfs
ME=$(id -un)

# site_conf TEXT: a site file for this case (CLAN_SITE_CONFIG), mode 0644.
site_conf() {
	local f
	f=$(mk_tmp)/clan.conf
	printf '%s\n' "$1" >"$f"
	chmod 0644 "$f"
	export CLAN_SITE_CONFIG=$f
}

# user_conf TEXT: the user's file, under a private XDG_CONFIG_HOME.
user_conf() {
	local d
	d=$(mk_tmp)
	mkdir -p "$d/clan"
	printf '%s\n' "$1" >"$d/clan/clan.conf"
	chmod 0644 "$d/clan/clan.conf"
	export XDG_CONFIG_HOME=$d
}

case_site_storage() {
	local base
	base=$(mk_tmp)
	site_conf "[storage]
path = $base/site/\$USER/clan"
	user_conf "; nothing here"
	unset CLAN_STORAGE
	run clan run --rm "dir:$ROOTFS" true
	assert_eq "$rc" 0 "run with the site's storage (stderr: $err)"
	[ -d "$base/site/$ME/clan/containers" ] || die "the site's storage (\$USER expanded) was not used:" "$(find "$base" -maxdepth 4)"
	run clan doctor
	assert_contains "$out" "setting [storage] path = $base/site/$ME/clan (from $CLAN_SITE_CONFIG)" "doctor names the site file"
	rm_runtime_dirs "$base"
}

case_user_over_site_env_over_user() {
	local base
	base=$(mk_tmp)
	site_conf "[storage]
path = $base/site"
	user_conf "[storage]
path = $base/user"
	unset CLAN_STORAGE
	run clan run --rm "dir:$ROOTFS" true
	assert_eq "$rc" 0 "run (stderr: $err)"
	[ -d "$base/user/containers" ] || die "the user's file did not win over the site's"
	[ ! -e "$base/site" ] || die "the site's storage was made although the user's file sets it"
	CLAN_STORAGE=$base/env run clan run --rm "dir:$ROOTFS" true
	[ -d "$base/env/containers" ] || die "CLAN_STORAGE did not win over the files"
	CLAN_STORAGE=$base/env run clan doctor
	assert_contains "$out" "setting [storage] path = $base/env (from CLAN_STORAGE)" "doctor"
	run clan doctor
	assert_contains "$out" "setting [storage] path = $base/user (from $XDG_CONFIG_HOME/clan/clan.conf)" "doctor"
	assert_contains "$out" "setting [run] network: slirp4netns (built in" "doctor (a default)"
	rm_runtime_dirs "$base"
}

case_bad_files() {
	site_conf "; nothing"
	user_conf "[storage]
paht = /x"
	local ufile=$XDG_CONFIG_HOME/clan/clan.conf
	assert_usage_error clan run --rm "dir:$ROOTFS" true
	assert_contains "$err" "$ufile:2: unknown key 'paht' in [storage]; did you mean path?" "stderr"
	user_conf "[runn]
userns = single"
	assert_usage_error clan run --rm "dir:$ROOTFS" true
	assert_contains "$err" "unknown section [runn]; did you mean [run]?" "stderr"
	user_conf "; nothing"
	site_conf "[run]
userns = subgid"
	assert_usage_error clan run --rm "dir:$ROOTFS" true
	assert_contains "$err" ":2: userns 'subgid': it is auto, single or subuid" "stderr"
	site_conf "[storage]
path = /scratch/\$LOGNAME/clan"
	assert_usage_error clan run --rm "dir:$ROOTFS" true
	assert_contains "$err" 'path: $LOGNAME does not expand (only $USER, $UID, $HOME)' "stderr"
	site_conf "[storage]
path = relative/dir"
	assert_usage_error clan run --rm "dir:$ROOTFS" true
	assert_contains "$err" "is an absolute path" "stderr"
	site_conf "path = /x"
	assert_usage_error clan run --rm "dir:$ROOTFS" true
	assert_contains "$err" "outside a section" "stderr"
	# a key a newer clan knows, in the site's file: one warning, and clan runs
	site_conf "[storage]
quota = 10G"
	run clan run --rm "dir:$ROOTFS" true
	assert_eq "$rc" 0 "run with an unknown key in the site's file (stderr: $err)"
	assert_eq "$err" "clan: warning: $CLAN_SITE_CONFIG: unknown key 'quota' in [storage] (ignored)" "stderr"
	# a bad file never keeps a user from stopping or listing what runs
	site_conf "[run]
userns = subgid"
	run clan ps -a
	assert_eq "$rc" 0 "ps with a bad site file (stderr: $err)"
	assert_contains "$err" "clan: warning: $CLAN_SITE_CONFIG:2: userns 'subgid'" "stderr"
	assert_contains "$err" "(ignored by ps)" "stderr"
	site_conf "; fine"
	CLAN_NETWORK=bridge assert_usage_error clan run --rm "dir:$ROOTFS" true
	assert_contains "$err" "CLAN_NETWORK='bridge': it is slirp4netns, none or host" "stderr"
	# doctor reports a bad file rather than refusing to run
	user_conf "[storage]
paht = /x"
	run clan doctor
	assert_eq "$rc" 1 "doctor with a bad user file (stdout: $out)"
	assert_match "$out" "fail  settings: .*:2: unknown key 'paht'" "doctor"
}

# A site file that another user could write is not trusted: its defaults
# are ignored, with one warning, and the command still runs.
case_untrusted_site_file() {
	local base
	base=$(mk_tmp)
	user_conf "; nothing"
	site_conf "[storage]
path = $base/planted"
	chmod 0666 "$CLAN_SITE_CONFIG"
	run clan run --rm "dir:$ROOTFS" true
	assert_eq "$rc" 0 "run (stderr: $err)"
	assert_contains "$err" "clan: warning: $CLAN_SITE_CONFIG is ignored: users other than root and you may write" "stderr"
	[ ! -e "$base/planted" ] || die "a world-writable site file's storage was used"
	chmod 0644 "$CLAN_SITE_CONFIG"
	chmod 0777 "$(dirname "$CLAN_SITE_CONFIG")"
	run clan run --rm "dir:$ROOTFS" true
	assert_contains "$err" "is ignored" "stderr (a world-writable dir)"
	[ ! -e "$base/planted" ] || die "a site file in a world-writable dir was used"
}

case_userns_and_network_defaults() {
	user_conf "[run]
userns = single
network = none"
	site_conf "; nothing"
	run clan run --rm "dir:$ROOTFS" cat /proc/self/uid_map
	assert_eq "$rc" 0 "run (stderr: $err)"
	assert_eq "$(wc -l <<<"$out")" 1 "uid_map lines with userns = single (got: $out)"
	assert_match "$out" "^ +0 +$(id -u) +1$" "the single mapping"
	run clan run --rm "dir:$ROOTFS" cat /proc/net/dev
	assert_eq "$rc" 0 "run (stderr: $err)"
	assert_not_contains "$out" "tap0" "network = none: no slirp4netns tap"
	assert_usage_error clan run --rm -p 18080:80 "dir:$ROOTFS" true
	assert_contains "$err" "--network none" "stderr (-p with the default network none)"
	if [ -c /dev/net/tun ] && command -v slirp4netns >/dev/null; then
		run clan run --rm --network slirp4netns "dir:$ROOTFS" cat /proc/net/dev
		assert_contains "$out" "tap0" "--network beats the file's default"
	fi
}

# --- storage on a network filesystem ------------------------------------------

# sshfs_mount DIR: serves DIR's export/ through an sshd of this user on
# 127.0.0.1 and mounts it at DIR/mnt with sshfs; sshfs_umount (on the
# case's EXIT) undoes it. Sets SSHFS_DIR and SSHD_PID.
sshfs_mount() {
	local d=$1 port try
	SSHFS_DIR=$d
	SSHFS_REMOVE=()
	trap sshfs_umount EXIT
	for c in sshfs /usr/sbin/sshd ssh-keygen fusermount3; do
		if ! command -v "$c" >/dev/null; then
			[ -n "$CLAN_TEST_USERS_MODE" ] && die "$c missing (scripts/deps.sh installs it)"
			skip_case "$c missing on the host"
		fi
	done
	if ! { : <>/dev/fuse; } 2>/dev/null; then skip_case "/dev/fuse is not usable"; fi
	mkdir -p "$d/export" "$d/mnt"
	ssh-keygen -q -t ed25519 -N '' -f "$d/hostkey" || die "ssh-keygen"
	ssh-keygen -q -t ed25519 -N '' -f "$d/userkey" || die "ssh-keygen"
	for try in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 20000))
		cat >"$d/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $d/hostkey
AuthorizedKeysFile $d/userkey.pub
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile $d/sshd.pid
Subsystem sftp internal-sftp
EOF
		rm -f "$d/sshd.pid"
		/usr/sbin/sshd -f "$d/sshd_config" -E "$d/sshd.log" || continue
		wait_for "$d/sshd.pid" 5 || continue
		SSHD_PID=$(cat "$d/sshd.pid")
		if sshfs -p "$port" -o "IdentityFile=$d/userkey,StrictHostKeyChecking=no,UserKnownHostsFile=/dev/null,BatchMode=yes" \
			"127.0.0.1:$d/export" "$d/mnt" 2>"$d/sshfs.err"; then
			return 0
		fi
		kill "$SSHD_PID" 2>/dev/null
		note "try $try: $(cat "$d/sshfs.err")"
	done
	die "cannot mount sshfs over loopback" "$(cat "$d/sshd.log" 2>/dev/null)"
}

sshfs_umount() {
	fusermount3 -u "$SSHFS_DIR/mnt" 2>/dev/null
	[ -n "${SSHD_PID:-}" ] && kill "$SSHD_PID" 2>/dev/null
	# the files a case made to block node-local dirs, and a dir of its own
	[ "${#SSHFS_REMOVE[@]}" -gt 0 ] && rm -rf -- "${SSHFS_REMOVE[@]}"
	return 0
}

case_storage_on_network_fs_moves() {
	local d local_tmp f
	# an existing node-local dir of the user's is found again first
	for f in "/var/tmp/clan-$ME" "/dev/shm/clan-$ME"; do
		[ -e "$f" ] && skip_case "$f exists (this user's node-local storage): it would be chosen"
	done
	d=$(mk_tmp)
	sshfs_mount "$d"
	[ "$(stat -f -c %t "$d/mnt")" = 65735546 ] || die "the sshfs mount is not FUSE"
	local_tmp=$(mk_tmp)
	user_conf "; nothing"
	site_conf "; nothing"
	unset CLAN_STORAGE
	# the default storage dir, under a "home" on the network filesystem
	export XDG_DATA_HOME=$d/mnt/share TMPDIR=$local_tmp
	run clan run --rm "dir:$ROOTFS" echo hi
	assert_eq "$rc" 0 "run with XDG_DATA_HOME on sshfs (stderr: $err)"
	assert_eq "$out" hi "output"
	assert_contains "$err" "clan: note: $d/mnt/share/clan (the default) is on fuse, a network filesystem: images, containers and volumes go to $local_tmp/clan-$ME on this node" "the one-time note"
	[ -d "$local_tmp/clan-$ME/containers" ] || die "the node-local storage was not used"
	[ -z "$(ls -A "$d/export")" ] || die "clan wrote to the network filesystem:" "$(find "$d/export")"
	run clan run --rm "dir:$ROOTFS" true
	assert_eq "$err" "" "stderr of the second run (the note is once)"
	# a named volume is found again by the next command, on this node
	run clan volume create data
	assert_eq "$rc" 0 "volume create (stderr: $err)"
	run clan volume inspect data
	assert_contains "$out" "\"Mountpoint\": \"$local_tmp/clan-$ME/" "the volume's place"
	run clan doctor
	assert_contains "$out" "storage: $d/mnt/share/clan (from the default) is on fuse, a network filesystem: clan keeps images, containers and volumes in $local_tmp/clan-$ME on this node" "doctor"
	assert_contains "$out" "storage dir $local_tmp/clan-$ME: private" "doctor checks the node-local dir"
	# CLAN_STORAGE on the network filesystem moves too
	CLAN_STORAGE=$d/mnt/explicit run clan run --rm "dir:$ROOTFS" true
	assert_eq "$rc" 0 "run (stderr: $err)"
	[ ! -e "$d/export/explicit" ] || die "CLAN_STORAGE on sshfs was written"
	# a TMPDIR that others may write without the sticky bit is passed
	# over: they could swap the dir for a link of theirs (the next
	# candidate is /var/tmp's, made here only when this user has none)
	local open_tmp=$local_tmp/open
	mkdir -m 0777 "$open_tmp" && chmod 0777 "$open_tmp"
	if [ ! -e "/var/tmp/clan-$ME" ]; then
		SSHFS_REMOVE+=("/var/tmp/clan-$ME")
		TMPDIR=$open_tmp run clan run --rm "dir:$ROOTFS" true
		assert_eq "$rc" 0 "run with an open TMPDIR (stderr: $err)"
		assert_contains "$err" "go to /var/tmp/clan-$ME on this node" "the note"
		[ ! -e "$open_tmp/clan-$ME" ] || die "storage was made in a TMPDIR others may write"
		rm_runtime_dirs "/var/tmp/clan-$ME"
	fi
	rm_runtime_dirs "$local_tmp"
}

# No node-local dir usable: clan refuses with the fix, and writes nothing
# to the network filesystem. $TMPDIR is on the network filesystem too, and
# /var/tmp/clan-USER is taken (by a file of the case's own, removed at the
# end; another user's dir there is refused the same way): clan stops
# there rather than move the storage to memory (/dev/shm).
case_storage_on_network_fs_refused() {
	local d
	# outside the file's temp dir, which assert_usage_error checks for mounts
	d=$(mktemp -d /tmp/clan-sshfs.XXXXXX)
	sshfs_mount "$d"
	SSHFS_REMOVE+=("$d")
	local f=/var/tmp/clan-$ME
	[ -e "$f" ] && skip_case "$f exists (clan storage of this user): cannot block it"
	: >"$f" || die "cannot create $f"
	SSHFS_REMOVE+=("$f")
	user_conf "; nothing"
	site_conf "; nothing"
	export CLAN_STORAGE=$d/mnt/store TMPDIR=$d/mnt
	assert_usage_error clan run --rm "dir:$ROOTFS" true
	assert_contains "$err" "the storage dir $d/mnt/store is on fuse, a shared filesystem" "stderr"
	assert_contains "$err" "no node-local dir is usable ($d/mnt/clan-$ME: on fuse too; /var/tmp/clan-$ME: exists and is not a directory: remove it or set CLAN_STORAGE)" "stderr names what was tried, and stops at a dir not ours (no move to memory)"
	assert_contains "$err" "set CLAN_STORAGE to a directory on a local disk" "stderr (the fix)"
	[ -z "$(ls -A "$d/export")" ] || die "clan wrote to the network filesystem:" "$(find "$d/export")"
	run clan doctor
	assert_match "$out" "fail +storage dir $d/mnt/store: on fuse" "doctor"
}

t site_storage case_site_storage
t user_over_site_env_over_user case_user_over_site_env_over_user
t bad_files case_bad_files
t untrusted_site_file case_untrusted_site_file
t userns_and_network_defaults case_userns_and_network_defaults
t storage_on_network_fs_moves case_storage_on_network_fs_moves
t storage_on_network_fs_refused case_storage_on_network_fs_refused
finish
