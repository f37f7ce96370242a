# shellcheck shell=bash
# shellcheck disable=SC2154 # rc, out, err: set by lib.sh's run
# Images as Docker projects meet them, for the pull tests, on top of
# tests/lib.sh and tests/pull_lib.sh (whose registry_image builds each once
# per run, in the run's cache, and registry_push pushes it):
#
#   debimport  what `docker import` makes of an mmdebstrap tarball
#              (bookworm, --variant=essential): one layer, its first
#              entries the /dev/console, /dev/null... device nodes
#              mmdebstrap crafts into every tarball; no CMD, as import
#   postgres   a stand-in for Docker Hub's postgres:15: Debian's
#              postgresql-15 (the deb: image of the tests' deb cache) and
#              an entrypoint that does what the official docker-entrypoint.sh
#              does (tests/helpers/postgres-entrypoint.sh); push it as
#              library/postgres:15
#
#   . "$(dirname "$0")/../lib.sh"
#   . "$(dirname "$0")/../pull_lib.sh"
#   . "$(dirname "$0")/../import_lib.sh"
#   pull_setup
#   registry_push debimport lib/debian:bookworm

IMPORT_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# import_mmdebstrap OUT.tar ARGS...: a bookworm tarball from mmdebstrap
# ARGS (variant, packages), as someone preparing `docker import` makes it.
# With a subuid range: --mode=unshare. Without one, where unshare mode
# cannot run, --mode=root as root of a clan single-id container of the
# host: its seccomp filter makes chown succeed without effect, so dpkg
# works (rootless/debimage/debimage.c found the same); the tarball's /dev
# entries are crafted by mmdebstrap in both.
import_mmdebstrap() {
	local out=$1 dir log
	shift
	dir=$(dirname "$out")
	log=$dir/mmdebstrap.log
	if has_subuid && has_newuidmap; then
		# its own temp dir: mmdebstrap's root there is the first
		# subordinate id, which cannot enter the user's 0700 dirs
		local tmp rc=0
		tmp=$(mktemp -d "${TMPDIR:-/tmp}/clan-mmdebstrap.XXXXXX") || return 1
		chmod 0755 "$tmp"
		TMPDIR=$tmp mmdebstrap --mode=unshare "$@" bookworm "$out" >"$log" 2>&1 </dev/null || rc=$?
		rm_tree "$tmp"
		[ "$rc" = 0 ]
	else
		"$CLAN" run --rm -e TMPDIR=/mnt -v "$dir:/mnt" host \
			mmdebstrap --mode=root "$@" bookworm "/mnt/$(basename "$out")" >"$log" 2>&1 </dev/null
	fi || {
		registry_log "mmdebstrap $*: failed; the end of its log:"
		tail -n 15 "$log" >&2
		return 1
	}
}

# debimport: see the top of this file. The layer is gzip'd by umoci, as
# docker import stores it.
registry_build_debimport() {
	local out=$1 w=$2 img=$1:debimport
	import_mmdebstrap "$w/rootfs.tar" --variant=essential || return 1
	# the premise: device nodes in the tarball
	tar -tvf "$w/rootfs.tar" | grep -q '^c.* \./dev/console$' || {
		registry_log "the mmdebstrap tarball holds no ./dev/console device"
		return 1
	}
	registry_umoci init --layout "$out" || return 1
	registry_umoci new --image "$img" || return 1
	registry_umoci config --image "$img" --architecture "$(registry_host_arch)" --os linux \
		--config.env 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		--created 2026-01-01T00:00:00Z || return 1
	registry_umoci raw add-layer --image "$img" "$w/rootfs.tar" || return 1
	echo skopeo >"$out/push-method"
}

