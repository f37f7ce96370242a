# shellcheck shell=bash
# shellcheck disable=SC2154 # rc, out, err: set by tests/lib.sh's run
# The stack cases of scripts/faults.sh: kill -9 of clan, the supervisor,
# slirp4netns, the port forwarder and fuse-overlayfs at the steps of
# `clan up -d` and `clan down`, then the next commands must work and leave
# nothing behind.

# new_stack [slow]: a two-service stack on the busybox rootfs in a new
# project dir owned by the case's user, which becomes the cwd: web (httpd
# on a published port: slirp4netns and the forwarder, health-checked) and
# worker (starts once web is healthy; slow: it ignores SIGTERM, so down
# waits 3 s for it, after it wrote state/term). Sets PORT and STACK_NAME.
new_stack() {
	local dir worker='sleep 100000' grace=''
	if [ "${1:-}" = slow ]; then
		worker="sh -c 'trap \"touch /state/term\" TERM; while :; do sleep 0.2; done'"
		grace='stop_grace_period = 3s'
	fi
	dir=$(mktemp -d "$WORK/proj.XXXXXX") || die "cannot make a project dir"
	PORT=$(python3 "$CLAN_TEST_ROOT/tests/net_tool.py" free-port) || die "no free port"
	STACK_NAME=faults
	mkdir -p "$dir/www" "$dir/state"
	PROJ=$dir
	echo "tiny $RUN" >"$dir/www/index.html"
	cat >"$dir/.clanrc" <<-EOF
		[project]
		name = $STACK_NAME

		[service.web]
		image = dir:$ROOTFS
		command = httpd -f -p 80 -h /www
		bind = ./www:/www:ro
		port = $PORT:80
		healthcheck = wget -q -O /dev/null http://127.0.0.1/index.html
		healthcheck_interval = 200ms
		environment = FAULTS_RUN=$RUN

		[service.worker]
		image = dir:$ROOTFS
		command = $worker
		bind = ./state:/state
		$grace
		depends_on = web
		environment = FAULTS_RUN=$RUN
	EOF
	chown -R "$FU_UID:$FU_GID" "$dir"
	chmod 0755 "$dir"
	cd "$dir" || die "cannot enter $dir"
}

# web_answers: the stack's page comes back on its published port.
web_answers() {
	local body
	body=$(get "http://127.0.0.1:$PORT/index.html" 10) || return 1
	[ "$body" = "tiny $RUN" ]
}

# stack_recovers: after a fault: ps and images answer; up -d starts the
# stack and it serves; down stops it and nothing of it is left.
stack_recovers() {
	assert_store_sane
	uclan_ok up -d
	web_answers || die "the web service does not answer on 127.0.0.1:$PORT after up -d" \
		"ps: $(uclan ps && echo "$out $err")"
	uclan_ok down
	assert_no_leftovers
	assert_no_containers
	note_leftovers
}

# target_pid WHAT: the pid to kill: clan (the command in the background),
# supervisor, slirp4netns, forwarder, fuse-overlayfs.
target_pid() {
	case $1 in
	clan) echo "$BG" ;;
	supervisor) supervisor_pid ;;
	slirp4netns) ours_named slirp4netns | head -n 1 ;;
	forwarder) forwarder_pid | head -n 1 ;;
	fuse-overlayfs) ours_named fuse-overlayfs | head -n 1 ;;
	*) die "target_pid: unknown target $1" ;;
	esac
}

# case_up_kill USER WHAT MARKER: kill -9 WHAT once `clan up -d` reaches
# MARKER (exec, supervisor, container, service, slirp, forwarder;
# ready: up -d has returned).
case_up_kill() {
	local user=$1 what=$2 marker=$3 pid
	fault_user "$user"
	new_stack
	uclan_bg "$WORK/up" up -d
	if [ "$marker" = ready ]; then
		wait "$BG" || die "up -d failed: exit $?" "$(cat "$WORK/up.err")"
	else
		at "$marker" || bg_ended "up -d" "$marker" "$WORK/up.err"
	fi
	pid=$(target_pid "$what")
	kill9 "$pid" "$what"
	if [ "$marker" != ready ]; then
		wait "$BG"
		note "up -d ended with exit $?: $(cat "$WORK/up.err")"
	fi
	stack_recovers
}

