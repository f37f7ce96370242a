#!/bin/sh
# Installs the Debian 12 packages clan needs to build, run and test.
# As root: installs what is missing. Otherwise: prints the one apt command.
set -eu

BUILD="gcc make pkg-config libcap-dev libyaml-dev libinih-dev libfuse3-dev libseccomp-dev libjansson-dev libcurl4-openssl-dev libarchive-dev libssl-dev"
RUNTIME="uidmap fuse-overlayfs fuse3 slirp4netns busybox-static mmdebstrap"
TEST="clang jq zsh fish groff-base libclang-rt-14-dev bubblewrap hyperfine util-linux procps psmisc iproute2 python3 curl libcap2-bin docker-registry skopeo umoci apache2-utils zstd"
# clan export's test runs what it writes: podman kube play, podman-compose
EXPORT="podman podman-compose runc catatonit netavark aardvark-dns python3-yaml"
# shared machines: a network filesystem (sshfs over loopback) and a
# single-node Slurm cluster for tests/integration/site_config.sh and slurm.sh
CLUSTER="openssh-server sshfs slurm-wlm munge"
ALL="$BUILD $RUNTIME $TEST $EXPORT $CLUSTER"
[ -n "${CLAN_DEPS_EXTRA:-}" ] && ALL="$ALL $CLAN_DEPS_EXTRA"

missing=""
for p in $ALL; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done

if [ -z "$missing" ]; then
    echo "deps: all packages present"
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "deps: missing:$missing"
    echo "deps: run as root: apt-get update && apt-get install -y$missing"
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
