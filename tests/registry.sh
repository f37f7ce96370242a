# shellcheck shell=bash
# Registry fixtures for the pull tests and the pull benchmark: Debian's
# docker-registry on 127.0.0.1, and the images pushed to it, built once per
# test run (in the run's cache dir) with umoci, skopeo and
# tests/registry_tool.py. Source it after tests/lib.sh (or on its own):
#
#   . "$(dirname "$0")/../registry.sh"
#   registry_start                      # REGISTRY=127.0.0.1:PORT
#   registry_push app lib/app:1         # builds the app image once, pushes it
#   clan pull "$REGISTRY/lib/app:1"
#
# Every registry (and proxy) started here is stopped, by pid, when the
# sourcing shell exits; each also dies with that shell (PR_SET_PDEATHSIG via
# setpriv), so a test killed by its timeout leaves no server behind. Start
# them from the file's top level, never inside $(...) or a case's subshell.
#
# Images (NAME for registry_image, registry_push and registry_info):
#   app      4 layers: busybox; files (/etc/os-release, /www owned by 33:33,
#            /opaque/{lower-a,lower-sub/lower-b}, files to delete); hand-made
#            whiteouts (.wh.deleted-in-upper, .wh.lower-dir) and an opaque
#            /opaque holding only upper-c; a whiteout umoci repack made
#            (deleted-by-umoci)
#   multi    an OCI index: linux/arm64 first, then linux/amd64; each variant
#            has /etc/arch-marker saying its architecture
#   zstd     the app image with every layer zstd-compressed (skopeo)
#   big      busybox plus /big/random, 50 MiB of random data (BIG_SHA256)
#   bench    ~150 MB in 5 layers: busybox, one 50 MiB random file, 2000
#            random 20 KiB files, 60 MiB of text, 500 small text files
#   hostile  tags dotdot, absolute, symlink, symlink-dir, symlink-rel,
#            hardlink, hardlink-canary, device: busybox plus one hostile layer
#            each (pushed by hand: skopeo has no business with such layers)
#   bomb     decompression bombs, gzip layers of zeros (a few KiB each):
#            tag bomb: busybox plus 32 MiB of zeros in one file; tag
#            bomb-pull: three layers of 6 MiB of zeros each
#   tamper   tags good/evil and mgood/mevil: busybox plus an uncompressed
#            /marker layer, the same size in each pair, for the wrong-digest
#            tests (registry_tamper_blob)
#
# Environment: CLAN_TEST_CACHE (the run's cache; REGISTRY_CACHE defaults to
# its registry/ subdir), REGISTRY_TMP (where servers keep their files;
# default LIB_TMP or a new temp dir), REGISTRY_TOOL, REGISTRY_MKROOTFS.

REGISTRY_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${REGISTRY_TOOL:=$REGISTRY_LIB_DIR/registry_tool.py}"
: "${REGISTRY_MKROOTFS:=$REGISTRY_LIB_DIR/../scripts/mkrootfs-busybox.sh}"
: "${REGISTRY_CACHE:=${CLAN_TEST_CACHE:-${TMPDIR:-/tmp}/clan-test-cache-$(id -un)}/registry}"
if [ -z "${REGISTRY_TMP:-}" ]; then
	if [ -n "${LIB_TMP:-}" ]; then
		REGISTRY_TMP=$LIB_TMP
	else
		REGISTRY_TMP=$(mktemp -d "${TMPDIR:-/tmp}/clan-registry.XXXXXX")
		REGISTRY_OWN_TMP=1
	fi
fi
# The dir hostile layers aim at: its canary and empty dir must stay as built.
REGISTRY_OUTSIDE=$REGISTRY_CACHE/outside
export REGISTRY_TOOL REGISTRY_CACHE REGISTRY_TMP REGISTRY_OUTSIDE

REGISTRY_PIDS=()
REGISTRY=""
REGISTRY_DIR=""
REGISTRY_LOG=""
REGISTRY_CREDS=""
PROXY=""

