import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { cronProblem } from "../cron";
import { DATABASES_TAG, ROLE_TAG, ROLES, SERVER_TAG } from "../roles";
import { checkIntRange, Problems } from "../validation";

/** Where the dumps go inside the container (the Dockerfile creates it, owned by the job's user). */
export const BACKUP_MOUNT = "/backups";
/** The schedule's status file, read by the health check (inside the container: never in the backups). */
export const STATUS_FILE = "/tmp/lifeboat/status.json";

/** An existing off-site store, written as a second target with credentials from secrets. */
export interface LocalOffsite {
    /** An S3 bucket (or S3-compatible store at `endpoint`); the secret key comes from the component's secret. @default undefined */
    s3?: { bucket: string; region: string; prefix?: string; endpoint?: string; accessKeyId: string };
    /** A blob container; its connection string comes from the component's secret. @default undefined */
    azblob?: { account: string; container: string; prefix?: string };
    /** The S3 secret access key, or the blob storage connection string (secret). */
    credential: pulumi.Input<string>;
}

export interface LocalBackupArgs {
    /** The application's existing Docker network, by name (e.g. `casework_default`). */
    network: string;
    /** The PostgreSQL container's host name on that network (its Compose service name). */
    host: string;
    /** @default 5432 */
    port?: number;
    /** @default "postgres" */
    user?: string;
    /** The password of `user` (kept secret: it reaches the container as PGPASSWORD from a secret). */
    password: pulumi.Input<string>;
    /** PGSSLMODE. @default "prefer" */
    sslMode?: string;
    /** Databases in each set. */
    databases: string[];
    /** The image the container runs: a local image ID or a registry reference by digest. */
    image: pulumi.Input<string>;
    /**
     * Host folder for the dumps (bind mount; must exist, writable by uid 1000). Exactly one of
     * backupDir and volumeName. @default undefined
     */
    backupDir?: string;
    /** A Docker volume for the dumps, declared (and protected) here. @default undefined */
    volumeName?: string;
    /** Five-field cron in UTC. @default "0 2 * * *" */
    cron?: string;
    /** Days each tier is kept on the backup folder (`lifeboat prune`). @default 30/90/365 */
    retention?: { dailyDays?: number; weeklyDays?: number; monthlyDays?: number };
    /** Fingerprint of the application's field key, recorded in each manifest (the key itself stays with the app). */
    keyFingerprint: string;
    /** The health check fails when the last successful backup is older. @default "26h" */
    maxAge?: string;
    /** @default "lifeboat" */
    containerName?: string;
    /** A second, off-site target beside the local folder or volume. @default undefined (local only) */
    offsite?: LocalOffsite;
    /** Extra labels. @default {} */
    labels?: Record<string, string>;
}

