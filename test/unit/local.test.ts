/**
 * The `local` target under mocks: the shipped stack's image, container (network, mount, secret
 * environment, health check, restart policy), the volume variant, the off-site copy, a prebuilt
 * image, and every config mistake reported before anything is declared.
 */
import { planStack, PlanResult, readStackConfig } from "../../tools/plan";

const shipped = readStackConfig("local").values;
const local = shipped["lifeboat:local"] as Record<string, unknown>;

function byType(result: PlanResult, type: string) {
    return result.resources.filter((r) => r.type === type);
}

function envOf(result: PlanResult): Record<string, string> {
    const container = byType(result, "docker:index/container:Container")[0];
    return Object.fromEntries((container.props.envs as string[]).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

describe("the shipped local stack", () => {
    let result: PlanResult;
    beforeAll(async () => {
        result = await planStack({ stack: "local" });
    });

    it("plans with no error and no mandatory violation; says it stood in for the password", () => {
        expect(result.configErrors).toEqual([]);
        expect(result.error).toBeUndefined();
        expect(result.exitCode).toBe(0);
        expect(result.notes).toEqual([expect.stringContaining("lifeboat:postgresPassword is not in the stack file")]);
    });

    it("builds the job image from the repository's Dockerfile on the local engine, without pushing", () => {
        const images = byType(result, "docker:index/image:Image");
        expect(images).toHaveLength(1);
        const build = images[0].props.build as Record<string, unknown>;
        expect(images[0].props).toMatchObject({ imageName: "lifeboat-job:local", skipPush: true });
        expect(String(build.dockerfile)).toMatch(/\/Dockerfile$/);
        expect(build.args).toEqual({ PG_MAJOR: "newest" });
        expect(images[0].props.registry).toBeUndefined();
    });

    it("runs the built image by its ID on the app's network, with the host folder, a health check and a restart policy", () => {
        const [container] = byType(result, "docker:index/container:Container");
        expect(container.props.image).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(result.outputs.image).toBe(container.props.image);
        expect(container.props).toMatchObject({
            name: "lifeboat-local",
            command: ["schedule"],
            networksAdvanced: [{ name: "casework_default" }],
            mounts: [{ type: "bind", source: "/srv/lifeboat/casework", target: "/backups" }],
            restart: "unless-stopped",
            init: true,
            stopTimeout: 120,
            healthcheck: { tests: ["CMD", "node", "/app/dist/scripts/cli.js", "health"], interval: "1m0s", retries: 3 },
            logOpts: { "max-size": "10m", "max-file": "5" },
        });
        expect(byType(result, "docker:index/volume:Volume")).toEqual([]);
    });

    it("gives the container its settings as a secret environment: libpq, schedule, retention, fingerprint; never the key", () => {
        const [container] = byType(result, "docker:index/container:Container");
        expect(container.secretPaths).toContain("envs");
        expect(envOf(result)).toEqual({
            PGHOST: "db", PGPORT: "5432", PGUSER: "casework", PGSSLMODE: "prefer", PGPASSWORD: expect.any(String),
            LIFEBOAT_DATABASES: "main,audit", LIFEBOAT_TARGET: "file:///backups", LIFEBOAT_CRON: "0 2 * * *",
            LIFEBOAT_KEY_FINGERPRINT: "sha256:d88a2cb53b61ef4d",
            LIFEBOAT_KEEP_DAILY_DAYS: "30", LIFEBOAT_KEEP_WEEKLY_DAYS: "90", LIFEBOAT_KEEP_MONTHLY_DAYS: "365",
            LIFEBOAT_STATUS_FILE: "/tmp/lifeboat/status.json", LIFEBOAT_MAX_AGE: "26h",
        });
        // key separation: no vault, no secret, no key anywhere in the plan
        expect(result.resources.map((r) => r.type).filter((t) => /keyvault|secretsmanager|random/.test(t))).toEqual([]);
        expect(JSON.stringify(result.resources)).not.toMatch(/FIELD_ENCRYPTION_KEY|fieldEncryptionKey/);
    });
});

describe("local variants", () => {
    it("without backupDir: a protected Docker volume holds the dumps", async () => {
        const result = await planStack({ stack: "local", config: { local: { network: "casework_default" } } });
        expect(result.configErrors).toEqual([]);
        const [volume] = byType(result, "docker:index/volume:Volume");
        expect(volume.props.name).toBe("lifeboat-local-backups");
        expect([volume.opts.protect, volume.opts.retainOnDelete]).toEqual([true, true]);
        const [container] = byType(result, "docker:index/container:Container");
        expect(container.props.mounts).toEqual([{ type: "volume", source: "lifeboat-local-backups", target: "/backups" }]);
        expect(container.props.networksAdvanced).toEqual([{ name: "casework_default" }]);
        expect(result.outputs.backups).toBe("volume:lifeboat-local-backups");
    });

    it("an off-site S3 copy: a second target, its secret key from lifeboat:offsiteCredential in the secret environment", async () => {
        const result = await planStack({
            stack: "local",
            config: { local: { ...local, offsite: { s3: { bucket: "casework-offsite", region: "eu-central-1", prefix: "casework", endpoint: "https://s3.eu-central-003.backblazeb2.com", accessKeyId: "AKIAOFFLINE0000001" } } } },
        });
        expect(result.configErrors).toEqual([]);
        expect(result.notes).toHaveLength(2);
        const env = envOf(result);
        expect(env).toMatchObject({
            LIFEBOAT_TARGET: "file:///backups,s3://casework-offsite/casework",
            AWS_REGION: "eu-central-1", AWS_ACCESS_KEY_ID: "AKIAOFFLINE0000001", AWS_ENDPOINT_URL: "https://s3.eu-central-003.backblazeb2.com",
            AWS_SECRET_ACCESS_KEY: expect.any(String),
        });
        expect(byType(result, "docker:index/container:Container")[0].secretPaths).toContain("envs");
        expect(result.outputs.backupTargets).toEqual(["file:///backups", "s3://casework-offsite/casework"]);
    });

    it("an off-site blob copy takes the connection string", async () => {
        const result = await planStack({ stack: "local", config: { local: { ...local, offsite: { azblob: { account: "caseworkoffsite", container: "dumps" } } } } });
        expect(result.configErrors).toEqual([]);
        expect(envOf(result)).toMatchObject({ LIFEBOAT_TARGET: "file:///backups,azblob://caseworkoffsite/dumps", AZURE_STORAGE_CONNECTION_STRING: expect.any(String) });
    });

    it("schedule.image: the prebuilt image is pulled and run by its ID; nothing is built", async () => {
        const result = await planStack({ stack: "local", config: { schedule: { cron: "0 2 * * *", image: "ghcr.io/lifeboat-dr/lifeboat:0.1.0" } } });
        expect(result.configErrors).toEqual([]);
        expect(byType(result, "docker:index/image:Image")).toEqual([]);
        const [pulled] = byType(result, "docker:index/remoteImage:RemoteImage");
        expect(pulled.props).toMatchObject({ name: "ghcr.io/lifeboat-dr/lifeboat:0.1.0", keepLocally: true });
        expect(byType(result, "docker:index/container:Container")[0].props.image).toMatch(/^sha256:[0-9a-f]{64}$/);
    });

    it("local.dockerHost: an explicit provider for that engine", async () => {
        const result = await planStack({ stack: "local", config: { local: { ...local, dockerHost: "ssh://deploy@casework.example" } } });
        expect(result.configErrors).toEqual([]);
        expect(byType(result, "pulumi:providers:docker")[0].props.host).toBe("ssh://deploy@casework.example");
        expect(byType(result, "docker:index/container:Container")[0].opts.provider).toMatch(/pulumi:providers:docker::docker::/);
    });
});

describe("invalid local configs fail before any resource, naming the key, the value and what is allowed", () => {
    it.each<[string, Record<string, unknown>, string[]]>([
        ["no network", { local: { backupDir: "/srv/x" } }, ["lifeboat:local.network: missing; allowed: a string"]],
        ["a relative backup folder", { local: { ...local, backupDir: "backups" } }, ["lifeboat:local.backupDir: got \"backups\"; allowed: an absolute host path such as /srv/lifeboat/backups (not /, no ..)"]],
        ["folder and volume", { local: { ...local, volumeName: "dumps" } }, ["lifeboat:local.backupDir: got \"/srv/lifeboat/casework\"; allowed: either backupDir (a host folder) or volumeName (a Docker volume), not both"]],
        ["a bad network name", { local: { ...local, network: "casework default" } }, ["lifeboat:local.network: got \"casework default\"; allowed: a Docker network name (letters, digits, _ . -), e.g. casework_default (`docker network ls`)"]],
        ["a bad port", { local: { ...local, port: 70000 } }, ["lifeboat:local.port: got 70000; allowed: a whole number from 1 to 65535"]],
        ["two servers", { servers: [{ name: "db", databases: ["main"] }, { name: "db2", databases: ["x"] }] }, ["lifeboat:servers: got [\"db\",\"db2\"]; allowed for target local: exactly one server, the PostgreSQL container ({name, databases}); use one stack per PostgreSQL container"]],
        ["an Azure server field", { servers: [{ name: "db", databases: ["main"], sku: "Standard_B2s" }] }, ["lifeboat:servers[0].sku: got \"Standard_B2s\"; not used by target local: remove it; the stack does not manage the PostgreSQL container (Docker Compose does)"]],
        ["no databases", { servers: [{ name: "db", databases: [] }] }, ["lifeboat:servers[0].databases: got []; allowed: at least one database"]],
        ["no fingerprint", { keyVault: {} }, ["lifeboat:keyVault.expectedFingerprint: missing; required for target local: the fingerprint of the application's field key, recorded in every manifest and checked on restore; print it where the key is, e.g. `docker compose exec -T app printenv FIELD_ENCRYPTION_KEY | docker run --rm -i lifeboat fingerprint`"]],
        ["a bad fingerprint", { keyVault: { expectedFingerprint: "abc" } }, ["lifeboat:keyVault.expectedFingerprint: got \"abc\"; allowed: a key fingerprint, sha256: and 16 hex characters (`lifeboat fingerprint < key`)"]],
        ["a vault region", { keyVault: { expectedFingerprint: "sha256:d88a2cb53b61ef4d", location: "swedencentral" } }, ["lifeboat:keyVault.location: got \"swedencentral\"; not used by target local: remove it; the key stays with the application: this stack only records its fingerprint"]],
        ["a cron with four fields", { schedule: { cron: "0 2 * *" } }, ["lifeboat:schedule.cron: got \"0 2 * *\"; allowed: a five-field cron in UTC such as \"0 2 * * *\" (a cron expression has 5 fields (minute hour day-of-month month day-of-week), this has 4)"]],
        ["a time zone", { schedule: { timezone: "Europe/Paris" } }, ["lifeboat:schedule.timezone: got \"Europe/Paris\"; allowed: UTC for target local (`lifeboat schedule` runs the cron in UTC); write the cron in UTC instead"]],
        ["retention of zero days", { backupStorage: { retention: { dailyDays: 0 } } }, ["lifeboat:backupStorage.retention.dailyDays: got 0; allowed: a whole number from 1 to 36500"]],
        ["a storage account", { backupStorage: { accountName: "x" } }, ["lifeboat:backupStorage.accountName: got \"x\"; not used by target local: remove it; the dumps go to lifeboat:local.backupDir (or a Docker volume); only retention applies"]],
        ["a restore mode", { restore: { mode: "geo" } }, ["lifeboat:restore.mode: got \"geo\"; allowed for target local: none; restore with `docker exec <container> lifeboat restore ...` (README: target local)"]],
        ["the azure off-site key", { offsite: { s3: { region: "eu-central-1", audience: "api://x" } } }, ["lifeboat:offsite.s3: got {\"region\":\"eu-central-1\",\"audience\":\"api://x\"}; not used by target local: remove it; an off-site copy of a local install is an existing bucket or container: lifeboat:local.offsite"]],
        ["an off-site copy with both stores", { local: { ...local, offsite: { s3: { bucket: "b-1", region: "eu-central-1", accessKeyId: "AKIAOFFLINE0000001" }, azblob: { account: "acct", container: "dumps" } } } }, ["lifeboat:local.offsite: got {\"s3\":true,\"azblob\":true}; allowed: exactly one of s3 and azblob"]],
        ["an off-site endpoint with credentials", { local: { ...local, offsite: { s3: { bucket: "b-1", region: "eu-central-1", accessKeyId: "AKIAOFFLINE0000001", endpoint: "https://key:secret@s3.example" } } } }, ["lifeboat:local.offsite.s3.endpoint: got \"https://key:secret@s3.example\"; allowed: an endpoint URL without credentials, e.g. https://s3.eu-central-003.backblazeb2.com"]],
    ])("%s", async (_, config, errors) => {
        const result = await planStack({ stack: "local", config });
        expect(result.configErrors).toEqual(errors);
        expect(result.resources).toEqual([]);
        expect(result.exitCode).toBe(1);
    });

    it("the field key itself is refused: it must not sit with the backups", async () => {
        const result = await planStack({ stack: "local", config: { fieldEncryptionKey: "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=" } });
        expect(result.configErrors).toEqual([
            "lifeboat:fieldEncryptionKey: got (secret, not shown); not used by target local: remove it (`pulumi config rm lifeboat:fieldEncryptionKey`): the key must not sit with the backups; set lifeboat:keyVault.expectedFingerprint to its fingerprint instead",
        ]);
        expect(JSON.stringify(result)).not.toContain("cw_0x689RpI");
    });

    it("the password and off-site credential are only for target local", async () => {
        const result = await planStack({ stack: "dev", config: { postgresPassword: "secret-password" } });
        expect(result.configErrors).toEqual(["lifeboat:postgresPassword: got (secret, not shown); allowed: only with target local (on azure the stack generates the database password and the off-site copy needs no key); remove it"]);
        expect(JSON.stringify(result)).not.toContain("secret-password");
    });
});
