#!/usr/bin/env bash
# Builds the engine tests' images on the running engine ($DOCKER_HOST): the base image
# (base.sh; from $LIFEBOAT_CI_BASE_ROOTFS when .ci/engine made its file system already) unless
# the engine has it, then, side by side, the job image from the repository's
# Dockerfile, with PostgreSQL's client from Debian (PGDG is unreachable from CI), and the test
# PostgreSQL image. Builds use the host's network (no NAT: dockerd runs without iptables).
set -euo pipefail
cd "$(dirname "$0")/../.."
docker=${DOCKER:-docker}
job=${LIFEBOAT_CI_JOB_IMAGE:?set LIFEBOAT_CI_JOB_IMAGE}
postgres=${LIFEBOAT_CI_POSTGRES_IMAGE:?set LIFEBOAT_CI_POSTGRES_IMAGE}
logs=$(mktemp -d /tmp/lifeboat-build.XXXXXX)

if ! "$docker" image inspect node:22-bookworm-slim >/dev/null 2>&1; then
    rootfs=${LIFEBOAT_CI_BASE_ROOTFS:-$logs/base.tar}
    [ -s "$rootfs" ] || bash test/engine/base.sh rootfs "$rootfs"
    bash test/engine/base.sh import "$rootfs" node:22-bookworm-slim
fi
# BuildKit (built into dockerd; no buildx needed) builds the Dockerfile's stages side by side
export DOCKER_BUILDKIT=1
"$docker" build --progress plain --network host --build-arg PG_SOURCE=debian -t "$job" . > "$logs/job.log" 2>&1 &
job_pid=$!
"$docker" build --progress plain --network host -t "$postgres" test/engine/postgres > "$logs/postgres.log" 2>&1 &
postgres_pid=$!
failed=0
wait "$job_pid" || { tail -40 "$logs/job.log"; echo "build: the job image ($job) failed to build (log above)"; failed=1; }
wait "$postgres_pid" || { tail -40 "$logs/postgres.log"; echo "build: the PostgreSQL image ($postgres) failed to build (log above)"; failed=1; }
[ "$failed" -eq 0 ] || exit 1
rm -rf "$logs"
for image in "$job" "$postgres"; do
    echo "build: $image $("$docker" image inspect --format '{{.Size}}' "$image" | awk '{printf "%d MB", $1/1000000}')"
done
