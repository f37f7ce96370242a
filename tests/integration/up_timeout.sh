#!/bin/bash
# up's timeouts as compose's: -t/--timeout SECONDS is the grace the services
# get when the stack is stopped (a service that ignores SIGTERM is killed
# after it, not after its 10 s stop_grace_period); --wait-timeout is the
# start's.
# shellcheck disable=SC2317 # cases run via t
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

use_rootfs

# stubborn: a project whose one service ignores SIGTERM.
stubborn() {
	local dir
	dir=$(mk_tmp) || die "mk_tmp"
	cat >"$dir/.clanrc" <<-EOF
		[service.stubborn]
		image = dir:$ROOTFS
		command = ["sh", "-c", "trap '' TERM; echo up; while :; do sleep 1; done"]
	EOF
	echo "$dir"
}

# down_ms: how long clan down takes, in ms.
down_ms() {
	local t0
	t0=$(date +%s%3N)
	run clan down
	assert_eq "$rc" 0 "clan down (stderr: $err)"
	echo $(($(date +%s%3N) - t0))
}

case_t_is_the_stop_grace() {
	local dir ms
	dir=$(stubborn)
	cd "$dir" || die "cd"
	run clan up -d -t 1 --wait-timeout 60
	if [ "$rc" != 0 ]; then
		clan down >/dev/null 2>&1
		die "clan up -d -t 1: exit $rc" "$err"
	fi
	ms=$(down_ms)
	note "down with -t 1: $ms ms"
	# the default grace is 10 s: well under it, with room for a slow machine
	[ "$ms" -lt 7000 ] || die "clan down took $ms ms after up -t 1 (the service's 10 s grace, not 1 s)"
}

case_without_t_the_service_grace_holds() {
	local dir ms
	dir=$(stubborn)
	cat >>"$dir/.clanrc" <<-'EOF'
		stop_grace_period = 2s
	EOF
	cd "$dir" || die "cd"
	run clan up -d
	if [ "$rc" != 0 ]; then
		clan down >/dev/null 2>&1
		die "clan up -d: exit $rc" "$err"
	fi
	ms=$(down_ms)
	note "down with stop_grace_period 2s: $ms ms"
	[ "$ms" -ge 1500 ] || die "clan down took $ms ms: the service's 2 s grace was not given"
}

# -t is not part of the services' config: a later up -d finds nothing
# changed and recreates nothing (same pid).
case_t_is_no_config_change() {
	local dir before after
	dir=$(stubborn)
	cd "$dir" || die "cd"
	run clan up -d -t 1 --wait-timeout 60
	if [ "$rc" != 0 ]; then
		clan down >/dev/null 2>&1
		die "clan up -d -t 1: exit $rc" "$err"
	fi
	before=$(clan ps --format json | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
	run clan up -d --wait-timeout 60
	after=$(clan ps --format json | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
	clan down >/dev/null 2>&1
	assert_eq "$rc" 0 "the second clan up -d (stderr: $err)"
	assert_not_contains "$err" "Recreating" "the second up -d's stderr"
	[ -n "$before" ] || die "no pid in clan ps --format json"
	assert_eq "$after" "$before" "the service's pid after the second up -d"
}

t t_is_the_stop_grace case_t_is_the_stop_grace
t t_is_no_config_change case_t_is_no_config_change
t without_t_the_service_grace_holds case_without_t_the_service_grace_holds
finish
