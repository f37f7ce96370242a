# shellcheck shell=bash
# shellcheck disable=SC2154 # rc, out, err: set by tests/lib.sh's run
# The PostgreSQL cases of scripts/faults.sh: rows committed one transaction
# each are all there after kill -9 of the supervisor or of postgres, and
# after the disk filled up under PostgreSQL, once `clan up -d` ran again.

# pg_storage_here: the storage the PostgreSQL cases share (for the
# nosub user): a copy of a deb: image store that holds the postgres image
# (FAULTS_DEB_CACHE, else CLAN_TEST_DEB_CACHE_ROOT/NOSUB_USER), else an
# empty one in which the first up builds it. From faults.sh's top level.
pg_storage_here() {
	[ -n "${PG_STORAGE:-}" ] && return 0
	local from=${FAULTS_DEB_CACHE:-}
	if [ -z "$from" ] && [ -n "${CLAN_TEST_DEB_CACHE_ROOT:-}" ]; then
		from=$CLAN_TEST_DEB_CACHE_ROOT/$NOSUB_USER
		[ -d "$from" ] || from=$CLAN_TEST_DEB_CACHE_ROOT/clan-nosub
	fi
	PG_STORAGE=$WORK/pg-storage
	mkdir -p "$PG_STORAGE"
	if [ -n "$from" ] && [ -d "$from/layers" ]; then
		# images and layers only: containers, volumes and the runtime dir
		# pointer belong to the store's own user
		local d
		for d in blobs images layers tags; do
			[ -d "$from/$d" ] && cp -a "$from/$d" "$PG_STORAGE/"
		done
		find "$PG_STORAGE" -maxdepth 2 \( -name '.tmp-*' -o -name '.partial-*' \) -exec rm -rf {} +
	fi
	chown -R "$NOSUB_USER:" "$PG_STORAGE"
	chmod 0700 "$PG_STORAGE"
}

# new_pg_stack: a stack of one PostgreSQL service (the postgres profile on
# deb:bookworm, its data in a named volume) in a new project dir; the case
# runs as the nosub user on PG_STORAGE. Waits for up -d.
new_pg_stack() {
	local dir
	fault_user "$NOSUB_USER"
	rmdir "$CLAN_STORAGE"
	CLAN_STORAGE=$PG_STORAGE
	fault_user_env
	dir=$(mktemp -d "$WORK/pgproj.XXXXXX") || die "cannot make a project dir"
	STACK_NAME=faultspg
	cat >"$dir/.clanrc" <<-EOC
		[project]
		name = $STACK_NAME

		[service.db]
		profile = postgres
		image = deb:bookworm
		volume = pgdata:/var/lib/postgresql/data
		environment = POSTGRES_USER=app
		environment = POSTGRES_PASSWORD=app
		environment = POSTGRES_DB=app
		environment = FAULTS_RUN=$RUN
	EOC
	chown -R "$FU_UID:$FU_GID" "$dir"
	chmod 0755 "$dir"
	cd "$dir" || die "cannot enter $dir"
}

# psql SQL: runs SQL in the db service; sets rc, out, err.
psql() {
	uclan exec db psql -X -q -v ON_ERROR_STOP=1 -U app -d app -Atc "$1"
}

rows() {
	psql 'select count(*) from t'
	[ "$rc" = 0 ] || die "cannot count the rows (exit $rc)" "stderr: $err"
	echo "$out"
}

# write_rows N: N rows, each inserted and committed in a transaction of
# its own (a procedure that commits after each insert).
write_rows() {
	psql 'create table if not exists t (id serial primary key, pad text)'
	[ "$rc" = 0 ] || die "cannot create the table: $err"
	psql "do \$\$ begin for i in 1..$1 loop insert into t (pad) values (md5(i::text)); commit; end loop; end \$\$"
	[ "$rc" = 0 ] || die "cannot write $1 rows (exit $rc): $err"
}

# The postmaster: the oldest postgres process of this run.
postmaster_pid() {
	local p
	for p in $(ours_named postgres); do
		[ "$(cat 2>/dev/null "/proc/$(awk '{print $4}' "/proc/$p/stat")/comm")" = postgres ] || {
			echo "$p"
			return 0
		}
	done
	return 1
}

# case_pg_kill WHAT: 1,000 committed rows; kill -9 WHAT (supervisor,
# postgres: the postmaster); up -d; all 1,000 rows are there.
case_pg_kill() {
	local what=$1 pid
	new_pg_stack
	uclan_ok up -d --wait-timeout 600
	write_rows 1000
	assert_eq "$(rows)" 1000 "rows before the kill"
	case $what in
	supervisor) pid=$(supervisor_pid) ;;
	postgres) pid=$(postmaster_pid) ;;
	esac
	kill9 "$pid" "$what"
	uclan ps
	[ "$rc" = 0 ] || die "clan ps after the kill: exit $rc" "stderr: $err"
	note "ps after the kill:" "$out" "$err"
	uclan_ok up -d --wait-timeout 600
	assert_eq "$(rows)" 1000 "rows after kill -9 of $what and up -d"
	uclan_ok down -v
	assert_no_leftovers
	note_leftovers
}

# case_pg_disk_full: the volumes on a small tmpfs; rows of 64 KiB (not
# compressed) until PostgreSQL fails for want of space; then the disk
# grows, down and up: every row whose commit was answered is there.
case_pg_disk_full() {
	new_pg_stack
	mkdir -p "$CLAN_STORAGE/volumes"
	chown "$FU_UID:$FU_GID" "$CLAN_STORAGE/volumes"
	mount_tmpfs "$CLAN_STORAGE/volumes" 80m
	uclan_ok up -d --wait-timeout 600
	psql 'create table t (id serial primary key, pad text); alter table t alter column pad set storage external'
	[ "$rc" = 0 ] || die "cannot create the table: $err"
	local sql=$WORK/pg-fill.sql acked
	yes "insert into t (pad) select string_agg(md5(random()::text), '') from generate_series(1, 2048);" |
		head -n 2000 >"$sql"
	chmod 0644 "$sql"
	# psql answers INSERT 0 1 for each committed row, up to the first error
	timeout -k 5 "$FAULT_TIMEOUT" "${U[@]}" "$CLAN" exec -i db psql -X -v ON_ERROR_STOP=1 -U app -d app \
		<"$sql" >"$WORK/pg-fill.out" 2>"$WORK/pg-fill.err"
	rc=$?
	acked=$(grep -c '^INSERT 0 1$' "$WORK/pg-fill.out")
	note "writes until the disk was full: exit $rc, $acked rows answered: $(tail -n 3 "$WORK/pg-fill.err")"
	[ "$rc" != 0 ] || die "2000 rows of 64 KiB fitted in 80 MiB: the disk never filled up"
	[ "$acked" -gt 0 ] || die "no row was written before the disk was full" "$(cat "$WORK/pg-fill.err")"
	mount -o remount,size=1g "$CLAN_STORAGE/volumes" || die "cannot grow the tmpfs"
	uclan_ok down
	uclan_ok up -d --wait-timeout 600
	local n
	n=$(rows)
	if [ "$n" -lt "$acked" ] || [ "$n" -gt $((acked + 1)) ]; then
		die "rows after the disk was full: $n, answered commits: $acked"
	fi
	uclan_ok down -v
	assert_no_leftovers
}