# import_deb_layer PKG...: the deb: image of Debian's PKGs in the tests'
# deb cache (built there on first use, kept for later runs): its layer dir.
import_deb_layer() {
	local arch key layer list
	arch=$(dpkg --print-architecture) || return 1
	# rootless/debimage's key: suite, arch, then the sorted packages
	# (no packages: plain deb:bookworm, whose key lists none)
	key=$( (
		printf 'bookworm\n%s\n' "$arch"
		if [ $# -gt 0 ]; then printf '%s\n' "$@" | LC_ALL=C sort -u; fi
	) | sha256sum | cut -c1-64)
	layer=$CLAN_TEST_DEB_STORAGE/layers/$key
	list=$(IFS=,; echo "$*")
	if [ ! -d "$layer" ]; then
		mkdir -p "$CLAN_TEST_DEB_STORAGE" && chmod 0700 "$CLAN_TEST_DEB_STORAGE" || return 1
		CLAN_STORAGE=$CLAN_TEST_DEB_STORAGE "$CLAN" run --rm "deb:bookworm${list:++$list}" true \
			>&2 </dev/null || return 1
	fi
	[ -d "$layer" ] || {
		registry_log "no layer $key in $CLAN_TEST_DEB_STORAGE after building deb:bookworm+$list"
		return 1
	}
	echo "$layer"
}

# import_layer_tar LAYER OUT.tar: the layer dir as the container sees it:
# with a range, through clan's own map (user -> 0, range -> 1..); without,
# every file is the user's and so root's.
import_layer_tar() {
	if has_subuid && has_newuidmap; then
		unshare --map-root-user --map-auto tar --numeric-owner -C "$1" -cf "$2" .
	else
		tar --numeric-owner --owner=0 --group=0 -C "$1" -cf "$2" .
	fi
}

# debianslim: a stand-in for Docker Hub's debian:bookworm-slim: the plain
# deb:bookworm of the tests' deb cache in one layer, no CMD but bash, as
# the official image has it. Push it as library/debian:bookworm-slim.
registry_build_debianslim() {
	local out=$1 w=$2 layer img=$1:debianslim
	layer=$(import_deb_layer) || return 1
	import_layer_tar "$layer" "$w/rootfs.tar" || return 1
	registry_umoci init --layout "$out" || return 1
	registry_umoci new --image "$img" || return 1
	registry_umoci config --image "$img" --architecture "$(registry_host_arch)" --os linux \
		--config.env 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		--config.cmd bash --created 2026-01-01T00:00:00Z || return 1
	registry_umoci raw add-layer --image "$img" "$w/rootfs.tar" || return 1
	echo skopeo >"$out/push-method"
}

# postgres: see the top of this file. Two layers as the official image's
# Dockerfile makes them: the Debian rootfs with PostgreSQL, then what the
# Dockerfile adds: the entrypoint, listen_addresses = '*' in the sample
# config, PGDATA 1777 and /run/postgresql 3777 owned by postgres (the
# Dockerfile's /var/run/postgresql: /var/run is a link to /run), so the
# image also runs as postgres.
registry_build_postgres() {
	local out=$1 w=$2 layer pg_ids img=$1:postgres
	layer=$(import_deb_layer postgresql-15) || return 1
	import_layer_tar "$layer" "$w/rootfs.tar" || return 1
	pg_ids=$(awk -F: '$1 == "postgres" { print $3 ", " $4 }' "$layer/etc/passwd")
	[ -n "$pg_ids" ] || {
		registry_log "no postgres user in $layer/etc/passwd"
		return 1
	}
	# as the official Dockerfile: new clusters listen on every address
	sed -E "s/^#?(listen_addresses)[[:space:]]*=[[:space:]]*[^[:space:]]+/\1 = '*'/" \
		"$layer/usr/share/postgresql/15/postgresql.conf.sample" >"$w/conf.sample" || return 1
	grep -q "^listen_addresses = '\*'" "$w/conf.sample" || {
		registry_log "no listen_addresses in postgresql.conf.sample"
		return 1
	}
	python3 - "$IMPORT_LIB_DIR/helpers/postgres-entrypoint.sh" "$pg_ids" "$w/conf.sample" >"$w/spec.json" <<'EOF' || return 1
import json, sys
uid, gid = (int(x) for x in sys.argv[2].split(","))
print(json.dumps({"entries": [
    {"name": "usr/", "type": "dir"},
    {"name": "usr/share/", "type": "dir"},
    {"name": "usr/share/postgresql/", "type": "dir"},
    {"name": "usr/share/postgresql/15/", "type": "dir"},
    {"name": "usr/share/postgresql/15/postgresql.conf.sample", "data": open(sys.argv[3]).read()},
    {"name": "usr/local/", "type": "dir"},
    {"name": "usr/local/bin/", "type": "dir"},
    {"name": "usr/local/bin/docker-entrypoint.sh", "data": open(sys.argv[1]).read(), "mode": 0o755},
    {"name": "docker-entrypoint-initdb.d/", "type": "dir"},
    {"name": "var/", "type": "dir"},
    {"name": "var/lib/", "type": "dir"},
    {"name": "var/lib/postgresql/", "type": "dir", "uid": uid, "gid": gid},
    {"name": "var/lib/postgresql/data/", "type": "dir", "mode": 0o1777, "uid": uid, "gid": gid},
    {"name": "run/", "type": "dir"},
    {"name": "run/postgresql/", "type": "dir", "mode": 0o3777, "uid": uid, "gid": gid},
]}))
EOF
	registry_tar "$w/entrypoint.tar" <"$w/spec.json" || return 1
	registry_umoci init --layout "$out" || return 1
	registry_umoci new --image "$img" || return 1
	registry_umoci config --image "$img" --architecture "$(registry_host_arch)" --os linux \
		--config.env 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/postgresql/15/bin' \
		--config.env PG_MAJOR=15 --config.env PGDATA=/var/lib/postgresql/data --config.env LANG=C.UTF-8 \
		--config.entrypoint docker-entrypoint.sh --config.cmd postgres \
		--config.volume /var/lib/postgresql/data --config.exposedports 5432/tcp \
		--config.stopsignal SIGINT --created 2026-01-01T00:00:00Z || return 1
	registry_umoci raw add-layer --image "$img" "$w/rootfs.tar" || return 1
	registry_umoci raw add-layer --image "$img" "$w/entrypoint.tar" || return 1
	echo skopeo >"$out/push-method"
}

# djangoweb: the image a team's CI would push for the example's web
# service (what its Dockerfile builds): Debian's python3-django and
# python3-psycopg2 (the deb: image of the tests' deb cache) in one layer,
# WORKDIR /app, the Django dev server as its command. Push it as
# clan-example/web:1.
registry_build_djangoweb() {
	local out=$1 w=$2 layer img=$1:djangoweb
	layer=$(import_deb_layer python3-django python3-psycopg2) || return 1
	import_layer_tar "$layer" "$w/rootfs.tar" || return 1
	registry_umoci init --layout "$out" || return 1
	registry_umoci new --image "$img" || return 1
	registry_umoci config --image "$img" --architecture "$(registry_host_arch)" --os linux \
		--config.env 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		--config.env PYTHONUNBUFFERED=1 --config.workingdir /app \
		--config.cmd python3 --config.cmd manage.py --config.cmd runserver --config.cmd 0.0.0.0:8000 \
		--config.exposedports 8000/tcp --created 2026-01-01T00:00:00Z || return 1
	registry_umoci raw add-layer --image "$img" "$w/rootfs.tar" || return 1
	echo skopeo >"$out/push-method"
}
