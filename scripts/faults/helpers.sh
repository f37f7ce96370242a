# shellcheck shell=bash
# shellcheck disable=SC2154 # rc, out, err: set by tests/lib.sh's run
# Helpers of scripts/faults.sh (sourced after tests/lib.sh, as root): run
# clan as a test user, find the processes of this run, wait for the markers
# a fault is injected at, and check what must hold after a fault.
#
# A process belongs to this run when its environment holds FAULTS_RUN=$RUN:
# every command started here carries it, clan's helpers inherit it, and the
# services of the stacks here set it. Other users of the same test accounts
# (a make check running beside this script) are never looked at or killed.

# Seconds any one clan command may take before it counts as hung.
: "${FAULT_TIMEOUT:=120}"

# --- the user a case runs as --------------------------------------------------

# fault_user USER: the current case runs as USER, with a fresh storage dir
# (CLAN_STORAGE) owned by USER and, for the subuid user, a private
# XDG_RUNTIME_DIR. Sets FU, FU_UID, FU_GID, FU_XDG and the U array (the
# prefix that runs a command as FU, see fault_user_env).
fault_user() {
	FU=$1
	FU_UID=$(id -u "$FU") || die "no user $FU"
	FU_GID=$(id -g "$FU")
	FU_XDG=""
	if [ "$FU" = "$SUB_USER" ]; then
		FU_XDG=$WORK/run-$FU_UID
		install -d -m 0700 -o "$FU_UID" -g "$FU_GID" "$FU_XDG"
	fi
	CLAN_STORAGE=$(mktemp -d "$WORK/storage.XXXXXX") || die "cannot make a storage dir"
	chown "$FU_UID:$FU_GID" "$CLAN_STORAGE"
	chmod 0700 "$CLAN_STORAGE"
	fault_user_env
}

# fault_user_env: (re)makes U for FU and the current CLAN_STORAGE.
fault_user_env() {
	export CLAN_STORAGE
	local home
	home=$(getent passwd "$FU" | cut -d: -f6)
	# setpriv execs (runuser forks): the pid of `"${U[@]}" CMD &` is CMD's.
	U=(setpriv --reuid="$FU_UID" --regid="$FU_GID" --init-groups --inh-caps=-all --
		env -i HOME="$home" USER="$FU" LOGNAME="$FU" LANG=C.UTF-8
		PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
		CLAN_STORAGE="$CLAN_STORAGE" FAULTS_RUN="$RUN")
	[ -n "$FU_XDG" ] && U+=(XDG_RUNTIME_DIR="$FU_XDG")
	return 0
}

# uclan ARGS...: clan as the case's user under a timeout, stdin from
# /dev/null; sets rc, out and err (tests/lib.sh's run). A hang fails.
uclan() {
	run timeout -k 5 "$FAULT_TIMEOUT" "${U[@]}" "$CLAN" "$@"
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		die "clan $*: still running after ${FAULT_TIMEOUT}s" "stdout: $out" "stderr: $err"
	fi
	case $err in
	*"AddressSanitizer"* | *"runtime error"* | *"Segmentation"* | *"Aborted"*)
		die "clan $* crashed (exit $rc):" "$err"
		;;
	esac
	return 0
}

# uclan_ok ARGS...: clan ARGS exits 0.
uclan_ok() {
	uclan "$@"
	[ "$rc" = 0 ] || die "clan $* (in $PWD): exit $rc" "stdout: $out" "stderr: $err"
}

# uclan_bg LOG ARGS...: starts clan ARGS as the case's user in the
# background; BG is its pid (clan's own, see fault_user).
uclan_bg() {
	local log=$1
	shift
	"${U[@]}" "$CLAN" "$@" >"$log.out" 2>"$log.err" </dev/null &
	BG=$!
}

# --- processes ------------------------------------------------------------------

# Whether PID is alive (a zombie is not: it waits for init to reap it).
alive() {
	local s
	s=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$s" ] && [ "${s%% *}" != Z ] && [ "${s%% *}" != X ]
}

