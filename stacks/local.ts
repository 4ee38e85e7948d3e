/**
 * The `local` target: one machine with Docker, where the application runs under Docker Compose.
 * Declares on the local Docker engine the job image (built from this repository's Dockerfile),
 * and a backup container on the application's network that runs `lifeboat schedule` into a host
 * folder (or a volume), with an optional off-site copy. Key separation: the field key is never
 * part of this stack; only its fingerprint (`keyVault.expectedFingerprint`) labels and checks
 * the backups, and the key stays with the application (and its own offline copy).
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { JobImage, LocalBackup, LocalBackupArgs, offsiteTargetUrl, validateLocalBackupArgs } from "../components/docker";
import { Problems } from "../components/validation";
import { dockerSlug, parseMaxAge } from "./naming";
import { LifeboatConfig, LocalConfig, NAMESPACE } from "./config";

export type LocalPlan = Omit<LocalBackupArgs, "image" | "password" | "offsite"> & { offsite?: Omit<NonNullable<LocalBackupArgs["offsite"]>, "credential"> };

/**
 * Everything the local target declares, derived from config once and checked before anything is
 * declared (planLocal): plain data, no resource and no secret. localStack only declares it.
 */
export interface LocalStackPlan {
    /** The backup container's args but its image and secrets. */
    backup: LocalPlan;
    /** The Docker engine (`local.dockerHost`). @default undefined (DOCKER_HOST's) */
    dockerHost?: string;
    /** A prebuilt image (`schedule.image`) pulled and run by its ID; undefined when the stack builds `imageName`. */
    prebuiltImage?: string;
    /** The image the stack builds from this repository's Dockerfile. */
    imageName: string;
}

/** The secrets the local declare step reads from the stack config (never part of the plan). */
export interface LocalSecrets {
    password: pulumi.Output<string>;
    /** Only with an off-site copy. */
    offsiteCredential?: pulumi.Output<string>;
}

/** Reads the secrets a local plan needs from the stack config. */
export function localSecrets(plan: LocalStackPlan): LocalSecrets {
    const config = new pulumi.Config(NAMESPACE);
    return {
        password: config.requireSecret("postgresPassword"),
        offsiteCredential: plan.backup.offsite === undefined ? undefined : config.requireSecret("offsiteCredential"),
    };
}

/** The local target's plan, checked: every problem goes into `problems` (nothing is declared). */
export function planLocal(cfg: LifeboatConfig, problems: Problems): LocalStackPlan {
    checkLocal(cfg, problems);
    const image = cfg.schedule.image;
    return {
        // parseConfig refuses target local without lifeboat:local before any target check runs.
        backup: localPlan(cfg),
        dockerHost: cfg.local?.dockerHost,
        prebuiltImage: image !== undefined && image.trim() !== "" ? image : undefined,
        imageName: `lifeboat-job:${dockerSlug(cfg.stack)}`,
    };
}

/** The backup container's args derived from config (pure; tested directly). */
export function localPlan(cfg: LifeboatConfig): LocalPlan {
    const local = cfg.local as LocalConfig;
    const server = cfg.servers[0];
    return {
        network: local.network,
        host: server?.name ?? "",
        port: local.port,
        user: local.user,
        sslMode: local.sslMode,
        databases: server?.databases ?? [],
        backupDir: local.backupDir,
        volumeName: local.volumeName,
        cron: cfg.schedule.cron,
        retention: cfg.backupStorage.retention,
        keyFingerprint: cfg.keyVault.expectedFingerprint ?? "",
        maxAge: cfg.schedule.maxAge,
        containerName: local.containerName ?? `lifeboat-${dockerSlug(cfg.stack)}`,
        offsite: local.offsite === undefined ? undefined : { s3: local.offsite.s3, azblob: local.offsite.azblob },
    };
}

/** Component argument paths as the config keys users write. */
const RENAME: Array<[string, string]> = [
    [".host", "servers[0].name"],
    [".databases", "servers[0].databases"],
    [".cron", "schedule.cron"],
    [".maxAge", "schedule.maxAge"],
    [".keyFingerprint", "keyVault.expectedFingerprint"],
    [".retention.", "backupStorage.retention."],
];

function notUsed(problems: Problems, path: string, value: unknown, instead: string): void {
    if (value !== undefined) {
        problems.add(path, value, `not used by target local: remove it; ${instead}`);
    }
}

