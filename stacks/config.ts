import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { REDUNDANCIES } from "../components/azure/backupStorage";
import { HIGH_AVAILABILITY_MODES, POSTGRES_VERSIONS } from "../components/azure/postgresServer";
import { knownRegion, suggestRegions } from "../components/azure/regions";
import { knownAwsRegion, suggestAwsRegions } from "../components/aws/regions";
import { isTimeZone } from "../components/aws/dumpTask";
import { isFernetKey } from "../components/fieldKey";
import { fingerprintKey } from "../scripts/fingerprint";
import { cronProblem } from "../components/cron";
import { formatProblem, Problem, Problems } from "../components/validation";

export const NAMESPACE = "lifeboat";
export const TARGETS = ["azure", "aws", "local"] as const;
export const RESTORE_MODES = ["none", "pointInTime", "geo", "revive", "dump", "restored"] as const;

/**
 * Every stack config key: what users write, with its meaning and default. README's config
 * table, Pulumi.yaml's declarations and the schema below must agree with this list (a unit
 * test checks all three), so documentation cannot drift from the code.
 */
export const CONFIG_KEYS: ReadonlyArray<{ key: string; meaning: string; default: string }> = [
    { key: "target", meaning: "`azure`, `aws` or `local`", default: "required" },
    { key: "servers", meaning: "list of servers: `{name, location, version, sku, storageSizeGb, backupRetentionDays (7-35; 1-35 on aws), geoRedundantBackup, backupReplicationRegion, highAvailability (Disabled, SameZone, ZoneRedundant), databases: [names], authentication (password, entra), administratorLogin, publicNetworkAccess, existingServerId, network: {delegatedSubnetResourceId, privateDnsZoneArmResourceId}}`; the SKU tier is derived from `sku`. On azure, `existingServerId` adopts an existing Flexible Server (Pulumi import, never replaced; its login and password are never changed): then version, sku, storageSizeGb, geoRedundantBackup, highAvailability, publicNetworkAccess and administratorLogin are required, as `az postgres flexible-server show` reports them, and its password goes in `serverPasswords` (docs/EXISTING-AZURE.md); a VNet-integrated one also needs its `network` as shown there (the jobs' VNet is then peered with the server's and linked to its private DNS zone). On aws: `name` is the RDS identifier, `location` an AWS region, `sku` an instance class, `highAvailability: ZoneRedundant` is Multi-AZ, and `geoRedundantBackup` replicates automated backups to `backupReplicationRegion` (required then: AWS has no region pairs). On local: one server, `{name, databases}` only: `name` is the PostgreSQL container's host name on `local.network` (its Compose service name)", default: "required; per server: version `16`, sku `Standard_D2ds_v5` (aws: `db.t4g.medium`), storageSizeGb `128` (aws: `100`), backupRetentionDays `35`, geoRedundantBackup `true`, highAvailability `Disabled`, authentication `password`, administratorLogin `lifeboat_admin`, publicNetworkAccess `false`" },
    { key: "backupStorage", meaning: "`{location, redundancy (LRS, ZRS, GRS, RAGRS, GZRS, RAGZRS), retention: {dailyDays, weeklyDays, monthlyDays}, immutabilityDays, accountName, containerName, softDeleteDays, bucketName, objectLockMode}`. On aws: an S3 bucket in `location` (an AWS region) named `bucketName`, `immutabilityDays` is its Object Lock default retention in `objectLockMode` (GOVERNANCE or COMPLIANCE); redundancy, accountName, containerName and softDeleteDays are Azure-only. On local: only `retention`, enforced by the job itself (`lifeboat prune` after each backup). `existingAccountId` (an existing storage account) is refused: an account has one lifecycle management policy, which Lifeboat's rules would replace", default: "location of the first server, `GRS`, 30/90/365 days, no immutability, a derived account name, container `dumps`, soft delete 14 days; aws: a derived bucket name, objectLockMode `GOVERNANCE`" },
    { key: "keyVault", meaning: "`{location, name, secretName, softDeleteRetentionDays (7-90), recover, publicNetworkAccess, allowedIpRanges, resourceGroupName, existingVaultId, expectedFingerprint, secretReaders: [{principalId, principalType}]}`: the field-key vault, in a region that holds no backup. `recover: true` recovers the soft-deleted vault `name` in the existing group `resourceGroupName`; `existingVaultId` adopts a vault without managing it; in both, and in every restore mode, the key is never generated and `expectedFingerprint` (from `lifeboat list` or the old stack's output) labels and checks the backups. `secretReaders` get Key Vault Secrets User on the vault, recreated with it. On aws: a Secrets Manager secret `secretName` encrypted with its own KMS key in `location` (an AWS region), recoverable for `softDeleteRetentionDays` (7-30); name, recover, publicNetworkAccess and allowedIpRanges are Azure-only. On local: only `expectedFingerprint` (required): the key stays with the application, the stack and the backup container never hold it", default: "location required (not on local); a derived name, secretName `FIELD-ENCRYPTION-KEY` (aws: `lifeboat/field-encryption-key`), 90 days (aws: 30), recover `false`, public access on behind a deny-by-default firewall" },
    { key: "fieldEncryptionKey", meaning: "secret (`pulumi config set --secret`): bring an existing Fernet key instead of generating one", default: "generated once, never regenerated" },
    { key: "schedule", meaning: "`{cron, timezone, image, replicaTimeoutSeconds, replicaRetryLimit, restoreTestCron, freshnessCron, maxAge}`: when the dump jobs run; `image` is a prebuilt job image to run instead of the one the stack builds from this repository's Dockerfile (azure: pushed to the stack's Container Registry, aws: to its ECR repository, local: built on the Docker engine), the jobs running it by digest; the monthly restore test (`lifeboat verify`) and the freshness check (`lifeboat freshness --max-age`). Container Apps cron is UTC (azure takes only timezone `UTC`); on aws EventBridge Scheduler runs the cron in `timezone` (an IANA name), and a cron may restrict day-of-month or day-of-week, not both", default: "cron `0 2 * * *`, timezone `UTC`, image built by the stack, 7200 s (azure), 1 retry, restoreTestCron `0 4 1 * *`, freshnessCron `15 */6 * * *`, maxAge `26h`" },
    { key: "alerts", meaning: "`{emails, webhookUrl (secret)}`: who hears of a failed dump, a stale backup (no complete set for `schedule.maxAge`) and a failed restore test; the alert rules exist either way", default: "rules without receivers" },
    { key: "restore", meaning: "`{mode: none, pointInTime, geo, revive or dump, sourceServerId, sourceLocation, pointInTime, backupSet, backupTarget, backupTargetLocation, sources: {<server name>: {sourceServerId, sourceLocation, pointInTime}}}`: how the servers are created after a loss (`sources` per server when there are several). `pointInTime`, `geo` and `revive` create each server from a backup, with the databases it brings (none is declared); once that `up` is done, `restored` is the stack's mode from then on: it sets the admin password the restore could not set. `dump` declares one manually started restore job per database, reading `backupSet` from `backupTarget`, whose region `backupTargetLocation` must be given when it is another stack's account or bucket (the key must not be there); `geo` needs `sourceLocation`, the source's region (its backups stay there); see docs/RUNBOOK.md", default: "`{mode: none}`; backupSet `latest`; backupTarget this stack's own container" },
    { key: "offsite", meaning: "`{s3: {region, objectLockDays, objectLockMode, bucketName, audience}}` (target azure): an off-site copy of every backup set in an S3 bucket in `region` (an AWS region), written by the dump job's managed identity through an IAM OIDC role that trusts tokens for `audience`", default: "none; when s3 is set: objectLockDays `14`, objectLockMode `GOVERNANCE`, a derived bucket name; audience required (an Entra application ID URI)" },
    { key: "local", meaning: "`{network, backupDir, volumeName, port, user, sslMode, containerName, dockerHost, offsite: {s3: {bucket, region, prefix, endpoint, accessKeyId}, azblob: {account, container, prefix}}}` (target local): the backup container on the local Docker engine joins the application's existing Docker `network` (by name, e.g. `casework_default`) and reaches `servers[0].name` on `port` as `user`; the dumps go to the host folder `backupDir` (a bind mount; it must exist, writable by uid 1000) or else to the Docker volume `volumeName`; `offsite` adds an existing S3 bucket or blob container as a second target", default: "network required; the volume `lifeboat-<stack>-backups` unless backupDir is set, port `5432`, user `postgres`, sslMode `prefer`, containerName `lifeboat-<stack>`, the engine of DOCKER_HOST, no off-site copy" },
    { key: "postgresPassword", meaning: "secret (`pulumi config set --secret`), target local: the password of `local.user`; reaches the container as PGPASSWORD, kept secret in state", default: "required for target local" },
    { key: "offsiteCredential", meaning: "secret (`pulumi config set --secret`), target local with `local.offsite`: the S3 secret access key (of `local.offsite.s3.accessKeyId`), or the blob storage connection string (a SAS or account key kept nowhere else)", default: "required with `local.offsite`" },
    { key: "serverPasswords", meaning: "secret (`pulumi config set --secret --path 'lifeboat:serverPasswords.<server name>'`), target azure: the admin password of each adopted server (`servers[].existingServerId`), by server name; the dump and restore-test jobs log in with it, the stack never sets or rotates it", default: "required for each adopted server with password authentication" },
    { key: "operatorIpRanges", meaning: "list of public IPv4 addresses or CIDR ranges (/8 to /30) (target azure): the operators' machines, let through the backup storage account's and the key vault's deny-by-default firewalls, so that `lifeboat list/verify/restore --target azblob://...` runs from there; added to `keyVault.allowedIpRanges`", default: "none: only the jobs' subnet reaches the storage account (docs/RUNBOOK.md: where to run the CLI)" },
    { key: "network", meaning: "`{addressSpace, jobsSubnet, endpointsSubnet}` (target azure): IPv4 CIDR blocks of the jobs' private network in the backup storage region: a virtual network, the Container Apps environment's subnet (dedicated, delegated to Microsoft.App/environments, /27 or larger, with the Microsoft.Storage service endpoint that the backup account's deny-by-default firewall admits) and the subnet of every server's private endpoint (one address each, plus Azure's five)", default: "addressSpace `10.42.0.0/16`, jobsSubnet `10.42.0.0/24`, endpointsSubnet `10.42.1.0/27`" },
];

