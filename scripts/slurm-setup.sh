#!/bin/bash
# A single-node Slurm cluster on this machine for tests/integration/slurm.sh:
# munged with a generated key, slurmctld and slurmd on localhost, one
# partition "clan" holding this node, jobs tracked by cgroup (the freezer
# hierarchy) as on a real cluster, so scancel reaches every process of a
# job. Idempotent; must run as root; does nothing without slurm-wlm.
# Usage: scripts/slurm-setup.sh [stop]
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
	echo "slurm-setup: must run as root" >&2
	exit 1
fi
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
	echo "slurm-setup: slurm-wlm or munge not installed (scripts/deps.sh installs them)" >&2
	exit 1
fi

conf=/etc/slurm/slurm.conf
node=$(hostname -s)

# stop: the daemons this script started (their pid files), not others
stop() {
	local p
	for p in slurmd slurmctld; do
		if [ -s "/run/clan-slurm/$p.pid" ]; then
			kill "$(cat "/run/clan-slurm/$p.pid")" 2>/dev/null || true
			rm -f "/run/clan-slurm/$p.pid"
		fi
	done
}
if [ "${1:-}" = stop ]; then
	stop
	exit 0
fi

# --- munge: a key of our own when the package left none
if [ ! -s /etc/munge/munge.key ]; then
	dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key
install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
install -d -m 0755 /run/clan-slurm

# cgroup v1 with a freezer hierarchy: proctrack/cgroup, as clusters run;
# else proctrack/linuxproc (slurmstepd's process tree)
proctrack=proctrack/linuxproc
if [ -d /sys/fs/cgroup/freezer ]; then
	proctrack=proctrack/cgroup
	cat >/etc/slurm/cgroup.conf <<EOC
CgroupPlugin=cgroup/v1
CgroupAutomount=no
ConstrainCores=no
ConstrainRAMSpace=no
ConstrainDevices=no
EOC
fi

cpus=$(nproc)
mem=$(awk '/MemTotal/ { print int($2 / 1024 / 2) }' /proc/meminfo)
cat >"$conf.new" <<EOC
# written by clan's scripts/slurm-setup.sh: a one-node test cluster
ClusterName=clan
SlurmctldHost=$node(127.0.0.1)
AuthType=auth/munge
SlurmUser=slurm
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/clan-slurm/slurmctld.pid
SlurmdPidFile=/run/clan-slurm/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=$proctrack
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
KillWait=10
SlurmdTimeout=60
NodeName=$node NodeAddr=127.0.0.1 NodeHostname=$node CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=clan Nodes=$node Default=YES MaxTime=60 State=UP OverSubscribe=YES
EOC
mv -f "$conf.new" "$conf"
install -d -o slurm -g slurm -m 0755 /var/spool/slurmctld /var/log/slurm
install -d -m 0755 /var/spool/slurmd

running() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# munged may run already (the package's init script starts it): it is
# left running by stop too, as the system's own service
if ! running /run/munge/munged.pid; then
	runuser -u munge -- /usr/sbin/munged --force
fi
if ! running /run/clan-slurm/slurmctld.pid; then
	slurmctld
fi
if ! running /run/clan-slurm/slurmd.pid; then
	slurmd
fi

# up when the node takes jobs (bounded: 30 s)
for _ in $(seq 60); do
	if sinfo -h -o '%t' -p clan 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then
		echo "slurm-setup: node $node up in partition clan ($proctrack)"
		exit 0
	fi
	scontrol update nodename="$node" state=resume >/dev/null 2>&1 || true
	sleep 0.5
done
echo "slurm-setup: the node did not come up; see /var/log/slurm/*.log" >&2
sinfo >&2 || true
exit 1