export function validateLocalBackupArgs(args: LocalBackupArgs, problems: Problems, path = "args"): void {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(args.network)) {
        problems.add(`${path}.network`, args.network, "allowed: a Docker network name (letters, digits, _ . -), e.g. casework_default (`docker network ls`)");
    }
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,252}$/.test(args.host)) {
        problems.add(`${path}.host`, args.host, "allowed: a host name on the Docker network: the PostgreSQL container's name or Compose service name, e.g. db");
    }
    checkIntRange(problems, `${path}.port`, args.port ?? 5432, 1, 65535);
    if (args.backupDir !== undefined && args.volumeName !== undefined) {
        problems.add(`${path}.backupDir`, args.backupDir, "allowed: either backupDir (a host folder) or volumeName (a Docker volume), not both");
    }
    if (args.backupDir !== undefined && (!args.backupDir.startsWith("/") || args.backupDir.includes("..") || args.backupDir === "/")) {
        problems.add(`${path}.backupDir`, args.backupDir, "allowed: an absolute host path such as /srv/lifeboat/backups (not /, no ..)");
    }
    if (args.volumeName !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]+$/.test(args.volumeName)) {
        problems.add(`${path}.volumeName`, args.volumeName, "allowed: a Docker volume name (letters, digits, _ . -)");
    }
    if (args.containerName !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]+$/.test(args.containerName)) {
        problems.add(`${path}.containerName`, args.containerName, "allowed: a Docker container name (letters, digits, _ . -)");
    }
    const cron = args.cron ?? "0 2 * * *";
    const why = cronProblem(cron);
    if (why !== undefined) {
        problems.add(`${path}.cron`, cron, `allowed: a five-field cron in UTC such as "0 2 * * *" (${why})`);
    }
    for (const tier of ["daily", "weekly", "monthly"] as const) {
        const days = args.retention?.[`${tier}Days`];
        if (days !== undefined) {
            checkIntRange(problems, `${path}.retention.${tier}Days`, days, 1, 36500);
        }
    }
    if (args.databases.length === 0) {
        problems.add(`${path}.databases`, args.databases, "allowed: at least one database");
    }
    if (!/^sha256:[0-9a-f]{16}$/.test(args.keyFingerprint)) {
        problems.add(`${path}.keyFingerprint`, args.keyFingerprint, "allowed: a key fingerprint, sha256: and 16 hex characters (`lifeboat fingerprint < key`)");
    }
    if (!/^\d+[mhd]$/.test(args.maxAge ?? "26h")) {
        problems.add(`${path}.maxAge`, args.maxAge, "allowed: a whole number of minutes, hours or days, e.g. 26h");
    }
    const off = args.offsite;
    if (off !== undefined) {
        if ((off.s3 === undefined) === (off.azblob === undefined)) {
            problems.add(`${path}.offsite`, { s3: off.s3 !== undefined, azblob: off.azblob !== undefined }, "allowed: exactly one of s3 and azblob");
        }
        if (off.s3 !== undefined) {
            if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(off.s3.bucket)) {
                problems.add(`${path}.offsite.s3.bucket`, off.s3.bucket, "allowed: an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)");
            }
            if (off.s3.endpoint !== undefined && !/^https?:\/\/[^\s/@]+(:\d+)?\/?$/.test(off.s3.endpoint)) {
                problems.add(`${path}.offsite.s3.endpoint`, off.s3.endpoint, "allowed: an endpoint URL without credentials, e.g. https://s3.eu-central-003.backblazeb2.com");
            }
            if (!/^[A-Za-z0-9]{8,128}$/.test(off.s3.accessKeyId)) {
                problems.add(`${path}.offsite.s3.accessKeyId`, off.s3.accessKeyId, "allowed: an access key ID (letters and digits); the secret key goes in lifeboat:offsiteCredential");
            }
        }
        if (off.azblob !== undefined) {
            if (!/^[a-z0-9]{3,24}$/.test(off.azblob.account)) {
                problems.add(`${path}.offsite.azblob.account`, off.azblob.account, "allowed: a storage account name (3-24 lowercase letters and digits)");
            }
            if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(off.azblob.container)) {
                problems.add(`${path}.offsite.azblob.container`, off.azblob.container, "allowed: a blob container name (3-63 lowercase letters, digits and single hyphens)");
            }
        }
        for (const [where, prefix] of [["s3", off.s3?.prefix], ["azblob", off.azblob?.prefix]] as const) {
            if (prefix !== undefined && !/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(prefix)) {
                problems.add(`${path}.offsite.${where}.prefix`, prefix, "allowed: a key prefix such as casework/prod (letters, digits, . _ - and single slashes)");
            }
        }
    }
}

/** The off-site target URL the job writes to (credentials never in the URL). */
export function offsiteTargetUrl(off: LocalOffsite): string | undefined {
    if (off.s3 !== undefined) {
        return `s3://${off.s3.bucket}${off.s3.prefix === undefined ? "" : `/${off.s3.prefix}`}`;
    }
    if (off.azblob !== undefined) {
        return `azblob://${off.azblob.account}/${off.azblob.container}${off.azblob.prefix === undefined ? "" : `/${off.azblob.prefix}`}`;
    }
    return undefined;
}

/**
 * The container's environment as `NAME=value` lines: libpq's variables, the schedule's, and the
 * off-site credentials. Returned as a secret as a whole (it holds PGPASSWORD), so that neither
 * state nor the plan shows it.
 */
