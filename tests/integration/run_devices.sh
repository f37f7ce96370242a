#!/bin/bash
# --device and compose's devices: (issue 15): host device nodes bound into
# the container (rootless cannot mknod), refused unless they are character
# or block devices the user may open; CDI names resolved from spec files in
# CLAN_CDI_SPEC_DIRS (device nodes, mounts, env), with hooks refused and
# spec files other users could write skipped. No GPU here: the devices are
# /dev/null, /dev/zero and /dev/kmsg.
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
use_rootfs

case_device_bound_at_target() {
	run clan run --rm --device /dev/null:/dev/mynull "dir:$ROOTFS" sh -c \
		'echo x > /dev/mynull && test -c /dev/mynull && echo ok'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" ok "a character device at /dev/mynull, writable"
	# same path inside when no target is given; it reads as the host's
	run clan run --rm --device /dev/zero:rw "dir:$ROOTFS" sh -c 'head -c 4 /dev/zero | od -An -tx1'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$(echo "$out" | tr -d ' ')" 00000000 "read from /dev/zero"
}

# :r alone is a read-only bind. The kernel does not refuse writes to a
# device node on a read-only mount, so what stops a write rootless is the
# node's own mode: /dev/kmsg is root's, 0644.
case_device_read_only() {
	[ -c /dev/kmsg ] || skip_case "no /dev/kmsg on this machine"
	[ "$(id -u)" != 0 ] || skip_case "root may write /dev/kmsg"
	run clan run --rm --device /dev/kmsg:/dev/k:r "dir:$ROOTFS" sh -c \
		'grep " /dev/k " /proc/self/mountinfo | cut -d" " -f6; echo x > /dev/k && echo WROTE; true'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_match "$out" '^ro,' "the bind's mount options"
	assert_not_contains "$out" WROTE "a write to an :r device"
	# rw on a node the user cannot write: refused before anything starts
	assert_usage_error clan run --rm --device /dev/kmsg "dir:$ROOTFS" true
	assert_contains "$err" "cannot open /dev/kmsg for reading and writing: Permission denied" \
		"the message names the device"
}

case_device_refusals() {
	local d
	d=$(mk_tmp)
	echo data >"$d/file"
	ln -s "$d/file" "$d/link"
	ln -s /dev/null "$d/null-link"
	assert_usage_error clan run --rm --device "$d/file" "dir:$ROOTFS" true
	assert_contains "$err" "is a regular file, not a character or block device" "a regular file"
	assert_usage_error clan run --rm --device "$d" "dir:$ROOTFS" true
	assert_contains "$err" "is a directory" "a directory"
	assert_usage_error clan run --rm --device "$d/link:/dev/x" "dir:$ROOTFS" true
	assert_contains "$err" "is a regular file" "a symlink to a regular file"
	assert_usage_error clan run --rm --device "$d/missing" "dir:$ROOTFS" true
	assert_contains "$err" "No such file" "a missing path"
	assert_usage_error clan run --rm --device dev/null "dir:$ROOTFS" true
	assert_usage_error clan run --rm --device /dev/null:/dev/x:rwx "dir:$ROOTFS" true
	# the runtime's own places and symlinks are not targets
	assert_usage_error clan run --rm --device /dev/null:/dev "dir:$ROOTFS" true
	assert_usage_error clan run --rm --device /dev/null:/dev/pts/x "dir:$ROOTFS" true
	assert_usage_error clan run --rm --device /dev/null:/proc/x "dir:$ROOTFS" true
	assert_usage_error clan run --rm --device /dev/null:/dev/stdout "dir:$ROOTFS" true
	assert_contains "$err" "symlink" "a target through /dev/stdout's symlink"
	# a symlink to a device is followed, as docker does for /dev/disk/by-id
	run clan run --rm --device "$d/null-link:/dev/n" "dir:$ROOTFS" test -c /dev/n
	assert_eq "$rc" 0 "a symlink to /dev/null (stderr: $err)"
}

# An image whose /xvdc is a symlink out of the root: the device target is
# refused, nothing is created outside.
case_device_target_symlink_in_image() {
	local r
	r=$(fresh_rootfs) || die "cannot copy the rootfs"
	ln -s /../../../tmp/escaped "$r/xvdc"
	assert_usage_error clan run --rm --device /dev/null:/xvdc "dir:$r" true
	[ -e /tmp/escaped ] && die "/tmp/escaped was created through the image's symlink"
	true
}

