#!/bin/bash
# clan run: the basics a docker user expects (ids, images, env, -w, -u,
# hostname, network, stdin).
# shellcheck disable=SC2016,SC2317 # $vars in single quotes expand inside; cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
use_rootfs

case_root_and_pid1() {
	run clan run --rm "dir:$ROOTFS" /bin/sh -c 'id -u; echo $$'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "0
1" "output of 'id -u; echo \$\$'"
}

case_host_image() {
	local want
	want=$(cat /etc/debian_version)
	run clan run --rm host cat /etc/debian_version
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "$want" "/etc/debian_version inside host image"
}

# The host's / is read-only: a write to a path the user owns on the host
# either fails or goes to the container's own layer, never to the host.
case_host_image_readonly() {
	local d
	d=$(mktemp -d "$HOME/.clan-test-host.XXXXXX") || die "cannot make a dir in \$HOME"
	run clan run --rm host /bin/sh -c "echo x > '$d/written'; mkdir '$d/made'; echo ran"
	local leaked=""
	[ -e "$d/written" ] && leaked="$leaked $d/written"
	[ -e "$d/made" ] && leaked="$leaked $d/made"
	rm -rf -- "$d"
	assert_eq "$leaked" "" "host paths written through the host image (exit $rc, stderr: $err)"
	assert_contains "$out" ran "stdout (the container ran; stderr: $err)"
}

case_path_and_home() {
	run clan run --rm "dir:$ROOTFS" /bin/sh -c 'echo "$PATH"; echo "$HOME"'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	local path home
	path=$(sed -n 1p <<<"$out")
	home=$(sed -n 2p <<<"$out")
	assert_contains ":$path:" ":/bin:" "PATH"
	assert_contains ":$path:" ":/usr/bin:" "PATH"
	assert_eq "$home" /root "HOME for root"
}

case_env_flags() {
	local f
	f=$(mk_tmp)/env
	printf '# a comment\nA=from-file\n\nC=three\nD=with spaces\n' >"$f"
	B=from-host run clan run --rm -e A=one -e B --env-file "$f" -e E=x=y "dir:$ROOTFS" \
		/bin/sh -c 'echo "A=$A"; echo "B=$B"; echo "C=$C"; echo "D=$D"; echo "E=$E"'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "A=one
B=from-host
C=three
D=with spaces
E=x=y" "environment (-e overrides --env-file, -e K takes the host value)"
}

# Host variables do not leak into the container unless asked for.
case_env_not_inherited() {
	CLAN_TEST_SECRET=leak run clan run --rm "dir:$ROOTFS" /bin/sh -c 'echo "[$CLAN_TEST_SECRET]"'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "[]" "a host variable not passed with -e"
}

case_workdir_created() {
	run clan run --rm -w /new/work/dir "dir:$ROOTFS" /bin/sh -c 'pwd; test -d /new/work/dir && echo isdir'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "/new/work/dir
isdir" "pwd with -w"
}

case_user_by_name() {
	run clan run --rm -u app "dir:$ROOTFS" /bin/sh -c 'id -u; id -g; echo "$HOME"'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "1000
1000
/home/app" "id -u, id -g, HOME with -u app"
}

case_user_by_uid_gid() {
	run clan run --rm -u 1234:4321 "dir:$ROOTFS" /bin/sh -c 'id -u; id -g'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "1234
4321" "id -u, id -g with -u 1234:4321"
}

case_hostname() {
	run clan run --rm --hostname foo "dir:$ROOTFS" /bin/sh -c 'hostname; cat /etc/hosts'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$(sed -n 1p <<<"$out")" foo "hostname"
	assert_match "$(sed 1d <<<"$out")" "(^|[[:space:]])foo([[:space:]]|$)" "/etc/hosts"
}

# The hostname is the container's own: the host's does not change.
case_etc_hosts_localhost() {
	run clan run --rm "dir:$ROOTFS" cat /etc/hosts
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_match "$out" "127\.0\.0\.1[[:space:]]+([^#]*[[:space:]])?localhost([[:space:]]|$)" "/etc/hosts"
}

case_hostname_isolated() {
	local before after
	before=$(hostname)
	run clan run --rm --hostname clan-other "dir:$ROOTFS" hostname
	after=$(hostname)
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$after" "$before" "host hostname after the run"
}

case_network_none() {
	run clan run --rm --network none "dir:$ROOTFS" /bin/sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "lo" "interfaces with --network none"
}

case_network_host() {
	local want
	want=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort)
	run clan run --rm --network host "dir:$ROOTFS" /bin/sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "$want" "interfaces with --network host"
}

case_stdin_interactive() {
	local got
	got=$(printf 'hello\nworld\n' | clan run --rm -i "dir:$ROOTFS" cat 2>&1)
	assert_eq "$?" 0 "exit code"
	assert_eq "$got" "hello
world" "stdin through -i"
}

case_args_passed_verbatim() {
	run clan run --rm "dir:$ROOTFS" /bin/sh -c 'for a in "$@"; do echo "[$a]"; done' sh 'a b' '' '$HOME' '-v'
	assert_eq "$rc" 0 "exit code (stderr: $err)"
	assert_eq "$out" "[a b]
[]
[\$HOME]
[-v]" "arguments after IMAGE"
}

t root_and_pid1 case_root_and_pid1
t host_image case_host_image
t host_image_readonly case_host_image_readonly
t path_and_home case_path_and_home
t env_flags case_env_flags
t env_not_inherited case_env_not_inherited
t workdir_created case_workdir_created
t user_by_name case_user_by_name
t user_by_uid_gid case_user_by_uid_gid
t hostname case_hostname
t etc_hosts_localhost case_etc_hosts_localhost
t hostname_isolated case_hostname_isolated
t network_none case_network_none
t network_host case_network_host
t stdin_interactive case_stdin_interactive
t args_passed_verbatim case_args_passed_verbatim
finish
