# The lifeboat backup job: `docker build -t lifeboat .` then `docker run --rm lifeboat --help`.
# Three stages keep the image small: TypeScript is compiled in `build`, only the job's runtime
# dependencies are installed in `deps` (not Pulumi), and the final image is Node's slim image
# plus PostgreSQL's client tools from the PGDG apt repository.
ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc tsconfig.json tsconfig.job.json ./
# Compiling the job needs TypeScript, the types and the job's own dependencies, not Pulumi, jest
# or the test servers (136 MB instead of 414); the lock file keeps every version.
RUN npm pkg delete \
        dependencies.@pulumi/aws dependencies.@pulumi/azure-native dependencies.@pulumi/docker \
        dependencies.@pulumi/policy dependencies.@pulumi/pulumi dependencies.@pulumi/random \
        devDependencies.azurite devDependencies.s3rver devDependencies.jest devDependencies.ts-jest \
        devDependencies.ts-node devDependencies.@types/jest \
    && npm install --ignore-scripts --no-audit --no-fund
COPY scripts ./scripts
RUN npm run build:job

FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# The job needs only its own dependencies (not Pulumi); the lock file keeps their versions.
# Node loads the CommonJS builds only, so the SDKs' ESM/browser builds, types and source maps
# are dropped (110 MB -> 34 MB, checked by running the job's commands against the result).
RUN npm pkg delete devDependencies \
        dependencies.@pulumi/aws dependencies.@pulumi/azure-native dependencies.@pulumi/docker \
        dependencies.@pulumi/policy dependencies.@pulumi/pulumi dependencies.@pulumi/random \
    && npm install --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force \
    && find node_modules \( -path '*/@aws-sdk/*/dist-es' -o -path '*/@aws-sdk/*/dist-types' \
        -o -path '*/@smithy/*/dist-es' -o -path '*/@smithy/*/dist-types' \
        -o -path '*/@aws/*/dist-es' -o -path '*/@aws/*/dist-types' \
        -o -path '*/@azure/*/dist/browser' -o -path '*/@azure/*/dist/react-native' -o -path '*/@azure/*/dist/esm' \
        -o -path '*/@typespec/*/dist/browser' -o -path '*/@typespec/*/dist/react-native' -o -path '*/@typespec/*/dist/esm' \) \
        -prune -exec rm -rf {} + \
    && find node_modules \( -name '*.d.ts' -o -name '*.map' \) -delete

FROM node:${NODE_VERSION}-bookworm-slim
# pg_dump must be at least the server's major version, so the job carries the newest client.
# PG_MAJOR=newest picks the newest postgresql-client-N in PGDG's bookworm-pgdg main component
# (released versions only); set e.g. --build-arg PG_MAJOR=17 to pin one. zstd (Debian's) restores
# the .dump.zst sets jobs with pg_dump 15 made (their default codec, scripts/codec.ts).
# PG_SOURCE=debian takes the client from Debian's own bookworm packages instead of PGDG
# (postgresql-client-15 only), for a builder that cannot reach apt.postgresql.org.
ARG PG_MAJOR=newest
ARG PG_SOURCE=pgdg
RUN set -eux; \
    case "$PG_SOURCE" in pgdg|debian) ;; *) echo "PG_SOURCE: pgdg or debian, got $PG_SOURCE" >&2; exit 2;; esac; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates; \
    if [ "$PG_SOURCE" = pgdg ]; then \
        apt-get install -y --no-install-recommends curl; \
        install -d /usr/share/postgresql-common/pgdg; \
        curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc; \
        echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" > /etc/apt/sources.list.d/pgdg.list; \
        apt-get update; \
        apt-get purge -y --auto-remove curl; \
    fi; \
    major="$PG_MAJOR"; \
    if [ "$major" = "newest" ]; then \
        major="$(apt-cache search --names-only '^postgresql-client-[0-9]+$' | sed -E 's/^postgresql-client-([0-9]+).*/\1/' | sort -n | tail -1)"; \
    fi; \
    apt-get install -y --no-install-recommends "postgresql-client-$major" zstd; \
    /usr/lib/postgresql/"$major"/bin/pg_dump --version; \
    rm -rf /var/lib/apt/lists/*

WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/scripts ./dist/scripts
COPY package.json ./
# `lifeboat` on the PATH (docker exec <container> lifeboat restore ...), and /backups owned by the
# job's user: a new Docker volume mounted there inherits that owner (the local target's default).
RUN chmod 755 /app/dist/scripts/cli.js \
    && ln -s /app/dist/scripts/cli.js /usr/local/bin/lifeboat \
    && install -d -o node -g node -m 750 /backups

# never root: the `node` user (uid 1000) of the base image; restore's temporary files go to /tmp
USER node
ENTRYPOINT ["node", "/app/dist/scripts/cli.js"]
CMD ["--help"]