# The sourcing shell's EXIT trap (lib.sh's) still runs, after ours.
REGISTRY_PREV_EXIT_TRAP=$(trap -p EXIT)
registry_on_exit() {
	registry_stop_all
	if [ "${REGISTRY_OWN_TMP:-0}" = 1 ]; then rm -rf -- "$REGISTRY_TMP"; fi
	if [ -n "$REGISTRY_PREV_EXIT_TRAP" ]; then
		eval "set -- $REGISTRY_PREV_EXIT_TRAP"
		eval "$3"
	fi
}
trap registry_on_exit EXIT

registry_log() { printf 'registry: %s\n' "$*" >&2; }

# registry_have_tools: every tool the fixtures need is installed; else
# prints what is missing (and the package) and returns 1.
registry_have_tools() {
	local missing="" t pkg
	for t in docker-registry:docker-registry skopeo:skopeo umoci:umoci htpasswd:apache2-utils \
		zstd:zstd curl:curl python3:python3 setpriv:util-linux; do
		pkg=${t#*:}
		t=${t%%:*}
		command -v "$t" >/dev/null || missing="$missing $t ($pkg)"
	done
	if [ -n "$missing" ]; then
		echo "missing:$missing; run scripts/deps.sh as root"
		return 1
	fi
}

# Runs a background server that dies with this shell.
registry_spawn() {
	local log=$1
	shift
	setpriv --pdeathsig KILL -- "$@" >"$log" 2>&1 </dev/null &
	REGISTRY_PIDS+=("$!")
	REGISTRY_SPAWNED=$!
}

# registry_start [--htpasswd USER:PASS]: starts a docker-registry on a free
# 127.0.0.1 port with its storage in a new temp dir (deletes enabled), waits
# (bounded) until /v2/ answers, and sets REGISTRY (127.0.0.1:PORT),
# REGISTRY_DIR, REGISTRY_LOG and, with --htpasswd, REGISTRY_CREDS. Returns
# 1 with the reason on stderr when it does not come up.
registry_start() {
	local creds="" dir port tenths code
	if [ "${1:-}" = --htpasswd ]; then
		creds=$2
	fi
	dir=$(mktemp -d "$REGISTRY_TMP/registry.XXXXXX") || return 1
	mkdir -p "$dir/storage"
	for _ in 1 2 3; do
		port=$(python3 "$REGISTRY_TOOL" freeport) || return 1
		{
			echo "version: 0.1"
			echo "log:"
			echo "  level: info"
			echo "  accesslog:"
			echo "    disabled: false"
			echo "storage:"
			echo "  filesystem:"
			echo "    rootdirectory: $dir/storage"
			echo "  delete:"
			echo "    enabled: true"
			echo "http:"
			echo "  addr: 127.0.0.1:$port"
			if [ -n "$creds" ]; then
				echo "auth:"
				echo "  htpasswd:"
				echo "    realm: clan-test"
				echo "    path: $dir/htpasswd"
			fi
		} >"$dir/config.yml"
		if [ -n "$creds" ]; then
			htpasswd -Bbn "${creds%%:*}" "${creds#*:}" >"$dir/htpasswd" 2>/dev/null || {
				registry_log "htpasswd -Bbn failed"
				return 1
			}
		fi
		# A clean environment: docker-registry reads every REGISTRY_* variable
		# (ours, REGISTRY_AUTH_FILE) as a configuration override.
		registry_spawn "$dir/log" env -i PATH="$PATH" docker-registry serve "$dir/config.yml"
		echo "$REGISTRY_SPAWNED" >"$dir/pid"
		# Up to 10 s: /v2/ answers 200 (plain) or 401 (auth).
		tenths=100
		while [ "$tenths" -gt 0 ]; do
			code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$port/v2/" 2>/dev/null)
			if [ "$code" = 200 ] || [ "$code" = 401 ]; then
				echo "127.0.0.1:$port" >"$dir/addr"
				printf '%s' "$creds" >"$dir/creds"
				registry_select "$dir"
				return 0
			fi
			registry_is_running "$REGISTRY_SPAWNED" || break
			sleep 0.1
			tenths=$((tenths - 1))
		done
		registry_stop "$dir"
		# Another process took the port between freeport and the bind: retry.
		grep -q 'address already in use' "$dir/log" || break
	done
	registry_log "docker-registry did not answer on 127.0.0.1:$port; its log:"
	tail -n 5 "$dir/log" >&2
	return 1
}

# registry_select DIR: makes the registry in DIR the current one.
registry_select() {
	REGISTRY_DIR=$1
	REGISTRY=$(cat "$1/addr")
	REGISTRY_LOG=$1/log
	REGISTRY_CREDS=$(cat "$1/creds")
	export REGISTRY REGISTRY_DIR REGISTRY_LOG REGISTRY_CREDS
}

# registry_stop DIR: stops the registry (or proxy) whose dir is DIR.
registry_stop() {
	local pid
	pid=$(cat "$1/pid" 2>/dev/null) || return 0
	registry_kill "$pid"
	rm -f "$1/pid"
}

# Whether PID runs (a child that exited stays a zombie until waited for).
registry_is_running() {
	local stat
	stat=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$stat" ] && [ "${stat%% *}" != Z ]
}

# registry_kill PID: TERM, up to 3 s to exit, then KILL; reaped. Safe under
# set -e.
registry_kill() {
	local pid=$1 tenths=30
	kill -TERM "$pid" 2>/dev/null || return 0
	while registry_is_running "$pid" && [ "$tenths" -gt 0 ]; do
		sleep 0.1
		tenths=$((tenths - 1))
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	return 0
}

registry_stop_all() {
	local pid
	for pid in "${REGISTRY_PIDS[@]}"; do
		registry_kill "$pid"
	done
	REGISTRY_PIDS=()
}

# registry_proxy_start BYTES_PER_SECOND: a TCP proxy to the current
# registry that sends at most that many bytes a second to the client; sets
# PROXY=127.0.0.1:PORT. Pulls through it are slow enough to kill halfway.
registry_proxy_start() {
	local rate=$1 dir tenths=100
	dir=$(mktemp -d "$REGISTRY_TMP/proxy.XXXXXX") || return 1
	registry_spawn "$dir/log" python3 "$REGISTRY_TOOL" proxy "$dir/port" "$REGISTRY" "$rate"
	echo "$REGISTRY_SPAWNED" >"$dir/pid"
	while [ ! -s "$dir/port" ] && [ "$tenths" -gt 0 ]; do
		registry_is_running "$REGISTRY_SPAWNED" || break
		sleep 0.1
		tenths=$((tenths - 1))
	done
	if [ ! -s "$dir/port" ]; then
		registry_log "the proxy did not start; its log:"
		tail -n 5 "$dir/log" >&2
		return 1
	fi
	PROXY=127.0.0.1:$(cat "$dir/port")
	export PROXY
}

# registry_blob_requests: how many blob GETs the current registry has
# answered so far (from its access log). A request's line is written when
# its handler returns, which can be just after the client has all the
# bytes: first wait (up to 3 s) until the log has not grown for 0.3 s.
registry_blob_requests() {
	local size last="" same=0 tenths=30
	while [ "$tenths" -gt 0 ] && [ "$same" -lt 3 ]; do
		size=$(stat -c %s "$REGISTRY_LOG")
		if [ "$size" = "$last" ]; then same=$((same + 1)); else same=0; fi
		last=$size
		sleep 0.1
		tenths=$((tenths - 1))
	done
	grep -c '"GET /v2/[^ ]*/blobs/sha256:' "$REGISTRY_LOG"
}

# registry_tamper_blob DIGEST FILE: the current registry serves FILE's bytes
# as the blob (or manifest) DIGEST from now on (its filesystem storage is
# rewritten: docker-registry verifies uploads, not what it serves).
registry_tamper_blob() {
	local hex=${1#sha256:} data
	data=$REGISTRY_DIR/storage/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data
	if [ ! -f "$data" ]; then
		registry_log "no blob $1 in $REGISTRY_DIR/storage"
		return 1
	fi
	cat -- "$2" >"$data"
}

# --- images -----------------------------------------------------------------

# The architecture of this machine as OCI names it.
registry_host_arch() {
	case $(uname -m) in
	x86_64) echo amd64 ;;
	aarch64) echo arm64 ;;
	armv7l) echo arm ;;
	i?86) echo 386 ;;
	ppc64le) echo ppc64le ;;
	s390x) echo s390x ;;
	riscv64) echo riscv64 ;;
	*) uname -m ;;
	esac
}