const str = z.string();
const bool = z.boolean();
const int = z.number();

const serverSchema = z.object({
    name: str,
    /** Required for azure and aws (parseConfig checks it); unused by local. */
    location: str.optional(),
    version: z.enum(POSTGRES_VERSIONS).optional(),
    sku: str.optional(),
    storageSizeGb: int.optional(),
    backupRetentionDays: int.optional(),
    geoRedundantBackup: bool.optional(),
    backupReplicationRegion: str.optional(),
    highAvailability: z.enum(HIGH_AVAILABILITY_MODES).optional(),
    databases: z.array(str),
    authentication: z.enum(["password", "entra"]).optional(),
    administratorLogin: str.optional(),
    publicNetworkAccess: bool.optional(),
    /** Target azure: adopt this existing Flexible Server (Pulumi import) instead of creating one. */
    existingServerId: str.optional(),
    /** Target azure, with existingServerId: the adopted server's VNet integration, as `az postgres flexible-server show` reports it. */
    network: z.object({ delegatedSubnetResourceId: str, privateDnsZoneArmResourceId: str }).strict().optional(),
}).strict();

const schemas = {
    target: z.enum(TARGETS),
    servers: z.array(serverSchema),
    backupStorage: z.object({
        location: str.optional(),
        redundancy: z.enum(REDUNDANCIES).optional(),
        retention: z.object({ dailyDays: int.optional(), weeklyDays: int.optional(), monthlyDays: int.optional() }).strict().optional(),
        immutabilityDays: int.optional(),
        accountName: str.optional(),
        containerName: str.optional(),
        softDeleteDays: int.optional(),
        bucketName: str.optional(),
        objectLockMode: z.enum(["GOVERNANCE", "COMPLIANCE"]).optional(),
        /** Refused with the reason (stacks/adopt.ts): an existing account cannot take Lifeboat's lifecycle rules safely. */
        existingAccountId: str.optional(),
    }).strict(),
    keyVault: z.object({
        location: str.optional(),
        name: str.optional(),
        secretName: str.optional(),
        softDeleteRetentionDays: int.optional(),
        recover: bool.optional(),
        publicNetworkAccess: bool.optional(),
        allowedIpRanges: z.array(str).optional(),
        resourceGroupName: str.optional(),
        existingVaultId: str.optional(),
        expectedFingerprint: str.optional(),
        secretReaders: z.array(z.object({ principalId: str, principalType: z.enum(["User", "Group", "ServicePrincipal"]).optional() }).strict()).optional(),
    }).strict(),
    schedule: z.object({
        cron: str.optional(),
        timezone: str.optional(),
        image: str.optional(),
        replicaTimeoutSeconds: int.optional(),
        replicaRetryLimit: int.optional(),
        restoreTestCron: str.optional(),
        freshnessCron: str.optional(),
        maxAge: str.optional(),
    }).strict(),
    alerts: z.object({ emails: z.array(str).optional(), webhookUrl: str.optional() }).strict(),
    restore: z.object({
        mode: z.enum(RESTORE_MODES),
        sourceServerId: str.optional(),
        sourceLocation: str.optional(),
        pointInTime: str.optional(),
        backupSet: str.optional(),
        backupTarget: str.optional(),
        backupTargetLocation: str.optional(),
        sources: z.record(str, z.object({ sourceServerId: str, sourceLocation: str.optional(), pointInTime: str.optional() }).strict()).optional(),
    }).strict(),
    offsite: z.object({
        s3: z.object({
            region: str,
            objectLockDays: int.optional(),
            objectLockMode: z.enum(["GOVERNANCE", "COMPLIANCE"]).optional(),
            bucketName: str.optional(),
            audience: str.optional(),
        }).strict().optional(),
    }).strict(),
    operatorIpRanges: z.array(str),
    network: z.object({
        addressSpace: str.optional(),
        jobsSubnet: str.optional(),
        endpointsSubnet: str.optional(),
    }).strict(),
    local: z.object({
        network: str,
        backupDir: str.optional(),
        volumeName: str.optional(),
        port: int.optional(),
        user: str.optional(),
        sslMode: z.enum(["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]).optional(),
        containerName: str.optional(),
        dockerHost: str.optional(),
        offsite: z.object({
            s3: z.object({ bucket: str, region: str, prefix: str.optional(), endpoint: str.optional(), accessKeyId: str }).strict().optional(),
            azblob: z.object({ account: str, container: str, prefix: str.optional() }).strict().optional(),
        }).strict().optional(),
    }).strict(),
};

/** Secret keys: read only as secrets by the program; the config records whether they are set. */
export const SECRET_KEYS = ["fieldEncryptionKey", "postgresPassword", "offsiteCredential", "serverPasswords"] as const;
/** Secret keys of target local only. */
const LOCAL_SECRET_KEYS: readonly string[] = ["postgresPassword", "offsiteCredential"];

/** A server as the program sees it: `location` is "" on target local (which has none). */
export type ServerConfig = z.infer<typeof serverSchema> & { location: string };
export type LocalConfig = z.infer<typeof schemas.local>;
export interface LifeboatConfig {
    stack: string;
    target: (typeof TARGETS)[number];
    servers: ServerConfig[];
    backupStorage: z.infer<typeof schemas.backupStorage> & { location: string };
    /** `location` is "" on target local (which has no vault). */
    keyVault: z.infer<typeof schemas.keyVault> & { location: string };
    /** Set only when the user brings a key; the value is read as a secret by the program. */
    hasFieldEncryptionKey: boolean;
    schedule: z.infer<typeof schemas.schedule>;
    alerts: z.infer<typeof schemas.alerts>;
    restore: z.infer<typeof schemas.restore>;
    offsite: z.infer<typeof schemas.offsite>;
    network: z.infer<typeof schemas.network>;
    /** Target azure: the operators' addresses admitted by the storage and vault firewalls. */
    operatorIpRanges: string[];
    /** Target local only: the Docker side. */
    local?: LocalConfig;
    /** Whether the secrets `postgresPassword` and `offsiteCredential` are set (their values are read as secrets by the program). */
    hasPostgresPassword: boolean;
    hasOffsiteCredential: boolean;
    /** Server names lifeboat:serverPasswords holds a password for (adopted servers). */
    serverPasswordNames: string[];
}

/** A stack config that cannot be used: every problem, each naming the key, the value and what is allowed. */
export class ConfigError extends pulumi.RunError {
    constructor(public readonly problems: Problem[]) {
        super(`invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  ${problems.map(formatProblem).join("\n  ")}`);
        this.name = "ConfigError";
    }
}

function keyPath(key: string, path: ReadonlyArray<PropertyKey>): string {
    let out = `${NAMESPACE}:${key}`;
    for (const p of path) {
        out += typeof p === "number" ? `[${p}]` : `.${String(p)}`;
    }
    return out;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
    let v: unknown = root;
    for (const p of path) {
        if (v === null || typeof v !== "object") {
            return undefined;
        }
        v = (v as Record<PropertyKey, unknown>)[p as string];
    }
    return v;
}

function describeExpected(issue: z.core.$ZodIssue): string {
    switch (issue.code) {
        case "invalid_value":
            return `allowed: one of ${issue.values.map((v) => String(v)).join(", ")}`;
        case "invalid_type":
            return `allowed: ${issue.expected === "array" ? "a list" : issue.expected === "object" ? "an object" : `a ${issue.expected}`}`;
        default:
            return `allowed: ${issue.message}`;
    }
}

/** Runs one key's schema, turning every issue into a Problem. */
function check<T>(problems: Problems, key: string, schema: z.ZodType<T>, value: unknown, secretPaths: string[] = []): T | undefined {
    const result = schema.safeParse(value);
    if (result.success) {
        return result.data;
    }
    for (const issue of result.error.issues) {
        if (issue.code === "unrecognized_keys") {
            for (const k of issue.keys) {
                const known = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
                problems.list.push({ path: keyPath(key, [...issue.path, k]), given: "an unknown key", allowed: `remove it or fix its spelling${known.length > 0 ? `; known keys here: ${known.join(", ")}` : ""}` });
            }
            continue;
        }
        const path = keyPath(key, issue.path);
        if (secretPaths.includes(path)) {
            problems.addSecret(path, describeExpected(issue));
        } else {
            problems.add(path, valueAt(value, issue.path), describeExpected(issue));
        }
    }
    return undefined;
}

function checkRegion(problems: Problems, path: string, region: string | undefined, cloud: "azure" | "aws" = "azure"): void {
    if (cloud === "aws") {
        if (region !== undefined && knownAwsRegion(region) === undefined) {
            problems.add(path, region, `allowed: an AWS region code such as ${suggestAwsRegions(region).join(", ")}`);
        }
        return;
    }
    if (region !== undefined && knownRegion(region) === undefined) {
        problems.add(path, region, `allowed: an Azure region name such as ${suggestRegions(region).join(", ")} (case and spaces do not matter)`);
    }
}

/** Reads what `lifeboat:*` holds, without interpreting it. Secrets are read separately. */
export interface RawConfig {
    values: Record<string, unknown>;
    /** The plaintext of lifeboat:fieldEncryptionKey, only to validate its format; never printed. */
    fieldEncryptionKey?: string;
    /** The other secret keys that are set (non-empty); their values are never read here. @default [] */
    secretsSet?: string[];
    /**
     * Secret values the stack file holds in plain text (not written by `pulumi config set --secret`),
     * as key paths (`lifeboat:alerts.webhookUrl`); their values are never read here. @default []
     */
    plaintextSecrets?: string[];
    /** The server names lifeboat:serverPasswords has a password for (the passwords are never read here). @default [] */
    serverPasswordNames?: string[];
}

/** The config runtime's secret-key check: in the module, not in its type declarations. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

/**
 * Whether a key's value is a secret. The Pulumi CLI passes the program the list of keys whose
 * value is encrypted in the stack file (PULUMI_CONFIG_SECRET_KEYS); a key set with
 * `pulumi config set --secret --path lifeboat:alerts.webhookUrl` holds `{secure: ...}` inside,
 * which makes the whole key `lifeboat:alerts` a secret key.
 */
export function isSecretKey(key: string): boolean {
    return runtimeConfig.isConfigSecret(`${NAMESPACE}:${key}`);
}

/** The value paths of each key that must be secret: the secret keys themselves, and the webhook URL. */
export const SECRET_VALUE_PATHS: ReadonlyArray<{ key: string; path?: string }> = [
    ...SECRET_KEYS.map((key) => ({ key })),
    { key: "alerts", path: "webhookUrl" },
];

export function readRawConfig(): RawConfig {
    const values: Record<string, unknown> = {};
    const problems = new Problems();
    for (const { key } of CONFIG_KEYS) {
        if ((SECRET_KEYS as readonly string[]).includes(key)) {
            continue;
        }
        const raw = pulumi.runtime.getConfig(`${NAMESPACE}:${key}`);
        if (raw === undefined) {
            continue;
        }
        if (key === "target") {
            values[key] = raw;
            continue;
        }
        try {
            values[key] = JSON.parse(raw);
        } catch {
            problems.add(`${NAMESPACE}:${key}`, raw, "allowed: structured YAML (an object or a list), as in stacks/Pulumi.dev.yaml");
        }
    }
    // Keys this program does not know are most likely typos: keep them, parseConfig reports them.
    for (const full of Object.keys(pulumi.runtime.allConfig())) {
        const [ns, key] = full.split(":");
        if (ns === NAMESPACE && key !== undefined && !CONFIG_KEYS.some((k) => k.key === key)) {
            values[key] = pulumi.runtime.getConfig(full);
        }
    }
    if (!problems.empty) {
        throw new ConfigError(problems.list);
    }
    const key = pulumi.runtime.getConfig(`${NAMESPACE}:fieldEncryptionKey`);
    const secretsSet = SECRET_KEYS.filter((k) => k !== "fieldEncryptionKey" && (pulumi.runtime.getConfig(`${NAMESPACE}:${k}`) ?? "") !== "");
    const plaintextSecrets: string[] = [];
    for (const { key: k, path } of SECRET_VALUE_PATHS) {
        const raw = pulumi.runtime.getConfig(`${NAMESPACE}:${k}`);
        const given = path === undefined
            ? raw !== undefined && raw !== ""
            : typeof values[k] === "object" && values[k] !== null && (values[k] as Record<string, unknown>)[path] !== undefined;
        if (given && !isSecretKey(k)) {
            plaintextSecrets.push(`${NAMESPACE}:${k}${path === undefined ? "" : `.${path}`}`);
        }
    }
    return { values, fieldEncryptionKey: key === undefined || key === "" ? undefined : key, secretsSet, plaintextSecrets, serverPasswordNames: objectKeys(pulumi.runtime.getConfig(`${NAMESPACE}:serverPasswords`)) };
}

/** The keys of a JSON object given as text; [] for anything else. */
function objectKeys(text: string | undefined): string[] {
    try {
        const value = JSON.parse(text ?? "null") as unknown;
        return value !== null && typeof value === "object" && !Array.isArray(value) ? Object.keys(value) : [];
    } catch {
        return [];
    }
}

/** Validates everything and reports every problem at once; nothing is declared before this returns. */
export function parseConfig(raw: RawConfig, stack: string, targetChecks?: (cfg: LifeboatConfig, problems: Problems) => void): LifeboatConfig {
    const problems = new Problems();
    const v = raw.values;
    for (const key of Object.keys(v)) {
        if (!CONFIG_KEYS.some((k) => k.key === key)) {
            problems.list.push({ path: `${NAMESPACE}:${key}`, given: "an unknown key", allowed: `known keys: ${CONFIG_KEYS.map((k) => k.key).join(", ")}` });
        }
    }
    const target = v.target === undefined
        ? (problems.add(`${NAMESPACE}:target`, undefined, `required: one of ${TARGETS.join(", ")}`), undefined)
        : check(problems, "target", schemas.target, v.target);
    const servers = v.servers === undefined
        ? (problems.add(`${NAMESPACE}:servers`, undefined, "required: a list of servers, each {name, location, databases, ...}"), undefined)
        : check(problems, "servers", schemas.servers, v.servers);
    if (servers !== undefined && servers.length === 0) {
        problems.add(`${NAMESPACE}:servers`, [], "allowed: at least one server");
    }
    const keyVault = v.keyVault === undefined
        ? (problems.add(`${NAMESPACE}:keyVault`, undefined, target === "local"
            ? "required for target local: {expectedFingerprint}: the fingerprint of the application's field key (`lifeboat fingerprint < key`)"
            : "required: {location} at least: the region of the field-key vault, holding no backup"), undefined)
        : check(problems, "keyVault", schemas.keyVault, v.keyVault);
    if (target !== undefined && target !== "local") {
        if (keyVault !== undefined && keyVault.location === undefined) {
            problems.add(`${NAMESPACE}:keyVault.location`, undefined, "required: the region of the field-key vault, holding no backup");
        }
        servers?.forEach((s, i) => {
            if (s.location === undefined) {
                problems.add(`${NAMESPACE}:servers[${i}].location`, undefined, `required for target ${target}: the server's region`);
            }
        });
    }
    // `local` may hold Pulumi.yaml's default {} on any target; only a local stack reads it.
    const localGiven = v.local !== undefined && !(typeof v.local === "object" && v.local !== null && Object.keys(v.local).length === 0);
    const local = target === "local"
        ? (v.local === undefined || !localGiven
            ? (problems.add(`${NAMESPACE}:local`, v.local, "required for target local: {network} at least: the application's Docker network"), undefined)
            : check(problems, "local", schemas.local, v.local))
        : undefined;
    if (target !== undefined && target !== "local" && localGiven) {
        problems.add(`${NAMESPACE}:local`, v.local, `allowed: only with target local; remove it`);
    }
    for (const path of raw.plaintextSecrets ?? []) {
        problems.addSecret(path, `allowed: a secret, encrypted in the stack file: this one is in plain text (anyone who reads the file or the repository has it). Remove it from the file and set it with \`pulumi config set --secret ${path.includes(".") ? "--path " : ""}${path}\``);
    }
    for (const key of (raw.secretsSet ?? []).filter((k) => LOCAL_SECRET_KEYS.includes(k))) {
        if (target !== undefined && target !== "local") {
            problems.addSecret(`${NAMESPACE}:${key}`, `allowed: only with target local (on ${target} the stack generates the database password and the off-site copy needs no key); remove it`);
        }
    }
    const backupStorage = check(problems, "backupStorage", schemas.backupStorage, v.backupStorage ?? {});
    const schedule = check(problems, "schedule", schemas.schedule, v.schedule ?? {});
    const alerts = check(problems, "alerts", schemas.alerts, v.alerts ?? {}, [`${NAMESPACE}:alerts.webhookUrl`]);
    const restore = check(problems, "restore", schemas.restore, v.restore ?? { mode: "none" });
    const offsite = check(problems, "offsite", schemas.offsite, v.offsite ?? {});
    const network = check(problems, "network", schemas.network, v.network ?? {});
    const operatorIpRanges = check(problems, "operatorIpRanges", schemas.operatorIpRanges, v.operatorIpRanges ?? []);
    if (target !== undefined && target !== "azure" && operatorIpRanges !== undefined && operatorIpRanges.length > 0) {
        problems.add(`${NAMESPACE}:operatorIpRanges`, operatorIpRanges, `allowed: only with target azure (${target === "aws" ? "S3 and Secrets Manager are reached with IAM credentials, not through an IP firewall" : "the local target has no firewall"}); remove it`);
    }
    if (target === "aws" && network !== undefined && Object.keys(network).length > 0) {
        problems.add(`${NAMESPACE}:network`, network, "allowed: only with target azure (on aws the tasks use the region's default VPC); remove it");
    }

    // Locations are the target's region names: Azure regions for azure (and local), AWS region codes for aws.
    const cloud = target === "aws" ? "aws" : "azure";
    const names = new Set<string>();
    servers?.forEach((s, i) => {
        checkRegion(problems, `${NAMESPACE}:servers[${i}].location`, s.location, cloud);
        checkRegion(problems, `${NAMESPACE}:servers[${i}].backupReplicationRegion`, s.backupReplicationRegion, cloud);
        if (names.has(s.name)) {
            problems.add(`${NAMESPACE}:servers[${i}].name`, s.name, "allowed: a name not used by another server of this stack");
        }
        names.add(s.name);
    });
    checkRegion(problems, `${NAMESPACE}:backupStorage.location`, backupStorage?.location, cloud);
    checkRegion(problems, `${NAMESPACE}:keyVault.location`, keyVault?.location, cloud);
    checkRegion(problems, `${NAMESPACE}:offsite.s3.region`, offsite?.s3?.region, "aws");
    if (schedule?.timezone !== undefined) {
        if (!isTimeZone(schedule.timezone)) {
            problems.add(`${NAMESPACE}:schedule.timezone`, schedule.timezone, "allowed: an IANA time zone name such as UTC, Europe/Paris or America/New_York");
        } else if (target === "azure" && schedule.timezone !== "UTC") {
            problems.add(`${NAMESPACE}:schedule.timezone`, schedule.timezone, "allowed: UTC for target azure (Container Apps job cron runs in UTC); write the cron in UTC instead");
        }
    }
    if (schedule?.cron !== undefined) {
        const why = cronProblem(schedule.cron);
        if (why !== undefined) {
            problems.add(`${NAMESPACE}:schedule.cron`, schedule.cron, `allowed: a five-field cron in UTC such as "0 2 * * *" (${why})`);
        }
    }
    const expected = keyVault?.expectedFingerprint;
    if (raw.fieldEncryptionKey !== undefined && expected !== undefined && isFernetKey(raw.fieldEncryptionKey) && fingerprintKey(raw.fieldEncryptionKey) !== expected) {
        problems.add(`${NAMESPACE}:keyVault.expectedFingerprint`, expected, `must match the key given in ${NAMESPACE}:fieldEncryptionKey, whose fingerprint is ${fingerprintKey(raw.fieldEncryptionKey)}: it is a different key, and backups made with the expected one would be unreadable with it`);
    }
    if (raw.fieldEncryptionKey !== undefined && !isFernetKey(raw.fieldEncryptionKey)) {
        problems.addSecret(`${NAMESPACE}:fieldEncryptionKey`, "allowed: a Fernet key, 32 bytes in URL-safe base64 (44 characters ending in =), set with `pulumi config set --secret lifeboat:fieldEncryptionKey`");
    }
    alerts?.emails?.forEach((e, i) => {
        if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e)) {
            problems.add(`${NAMESPACE}:alerts.emails[${i}]`, e, "allowed: an email address");
        }
    });
    if (alerts?.webhookUrl !== undefined && !/^https:\/\/\S+$/.test(alerts.webhookUrl)) {
        problems.addSecret(`${NAMESPACE}:alerts.webhookUrl`, "allowed: an https:// URL, set with `pulumi config set --secret --path lifeboat:alerts.webhookUrl`");
    }

    if (target === undefined || servers === undefined || keyVault === undefined || backupStorage === undefined
        || schedule === undefined || alerts === undefined || restore === undefined || offsite === undefined || network === undefined || operatorIpRanges === undefined
        || (target === "local" && local === undefined)) {
        throw new ConfigError(problems.list);
    }
    const cfg: LifeboatConfig = {
        stack,
        target,
        servers: servers.map((s) => ({ ...s, location: s.location ?? "" })),
        backupStorage: { ...backupStorage, location: backupStorage.location ?? servers[0]?.location ?? "" },
        keyVault: { ...keyVault, location: keyVault.location ?? "" },
        hasFieldEncryptionKey: raw.fieldEncryptionKey !== undefined,
        local,
        hasPostgresPassword: raw.secretsSet?.includes("postgresPassword") ?? false,
        hasOffsiteCredential: raw.secretsSet?.includes("offsiteCredential") ?? false,
        serverPasswordNames: raw.serverPasswordNames ?? [],
        schedule,
        alerts,
        restore,
        offsite,
        network,
        operatorIpRanges,
    };
    // The shape is right: let the target check the values too, so every problem comes at once.
    targetChecks?.(cfg, problems);
    if (!problems.empty) {
        throw new ConfigError(problems.list);
    }
    return cfg;
}