/** Every problem of a local stack's config, with config key paths; declares nothing. */
export function checkLocal(cfg: LifeboatConfig, problems: Problems): void {
    const ns = NAMESPACE;
    if (cfg.servers.length !== 1) {
        problems.add(`${ns}:servers`, cfg.servers.map((s) => s.name), "allowed for target local: exactly one server, the PostgreSQL container ({name, databases}); use one stack per PostgreSQL container");
    }
    cfg.servers.forEach((s, i) => {
        const path = `${ns}:servers[${i}]`;
        const managed = "the stack does not manage the PostgreSQL container (Docker Compose does)";
        notUsed(problems, `${path}.location`, s.location === "" ? undefined : s.location, managed);
        for (const key of ["version", "sku", "storageSizeGb", "backupRetentionDays", "geoRedundantBackup", "backupReplicationRegion", "highAvailability", "authentication", "publicNetworkAccess"] as const) {
            notUsed(problems, `${path}.${key}`, s[key], managed);
        }
        notUsed(problems, `${path}.administratorLogin`, s.administratorLogin, `the login is ${ns}:local.user`);
    });

    const kv = `${ns}:keyVault`;
    if (cfg.keyVault.expectedFingerprint === undefined) {
        problems.add(`${kv}.expectedFingerprint`, undefined, "required for target local: the fingerprint of the application's field key, recorded in every manifest and checked on restore; print it where the key is, e.g. `docker compose exec -T app printenv FIELD_ENCRYPTION_KEY | docker run --rm -i lifeboat fingerprint`");
    }
    const keyElsewhere = "the key stays with the application: this stack only records its fingerprint";
    notUsed(problems, `${kv}.location`, cfg.keyVault.location === "" ? undefined : cfg.keyVault.location, keyElsewhere);
    for (const key of ["name", "secretName", "softDeleteRetentionDays", "recover", "publicNetworkAccess", "allowedIpRanges", "resourceGroupName", "existingVaultId", "secretReaders"] as const) {
        notUsed(problems, `${kv}.${key}`, cfg.keyVault[key], keyElsewhere);
    }
    if (cfg.hasFieldEncryptionKey) {
        problems.addSecret(`${ns}:fieldEncryptionKey`, `not used by target local: remove it (\`pulumi config rm ${ns}:fieldEncryptionKey\`): the key must not sit with the backups; set ${kv}.expectedFingerprint to its fingerprint instead`);
    }

    const bs = `${ns}:backupStorage`;
    for (const key of ["location", "redundancy", "immutabilityDays", "accountName", "containerName", "softDeleteDays", "bucketName", "objectLockMode"] as const) {
        notUsed(problems, `${bs}.${key}`, key === "location" && cfg.backupStorage.location === (cfg.servers[0]?.location ?? "") ? undefined : cfg.backupStorage[key],
            `the dumps go to ${ns}:local.backupDir (or a Docker volume); only retention applies`);
    }
    const sc = `${ns}:schedule`;
    for (const key of ["replicaTimeoutSeconds", "replicaRetryLimit", "restoreTestCron", "freshnessCron"] as const) {
        notUsed(problems, `${sc}.${key}`, cfg.schedule[key], "the container's health check (`lifeboat health`) reports a failed or stale backup");
    }
    if (cfg.schedule.timezone !== undefined && cfg.schedule.timezone !== "UTC") {
        problems.add(`${sc}.timezone`, cfg.schedule.timezone, "allowed: UTC for target local (`lifeboat schedule` runs the cron in UTC); write the cron in UTC instead");
    }
    const maxAge = cfg.schedule.maxAge ?? "26h";
    if (parseMaxAge(maxAge) === undefined) {
        problems.add(`${sc}.maxAge`, maxAge, "allowed: a whole number of minutes, hours or days, e.g. 26h");
    }
    if ((cfg.alerts.emails?.length ?? 0) > 0 || cfg.alerts.webhookUrl !== undefined) {
        problems.add(`${ns}:alerts`, { emails: cfg.alerts.emails, webhookUrl: cfg.alerts.webhookUrl === undefined ? undefined : "(secret)" },
            "not used by target local: remove it; the container's health status (`docker ps`, `docker inspect`) turns unhealthy on a failed or stale backup: watch it with your monitoring");
    }
    if (cfg.restore.mode !== "none") {
        problems.add(`${ns}:restore.mode`, cfg.restore.mode, "allowed for target local: none; restore with `docker exec <container> lifeboat restore ...` (README: target local)");
    }
    notUsed(problems, `${ns}:offsite.s3`, cfg.offsite.s3, `an off-site copy of a local install is an existing bucket or container: ${ns}:local.offsite`);
    if (Object.keys(cfg.network).length > 0) {
        notUsed(problems, `${ns}:network`, cfg.network, `the container joins the Docker network ${ns}:local.network`);
    }

    if (!cfg.hasPostgresPassword) {
        problems.add(`${ns}:postgresPassword`, undefined, `required for target local: the password of ${ns}:local.user, set with \`pulumi config set --secret ${ns}:postgresPassword\``);
    }
    const offsite = cfg.local?.offsite;
    if (offsite !== undefined && !cfg.hasOffsiteCredential) {
        problems.add(`${ns}:offsiteCredential`, undefined, `required with ${ns}:local.offsite: ${offsite.s3 !== undefined ? "the S3 secret access key" : "the blob storage connection string"}, set with \`pulumi config set --secret ${ns}:offsiteCredential\``);
    }
    if (offsite === undefined && cfg.hasOffsiteCredential) {
        problems.addSecret(`${ns}:offsiteCredential`, `allowed: only with ${ns}:local.offsite; remove it`);
    }

    if (cfg.local === undefined) {
        return;
    }
    const componentProblems = new Problems();
    validateLocalBackupArgs({ ...localPlan(cfg), image: "", password: "", offsite: offsite === undefined ? undefined : { ...offsite, credential: "" } }, componentProblems, `${ns}:local`);
    for (const p of componentProblems.list) {
        const rename = RENAME.find(([from]) => p.path.includes(from));
        const renamed = rename === undefined ? p : { ...p, path: p.path.replace(`${ns}:local${rename[0]}`, `${ns}:${rename[1]}`) };
        // the config's own checks already named these (a missing fingerprint, the cron)
        if (!problems.list.some((q) => q.path === renamed.path)) {
            problems.list.push(renamed);
        }
    }
}

