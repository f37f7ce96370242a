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

# import_deb_image W PKG...: the deb: image of Debian's PKGs in the tests'
# deb cache (built there on first use, kept for later runs), saved by
# `clan image save` and unpacked in W/deb: its layers (the Debian base,
# then the packages' layer), as the container sees their owners, listed in
# order in W/deb/layers.
import_deb_image() {
	local w=$1 list
	shift
	list=$(IFS=,; echo "$*")
	mkdir -p "$CLAN_TEST_DEB_STORAGE" "$w/deb" && chmod 0700 "$CLAN_TEST_DEB_STORAGE" || return 1
	# run builds it when missing; save does not
	{
		CLAN_STORAGE=$CLAN_TEST_DEB_STORAGE "$CLAN" run --rm "deb:bookworm${list:++$list}" true &&
			CLAN_STORAGE=$CLAN_TEST_DEB_STORAGE "$CLAN" image save -o "$w/deb.tar" \
				"deb:bookworm${list:++$list}"
	} >&2 </dev/null || {
		registry_log "cannot build or save deb:bookworm${list:++$list}"
		return 1
	}
	tar -C "$w/deb" -xf "$w/deb.tar" && rm -f "$w/deb.tar" || return 1
	python3 - "$w/deb" >"$w/deb/layers" <<'EOF' || return 1
import json, sys
d = sys.argv[1]
for layer in json.load(open(d + "/manifest.json"))[0]["Layers"]:
    print(d + "/" + layer)
EOF
	[ -s "$w/deb/layers" ]
}

# import_deb_add_layers W IMG: the saved image's layers, in order, as IMG's.
import_deb_add_layers() {
	local layer
	while IFS= read -r layer; do
		registry_umoci raw add-layer --image "$2" "$layer" || return 1
	done <"$1/deb/layers"
}

# import_deb_cat W PATH: the file at PATH in the saved image: from the top
# layer that holds it.
import_deb_cat() {
	local layer found=
	while IFS= read -r layer; do
		tar -tf "$layer" "$2" >/dev/null 2>&1 && found=$layer
	done <"$1/deb/layers"
	[ -n "$found" ] || {
		registry_log "no $2 in the saved deb: image"
		return 1
	}
	tar -xOf "$found" "$2"
}

# debianslim: a stand-in for Docker Hub's debian:bookworm-slim: the plain
# deb:bookworm of the tests' deb cache (one layer), no CMD but bash, as
# the official image has it. Push it as library/debian:bookworm-slim.
registry_build_debianslim() {
	local out=$1 w=$2 img=$1:debianslim
	import_deb_image "$w" || return 1
	registry_umoci init --layout "$out" || return 1
	registry_umoci new --image "$img" || return 1
	registry_umoci config --image "$img" --architecture "$(registry_host_arch)" --os linux \
		--config.env 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		--config.cmd bash --created 2026-01-01T00:00:00Z || return 1
	import_deb_add_layers "$w" "$img" || return 1
	echo skopeo >"$out/push-method"
}

# postgres: see the top of this file. Two layers as the official image's
# Dockerfile makes them: the Debian rootfs with PostgreSQL, then what the
# Dockerfile adds: the entrypoint, listen_addresses = '*' in the sample
# config, PGDATA 1777 and /run/postgresql 3777 owned by postgres (the
# Dockerfile's /var/run/postgresql: /var/run is a link to /run), so the
# image also runs as postgres.
registry_build_postgres() {
	local out=$1 w=$2 pg_ids img=$1:postgres
	import_deb_image "$w" postgresql-15 || return 1
	pg_ids=$(import_deb_cat "$w" etc/passwd | awk -F: '$1 == "postgres" { print $3 ", " $4 }')
	[ -n "$pg_ids" ] || {
		registry_log "no postgres user in the image's /etc/passwd"
		return 1
	}
	# as the official Dockerfile: new clusters listen on every address
	import_deb_cat "$w" usr/share/postgresql/15/postgresql.conf.sample |
		sed -E "s/^#?(listen_addresses)[[:space:]]*=[[:space:]]*[^[:space:]]+/\1 = '*'/" \
			>"$w/conf.sample" || return 1
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
	import_deb_add_layers "$w" "$img" || return 1
	registry_umoci raw add-layer --image "$img" "$w/entrypoint.tar" || return 1
	echo skopeo >"$out/push-method"
}

# djangoweb: the image a team's CI would push for the example's web
# service (what its Dockerfile builds): Debian's python3-django and
# python3-psycopg2 (the deb: image of the tests' deb cache, its two layers),
# WORKDIR /app, the Django dev server as its command. Push it as
# clan-example/web:1.
registry_build_djangoweb() {
	local out=$1 w=$2 img=$1:djangoweb
	import_deb_image "$w" python3-django python3-psycopg2 || return 1
	registry_umoci init --layout "$out" || return 1
	registry_umoci new --image "$img" || return 1
	registry_umoci config --image "$img" --architecture "$(registry_host_arch)" --os linux \
		--config.env 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		--config.env PYTHONUNBUFFERED=1 --config.workingdir /app \
		--config.cmd python3 --config.cmd manage.py --config.cmd runserver --config.cmd 0.0.0.0:8000 \
		--config.exposedports 8000/tcp --created 2026-01-01T00:00:00Z || return 1
	import_deb_add_layers "$w" "$img" || return 1
	echo skopeo >"$out/push-method"
}