# case_down_kill USER WHAT MARKER: the stack up; kill -9 WHAT once
# `clan down` reaches MARKER (exec; term: a service got its SIGTERM and
# down waits for it).
case_down_kill() {
	local user=$1 what=$2 marker=$3 pid
	fault_user "$user"
	new_stack slow
	uclan_ok up -d
	pid=$(supervisor_pid) || die "no supervisor after up -d"
	uclan_bg "$WORK/down" down
	at "$marker" || bg_ended "down" "$marker" "$WORK/down.err"
	[ "$what" = clan ] && pid=$BG
	kill9 "$pid" "$what"
	wait "$BG"
	note "down ended with exit $?: $(cat "$WORK/down.err")"
	uclan ps
	[ "$rc" = 0 ] || die "clan ps after the fault: exit $rc" "stderr: $err"
	uclan_ok down
	assert_no_leftovers
	stack_recovers
}

# case_helper_dies USER WHAT: the stack up; kill -9 WHAT (slirp4netns, the
# forwarder): ps answers, the supervisor starts it again (the stack keeps
# its network and published ports), down works and leaves nothing, and the
# stack comes back up.
case_helper_dies() {
	local user=$1 what=$2 pid
	fault_user "$user"
	new_stack
	uclan_ok up -d
	web_answers || die "the web service does not answer after up -d"
	pid=$(target_pid "$what")
	kill9 "$pid" "$what"
	uclan ps
	[ "$rc" = 0 ] || die "clan ps after the fault: exit $rc" "stderr: $err"
	note "ps after the fault:" "$out" "$err"
	REPLACED=$pid
	poll "m_${what%%4netns}_again" 10 || die "no new $what 10 s after the old one was killed"
	web_answers || die "the web service does not answer after $what was killed"
	uclan_ok down
	assert_no_leftovers
	stack_recovers
}
m_slirp_again() { local p; p=$(ours_named slirp4netns); [ -n "$p" ] && [ "$p" != "$REPLACED" ]; }
m_forwarder_again() { local p; p=$(forwarder_pid); [ -n "$p" ] && [ "$p" != "$REPLACED" ]; }

# case_run_fuse_dies USER MARKER: `clan run --rm` on fuse-overlayfs
# (CLAN_OVERLAY=fuse) of a command that reads its rootfs every 0.1 s;
# kill -9 fuse-overlayfs once it runs (fuse) or once the command runs
# (ran: /ran written): clan run ends, removes the container and leaves nothing, and
# the next run works.
case_run_fuse_dies() {
	local user=$1 marker=$2 pid
	need_fuse_here
	fault_user "$user"
	U+=(CLAN_OVERLAY=fuse)
	uclan_bg "$WORK/run" run --rm -e "FAULTS_RUN=$RUN" "dir:$ROOTFS" \
		sh -c 'touch /ran; while cat /etc/passwd >/dev/null; do sleep 0.1; done; exit 3'
	at "$marker" || bg_ended "clan run" "$marker" "$WORK/run.err"
	pid=$(ours_named fuse-overlayfs | head -n 1)
	kill9 "$pid" fuse-overlayfs
	wait_gone "$BG" 30
	# shellcheck disable=SC2046 # pids, one word each
	alive "$BG" && die "clan run still running 30 s after its fuse-overlayfs was killed" \
		"processes: $(describe $(ours))"
	wait "$BG"
	note "clan run ended with exit $?: $(cat "$WORK/run.err")"
	assert_no_leftovers
	assert_no_containers
	assert_store_sane
	uclan_ok run --rm "dir:$ROOTFS" cat /etc/hostname
	assert_no_leftovers
	assert_no_containers
	note_leftovers
}
m_term() { [ -e "$PROJ/state/term" ]; }
m_ran() { find "$CLAN_STORAGE/containers" -path '*/upper/ran' 2>/dev/null | grep -q .; }

need_fuse_here() {
	command -v fuse-overlayfs >/dev/null || skip_case "fuse-overlayfs missing (apt-get install fuse-overlayfs)"
	[ -c /dev/fuse ] || skip_case "/dev/fuse missing"
}

