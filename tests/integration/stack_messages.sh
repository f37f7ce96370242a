#!/bin/bash
# What a stack says and leaves behind (issue 11, items 7 and 9): down
# removes its state dir and says when nothing runs; exec of an unknown
# name lists the services; a busy host port names the service and its
# port = line; .clanrc is found from a subdirectory, never one another
# user planted. Busybox services only (fast).
# shellcheck disable=SC2317 # cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
use_rootfs

# new_stack NAME [EXTRA LINES]: a project dir with one sleeping service.
new_stack() {
	local dir
	dir=$(mk_tmp) || die "cannot make a project dir"
	{
		printf '[project]\nname = %s\n[service.web]\nimage = dir:%s\n' "$1" "$ROOTFS"
		printf 'command = sleep 1000\n'
		[ $# -gt 1 ] && printf '%s\n' "$2"
	} >"$dir/.clanrc"
	echo "$dir"
}

case_down_removes_state_dir() {
	fresh_storage
	local dir
	dir=$(new_stack msgdown)
	cd "$dir" || die "no project dir"
	run clan up -d
	assert_eq "$rc" 0 "up -d (stderr: $err)"
	local state
	state=$(find "$(runtime_dir)/stacks" -mindepth 1 -maxdepth 1 -name 'msgdown-*' | head -n 1)
	if [ -z "$state" ] || [ ! -d "$state" ]; then
		die "no state dir for msgdown in $(runtime_dir)/stacks"
	fi
	run clan down
	assert_eq "$rc" 0 "down (stderr: $err)"
	[ ! -e "$state" ] || die "down left $state:" "$(find "$state" 2>&1)"
	# and up works again after it
	run clan up -d
	assert_eq "$rc" 0 "up -d after down (stderr: $err)"
	assert_exit 0 clan down
}

# down removes the lock while another command may wait on it: the waiter
# sees its lock is gone, makes the dir again and starts the stack.
case_up_waiting_while_down_removes() {
	fresh_storage
	need_cmd flock
	local dir state
	dir=$(new_stack msgrace)
	cd "$dir" || die "no project dir"
	clan ps >/dev/null 2>&1
	state=$(find "$(runtime_dir)/stacks" -mindepth 1 -maxdepth 1 -name 'msgrace-*' | head -n 1)
	[ -n "$state" ] || die "no state dir after clan ps"
	flock "$state/lock" sh -c "sleep 1.5; rm -rf '$state'" &
	local holder=$!
	sleep 0.5
	run clan up -d
	wait "$holder"
	assert_eq "$rc" 0 "up -d that waited while the dir was removed (stderr: $err)"
	[ -f "$state/supervisor.pid" ] || die "up did not make the state dir again"
	run clan down
	assert_eq "$rc" 0 "down (stderr: $err)"
}

case_down_nothing_running() {
	fresh_storage
	local dir
	dir=$(new_stack msgidle)
	cd "$dir" || die "no project dir"
	run clan down
	assert_eq "$rc" 0 "down where nothing runs (stderr: $err)"
	assert_contains "$err" "msgidle is not running" "down's stderr"
}

# A state dir that is a symlink (planted, or a mistake) is refused, and
# nothing it points at is removed.
case_down_symlinked_state_dir() {
	fresh_storage
	local dir victim
	dir=$(new_stack msglink)
	cd "$dir" || die "no project dir"
	run clan up -d
	assert_eq "$rc" 0 "up -d (stderr: $err)"
	assert_exit 0 clan down
	local stacks state
	stacks=$(runtime_dir)/stacks
	victim=$(mk_tmp)
	mkdir -p "$victim/logs" && echo keep >"$victim/logs/web.log" && echo keep >"$victim/lock"
	run clan ps
	state=$(find "$stacks" -mindepth 1 -maxdepth 1 -name 'msglink-*' | head -n 1)
	[ -n "$state" ] || die "clan ps made no state dir in $stacks"
	rm -rf "$state" && ln -s "$victim" "$state"
	run clan down
	assert_ne "$rc" 0 "down with a symlinked state dir"
	if [ ! -f "$victim/logs/web.log" ] || [ ! -f "$victim/lock" ]; then
		die "down removed files through the symlink $state -> $victim"
	fi
	rm -f "$state"
	# the stacks dir itself a symlink to a dir holding a state dir
	local moved
	moved=$(mk_tmp)
	mkdir -p "$moved/${state##*/}/logs" && echo keep >"$moved/${state##*/}/logs/web.log"
	mv "$stacks" "$stacks.away" && ln -s "$moved" "$stacks"
	run clan down
	rm -f "$stacks" && mv "$stacks.away" "$stacks"
	assert_ne "$rc" 0 "down with a symlinked stacks dir"
	[ -f "$moved/${state##*/}/logs/web.log" ] ||
		die "down removed files through the symlinked stacks dir"
}

case_exec_unknown_lists_services() {
	fresh_storage
	local dir
	dir=$(new_stack msgexec)
	cd "$dir" || die "no project dir"
	run clan exec nosuch ls
	assert_ne "$rc" 0 "exec nosuch"
	assert_contains "$err" "web" "exec nosuch names the services"
	run clan exec wbe ls
	assert_contains "$err" "did you mean web?" "exec wbe"
}

case_busy_port_names_service() {
	fresh_storage
	need_cmd python3
	local port=$((20000 + RANDOM % 20000)) dir holder
	python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
sys.stdout.write("ready\n"); sys.stdout.flush(); time.sleep(60)' "$port" >"$LIB_TMP/holder.out" &
	holder=$!
	for _ in $(seq 50); do grep -q ready "$LIB_TMP/holder.out" && break; sleep 0.1; done
	dir=$(new_stack msgport "port = $port:80")
	cd "$dir" || die "no project dir"
	run clan up -d
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	assert_ne "$rc" 0 "up -d with a busy port"
	assert_contains "$err" ".clanrc:6: service web, port =" "up's message names the line and service"
	assert_contains "$err" "e.g. port = $((port + 1)):80" "up's example is a port = line"
	assert_not_contains "$err" "-p " "up's message speaks of port =, not -p"
	clan down >/dev/null 2>&1
	return 0
}

# holder_of SUP: the pod's namespace holder under the supervisor SUP (the
# child of it in another network namespace).
holder_of() {
	local p
	for p in $(pgrep -P "$1" -x clan-supervisor); do
		if [ "$(readlink "/proc/$p/ns/net")" != "$(readlink "/proc/$1/ns/net")" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# The pod's namespace holder, which also serves the published ports,
# killed with SIGKILL: the supervisor starts another in the same
# namespaces and says so in its log; the port answers again and a service
# that restarts joins the stack. Killed again and again, it is given up
# on with a message; ps and down still work, down frees the port, and the
# next up serves it again.
case_holder_killed_comes_back() {
	fresh_storage
	need_cmd curl
	need_cmd python3
	local port dir state sup holder new i
	port=$(python3 "$CLAN_TEST_ROOT/tests/net_tool.py" free-port)
	dir=$(mk_tmp)
	printf '[project]\nname = msghold\n[service.web]\nimage = dir:%s\n' "$ROOTFS" >"$dir/.clanrc"
	printf 'command = busybox httpd -f -p 8080 -h /etc\nport = %s:8080\n' "$port" >>"$dir/.clanrc"
	cd "$dir" || die "no project dir"
	run clan up -d
	assert_eq "$rc" 0 "up -d (stderr: $err)"
	assert_contains "$(get "http://127.0.0.1:$port/passwd" 5)" "root:" "the published port before"
	state=$(find "$(runtime_dir)/stacks" -mindepth 1 -maxdepth 1 -name 'msghold-*' | head -n 1)
	sup=$(cut -d' ' -f1 "$state/supervisor.pid")
	holder=$(holder_of "$sup") || die "no namespace holder under the supervisor $sup"
	kill -KILL "$holder"
	new=""
	for _ in $(seq 50); do
		new=$(holder_of "$sup") && [ "$new" != "$holder" ] && break
		new=""
		sleep 0.1
	done
	[ -n "$new" ] || die "no new namespace holder 5 s after the first was killed" \
		"supervisor.log: $(cat "$state/supervisor.log")"
	assert_contains "$(cat "$state/supervisor.log")" "namespace holder, which also serves its published ports, died; started it again" "supervisor.log"
	assert_contains "$(get "http://127.0.0.1:$port/passwd" 5)" "root:" "the published port after the holder came back"
	run clan restart web
	assert_eq "$rc" 0 "restart web with the new holder (stderr: $err)"
	assert_contains "$(get "http://127.0.0.1:$port/passwd" 5)" "root:" "the published port after the restart"
	assert_eq "$(readlink "/proc/$new/ns/net")" "$(readlink "/proc/$(pgrep -n -u "$(id -u)" -f 'httpd -f -p 8080')/ns/net")" \
		"the restarted service's network namespace"
	for i in 1 2 3; do
		holder=$(holder_of "$sup") || die "no holder before kill $((i + 1))"
		kill -KILL "$holder"
		for _ in $(seq 50); do
			new=$(holder_of "$sup") && [ "$new" != "$holder" ] && break
			grep -q "died 4 times" "$state/supervisor.log" && break
			sleep 0.1
		done
	done
	assert_contains "$(cat "$state/supervisor.log")" "died 4 times: the published ports answer no more" "supervisor.log after 4 kills"
	if curl -sf -m 2 "http://127.0.0.1:$port/passwd" >/dev/null 2>&1; then
		die "the port still answers with its holder given up on"
	fi
	run clan ps
	assert_eq "$rc" 0 "ps after the kills (stderr: $err)"
	run clan restart web
	[ "$rc" != 0 ] || die "restart web passed with no holder left"
	assert_contains "$err" "namespace holder is gone" "restart's error"
	run clan down
	assert_eq "$rc" 0 "down after the kills (stderr: $err)"
	python3 -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))' "$port" || die "port $port still taken after down"
	run clan up -d
	assert_eq "$rc" 0 "up -d again (stderr: $err)"
	assert_contains "$(get "http://127.0.0.1:$port/passwd" 5)" "root:" "the published port after up"
	assert_exit 0 clan down
}

# From a subdirectory, as compose: the nearest parent's .clanrc, and the
# project is that dir (one stack, whichever dir up and down run in).
case_clanrc_from_subdir() {
	fresh_storage
	local dir
	dir=$(new_stack msgsub)
	mkdir -p "$dir/src/deep"
	cd "$dir/src/deep" || die "no subdir"
	run clan config --services
	assert_eq "$rc" 0 "config from a subdir (stderr: $err)"
	assert_eq "$out" "web" "the services"
	run clan up -d
	assert_eq "$rc" 0 "up -d from a subdir (stderr: $err)"
	cd "$dir" || die "no project dir"
	run clan ps
	assert_contains "$out" "running" "ps in the project dir after up in a subdir"
	cd "$dir/src" || die "no subdir"
	run clan down
	assert_eq "$rc" 0 "down from another subdir (stderr: $err)"
	assert_contains "$out" "stopped msgsub" "down's output"
}

# A .clanrc above that others may write (a shared /tmp) is not taken.
case_clanrc_parent_not_trusted() {
	fresh_storage
	local top
	top=$(mk_tmp)
	printf '[service.evil]\nimage = dir:%s\ncommand = touch /pwned\n' "$ROOTFS" >"$top/.clanrc"
	chmod 0666 "$top/.clanrc"
	mkdir -p "$top/mine"
	cd "$top/mine" || die "no dir"
	run clan config --services
	assert_eq "$rc" 2 "config under a world-writable .clanrc (stdout: $out)"
	assert_contains "$err" "ignored $top/.clanrc: writable by other users" "config's message"
	assert_not_contains "$out" evil "config's services"
}

# config -q reports every service's error, one "clan: " line each, and
# a deb: suite that is not Debian's with a suggestion (not in mmdebstrap).
case_config_reports_all_errors() {
	local dir
	dir=$(mk_tmp)
	cat >"$dir/.clanrc" <<-'EOF2'
		[service.web]
		image = deb:bookwrom
		[service.db]
		image = busybox
		restart = allways
		[service.cache]
		image = busybox
		depends_on = dbb
	EOF2
	cd "$dir" || die "no project dir"
	run clan config -q
	assert_eq "$rc" 2 "config -q (stderr: $err)"
	assert_contains "$err" "clan: .clanrc:2: image deb:bookwrom: 'bookwrom' is not a Debian suite (did you mean deb:bookworm?)" "config's first error"
	assert_contains "$err" "clan: .clanrc:5: bad restart policy 'allways' (did you mean always?)" "config's second error"
	assert_eq "$(grep -c '^clan: ' <<<"$err")" 2 "error lines (the depends_on waits for the services to load)"
}

# --debug reaches the supervisor that up leaves behind (CLAN_DEBUG in its
# environment, no flag in a struct): it says how it sets a service up in
# its log; the service's command never sees the variable.
case_debug_reaches_the_supervisor() {
	fresh_storage
	local dir state
	dir=$(new_stack msgdebug)
	cd "$dir" || die "no project dir"
	run clan --debug up -d
	assert_eq "$rc" 0 "up -d (stderr: $err)"
	state=$(find "$(runtime_dir)/stacks" -mindepth 1 -maxdepth 1 -name 'msgdebug-*' | head -n 1)
	assert_contains "$(cat "$state/supervisor.log")" "clan: debug: userns" "supervisor.log"
	run clan exec web cat /proc/1/environ
	assert_eq "$rc" 0 "exec (stderr: $err)"
	case $out in *CLAN_DEBUG*) die "the service's environment has CLAN_DEBUG: $out" ;; esac
	run clan down
	assert_eq "$rc" 0 "down (stderr: $err)"
}