# The arch the multi image's other variant claims (never this machine's).
registry_other_arch() {
	if [ "$(registry_host_arch)" = arm64 ]; then echo amd64; else echo arm64; fi
}

registry_umoci() {
	if [ "$(id -u)" = 0 ]; then
		umoci "$@"
	else
		local cmd=$1
		shift
		case $cmd in
		unpack) umoci unpack --rootless "$@" ;;
		*) umoci "$cmd" "$@" ;;
		esac
	fi
}

registry_skopeo() {
	skopeo --insecure-policy "$@"
}

# registry_tar OUT < SPEC.json: a hand-made layer tar (registry_tool.py tar).
registry_tar() {
	python3 "$REGISTRY_TOOL" tar "$1"
}

# The busybox rootfs as a root-owned tar: every image's bottom layer, so
# their first layer blob is the same one.
registry_base_tar() {
	local tar=$REGISTRY_CACHE/tars/base.tar rootfs=$REGISTRY_CACHE/busybox-rootfs
	if [ ! -f "$tar" ]; then
		mkdir -p "$REGISTRY_CACHE/tars" || return 1
		"$REGISTRY_MKROOTFS" "$rootfs" >&2 || return 1
		printf '{"from_dir": "%s", "owners": {"home/app": [1000, 1000]}}' "$rootfs" |
			registry_tar "$tar" || return 1
	fi
	echo "$tar"
}

