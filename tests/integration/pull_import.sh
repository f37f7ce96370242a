#!/bin/bash
# An image made by `docker import` of an mmdebstrap tarball (a Debian
# rootfs whose first entries are /dev/console, /dev/null... device nodes),
# on the registry on 127.0.0.1: clan pulls it (the device nodes skipped,
# with a --debug note, never a refusal) and runs it, with the container's
# /dev its own.
# clan-test-timeout: 600
# (the tarball: 25-35 s of mmdebstrap, once per run)
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/pull_lib.sh
. "$(dirname "$0")/../pull_lib.sh"
# shellcheck source=tests/import_lib.sh
. "$(dirname "$0")/../import_lib.sh"

command -v mmdebstrap >/dev/null || skip_case "mmdebstrap missing (apt-get install mmdebstrap)"
pull_setup

IMG=$REGISTRY/library/debian-import:bookworm

push_import() {
	registry_push debimport library/debian-import:bookworm || die "cannot build or push the imported image"
}

# The layer in the store: the one diff id of the image.
import_layer() {
	echo "$CLAN_STORAGE/layers/$(image_layer_ids debimport debimport)"
}

case_pull_names_skipped_devices() {
	push_import
	fresh_storage
	clan_t --debug pull "$IMG"
	assert_eq "$rc" 0 "exit of clan --debug pull (stderr: $(tail -n 5 <<<"$err"))"
	assert_match "$err" "entry '(\./)?dev/console' is a character device \(5:1\): skipped" "--debug"
	assert_match "$err" "entry '(\./)?dev/null' is a character device \(1:3\): skipped" "--debug"
	assert_not_contains "$err" "refusing" "stderr"
	assert_store_clean
	local layer
	layer=$(import_layer)
	[ -d "$layer/etc" ] || die "no layer dir $layer with /etc"
	local left
	left=$(find "$layer/dev" -mindepth 1 \( -type c -o -type b -o -type f \) 2>/dev/null)
	assert_eq "$left" "" "device nodes (or stand-ins) left in the layer's /dev"
	# the symlinks beside them are ordinary entries
	assert_eq "$(readlink "$layer/dev/fd")" /proc/self/fd "the layer's /dev/fd"
}

# Without --debug the skip says nothing: it is not the user's problem.
case_pull_quiet() {
	push_import
	fresh_storage
	pull_ok "$IMG"
	assert_not_contains "$err" "device" "stderr of clan pull"
}

case_run() {
	push_import
	pull_ok "$IMG"
	clan_t run --rm "$IMG" /bin/sh -c 'cat /etc/debian_version; dpkg-query -W -f "\${Package}\n" dpkg'
	assert_eq "$rc" 0 "exit of clan run (stderr: $err)"
	assert_match "$out" $'^12\\.[0-9]+\ndpkg$' "the Debian release and dpkg in the image"
}

# The container's /dev is clan's: real null and zero, a working /dev/fd,
# whatever the layer said.
case_dev_is_ours() {
	push_import
	pull_ok "$IMG"
	clan_t run --rm "$IMG" /bin/sh -c 'for f in null zero urandom; do test -c /dev/$f || echo "not a device: /dev/$f"; done
echo gone >/dev/null && echo null-writable
head -c 4 /dev/zero | od -An -tx1 | tr -d " "
echo fd | cat /dev/fd/0'
	assert_eq "$rc" 0 "exit (stderr: $err)"
	assert_eq "$out" $'null-writable\n00000000\nfd' "/dev in the container (stderr: $err)"
}

# With subordinate ids the tarball's owners are kept (unix_chkpwd is
# root:shadow, gid 42; /var/mail root:mail, 8); with one id every file is the user's, shown as root.
case_owners() {
	push_import
	pull_ok "$IMG"
	clan_t run --rm "$IMG" stat -c '%u:%g' /usr/sbin/unix_chkpwd /var/mail
	assert_eq "$rc" 0 "exit (stderr: $err)"
	if has_subuid && has_newuidmap; then
		assert_eq "$out" $'0:42\n0:8' "owners of unix_chkpwd and /var/mail (subordinate ids)"
	else
		assert_eq "$out" $'0:0\n0:0' "owners of unix_chkpwd and /var/mail (one id)"
	fi
}

# clan run of the image not pulled yet pulls it, devices and all.
case_run_pulls_it() {
	push_import
	fresh_storage
	clan_t run --rm "$IMG" true
	assert_eq "$rc" 0 "exit of clan run of an image not pulled (stderr: $err)"
	assert_not_contains "$err" "refusing" "stderr"
}

t "pull: --debug names each device node skipped, none is left" case_pull_names_skipped_devices
t "pull: the skip is quiet without --debug" case_pull_quiet
t "run: the imported Debian image runs" case_run
t "run: /dev is the container's own" case_dev_is_ours
t "run: the tarball's owners as the id mapping allows" case_owners
t "run: pulls the imported image first" case_run_pulls_it
finish