t down_removes_state_dir case_down_removes_state_dir
t down_nothing_running case_down_nothing_running
t up_waiting_while_down_removes case_up_waiting_while_down_removes
t debug_reaches_the_supervisor case_debug_reaches_the_supervisor
t down_symlinked_state_dir case_down_symlinked_state_dir
t exec_unknown_lists_services case_exec_unknown_lists_services
t busy_port_names_service case_busy_port_names_service
t holder_killed_comes_back case_holder_killed_comes_back
t clanrc_from_subdir case_clanrc_from_subdir
t config_reports_all_errors case_config_reports_all_errors
t clanrc_parent_not_trusted case_clanrc_parent_not_trusted

# A service that fails its start with terminal controls in its log: up's
# error quotes its last lines, escaped (ESC as \x1b), never raw.
case_failure_lines_are_escaped() {
	fresh_storage
	local dir
	dir=$(mk_tmp) || die "mk_tmp"
	cat >"$dir/.clanrc" <<-EOF
		[service.bad]
		image = dir:$ROOTFS
		command = sh -c "printf '\\033]0;pwned\\007\\033[2Jboom\\n'; exit 3"
	EOF
	cd "$dir" || die "cd"
	run clan up -d
	clan down >/dev/null 2>&1
	[ "$rc" != 0 ] || die "up -d of a service that exits 3 passed"
	assert_contains "$err" 'x1b' "up's error (the ESC shown escaped)"
	if [[ $err == *$'\e'* ]]; then
		die "up's error holds a raw ESC:" "$(printf '%q' "$err")"
	fi
}
t failure_lines_are_escaped case_failure_lines_are_escaped
finish