/** Receives each check on output values; the offline plan sets one to await them (see observeOutputChecks). */
let outputCheckObserver: ((check: Promise<unknown>) => void) | undefined;

/**
 * Makes every later config check on output values report to `observer` instead of failing the
 * program through an unhandled rejection (what Pulumi's Node.js host reports as a failed update).
 * The offline plan awaits them, so a refusal is a config error there too.
 */
export function observeOutputChecks(observer: ((check: Promise<unknown>) => void) | undefined): void {
    outputCheckObserver = observer;
}

/**
 * Refuses a `keyVault.secretReaders` entry that is one of the jobs' own identities: that would give
 * the dump job Key Vault Secrets User on the field key (DESIGN contract 4, dump-job-cannot-read-key).
 * The identities' object IDs are known once they exist (every update after the first, and every
 * preview of one), so the check runs on the values; a refusal fails the update with a ConfigError.
 */
export function refuseJobsAsSecretReaders(readers: ReadonlyArray<{ principalId: string }>, jobs: { name: string; principalId: pulumi.Output<string> }[]): void {
    if (readers.length === 0) {
        return;
    }
    const checked = pulumi.all(jobs.map((j) => j.principalId)).apply((ids) => {
        const problems = new Problems();
        readers.forEach((reader, i) => {
            const j = ids.findIndex((id) => id !== undefined && id.toLowerCase() === reader.principalId.trim().toLowerCase());
            if (j >= 0) {
                problems.add(`${NAMESPACE}:keyVault.secretReaders[${i}].principalId`, reader.principalId,
                    `allowed: any principal but ${jobs[j].name}: the dump job must never be able to read the field key (policy dump-job-cannot-read-key); remove this reader`);
            }
        });
        if (!problems.empty) {
            throw new ConfigError(problems.list);
        }
    });
    if (outputCheckObserver !== undefined) {
        // The output's own bookkeeping promises reject with it: the observer reports the error once.
        const o = checked as unknown as { isKnown: Promise<boolean>; isSecret: Promise<boolean>; promise(): Promise<unknown> };
        o.isKnown.catch(() => undefined);
        o.isSecret.catch(() => undefined);
        outputCheckObserver(o.promise());
    }
}