# The dir hostile layers aim at, with its canary file and an empty dir.
registry_outside() {
	if [ ! -f "$REGISTRY_OUTSIDE/canary" ]; then
		mkdir -p "$REGISTRY_OUTSIDE/somewhere-dir" || return 1
		echo "canary: untouched" >"$REGISTRY_OUTSIDE/canary.tmp"
		chmod 0644 "$REGISTRY_OUTSIDE/canary.tmp"
		touch -d @1600000000 "$REGISTRY_OUTSIDE/canary.tmp"
		mv "$REGISTRY_OUTSIDE/canary.tmp" "$REGISTRY_OUTSIDE/canary"
	fi
}

# registry_image NAME: the OCI layout holding image NAME, built on first
# use (in a temp dir renamed into place, so a killed build leaves nothing).
registry_image() {
	local name=$1 dir tmp
	dir=$REGISTRY_CACHE/images/$name
	if [ ! -f "$dir/index.json" ]; then
		mkdir -p "$REGISTRY_CACHE/images" || return 1
		tmp=$(mktemp -d "$REGISTRY_CACHE/images/.build-$name.XXXXXX") || return 1
		mkdir "$tmp/work"
		if ! "registry_build_$name" "$tmp/layout" "$tmp/work" >&2; then
			registry_log "cannot build the $name image"
			chmod -R u+rwX -- "$tmp"
			rm -rf -- "$tmp"
			return 1
		fi
		mv -T -- "$tmp/layout" "$dir" || return 1
		chmod -R u+rwX -- "$tmp"
		rm -rf -- "$tmp"
	fi
	echo "$dir"
}

# registry_info NAME TAG FIELD: manifest|config|layers|diff_ids|size of an
# image's tag in its layout (one digest a line for layers and diff_ids).
registry_info() {
	local dir
	dir=$(registry_image "$1") || return 1
	python3 "$REGISTRY_TOOL" info "$dir" "$2" "$3"
}