export function localBackupEnv(args: LocalBackupArgs): pulumi.Output<string[]> {
    const retention = args.retention ?? {};
    const off = args.offsite;
    const offsiteUrl = off === undefined ? undefined : offsiteTargetUrl(off);
    const plain: string[] = [
        `PGHOST=${args.host}`,
        `PGPORT=${args.port ?? 5432}`,
        `PGUSER=${args.user ?? "postgres"}`,
        `PGSSLMODE=${args.sslMode ?? "prefer"}`,
        `LIFEBOAT_DATABASES=${args.databases.join(",")}`,
        `LIFEBOAT_TARGET=file://${BACKUP_MOUNT}${offsiteUrl === undefined ? "" : `,${offsiteUrl}`}`,
        `LIFEBOAT_CRON=${args.cron ?? "0 2 * * *"}`,
        `LIFEBOAT_KEY_FINGERPRINT=${args.keyFingerprint}`,
        `LIFEBOAT_KEEP_DAILY_DAYS=${retention.dailyDays ?? 30}`,
        `LIFEBOAT_KEEP_WEEKLY_DAYS=${retention.weeklyDays ?? 90}`,
        `LIFEBOAT_KEEP_MONTHLY_DAYS=${retention.monthlyDays ?? 365}`,
        `LIFEBOAT_STATUS_FILE=${STATUS_FILE}`,
        `LIFEBOAT_MAX_AGE=${args.maxAge ?? "26h"}`,
    ];
    if (off?.s3 !== undefined) {
        plain.push(`AWS_REGION=${off.s3.region}`, `AWS_ACCESS_KEY_ID=${off.s3.accessKeyId}`);
        if (off.s3.endpoint !== undefined) {
            plain.push(`AWS_ENDPOINT_URL=${off.s3.endpoint}`);
        }
    }
    return pulumi.secret(pulumi.all([args.password, off?.credential ?? ""]).apply(([password, credential]) => [
        ...plain,
        `PGPASSWORD=${password}`,
        ...(off?.s3 !== undefined ? [`AWS_SECRET_ACCESS_KEY=${credential}`] : []),
        ...(off?.azblob !== undefined ? [`AZURE_STORAGE_CONNECTION_STRING=${credential}`] : []),
    ]));
}

/**
 * The one-machine install (target local): a long-running backup container on the application's
 * Docker network that runs `lifeboat schedule` (backups on a UTC cron, never overlapping, then
 * `prune` of the backup folder) with the folder bind-mounted (or a Docker volume), an optional
 * off-site copy, a health check on the schedule's last result (`lifeboat health`), and a restart
 * policy. The field key is never given to it: only its fingerprint.
 */
export class LocalBackup extends pulumi.ComponentResource {
    public readonly container: docker.Container;
    /** The Docker volume holding the dumps, when no host folder is used. */
    public readonly volume?: docker.Volume;
    public readonly containerName: string;
    /** Where the dumps are on the host: the folder, or `volume:<name>`. */
    public readonly backupLocation: string;

    constructor(name: string, args: LocalBackupArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("lifeboat:docker:LocalBackup", name, {}, opts);
        const problems = new Problems();
        validateLocalBackupArgs(args, problems);
        problems.throwIfAny(`LocalBackup ${name}`);

        this.containerName = args.containerName ?? "lifeboat";
        const labels = {
            ...args.labels,
            [ROLE_TAG]: ROLES.dumpJob,
            [SERVER_TAG]: args.host,
            [DATABASES_TAG]: args.databases.join(","),
        };
        if (args.backupDir === undefined) {
            const volumeName = args.volumeName ?? `${this.containerName}-backups`;
            // The backups live here: `pulumi destroy` must not take them.
            this.volume = new docker.Volume(`${name}-backups`, {
                name: volumeName,
                labels: Object.entries({ ...labels, [ROLE_TAG]: ROLES.backups }).map(([label, value]) => ({ label, value })),
            }, { parent: this, protect: true, retainOnDelete: true });
            this.backupLocation = `volume:${volumeName}`;
        } else {
            this.backupLocation = args.backupDir;
        }
        this.container = new docker.Container(`${name}-container`, {
            name: this.containerName,
            image: args.image,
            command: ["schedule"],
            envs: localBackupEnv(args),
            networksAdvanced: [{ name: args.network }],
            mounts: [this.volume === undefined
                ? { type: "bind", source: args.backupDir, target: BACKUP_MOUNT }
                : { type: "volume", source: this.volume.name, target: BACKUP_MOUNT }],
            restart: "unless-stopped",
            // tini as PID 1: signals reach the schedule, and orphans are reaped
            init: true,
            // docker stop: SIGTERM, then the running backup rolls its set back before the kill
            stopSignal: "SIGTERM",
            stopTimeout: 120,
            destroyGraceSeconds: 120,
            healthcheck: {
                tests: ["CMD", "node", "/app/dist/scripts/cli.js", "health"],
                interval: "1m0s",
                timeout: "30s",
                startPeriod: "1m0s",
                retries: 3,
            },
            logDriver: "json-file",
            logOpts: { "max-size": "10m", "max-file": "5" },
            labels: Object.entries(labels).map(([label, value]) => ({ label, value })),
            mustRun: true,
        }, { parent: this, dependsOn: this.volume === undefined ? [] : [this.volume] });
        this.registerOutputs({ containerName: this.containerName, backupLocation: this.backupLocation });
    }
}