/**
 * The local target: the job image on the local Docker engine, and the scheduled backup container.
 * Declares `stackPlan` (checked before anything is declared: stacks/program.ts) and reads nothing
 * else but the secrets.
 */
export function localStack(stackPlan: LocalStackPlan, secrets: LocalSecrets): Record<string, unknown> {
    const plan = stackPlan.backup;
    const provider = stackPlan.dockerHost === undefined ? undefined : new docker.Provider("docker", { host: stackPlan.dockerHost });
    const providers = provider === undefined ? {} : { providers: [provider] };

    // A prebuilt image (schedule.image) is pulled and run by its ID; otherwise the stack builds one.
    let imageRef: pulumi.Output<string>;
    if (stackPlan.prebuiltImage !== undefined) {
        const pulled = new docker.RemoteImage("job-image", { name: stackPlan.prebuiltImage, keepLocally: true }, provider === undefined ? {} : { provider });
        imageRef = pulled.imageId;
    } else {
        imageRef = new JobImage("job", { imageName: stackPlan.imageName }, providers).ref;
    }
    const backup = new LocalBackup("backup", {
        ...plan,
        image: imageRef,
        password: secrets.password,
        offsite: plan.offsite === undefined ? undefined : { ...plan.offsite, credential: secrets.offsiteCredential ?? "" },
    }, providers);

    const user = plan.user ?? "postgres";
    const firstDb = plan.databases[0] ?? "main";
    return {
        target: "local",
        container: backup.containerName,
        network: plan.network,
        postgres: `${plan.host}:${plan.port ?? 5432}`,
        databases: plan.databases,
        backups: backup.backupLocation,
        backupTargets: [`file:///backups`, ...(plan.offsite === undefined ? [] : [offsiteTargetUrl({ ...plan.offsite, credential: "" })])],
        schedule: `${plan.cron ?? "0 2 * * *"} UTC`,
        retentionDays: { daily: plan.retention?.dailyDays ?? 30, weekly: plan.retention?.weeklyDays ?? 90, monthly: plan.retention?.monthlyDays ?? 365 },
        image: imageRef,
        keyFingerprint: plan.keyFingerprint,
        health: `docker inspect --format '{{.State.Health.Status}}' ${backup.containerName}`,
        restore: `docker exec -it ${backup.containerName} lifeboat restore --target file:///backups --set latest --database ${firstDb} --into postgresql://${user}@${plan.host}:${plan.port ?? 5432}/${firstDb}`,
    };
}