# registry_push [--v2s2] NAME REPO:TAG [LAYOUT_TAG]: pushes image NAME (tag
# LAYOUT_TAG, default NAME) to the current registry as REPO:TAG, with the
# registry's credentials. Images made with umoci go through skopeo (--v2s2:
# converted to Docker schema 2 on the way); hostile and tamper images are
# pushed by hand through the API.
registry_push() {
	local format=() dir name repo tag method creds=()
	if [ "$1" = --v2s2 ]; then
		format=(--format v2s2)
		shift
	fi
	name=$1 repo=$2 tag=${3:-$1}
	dir=$(registry_image "$name") || return 1
	# Pushed once per registry (cases run in subshells: a file remembers).
	local mark=$REGISTRY_DIR/pushed/${repo//\//%}${format[*]:+-v2s2}
	[ -f "$mark" ] && return 0
	mkdir -p "$REGISTRY_DIR/pushed"
	method=$(cat "$dir/push-method")
	if [ "$method" = hand ]; then
		[ -n "$REGISTRY_CREDS" ] && creds=(--creds "$REGISTRY_CREDS")
		python3 "$REGISTRY_TOOL" push "$dir" "$tag" "$REGISTRY" "$repo" "${creds[@]}" && : >"$mark"
		return
	fi
	if [ -n "$REGISTRY_CREDS" ]; then
		creds=(--dest-creds "$REGISTRY_CREDS")
	else
		creds=(--dest-no-creds)
	fi
	local all=()
	[ "$method" = skopeo-all ] && all=(--all)
	registry_skopeo copy -q "${all[@]}" "${format[@]}" --dest-tls-verify=false "${creds[@]}" \
		"oci:$dir:$tag" "docker://$REGISTRY/$repo" >&2 && : >"$mark"
}

# --- the builders: OUT (to create) becomes the OCI layout; WORK is scratch ---

# app: see the top of this file.
registry_build_app() {
	local out=$1 w=$2 base
	base=$(registry_base_tar) || return 1
	registry_tar "$w/files.tar" <<'EOF' || return 1
{"entries": [
 {"name": "etc/", "type": "dir"},
 {"name": "etc/os-release", "data": "NAME=\"clan test image\"\nID=clantest\nVERSION_ID=1\nPRETTY_NAME=\"clan test image 1\"\n"},
 {"name": "etc/kept", "data": "kept\n"},
 {"name": "etc/deleted-in-upper", "data": "lower\n"},
 {"name": "etc/deleted-by-umoci", "data": "lower\n"},
 {"name": "etc/lower-dir/", "type": "dir"},
 {"name": "etc/lower-dir/file", "data": "lower\n"},
 {"name": "opaque/", "type": "dir"},
 {"name": "opaque/lower-a", "data": "a\n"},
 {"name": "opaque/lower-sub/", "type": "dir"},
 {"name": "opaque/lower-sub/lower-b", "data": "b\n"},
 {"name": "www/", "type": "dir", "uid": 33, "gid": 33},
 {"name": "www/owned-by-33", "data": "www-data\n", "uid": 33, "gid": 33}
]}
EOF
	registry_tar "$w/whiteouts.tar" <<'EOF' || return 1
{"entries": [
 {"name": "etc/", "type": "dir"},
 {"name": "etc/.wh.deleted-in-upper", "mode": 0},
 {"name": "etc/.wh.lower-dir", "mode": 0},
 {"name": "etc/layer3", "data": "3\n"},
 {"name": "opaque/", "type": "dir"},
 {"name": "opaque/.wh..wh..opq", "mode": 0},
 {"name": "opaque/upper-c", "data": "c\n"}
]}
EOF
	local img=$out:app
	registry_umoci init --layout "$out" || return 1
	registry_umoci new --image "$img" || return 1
	registry_umoci config --image "$img" --architecture "$(registry_host_arch)" --os linux \
		--config.cmd /bin/sh --config.env 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		--created 2023-11-14T22:13:20Z || return 1
	registry_umoci raw add-layer --image "$img" "$base" || return 1
	registry_umoci raw add-layer --image "$img" "$w/files.tar" || return 1
	registry_umoci raw add-layer --image "$img" "$w/whiteouts.tar" || return 1
	# The last layer as umoci makes it: unpack, change, repack.
	registry_umoci unpack --image "$img" "$w/bundle" || return 1
	rm "$w/bundle/rootfs/etc/deleted-by-umoci" || return 1
	echo 4 >"$w/bundle/rootfs/etc/layer4" || return 1
	registry_umoci repack --image "$img" "$w/bundle" || return 1
	echo skopeo >"$out/push-method"
}

# multi: an index whose first entry is the other architecture.
registry_build_multi() {
	local out=$1 w=$2 base host other
	base=$(registry_base_tar) || return 1
	host=$(registry_host_arch)
	other=$(registry_other_arch)
	for arch in "$host" "$other"; do
		printf '{"entries": [{"name": "etc/", "type": "dir"}, {"name": "etc/arch-marker", "data": "%s\\n"}]}' "$arch" |
			registry_tar "$w/marker-$arch.tar" || return 1
		python3 "$REGISTRY_TOOL" image "$out" "$arch" --arch "$arch" \
			--layer "gzip:$base" --layer "gzip:$w/marker-$arch.tar" || return 1
	done
	python3 "$REGISTRY_TOOL" index "$out" multi "$other=$other" "$host=$host" || return 1
	echo skopeo-all >"$out/push-method"
}

# zstd: the app image, every layer recompressed with zstd by skopeo.
registry_build_zstd() {
	local out=$1 app
	app=$(registry_image app) || return 1
	registry_skopeo copy -q --dest-compress --dest-compress-format zstd "oci:$app:app" "oci:$out:zstd" || return 1
	echo skopeo >"$out/push-method"
}

# big: busybox plus 50 MiB of random data; its sha256 in big.sha256.
registry_build_big() {
	local out=$1 w=$2 base
	base=$(registry_base_tar) || return 1
	registry_tar "$w/big.tar" <<'EOF' || return 1
{"entries": [{"name": "big/", "type": "dir"}, {"name": "big/random", "random": 52428800}]}
EOF
	python3 - "$w/big.tar" >"$w/big.sha256" <<'EOF' || return 1
import hashlib, sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    print(hashlib.sha256(t.extractfile("big/random").read()).hexdigest())
EOF
	python3 "$REGISTRY_TOOL" image "$out" big --arch "$(registry_host_arch)" \
		--layer "gzip:$base" --layer "gzip:$w/big.tar" || return 1
	mv "$w/big.sha256" "$out/big.sha256" || return 1
	echo skopeo >"$out/push-method"
}

# bench: ~150 MB over 5 layers, of the kinds real images have.
registry_build_bench() {
	local out=$1 w=$2 base
	base=$(registry_base_tar) || return 1
	echo '{"entries": [{"name": "opt/", "type": "dir"}, {"name": "opt/blob.bin", "random": 52428800}]}' |
		registry_tar "$w/l2.tar" || return 1
	echo '{"entries": [{"name": "usr/", "type": "dir"}, {"name": "usr/lib/", "type": "dir"}, {"name": "usr/lib/bench/", "type": "dir"}, {"name": "usr/lib/bench/obj", "type": "many", "count": 2000, "random": 20480}]}' |
		registry_tar "$w/l3.tar" || return 1
	echo '{"entries": [{"name": "usr/", "type": "dir"}, {"name": "usr/share/", "type": "dir"}, {"name": "usr/share/bench/", "type": "dir"}, {"name": "usr/share/bench/text", "type": "many", "count": 60, "text": 1048576}]}' |
		registry_tar "$w/l4.tar" || return 1
	echo '{"entries": [{"name": "etc/", "type": "dir"}, {"name": "etc/bench/", "type": "dir"}, {"name": "etc/bench/conf", "type": "many", "count": 500, "text": 4096}]}' |
		registry_tar "$w/l5.tar" || return 1
	python3 "$REGISTRY_TOOL" image "$out" bench --arch "$(registry_host_arch)" --layer "gzip:$base" \
		--layer "gzip:$w/l2.tar" --layer "gzip:$w/l3.tar" --layer "gzip:$w/l4.tar" --layer "gzip:$w/l5.tar" || return 1
	echo skopeo >"$out/push-method"
}

# healthy: busybox whose config has a Docker Healthcheck (as an image
# built with HEALTHCHECK has): ready 2 s after it starts.
registry_build_healthy() {
	local out=$1 base
	base=$(registry_base_tar) || return 1
	python3 "$REGISTRY_TOOL" image "$out" healthy --arch "$(registry_host_arch)" \
		--layer "gzip:$base" --cmd sh --cmd -c --cmd 'sleep 2; touch /tmp/ready; exec sleep 600' \
		--healthcheck '{"Test": ["CMD-SHELL", "test -f /tmp/ready"], "Interval": 1000000000, "Retries": 30}' ||
		return 1
	echo skopeo >"$out/push-method"
}

# hostile: one tag per way a layer can try to leave its directory. Each
# layer starts with harmless entries, so the refusal happens mid-layer.
registry_build_hostile() {
	local out=$1 w=$2 base o deep name
	base=$(registry_base_tar) || return 1
	registry_outside || return 1
	o=$REGISTRY_OUTSIDE
	# Enough ../ to reach / from any store, then the absolute path.
	deep=../../../../../../../../../../../../../../../../../../../..
	local pre='{"name": "etc/", "type": "dir"}, {"name": "etc/harmless", "data": "ok\n"}'
	printf '{"entries": [%s, {"name": "../escape-dotdot", "data": "pwned\\n"}, {"name": "%s%s/escape-dotdot", "data": "pwned\\n"}]}' \
		"$pre" "$deep" "$o" >"$w/dotdot.json"
	printf '{"entries": [%s, {"name": "%s/escape-absolute", "data": "pwned\\n"}]}' \
		"$pre" "$o" >"$w/absolute.json"
	printf '{"entries": [%s, {"name": "evil-link", "type": "symlink", "link": "%s/somewhere"}, {"name": "evil-link/escape-symlink", "data": "pwned\\n"}]}' \
		"$pre" "$o" >"$w/symlink.json"
	printf '{"entries": [%s, {"name": "evil-dir", "type": "symlink", "link": "%s/somewhere-dir"}, {"name": "evil-dir/escape-symlink-dir", "data": "pwned\\n"}]}' \
		"$pre" "$o" >"$w/symlink-dir.json"
	printf '{"entries": [%s, {"name": "etc/evil-rel", "type": "symlink", "link": "%s%s/somewhere-dir"}, {"name": "etc/evil-rel/escape-symlink-rel", "data": "pwned\\n"}]}' \
		"$pre" "$deep" "$o" >"$w/symlink-rel.json"
	printf '{"entries": [%s, {"name": "etc/evil-passwd", "type": "hardlink", "link": "/etc/passwd"}]}' \
		"$pre" >"$w/hardlink.json"
	printf '{"entries": [%s, {"name": "etc/evil-canary", "type": "hardlink", "link": "%s/canary"}, {"name": "etc/evil-canary", "data": "pwned\\n", "mode": 511}]}' \
		"$pre" "$o" >"$w/hardlink-canary.json"
	printf '{"entries": [%s, {"name": "dev/", "type": "dir"}, {"name": "dev/evil-null", "type": "char", "major": 1, "minor": 3}, {"name": "dev/evil-sda", "type": "block", "major": 8, "minor": 0}]}' \
		"$pre" >"$w/device.json"
	for name in dotdot absolute symlink symlink-dir symlink-rel hardlink hardlink-canary device; do
		registry_tar "$w/$name.tar" <"$w/$name.json" || return 1
		python3 "$REGISTRY_TOOL" image "$out" "$name" --arch "$(registry_host_arch)" \
			--layer "gzip:$base" --layer "gzip:$w/$name.tar" || return 1
	done
	echo hand >"$out/push-method"
}

# bomb: see the top of this file (hand-pushed, as hostile is).
registry_build_bomb() {
	local out=$1 w=$2 base i
	base=$(registry_base_tar) || return 1
	echo '{"entries": [{"name": "zeros", "zeros": 33554432}]}' | registry_tar "$w/zeros.tar" || return 1
	python3 "$REGISTRY_TOOL" image "$out" bomb --arch "$(registry_host_arch)" \
		--layer "gzip:$base" --layer "gzip:$w/zeros.tar" || return 1
	local layers=()
	for i in 1 2 3; do
		printf '{"entries": [{"name": "zeros-%s", "zeros": 6291456}]}' "$i" | registry_tar "$w/zeros-$i.tar" || return 1
		layers+=(--layer "gzip:$w/zeros-$i.tar")
	done
	python3 "$REGISTRY_TOOL" image "$out" bomb-pull --arch "$(registry_host_arch)" "${layers[@]}" || return 1
	echo hand >"$out/push-method"
}

# tamper: good/evil and mgood/mevil, each pair the same size everywhere, so
# a registry can serve one pair member's bytes for the other's digest.
registry_build_tamper() {
	local out=$1 w=$2 base t
	base=$(registry_base_tar) || return 1
	for t in good evil mgood mevil; do
		printf '{"entries": [{"name": "marker", "data": "%s\\n"}]}' "$t" | registry_tar "$w/$t.tar" || return 1
		python3 "$REGISTRY_TOOL" image "$out" "$t" --arch "$(registry_host_arch)" \
			--layer "gzip:$base" --layer "none:$w/$t.tar" || return 1
	done
	echo hand >"$out/push-method"
}