# cdi_dir: a spec dir only the user can write, with example.com/test's
# spec (nodes /dev/null and /dev/zero, a read-only mount of a temp dir,
# env) in FORMAT (json or yaml).
cdi_dir() {
	local d share
	d=$(mk_tmp)
	share=$(mk_tmp)
	echo shared >"$share/file"
	chmod 0755 "$d" "$share"
	if [ "$1" = json ]; then
		cat >"$d/test.json" <<-EOF
			{"cdiVersion": "0.6.0", "kind": "example.com/test",
			 "devices": [{"name": "null", "containerEdits": {
			   "deviceNodes": [{"path": "/dev/cdi-null", "hostPath": "/dev/null"},
			                   {"path": "/dev/zero"}],
			   "mounts": [{"hostPath": "$share", "containerPath": "/cdi",
			               "options": ["ro", "nosuid", "nodev", "bind"]}],
			   "env": ["CDI_TEST=1"]}},
			  {"name": "zero", "containerEdits": {"env": ["ZERO=1"]}}],
			 "containerEdits": {"env": ["SPEC_WIDE=yes"]}}
		EOF
	else
		cat >"$d/test.yaml" <<-EOF
			cdiVersion: "0.5.0"
			kind: example.com/test
			devices:
			  - name: "null"
			    containerEdits:
			      deviceNodes:
			        - {path: /dev/cdi-null, hostPath: /dev/null}
			        - path: /dev/zero
			      mounts:
			        - {hostPath: $share, containerPath: /cdi, options: [ro, bind]}
			      env: [CDI_TEST=1]
			  - name: zero
			    containerEdits: {env: [ZERO=1]}
			containerEdits:
			  env: [SPEC_WIDE=yes]
		EOF
	fi
	chmod 0644 "$d"/*
	echo "$d"
}

CDI_CHECK='test -c /dev/cdi-null && echo x > /dev/cdi-null && test -c /dev/zero &&
cat /cdi/file && echo "$CDI_TEST $SPEC_WIDE ${ZERO:-no}" && ! touch /cdi/new 2>/dev/null'

cdi_run() {
	local d
	d=$(cdi_dir "$1")
	run env CLAN_CDI_SPEC_DIRS="/nonexistent:$d" "$CLAN" run --rm --device example.com/test=null \
		"dir:$ROOTFS" sh -c "$CDI_CHECK"
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "shared"$'\n'"1 yes no" "nodes, mount, env from the $1 spec"
	assert_eq "$err" "" "stderr"
	run env CLAN_CDI_SPEC_DIRS="$d" "$CLAN" run --rm --device example.com/test=all \
		"dir:$ROOTFS" sh -c 'echo "$CDI_TEST $ZERO"; env | grep -c SPEC_WIDE'
	assert_eq "$out" "1 1"$'\n'"1" "=all: every device, the spec's own env once"
}

case_cdi_json() {
	cdi_run json
}

case_cdi_yaml() {
	cdi_run yaml
}

case_cdi_override_order() {
	local a b
	a=$(cdi_dir json)
	b=$(mk_tmp)
	chmod 0755 "$b"
	printf '%s\n' 'cdiVersion: "0.8.0"' 'kind: example.com/test' 'devices:' \
		'  - name: "null"' '    containerEdits: {env: [FROM=later]}' >"$b/over.yaml"
	chmod 0644 "$b/over.yaml"
	run env CLAN_CDI_SPEC_DIRS="$a:$b" "$CLAN" run --rm --device example.com/test=null \
		"dir:$ROOTFS" sh -c 'echo "${FROM:-none} ${CDI_TEST:-none}"; test -e /dev/cdi-null || echo no-node'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "later none"$'\n'"no-node" "the later directory's device wins whole"
}

case_cdi_refusals() {
	local d
	d=$(cdi_dir json)
	assert_usage_error env CLAN_CDI_SPEC_DIRS="$d" "$CLAN" run --rm --device example.com/test=nul \
		"dir:$ROOTFS" true
	assert_contains "$err" "did you mean example.com/test=null" "an unknown name"
	assert_usage_error env CLAN_CDI_SPEC_DIRS="$d" "$CLAN" run --rm --device example.com/gpu=0 \
		"dir:$ROOTFS" true
	assert_contains "$err" "unknown CDI device kind 'example.com/gpu'" "an unknown kind"
	cat >"$d/hook.json" <<-'EOF'
		{"cdiVersion": "0.6.0", "kind": "example.com/hook",
		 "devices": [{"name": "x", "containerEdits": {"deviceNodes": [{"path": "/dev/null"}],
		   "hooks": [{"hookName": "createContainer", "path": "/usr/bin/true"}]}}]}
	EOF
	cat >"$d/file.json" <<-'EOF'
		{"cdiVersion": "0.6.0", "kind": "example.com/file",
		 "devices": [{"name": "x", "containerEdits": {"deviceNodes": [{"path": "/dev/x", "hostPath": "/etc/passwd"}]}}]}
	EOF
	chmod 0644 "$d"/*.json
	assert_usage_error env CLAN_CDI_SPEC_DIRS="$d" "$CLAN" run --rm --device example.com/hook=x \
		"dir:$ROOTFS" true
	assert_contains "$err" "CDI device example.com/hook=x: CDI hooks need a runtime with root" \
		"a spec with a hook"
	assert_usage_error env CLAN_CDI_SPEC_DIRS="$d" "$CLAN" run --rm --device example.com/file=x \
		"dir:$ROOTFS" true
	assert_contains "$err" "/etc/passwd is a regular file" "a deviceNode that is no device"
	# malformed: one line naming the file
	printf '{"cdiVersion": "0.6.0", "kind": ' >"$d/broken.json"
	chmod 0644 "$d/broken.json"
	assert_usage_error env CLAN_CDI_SPEC_DIRS="$d" "$CLAN" run --rm --device example.com/test=null \
		"dir:$ROOTFS" true
	assert_contains "$err" "$d/broken.json" "a malformed spec"
	rm "$d/broken.json"
	printf 'cdiVersion: "0.6.0"\nkind: example.com/up\ndevices:\n  - name: x\n    containerEdits:\n      mounts: [{hostPath: /a/../../etc, containerPath: /x}]\n' >"$d/up.yaml"
	chmod 0644 "$d/up.yaml"
	assert_usage_error env CLAN_CDI_SPEC_DIRS="$d" "$CLAN" run --rm --device example.com/test=null \
		"dir:$ROOTFS" true
	assert_contains "$err" "'..'" "a path with .."
}

# Another user's (or a world-writable) spec must not choose what the
# container gets: skipped with a warning, so its device is unknown.
case_cdi_writable_spec_skipped() {
	local d
	d=$(cdi_dir json)
	chmod 0666 "$d/test.json"
	run env CLAN_CDI_SPEC_DIRS="$d" "$CLAN" run --rm --device example.com/test=null \
		"dir:$ROOTFS" true
	assert_eq "$rc" 2 "exit code (stderr: $err)"
	assert_contains "$err" "clan: warning: CDI spec $d/test.json skipped: other users can write it" \
		"the warning"
	assert_contains "$err" "unknown CDI device kind 'example.com/test'" "the device is unknown"
	assert_contains "$err" "; note: CDI spec $d/test.json skipped" "the error says why"
	chmod 0644 "$d/test.json"
	chmod 0777 "$d"
	run env CLAN_CDI_SPEC_DIRS="$d" "$CLAN" run --rm --device example.com/test=null \
		"dir:$ROOTFS" true
	assert_eq "$rc" 2 "exit code (stderr: $err)"
	assert_contains "$err" "CDI spec directory $d skipped: other users can write it" "a writable dir"
	assert_no_containers
}

case_compose_devices() {
	fresh_storage
	local d dir
	d=$(cdi_dir yaml)
	dir=$(mk_tmp)
	cat >"$dir/compose.yaml" <<-EOF
		services:
		  app:
		    image: dir:$ROOTFS
		    command: ["sh", "-c", "sleep 1000"]
		    devices:
		      - /dev/null:/dev/mynull
		      - {source: /dev/zero, target: /dev/z, permissions: r}
		      - example.com/test=null
	EOF
	cd "$dir" || die "no project dir"
	export CLAN_CDI_SPEC_DIRS=$d
	run clan up -d
	assert_eq "$rc" 0 "up -d (stderr: $err)"
	run clan exec app sh -c "test -c /dev/mynull && test -c /dev/z && $CDI_CHECK"
	assert_eq "$rc" 0 "exec (stderr: $err)"
	assert_eq "$out" "shared"$'\n'"1 yes no" "the CDI device's edits in the service"
	run clan config
	assert_contains "$out" "example.com/test=null" "clan config shows the devices"
	run clan down
	assert_eq "$rc" 0 "down (stderr: $err)"
}

case_compose_devices_refused() {
	fresh_storage
	local dir
	dir=$(mk_tmp)
	printf 'services:\n  app:\n    image: dir:%s\n    command: ["true"]\n    devices: ["dev/null"]\n' \
		"$ROOTFS" >"$dir/compose.yaml"
	cd "$dir" || die "no project dir"
	assert_usage_error clan up -d
	assert_contains "$err" "compose.yaml:5:15: devices: bad device 'dev/null'" "file:line"
	# a CDI device is resolved when the service is made: the supervisor's
	# warnings go to its log, so the error carries the skipped spec
	local d
	d=$(cdi_dir json)
	chmod 0664 "$d/test.json"
	printf 'services:\n  app:\n    image: dir:%s\n    command: ["true"]\n    devices: [example.com/test=null]\n' \
		"$ROOTFS" >"$dir/compose.yaml"
	CLAN_CDI_SPEC_DIRS=$d run clan up -d
	assert_ne "$rc" 0 "up with a spec others could write"
	assert_contains "$err" "clan: service app: unknown CDI device kind 'example.com/test'" "the error"
	assert_contains "$err" "skipped: other users can write it" "why"
	run clan down
}

case_gpu() {
	[ -e /dev/nvidiactl ] || skip_case "no NVIDIA GPU on this machine (nvidia.com/gpu=all needs one and its CDI spec)"
	run clan run --rm --device nvidia.com/gpu=all "dir:$ROOTFS" ls /dev
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_contains "$out" nvidia "the GPU's nodes"
}

t device_bound_at_target case_device_bound_at_target
t device_read_only case_device_read_only
t device_refusals case_device_refusals
t device_target_symlink_in_image case_device_target_symlink_in_image
t cdi_json case_cdi_json
t cdi_yaml case_cdi_yaml
t cdi_override_order case_cdi_override_order
t cdi_refusals case_cdi_refusals
t cdi_writable_spec_skipped case_cdi_writable_spec_skipped
t compose_devices case_compose_devices
t compose_devices_refused case_compose_devices_refused
t gpu case_gpu
finish
