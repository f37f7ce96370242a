#!/bin/bash
# Prepares this machine for `make check` as root does on a fresh machine or
# in CI: device modes as a desktop distro sets them, and two unprivileged
# test users, one with an /etc/subuid + /etc/subgid range (clan-sub) and one
# with none (clan-nosub), so both id-mapping modes get exercised.
# Idempotent. Must run as root.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
	echo "check-setup: must run as root" >&2
	exit 1
fi

SUB_USER=${CLAN_TEST_SUB_USER:-clan-sub}
NOSUB_USER=${CLAN_TEST_NOSUB_USER:-clan-nosub}
# Another pair of users (scripts/faults.sh beside a running make check)
# needs a range of its own.
SUB_START=${CLAN_TEST_SUB_START:-200000}
SUB_COUNT=65536

# Debian leaves these 0600 on a VM without a desktop; Fedora, Ubuntu desktop
# and most HPC images ship them 0666, which is what rootless tools expect.
for dev in /dev/fuse /dev/net/tun; do
	if [ -c "$dev" ]; then
		chmod 0666 "$dev"
	else
		echo "check-setup: warning: $dev missing (tests that need it will skip)" >&2
	fi
done

make_user() {
	local user=$1
	if ! getent passwd "$user" >/dev/null; then
		useradd --create-home --shell /bin/bash --user-group "$user"
	fi
	local home
	home=$(getent passwd "$user" | cut -d: -f6)
	if [ ! -d "$home" ]; then
		mkdir -p "$home"
		chown "$user:" "$home"
		chmod 0755 "$home"
	fi
}

# Removes every line of FILE that belongs to USER (by name or by uid),
# atomically, keeping the file's mode.
drop_sub_entries() {
	local file=$1 user=$2 uid
	[ -f "$file" ] || return 0
	uid=$(id -u "$user")
	if grep -qE "^($user|$uid):" "$file"; then
		local tmp
		tmp=$(mktemp "$file.XXXXXX")
		grep -vE "^($user|$uid):" "$file" >"$tmp" || true
		chmod --reference="$file" "$tmp"
		mv -f "$tmp" "$file"
	fi
}

make_user "$SUB_USER"
make_user "$NOSUB_USER"

# useradd may have allocated ranges (SUB_UID_COUNT in login.defs): the
# nosub user must have none, and the sub user exactly ours.
drop_sub_entries /etc/subuid "$NOSUB_USER"
drop_sub_entries /etc/subgid "$NOSUB_USER"

want="$SUB_USER:$SUB_START:$SUB_COUNT"
for file in /etc/subuid /etc/subgid; do
	touch "$file"
	if ! grep -qx "$want" "$file"; then
		drop_sub_entries "$file" "$SUB_USER"
		# Another user already owns our range on this machine: pick a fresh one.
		if awk -F: -v s="$SUB_START" -v c="$SUB_COUNT" \
			'$2 < s + c && $2 + $3 > s { bad = 1 } END { exit !bad }' "$file"; then
			echo "check-setup: $file range $SUB_START+$SUB_COUNT already used by another user" >&2
			exit 1
		fi
	fi
done
last=$((SUB_START + SUB_COUNT - 1))
grep -qx "$want" /etc/subuid || usermod --add-subuids "$SUB_START-$last" "$SUB_USER"
grep -qx "$want" /etc/subgid || usermod --add-subgids "$SUB_START-$last" "$SUB_USER"

for tool in newuidmap newgidmap; do
	if ! command -v "$tool" >/dev/null; then
		echo "check-setup: warning: $tool missing (apt-get install uidmap)" >&2
	fi
done
# the one-node Slurm cluster of tests/integration/slurm.sh
if command -v slurmctld >/dev/null && command -v munged >/dev/null; then
	"$(dirname "$0")/slurm-setup.sh" ||
		echo "check-setup: warning: the test Slurm cluster did not come up (slurm tests fail)" >&2
fi

echo "check-setup: $SUB_USER has $SUB_START-$last in /etc/subuid and /etc/subgid; $NOSUB_USER has none"