# case_build_kill USER: kill -9 clan up -d while it builds a deb: image
# (mmdebstrap from the host's Debian mirror, in an empty storage) once apt
# has made the image's dpkg dir: nothing of the build keeps running, and no half image is listed.
case_build_kill() {
	local user=$1 dir
	need_cmd mmdebstrap
	[ "${FAULTS_DEB_BUILD:-0}" = 1 ] ||
		skip_case "builds a deb: image from the Debian mirror (FAULTS_DEB_BUILD=1 runs it)"
	fault_user "$user"
	dir=$(mktemp -d "$WORK/proj.XXXXXX") || die "cannot make a project dir"
	STACK_NAME=faultsbuild
	printf '[project]\nname = %s\n\n[service.app]\nimage = deb:bookworm\ncommand = sleep 100000\nenvironment = FAULTS_RUN=%s\n' \
		"$STACK_NAME" "$RUN" >"$dir/.clanrc"
	chown -R "$FU_UID:$FU_GID" "$dir"
	cd "$dir" || die "cannot enter $dir"
	uclan_bg "$WORK/up" up -d
	at dpkg || bg_ended "up -d" dpkg "$WORK/up.err"
	# shellcheck disable=SC2046 # pids, one word each
	note "running before the kill:" "$(describe $(ours))"
	kill9 "$BG" clan
	wait "$BG"
	assert_no_leftovers
	assert_store_sane
	assert_not_contains "$out" "deb:bookworm" "clan images -a after a killed build"
	uclan ps
	[ "$rc" = 0 ] || die "clan ps after a killed build: exit $rc" "stderr: $err"
	note_leftovers
}
m_dpkg() { find "$CLAN_STORAGE/layers" -maxdepth 4 -path '*/.tmp-*/var/lib/dpkg' 2>/dev/null | grep -q .; }

# case_run_kill USER MARKER: kill -9 `clan run --rm` once its container
# record exists (container) or its command runs (ran): the container's
# processes go with it, ps -a answers, what is left of the container
# (clan could not remove it) is removed by clan rm, and the next run works.
case_run_kill() {
	local user=$1 marker=$2 name
	fault_user "$user"
	uclan_bg "$WORK/run" run --rm -e "FAULTS_RUN=$RUN" "dir:$ROOTFS" sh -c 'touch /ran; sleep 100000'
	at "$marker" || bg_ended "clan run" "$marker" "$WORK/run.err"
	kill9 "$BG" clan
	wait "$BG"
	assert_no_leftovers
	uclan ps -a --format json
	[ "$rc" = 0 ] || die "clan ps -a after the kill: exit $rc" "stderr: $err"
	note "ps -a after the kill: $out"
	for name in $(python3 -c 'import json,sys; print(" ".join(c["name"] for c in json.load(sys.stdin)))' <<<"$out"); do
		uclan_ok rm "$name"
	done
	assert_no_containers
	uclan_ok run --rm "dir:$ROOTFS" true
	assert_no_leftovers
	assert_no_containers
	note_leftovers
}

# case_run_forwarder_dies USER: clan run -p of httpd; kill -9 its port
# forwarder: a new one takes the port and the page answers again; SIGTERM
# to clan run ends it and leaves nothing.
case_run_forwarder_dies() {
	local user=$1 pid
	fault_user "$user"
	new_stack
	uclan_bg "$WORK/run" run --rm -e "FAULTS_RUN=$RUN" -p "$PORT:80" -v "$PROJ/www:/www:ro" \
		"dir:$ROOTFS" httpd -f -p 80 -h /www
	web_answers || die "clan run -p does not answer on 127.0.0.1:$PORT" "$(cat "$WORK/run.err")"
	pid=$(forwarder_pid | head -n 1)
	kill9 "$pid" forwarder
	REPLACED=$pid
	poll m_forwarder_again 10 || die "no new forwarder 10 s after the old one was killed" \
		"$(cat "$WORK/run.err")"
	web_answers || die "clan run -p does not answer after its forwarder was killed"
	kill -TERM "$BG"
	wait_gone "$BG" 20 || die "clan run still running 20 s after SIGTERM"
	wait "$BG"
	note "clan run ended with exit $?: $(cat "$WORK/run.err")"
	assert_no_leftovers
	assert_no_containers
}
