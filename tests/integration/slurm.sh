#!/bin/bash
# clan inside Slurm jobs, on the one-node cluster scripts/slurm-setup.sh
# runs here (slurmctld + slurmd on localhost, munge, cgroup process
# tracking): srun and sbatch steps without XDG_RUNTIME_DIR, the container
# in the job's cgroup, scancel reaching the container and leaving no
# process, mount or container dir, and two jobs of one user on one node
# each with a stack of its own.
# clan-test-timeout: 300
# shellcheck disable=SC2016,SC2317 # cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

if ! command -v srun >/dev/null || ! command -v sbatch >/dev/null; then
	[ -n "$CLAN_TEST_USERS_MODE" ] && command -v slurmctld >/dev/null &&
		{ fail "all" "Slurm is installed but srun/sbatch are missing"; finish; }
	skip_case "Slurm (srun, sbatch) is not installed (scripts/deps.sh installs slurm-wlm)"
fi
if ! timeout 10 sinfo -h -p clan -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then
	if [ -n "$CLAN_TEST_USERS_MODE" ]; then
		fail "all" "the test cluster is not up: run scripts/slurm-setup.sh as root ($(timeout 10 sinfo 2>&1 | tr '\n' ' '))"
		finish
	fi
	skip_case "no Slurm partition 'clan' up here (scripts/slurm-setup.sh as root makes one)"
fi
use_rootfs
# every job a case submits is cancelled when the file ends, whatever
# happened to the case (a job of a failed case would sleep for minutes)
trap 'scancel $(cat "$LIB_TMP/jobs" 2>/dev/null) 2>/dev/null; rm_runtime_dirs "$LIB_TMP"; rm_tree "$LIB_TMP"' EXIT
# as on ssh and in batch jobs: Slurm passes no XDG_RUNTIME_DIR
unset XDG_RUNTIME_DIR
chmod 0755 "$LIB_TMP"

# submit SCRIPT: sbatch, the job's id on stdout and in LIB_TMP/jobs.
submit() {
	local id
	id=$(sbatch --parsable "$1") || return 1
	echo "$id" >>"$LIB_TMP/jobs"
	echo "$id"
}

# job_wait ID: waits (bounded: 90 s) until job ID has left the queue.
job_wait() {
	local i
	for i in $(seq 180); do
		squeue -h -j "$1" 2>/dev/null | grep -q . || return 0
		sleep 0.5
	done
	die "job $1 still queued or running after 90 s:" "$(squeue -j "$1" 2>&1)"
}

# wait_line FILE TEXT: waits (bounded: 60 s) until FILE has a line TEXT.
wait_line() {
	local i
	for i in $(seq 600); do
		grep -qx "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	die "no line '$2' in $1 after 60 s:" "$(cat "$1" 2>&1)"
}

# Nothing of ours left: no process whose command line has marker, nothing
# under the storage dir mounted, no container dir.
assert_nothing_left() {
	local marker=$1 procs
	procs=$(pgrep -u "$(id -u)" -af "$marker" | grep -v pgrep)
	[ -z "$procs" ] || die "processes left after the job:" "$procs"
	assert_nothing_mounted
	assert_no_containers
}

case_srun_two_tasks() {
	run srun -I30 -n2 -N1 "$CLAN" run --rm "dir:$ROOTFS" hostname
	assert_eq "$rc" 0 "srun -n2 clan run (stderr: $err)"
	assert_eq "$(wc -l <<<"$out")" 2 "two tasks' lines (got: $out)"
	assert_ne "$(sed -n 1p <<<"$out")" "$(sed -n 2p <<<"$out")" "each task's container is its own"
	assert_no_containers
}

# The container's processes stay in the job's cgroup (proctrack/cgroup
# on a cgroup v1 freezer here): clan starts no systemd scope of its own.
case_in_job_cgroup() {
	[ -d /sys/fs/cgroup/freezer ] || skip_case "no cgroup v1 freezer hierarchy here"
	run srun -I30 -n1 sh -c "echo job=\$SLURM_JOB_ID; exec \"$CLAN\" run --rm \"dir:$ROOTFS\" cat /proc/self/cgroup"
	assert_eq "$rc" 0 "srun (stderr: $err)"
	local job
	job=$(sed -n 's/^job=//p' <<<"$out")
	assert_match "$out" "freezer:/slurm[^/]*/uid_$(id -u)/job_$job/step_0" "the container's cgroup"
}

case_sbatch() {
	local script=$LIB_TMP/job.sh id
	cat >"$script" <<EOF
#!/bin/bash
#SBATCH -o $LIB_TMP/sbatch.out
"$CLAN" run --rm -e JOB=\$SLURM_JOB_ID "dir:$ROOTFS" sh -c 'echo "container of job \$JOB"'
echo "clan exited \$?"
EOF
	id=$(submit "$script") || die "sbatch failed"
	job_wait "$id"
	assert_eq "$(cat "$LIB_TMP/sbatch.out")" "container of job $id
clan exited 0" "the job's output"
	assert_no_containers
}