# ours: the live pids of this run's processes, one a line: the test
# users' processes that carry this run's tag or name its work dir on their
# command line (helpers started with a clean environment: mmdebstrap).
ours() {
	local f p uids
	uids=" $(id -u "$SUB_USER") $(id -u "$NOSUB_USER") "
	{
		grep -lszxF "FAULTS_RUN=$RUN" /proc/[0-9]*/environ
		grep -lsF "$WORK/" /proc/[0-9]*/cmdline
	} | while read -r f; do
		p=${f#/proc/}
		p=${p%/*}
		case $uids in *" $(stat -c %u "/proc/$p" 2>/dev/null) "*) ;; *) continue ;; esac
		alive "$p" && echo "$p"
	done | sort -un
	return 0
}

# ours_named COMM: this run's live processes whose comm is COMM.
ours_named() {
	local p
	for p in $(ours); do
		[ "$(cat 2>/dev/null "/proc/$p/comm")" = "$1" ] && echo "$p"
	done
	return 0
}

# describe PID...: a ps line for each pid, for failure messages.
describe() {
	local p
	for p in "$@"; do
		echo "$p $(cat 2>/dev/null "/proc/$p/comm"): $(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | cut -c1-160)"
	done
}

# wait_gone PID [SECS]: PID has exited (bounded; default 10 s).
wait_gone() {
	local end=$((SECONDS + ${2:-10}))
	while alive "$1" && [ "$SECONDS" -lt "$end" ]; do
		sleep 0.1
	done
	! alive "$1"
}

# kill9 PID WHAT: SIGKILL to PID (one of ours) and wait until it is gone.
kill9() {
	[ -n "$1" ] || die "no $2 to kill"
	kill -KILL "$1" 2>/dev/null || die "$2 (pid $1) was already gone"
	wait_gone "$1" 10 || die "$2 (pid $1) still alive 10 s after SIGKILL"
	note "killed $2 (pid $1)"
}

# reap_ours: SIGKILL to whatever this run left running (by pid); the end
# of each case and of the script.
reap_ours() {
	local p
	for p in $(ours); do kill -KILL "$p" 2>/dev/null; done
	return 0
}

# --- markers: the steps of a command a fault is injected at ---------------

# poll FUNC [SECS]: calls FUNC every 20 ms until it succeeds (bounded,
# default 60 s); fails if it never does.
poll() {
	local fn=$1 end=$((SECONDS + ${2:-60}))
	while [ "$SECONDS" -lt "$end" ]; do
		"$fn" && return 0
		sleep 0.02
	done
	"$fn"
}

# The runtime dir of the case's user (XDG_RUNTIME_DIR/clan or the one the
# storage points to).
runtime_dir() {
	if [ -n "$FU_XDG" ]; then
		echo "$FU_XDG/clan"
	else
		cat "$CLAN_STORAGE/runtime-dir" 2>/dev/null
	fi
}

# supervisor_pid: the live supervisor of the stack in $PWD's project (its
# pid file names it); non-zero when none.
supervisor_pid() {
	local run f pid
	run=$(runtime_dir) || return 1
	[ -n "$run" ] || return 1
	for f in "$run"/stacks/"$STACK_NAME"-*/supervisor.pid; do
		pid=$(cut -d' ' -f1 "$f" 2>/dev/null) || continue
		if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = clan-supervisor ] && alive "$pid"; then
			echo "$pid"
			return 0
		fi
	done
	return 1
}

m_exec() { [ "$(readlink "/proc/$BG/exe" 2>/dev/null)" = "$CLAN" ]; }
m_supervisor() { supervisor_pid >/dev/null; }
m_container() {
	find "$CLAN_STORAGE/containers" -mindepth 2 -maxdepth 2 -name container.json 2>/dev/null | grep -q .
}
m_service() { [ -n "$(ours_named httpd)" ]; }
m_slirp() { [ -n "$(ours_named slirp4netns)" ]; }
m_forwarder() { [ -n "$(forwarder_pid)" ]; }
m_fuse() { [ -n "$(ours_named fuse-overlayfs)" ]; }
m_partial() { find "$CLAN_STORAGE/blobs" -name '.partial-*' -size +1M 2>/dev/null | grep -q .; }
m_blob() { find "$CLAN_STORAGE/blobs/sha256" -mindepth 1 -maxdepth 1 ! -name '.*' 2>/dev/null | grep -q .; }
m_layer_tmp() { find "$CLAN_STORAGE/layers" -mindepth 1 -maxdepth 1 -name '.tmp-*' 2>/dev/null | grep -q .; }

# The port forwarder: the process that holds the published port and is
# neither the supervisor nor clan run (which keep the listening socket too).
forwarder_pid() {
	local p sup
	sup=$(supervisor_pid) || sup=""
	for p in $(ss -Htlnp "sport = :$PORT" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
		[ "$p" = "$sup" ] || [ "$p" = "${BG:-}" ] && continue
		grep -qszxF "FAULTS_RUN=$RUN" "/proc/$p/environ" && echo "$p"
	done
	return 0
}

# at MARKER: waits (bounded) for the marker while the background command
# BG runs; fails when BG ends first or the marker never shows.
at() {
	local fn=m_$1 end=$((SECONDS + 60))
	while [ "$SECONDS" -lt "$end" ]; do
		"$fn" && return 0
		if ! alive "$BG"; then
			"$fn" && return 0
			return 1
		fi
		sleep 0.02
	done
	return 1
}

# bg_ended WHAT MARKER LOG: fails the case: the background command ended
# before the marker showed.
bg_ended() {
	wait "$BG"
	die "$1 ended (exit $?) before the marker $2" "$(cat "$3")"
}

# --- what must hold after a fault -------------------------------------------

# Mount points under the case's storage in the host's mount table, other
# than the ones this script made (FAULT_MOUNTS).
stray_mounts() {
	local mp
	awk '{print $5}' /proc/self/mountinfo | grep -F "$CLAN_STORAGE" | while read -r mp; do
		case " ${FAULT_MOUNTS:-} " in *" $mp "*) continue ;; esac
		echo "$mp"
	done
}

# assert_no_leftovers [EXPECTED_PID...]: within 10 s no process of this
# run is alive but the given ones, nothing is left mounted, and no
# fuse-overlayfs runs.
assert_no_leftovers() {
	local left p end=$((SECONDS + 10)) extra
	while :; do
		extra=""
		left=$(ours)
		for p in $left; do
			case " $* " in *" $p "*) ;; *) extra="$extra $p" ;; esac
		done
		[ -z "$extra" ] && break
		if [ "$SECONDS" -ge "$end" ]; then
			# shellcheck disable=SC2086 # pids, one word each
			die "processes left running:" "$(describe $extra)"
		fi
		sleep 0.1
	done
	left=$(stray_mounts)
	[ -z "$left" ] || die "left mounted:" "$left"
}

# assert_store_sane: clan ps -a and clan images -a answer (out: the images
# as JSON).
assert_store_sane() {
	uclan ps -a
	[ "$rc" = 0 ] || die "clan ps -a after the fault: exit $rc" "stderr: $err"
	uclan images -a --format json
	[ "$rc" = 0 ] || die "clan images -a after the fault: exit $rc" "stderr: $err"
}

# temp_leftovers: temp names in the storage (a killed command cannot remove
# its own; clan ignores them and system prune removes them after an hour).
temp_leftovers() {
	find "$CLAN_STORAGE" -mindepth 1 -maxdepth 3 \( -name '.tmp-*' -o -name '.partial-*' \
		-o -name '.new-*' -o -name '*.tmp' -o -name '*.tmp-*' -o -name '.put-*' \) -printf '%P\n' 2>/dev/null
}

# note_leftovers: names the temp leftovers in the case's log.
note_leftovers() {
	local left
	left=$(temp_leftovers)
	[ -z "$left" ] || note "temp leftovers (ignored by clan):" "$left"
}