# scancel: SIGTERM reaches the container (its trap runs) and clan removes
# the --rm container before the job ends. The batch shell execs clan, as
# it should (a shell that waits for clan dies first, and Slurm then kills
# the rest outright: case_scancel_shell_parent).
case_scancel_exec() {
	local script=$LIB_TMP/job.sh id marker=clan-scancel-$RANDOM$RANDOM
	cat >"$script" <<EOF
#!/bin/bash
#SBATCH -o $LIB_TMP/scancel.out
exec "$CLAN" run --rm --name $marker "dir:$ROOTFS" sh -c 'trap "echo got TERM; exit 3" TERM; echo started; sleep 300 & wait' $marker
EOF
	id=$(submit "$script") || die "sbatch failed"
	wait_line "$LIB_TMP/scancel.out" started
	[ "$(count_containers)" = 1 ] || die "the container is not on record while it runs"
	scancel "$id" || die "scancel failed"
	job_wait "$id"
	wait_line "$LIB_TMP/scancel.out" "got TERM"
	assert_nothing_left "$marker"
}

# A batch shell that runs clan as a child dies of scancel's SIGTERM at
# once, and Slurm then SIGKILLs clan: the --rm container's dir is left,
# and the next clan command finishes its removal (ps, or a run that
# reuses its name). Processes and mounts are gone with the job anyway.
case_scancel_shell_parent() {
	local script=$LIB_TMP/job.sh id marker=clan-scancel-$RANDOM$RANDOM
	cat >"$script" <<EOF
#!/bin/bash
#SBATCH -o $LIB_TMP/scancel2.out
"$CLAN" run --rm --name $marker "dir:$ROOTFS" sh -c 'echo started; sleep 300' $marker
echo "not reached"
EOF
	id=$(submit "$script") || die "sbatch failed"
	wait_line "$LIB_TMP/scancel2.out" started
	scancel "$id" || die "scancel failed"
	job_wait "$id"
	local procs
	procs=$(pgrep -u "$(id -u)" -af "$marker" | grep -v pgrep)
	[ -z "$procs" ] || die "processes left after the job:" "$procs"
	assert_nothing_mounted
	run clan run --rm --name "$marker" "dir:$ROOTFS" true
	assert_eq "$rc" 0 "a run that reuses the killed container's name (stderr: $err)"
	run clan ps -a
	assert_not_contains "$out" "$marker" "clan ps -a"
	assert_no_containers
}

# A stack in the foreground of a batch job (exec clan up): scancel's
# SIGTERM stops it as Ctrl-C would, and nothing of it runs after the job.
case_scancel_stack() {
	local proj=$LIB_TMP/fg marker=clan-stack-$RANDOM$RANDOM id i procs
	mkdir -p "$proj"
	cat >"$proj/.clanrc" <<EOF
[service.app]
image = dir:$ROOTFS
command = sh -c 'echo up $marker; sleep 600'
EOF
	cat >"$LIB_TMP/fg.sh" <<EOF
#!/bin/bash
#SBATCH -o $LIB_TMP/fg.out
cd "$proj" || exit 1
exec "$CLAN" up
EOF
	id=$(submit "$LIB_TMP/fg.sh") || die "sbatch failed"
	for i in $(seq 600); do
		grep -q "up $marker" "$LIB_TMP/fg.out" 2>/dev/null && break
		sleep 0.1
	done
	grep -q "up $marker" "$LIB_TMP/fg.out" || die "the stack did not start:" "$(cat "$LIB_TMP/fg.out")"
	scancel "$id" || die "scancel failed"
	job_wait "$id"
	procs=$(pgrep -u "$(id -u)" -af "$marker" | grep -v pgrep)
	[ -z "$procs" ] || die "processes left after the job:" "$procs"
	assert_nothing_mounted
	# the stack stopped as on Ctrl-C: no container of it is left
	run clan ps -aq
	assert_eq "$out" "" "containers after scancel"
	assert_no_containers
}

# Two jobs of one user on one node, the same project dir: each job's
# stack is its own (project NAME-jobID), with its own volume.
case_two_jobs_one_project() {
	local proj=$LIB_TMP/proj ids=() i
	mkdir -p "$proj"
	cat >"$proj/.clanrc" <<EOF
[service.app]
image = dir:$ROOTFS
command = sh -c 'hostname > /data/host; sleep 600'
volume = data:/data
EOF
	for i in 1 2; do
		cat >"$LIB_TMP/stack$i.sh" <<EOF
#!/bin/bash
#SBATCH -o $LIB_TMP/stack$i.out
cd "$proj" || exit 1
"$CLAN" up -d || exit 1
"$CLAN" ps
sleep 3
"$CLAN" exec app cat /data/host
"$CLAN" down
echo "done \$?"
EOF
		ids+=("$(submit "$LIB_TMP/stack$i.sh")") || die "sbatch failed"
	done
	job_wait "${ids[0]}"
	job_wait "${ids[1]}"
	for i in 1 2; do
		local o
		o=$(cat "$LIB_TMP/stack$i.out")
		assert_contains "$o" "proj-job${ids[$((i - 1))]}-app-" "job $i's stack name"
		assert_contains "$o" "stopped proj-job${ids[$((i - 1))]}" "job $i's down"
		assert_contains "$o" "done 0" "job $i's down"
	done
	run clan volume ls
	assert_match "$out" "proj-job${ids[0]}-[0-9a-f]+_data +proj-job${ids[0]}" "job 1's volume"
	assert_match "$out" "proj-job${ids[1]}-[0-9a-f]+_data +proj-job${ids[1]}" "job 2's volume"
}

t srun_two_tasks case_srun_two_tasks
t in_job_cgroup case_in_job_cgroup
t sbatch case_sbatch
t scancel_exec case_scancel_exec
t scancel_shell_parent case_scancel_shell_parent
t scancel_stack case_scancel_stack
t two_jobs_one_project case_two_jobs_one_project
finish
