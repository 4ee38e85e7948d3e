import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as resources from "@pulumi/azure-native/resources";
import {
    BackupAlerts, BackupStorage, BackupStorageArgs, DumpJob, DumpJobArgs, FieldKeyVault, FieldKeyVaultArgs, JobEnvironment,
    JobNetwork, JobNetworkArgs, JobRegistry, JobRegistryPull, PostgresServer, PostgresServerArgs, RecoveryJob, RecoveryJobKind, ResourceLogs, RestoreCreateMode, jobNetworkCidrs, knownRegion, pairOf,
    suggestRegions, validateBackupStorageArgs, validateDumpJobArgs, validateFieldKeyVaultArgs, validateJobNetworkArgs,
    validateJobRegistryArgs, validatePostgresServerArgs,
} from "../components/azure";
import { cronProblem } from "../components/cron";
import { Problems } from "../components/validation";
import { adoptedPassword, adoptedServer } from "./adopt";
import { LifeboatConfig, NAMESPACE, refuseJobsAsSecretReaders } from "./config";
import { buildsImage, containerFor, dumpJobName, imageTag, jobName, parseMaxAge, registryName, storageAccountName, vaultName } from "./naming";
import { checkOffsite, declareOffsite, OffsitePlan, offsitePlan } from "./offsite";

/** The restore source of one server: its own entry in `restore.sources`, or the top-level fields when there is one server. */
export function restoreSourceFor(cfg: LifeboatConfig, index: number): { sourceServerId?: string; sourceLocation?: string; pointInTime?: string } | undefined {
    const own = cfg.restore.sources?.[cfg.servers[index].name];
    if (own !== undefined) {
        return own;
    }
    if (cfg.servers.length === 1 && cfg.restore.sourceServerId !== undefined) {
        return { sourceServerId: cfg.restore.sourceServerId, sourceLocation: cfg.restore.sourceLocation, pointInTime: cfg.restore.pointInTime };
    }
    return undefined;
}

const CREATE_MODES: Record<string, RestoreCreateMode | undefined> = { pointInTime: "PointInTimeRestore", geo: "GeoRestore", revive: "ReviveDropped" };

/** A server as the stack declares it: its component args but the tenant and the password, known only when declaring. */
export type ServerPlan = Omit<PostgresServerArgs, "tenantId" | "administratorPassword">;

/** A restore test, freshness check or (mode dump) restore job: what it runs, on which server's sets. */
export interface RecoveryJobPlan {
    kind: RecoveryJobKind;
    jobName: string;
    /** The index in `servers` of the server the job is about. */
    server: number;
    serverName: string;
    databases: string[];
    /** Five-field UTC cron. @default undefined (started by hand) */
    cron?: string;
    /** `lifeboat` arguments, before the connection URL the declare step appends. */
    args: string[];
    /**
     * The job logs in to its server, and its last argument is
     * `<prefix>postgresql://<login>@<fqdn>:5432/<database>?sslmode=require`. @default undefined (no login: freshness)
     */
    connection?: { prefix: string; database: string };
    /** A target URL other than the server's own container (restore.backupTarget). @default undefined */
    target?: string;
    /** The region of `target` when another stack holds it (restore.backupTargetLocation), tagged for the policies. @default undefined */
    targetLocation?: string;
    /** @default undefined (the component's 7200) */
    replicaTimeoutSeconds?: number;
}

/**
 * Everything the Azure target declares, derived from config once and checked before anything is
 * declared: plain data (names, regions, settings), no Pulumi resource and no secret value. The
 * declare step (azureStack) reads nothing else but the secrets (AzureSecrets).
 */
export interface AzurePlan {
    stack: string;
    resourceGroups: {
        data: string;
        key: string;
        /** Whether the stack creates the key group (not when the vault is recovered into, or adopted from, a group that exists). */
        createKey: boolean;
    };
    servers: ServerPlan[];
    vault: Omit<FieldKeyVaultArgs, "tenantId" | "subscriptionId" | "fieldEncryptionKey" | "secretReaders"> & { secretReaders?: LifeboatConfig["keyVault"]["secretReaders"] };
    /** Whether the user brings the field key (lifeboat:fieldEncryptionKey): then it is read as a secret when declaring. */
    bringsKey: boolean;
    storage: Omit<BackupStorageArgs, "allowedSubnetIds">;
    /** The jobs' private network in the jobs' region (the servers' endpoints are added when the servers exist). */
    network: Omit<JobNetworkArgs, "servers">;
    /** The registry the stack builds the job image into; undefined when `schedule.image` is a prebuilt one. */
    registry?: { registryName: string; tag: string };
    /** The prebuilt job image (`schedule.image`); "" when the stack builds it. */
    image: string;
    jobs: Omit<DumpJobArgs, "environment" | "host" | "password" | "target" | "keyFingerprint" | "user" | "image" | "registry" | "extraEnv">[];
    restoreTests: RecoveryJobPlan[];
    freshness: RecoveryJobPlan[];
    /** Mode dump: one manually started restore job per database; else none. */
    restores: RecoveryJobPlan[];
    /** `webhook`: whether lifeboat:alerts.webhookUrl is set (its value is a secret, in AzureSecrets). */
    alerts: { emails?: string[]; maxAgeHours: number; webhook: boolean };
    /** The off-site S3 copy, when `offsite.s3` is set. */
    offsite?: OffsitePlan;
    restoreMode: LifeboatConfig["restore"]["mode"];
}

/** The secrets the declare step reads from the stack config (never part of the plan). */
export interface AzureSecrets {
    fieldEncryptionKey?: pulumi.Output<string>;
    /** Per server: the adopted server's admin password (lifeboat:serverPasswords); undefined for one the stack creates. */
    serverPasswords: (pulumi.Output<string> | undefined)[];
    webhookUrl?: pulumi.Output<string>;
}

/** Reads the secrets of the stack config that the Azure declare step needs. */
export function azureSecrets(cfg: LifeboatConfig): AzureSecrets {
    return {
        fieldEncryptionKey: cfg.hasFieldEncryptionKey ? new pulumi.Config(NAMESPACE).requireSecret("fieldEncryptionKey") : undefined,
        serverPasswords: cfg.servers.map((s) => adoptedPassword(s)),
        webhookUrl: cfg.alerts.webhookUrl === undefined ? undefined : pulumi.secret(cfg.alerts.webhookUrl),
    };
}

/** The moment a GeoRestore or ReviveDropped asks for: now, to the second (the latest backup is used). */
export function restoreTimeUtc(now: Date): string {
    return now.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The Azure target's plan from config (pure: tested directly; checkAzurePlan checks it, azureStack declares it). */
export function azurePlan(cfg: LifeboatConfig, now = new Date()): AzurePlan {
    const dataRg = `lifeboat-${cfg.stack}-data`;
    // A recovered vault lives on in the group it was deleted from: then that group exists already.
    const keyRg = cfg.keyVault.resourceGroupName ?? `lifeboat-${cfg.stack}-key`;
    const createMode = CREATE_MODES[cfg.restore.mode];
    // The jobs' region, the backup storage's: the environment joins the VNet there.
    const jobsLocation = knownRegion(cfg.backupStorage.location) ?? cfg.backupStorage.location;
    const maxAge = cfg.schedule.maxAge ?? "26h";
    return {
        stack: cfg.stack,
        resourceGroups: { data: dataRg, key: keyRg, createKey: cfg.keyVault.resourceGroupName === undefined && cfg.keyVault.existingVaultId === undefined },
        servers: cfg.servers.map((s, i) => {
            const source = restoreSourceFor(cfg, i);
            const adopted = adoptedServer(s);
            return {
                // An adopted server stays in its own resource group.
                resourceGroupName: adopted?.resourceGroupName ?? dataRg,
                existingServerId: s.existingServerId,
                serverName: s.name,
                location: knownRegion(s.location) ?? s.location,
                databases: s.databases,
                version: s.version,
                skuName: s.sku,
                storageSizeGb: s.storageSizeGb,
                backupRetentionDays: s.backupRetentionDays,
                geoRedundantBackup: s.geoRedundantBackup,
                highAvailability: s.highAvailability,
                authentication: s.authentication,
                administratorLogin: s.administratorLogin,
                publicNetworkAccess: s.publicNetworkAccess,
                network: s.network,
                restore: createMode === undefined ? undefined : {
                    createMode,
                    sourceServerResourceId: source?.sourceServerId ?? "",
                    // Ignored after creation (RESTORE_ONLY_INPUTS): a later run's new "now" changes nothing.
                    pointInTimeUTC: createMode === "PointInTimeRestore" ? source?.pointInTime : restoreTimeUtc(now),
                    sourceLocation: source?.sourceLocation === undefined ? undefined : knownRegion(source.sourceLocation) ?? source.sourceLocation,
                },
                restored: cfg.restore.mode === "restored",
            };
        }),
        vault: {
            resourceGroupName: keyRg,
            vaultName: vaultName(cfg),
            location: knownRegion(cfg.keyVault.location) ?? cfg.keyVault.location,
            secretName: cfg.keyVault.secretName,
            softDeleteRetentionDays: cfg.keyVault.softDeleteRetentionDays,
            recover: cfg.keyVault.recover,
            existingVaultId: cfg.keyVault.existingVaultId,
            expectedFingerprint: cfg.keyVault.expectedFingerprint,
            secretReaders: cfg.keyVault.secretReaders,
            publicNetworkAccess: cfg.keyVault.publicNetworkAccess,
            // The operators' addresses reach the vault too (e.g. to read the key in a recovery).
            allowedIpRanges: [...new Set([...(cfg.keyVault.allowedIpRanges ?? []), ...cfg.operatorIpRanges])],
        },
        bringsKey: cfg.hasFieldEncryptionKey,
        storage: {
            resourceGroupName: dataRg,
            accountName: storageAccountName(cfg),
            location: jobsLocation,
            redundancy: cfg.backupStorage.redundancy,
            retention: cfg.backupStorage.retention,
            immutabilityDays: cfg.backupStorage.immutabilityDays,
            containerName: containerFor(cfg, 0),
            additionalContainers: cfg.servers.slice(1).map((_, i) => containerFor(cfg, i + 1)),
            softDeleteDays: cfg.backupStorage.softDeleteDays,
            allowedIpRanges: cfg.operatorIpRanges,
        },
        network: {
            resourceGroupName: dataRg,
            location: jobsLocation,
            ...jobNetworkCidrs(cfg.network),
        },
        registry: buildsImage(cfg) ? { registryName: registryName(cfg), tag: imageTag(cfg) } : undefined,
        image: cfg.schedule.image ?? "",
        jobs: cfg.servers.map((s) => ({
            resourceGroupName: dataRg,
            location: jobsLocation,
            jobName: dumpJobName(s.name),
            serverName: s.name,
            databases: s.databases,
            cron: cfg.schedule.cron,
            replicaTimeoutSeconds: cfg.schedule.replicaTimeoutSeconds,
            replicaRetryLimit: cfg.schedule.replicaRetryLimit,
        })),
        // The monthly restore test: the newest set restored into scratch databases on the server itself, checked, dropped.
        restoreTests: cfg.servers.map((s, i): RecoveryJobPlan => ({
            kind: "verify", jobName: jobName("verify", s.name), server: i, serverName: s.name, databases: s.databases,
            cron: cfg.schedule.restoreTestCron ?? "0 4 1 * *",
            args: ["verify", "--set", "latest", "--scratch"],
            connection: { prefix: "", database: "postgres" },
        })),
        freshness: cfg.servers.map((s, i): RecoveryJobPlan => ({
            kind: "freshness", jobName: jobName("fresh", s.name), server: i, serverName: s.name, databases: s.databases,
            cron: cfg.schedule.freshnessCron ?? "15 */6 * * *",
            args: ["freshness", "--max-age", maxAge],
            replicaTimeoutSeconds: 600,
        })),
        // Mode dump: one manually started job per database restores the chosen set into the new, empty server.
        restores: cfg.restore.mode !== "dump" ? [] : cfg.servers.flatMap((s, i) => s.databases.map((db): RecoveryJobPlan => ({
            kind: "restore", jobName: jobName("restore", `${s.name}-${db}`.toLowerCase().replace(/[^a-z0-9-]/g, "-")), server: i, serverName: s.name, databases: [db],
            args: ["restore", "--set", cfg.restore.backupSet ?? "latest", "--database", db],
            connection: { prefix: "--into=", database: encodeURIComponent(db) },
            target: cfg.restore.backupTarget,
            targetLocation: cfg.restore.backupTargetLocation,
            replicaTimeoutSeconds: 21600,
        }))),
        alerts: { emails: cfg.alerts.emails, maxAgeHours: (parseMaxAge(maxAge) ?? 26 * 60) / 60, webhook: cfg.alerts.webhookUrl !== undefined },
        offsite: offsitePlan(cfg),
        restoreMode: cfg.restore.mode,
    };
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?Z$/;

/** The restore section: sources, times, regions, and above all, where the key comes from. */
export function checkRestore(cfg: LifeboatConfig, problems: Problems, now = new Date()): void {
    const r = cfg.restore;
    const path = `${NAMESPACE}:restore`;
    const createMode = CREATE_MODES[r.mode];
    if (r.mode !== "none") {
        const keyKnown = cfg.keyVault.recover === true || cfg.keyVault.existingVaultId !== undefined || cfg.hasFieldEncryptionKey;
        if (!keyKnown) {
            problems.add(`${path}.mode`, r.mode, `a recovery never generates a new key (data encrypted with the old one would be unreadable). Point the stack at the key: set ${NAMESPACE}:keyVault.recover: true to recover the soft-deleted vault ${vaultName(cfg)} (the key is its secret ${cfg.keyVault.secretName ?? "FIELD-ENCRYPTION-KEY"}; list deleted vaults with \`az keyvault list-deleted\`), or ${NAMESPACE}:keyVault.existingVaultId to adopt a vault that survived, or \`pulumi config set --secret ${NAMESPACE}:fieldEncryptionKey\` from your offline copy`);
        }
    }
    for (const name of Object.keys(r.sources ?? {})) {
        if (!cfg.servers.some((s) => s.name === name)) {
            problems.add(`${path}.sources.${name}`, name, `allowed: the name of a server of this stack (${cfg.servers.map((s) => s.name).join(", ")})`);
        }
    }
    if (r.backupTarget !== undefined && !/^(azblob:\/\/[a-z0-9]{3,24}\/[a-z0-9-]{3,63}(\/\S*)?|s3:\/\/[a-z0-9.-]{3,63}(\/\S*)?|file:\/\/\/\S+)$/.test(r.backupTarget)) {
        problems.add(`${path}.backupTarget`, r.backupTarget, "allowed: a lifeboat target URL: azblob://ACCOUNT/CONTAINER[/prefix], s3://BUCKET[/prefix] or file:///dir");
    }
    if (r.mode === "dump") {
        // Another stack's account or bucket: its region is where backups are, and the key must not be.
        const foreign = r.backupTarget !== undefined && !r.backupTarget.startsWith("file://")
            && !r.backupTarget.startsWith(`azblob://${storageAccountName(cfg)}/`) && !(cfg.offsite.s3?.bucketName !== undefined && r.backupTarget.startsWith(`s3://${cfg.offsite.s3.bucketName}`));
        if (foreign && r.backupTargetLocation === undefined) {
            problems.add(`${path}.backupTargetLocation`, undefined, `required with backupTarget ${r.backupTarget}: the region of that account or bucket (it holds backups, so the key vault must not be there)`);
        } else if (r.backupTargetLocation !== undefined && r.backupTarget?.startsWith("azblob://") === true && knownRegion(r.backupTargetLocation) === undefined) {
            problems.add(`${path}.backupTargetLocation`, r.backupTargetLocation, `allowed: an Azure region name such as ${suggestRegions(r.backupTargetLocation).join(", ")}`);
        }
        const set = r.backupSet ?? "latest";
        if (set !== "latest" && !/^\d{8}T\d{6}Z(-[0-9a-f]{8})?$/.test(set)) {
            problems.add(`${path}.backupSet`, set, "allowed: latest, or a set id such as 20261120T020000Z-7f3a9c01 (`lifeboat list` shows them)");
        }
        return;
    }
    if (createMode === undefined) {
        return;
    }
    cfg.servers.forEach((server, i) => {
        const source = restoreSourceFor(cfg, i);
        const where = cfg.servers.length === 1 ? path : `${path}.sources.${server.name}`;
        if (source?.sourceServerId === undefined) {
            problems.add(`${where}.sourceServerId`, undefined, `required for mode ${r.mode}: the resource ID of the Flexible Server to restore ${server.name} from${cfg.servers.length > 1 ? " (one entry per server under restore.sources)" : ""}`);
            return;
        }
        if (!/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.DBforPostgreSQL\/flexibleServers\/[^/]+$/i.test(source.sourceServerId)) {
            problems.add(`${where}.sourceServerId`, source.sourceServerId, "allowed: a Flexible Server resource ID, /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.DBforPostgreSQL/flexibleServers/<name>");
        }
        const target = knownRegion(server.location);
        const sourceRegion = source.sourceLocation === undefined ? undefined : knownRegion(source.sourceLocation);
        if (r.mode === "geo" && source.sourceLocation === undefined) {
            problems.add(`${where}.sourceLocation`, undefined, `required for mode geo: the region of ${source.sourceServerId.split("/").pop()} (its own backups stay there, so the key vault must not be)`);
        }
        if (source.sourceLocation !== undefined && sourceRegion === undefined) {
            problems.add(`${where}.sourceLocation`, source.sourceLocation, `allowed: an Azure region name such as ${suggestRegions(source.sourceLocation).join(", ")}`);
        }
        if (r.mode === "geo" && sourceRegion !== undefined && target !== undefined) {
            const pair = pairOf(sourceRegion);
            if (pair !== undefined && pair !== target) {
                problems.add(`${NAMESPACE}:servers[${i}].location`, server.location, `allowed for a geo-restore from ${sourceRegion}: its paired region ${pair}, where the geo-redundant backups are`);
            }
            if (target === sourceRegion) {
                problems.add(`${NAMESPACE}:servers[${i}].location`, server.location, "allowed for a geo-restore: another region than the source's (use pointInTime to restore in the same region)");
            }
        }
        if ((r.mode === "revive" || r.mode === "pointInTime") && sourceRegion !== undefined && target !== undefined && target !== sourceRegion) {
            problems.add(`${NAMESPACE}:servers[${i}].location`, server.location, `allowed for mode ${r.mode}: the source's region ${sourceRegion}`);
        }
        if (r.mode === "pointInTime") {
            const at = source.pointInTime;
            if (at === undefined) {
                problems.add(`${where}.pointInTime`, at, "required for mode pointInTime: an ISO 8601 UTC time such as 2026-11-20T13:45:00Z");
            } else if (!ISO_UTC.test(at) || Number.isNaN(Date.parse(at))) {
                problems.add(`${where}.pointInTime`, at, "allowed: an ISO 8601 time in UTC, ending in Z, such as 2026-11-20T13:45:00Z");
            } else {
                const t = Date.parse(at);
                const retentionDays = server.backupRetentionDays ?? 35;
                if (t > now.getTime()) {
                    problems.add(`${where}.pointInTime`, at, `allowed: a time in the past (now is ${now.toISOString()})`);
                } else if (t < now.getTime() - retentionDays * 86400000) {
                    problems.add(`${where}.pointInTime`, at, `allowed: within the source's ${retentionDays}-day backup retention (lifeboat:servers[${i}].backupRetentionDays), i.e. after ${new Date(now.getTime() - retentionDays * 86400000).toISOString()}; older data is only in the dump backups (mode dump)`);
                }
            }
        }
    });
}

/** Runs every component's own validation with config key paths, before anything is declared. */
export function checkAzurePlan(cfg: LifeboatConfig, plan: AzurePlan, problems: Problems): void {
    // An adopted server's password is a secret, checked by checkAdoption (stacks/adopt.ts): a stand-in here.
    plan.servers.forEach((s, i) => validatePostgresServerArgs({ ...s, tenantId: "", restore: undefined, administratorPassword: s.existingServerId === undefined ? undefined : "lifeboat:serverPasswords" }, problems, `${NAMESPACE}:servers[${i}]`));
    validateFieldKeyVaultArgs({ ...plan.vault, tenantId: "" }, problems, `${NAMESPACE}:keyVault`);
    const storageProblems = new Problems();
    // The stack always closes the account to all but the jobs' subnet (added once it exists).
    validateBackupStorageArgs({ ...plan.storage, allowedSubnetIds: [] }, storageProblems, `${NAMESPACE}:backupStorage`);
    // The operators' ranges are a key of their own: report them under it.
    problems.list.push(...storageProblems.list.map((p) => p.path.includes(".allowedIpRanges[") ? { ...p, path: p.path.replace(`${NAMESPACE}:backupStorage.allowedIpRanges`, `${NAMESPACE}:operatorIpRanges`) } : p));
    // Server names are checked with the servers; here they only count for the endpoints subnet's room.
    const networkProblems = new Problems();
    validateJobNetworkArgs({ ...plan.network, servers: cfg.servers.map((s) => ({ name: s.name, serverId: "" })) }, networkProblems, `${NAMESPACE}:network`);
    problems.list.push(...networkProblems.list.filter((p) => !p.path.includes(".servers[")));
    if (plan.registry !== undefined) {
        validateJobRegistryArgs({
            resourceGroupName: "", ...plan.registry, location: plan.storage.location, tenantId: "", subscriptionId: "", pullers: [],
        }, problems, `${NAMESPACE}:schedule.image (the registry the stack builds into)`);
    }
    // Job-level checks share the schedule: report them once.
    const job = plan.jobs[0];
    if (job !== undefined) {
        const jobProblems = new Problems();
        validateDumpJobArgs({ ...job, image: plan.image, environment: undefined as never, host: "", password: "", target: "", keyFingerprint: "", user: "" }, jobProblems, `${NAMESPACE}:schedule`);
        problems.list.push(...jobProblems.list.filter((p) => !p.path.endsWith(".jobName") && !p.path.endsWith(".databases")));
    }
    for (const key of ["restoreTestCron", "freshnessCron"] as const) {
        const cron = cfg.schedule[key];
        const why = cron === undefined ? undefined : cronProblem(cron);
        if (why !== undefined) {
            problems.add(`${NAMESPACE}:schedule.${key}`, cron, `allowed: a five-field cron in UTC such as "0 4 1 * *" (${why})`);
        }
    }
    const maxAge = cfg.schedule.maxAge ?? "26h";
    const minutes = parseMaxAge(maxAge);
    if (minutes === undefined || minutes % 60 !== 0 || minutes < 60 || minutes > 47 * 60) {
        problems.add(`${NAMESPACE}:schedule.maxAge`, maxAge, "allowed: whole hours from 1h to 47h, e.g. 26h (or 1d); the stale-backup alert looks back at most two days");
    }
    cfg.servers.forEach((s, i) => {
        if (s.authentication === "entra") {
            problems.add(`${NAMESPACE}:servers[${i}].authentication`, s.authentication, "allowed: password for now: the dump job logs in with the server's admin password (Entra token login for the job is not built yet)");
        }
    });
    if (cfg.keyVault.resourceGroupName !== undefined && !/^[-\w.()]{1,89}[-\w()]$/.test(cfg.keyVault.resourceGroupName)) {
        problems.add(`${NAMESPACE}:keyVault.resourceGroupName`, cfg.keyVault.resourceGroupName, "allowed: 1-90 letters, digits, underscores, hyphens, periods and parentheses, not ending in a period");
    }
    checkOffsite(plan.offsite, problems);
    if (cfg.offsite.s3 !== undefined && cfg.servers.length > 1) {
        problems.add(`${NAMESPACE}:offsite.s3`, cfg.offsite.s3, "allowed only with one server for now: the off-site bucket has one set namespace, and several servers' sets would collide in it");
    }
    checkRestore(cfg, problems);
}

/** The Azure target's plan, checked: every problem goes into `problems` (nothing is declared). */
export function planAzure(cfg: LifeboatConfig, problems: Problems, now = new Date()): AzurePlan {
    const plan = azurePlan(cfg, now);
    checkAzurePlan(cfg, plan, problems);
    return plan;
}

export interface AzureOutputs {
    [key: string]: unknown;
}

/**
 * Options that make a component and every resource inside it depend on `resources` (a
 * component's own dependsOn is not inherited by its children; a transformation is).
 */
export function dependOn(...resources: pulumi.Resource[]): pulumi.ComponentResourceOptions {
    const add: pulumi.ResourceTransformation = ({ props, opts }) => ({
        props,
        opts: pulumi.mergeOptions(opts, { dependsOn: resources }),
    });
    return { dependsOn: resources, transformations: [add] };
}

/**
 * The Azure target: servers, field-key vault in its own group and region, backup storage, dump,
 * restore-test and freshness jobs, alerts. Declares `plan` (checked before anything is declared:
 * stacks/program.ts) and reads nothing else but the secrets.
 */
export function azureStack(plan: AzurePlan, secrets: AzureSecrets): AzureOutputs {
    const groups = plan.resourceGroups;
    const client = authorization.getClientConfigOutput();

    // Protected: Azure deletes everything in a group with it, so an unprotected group would take the
    // protected server and backups along (`pulumi destroy --exclude-protected`, pulumi/pulumi#8359).
    const dataRg = new resources.ResourceGroup("data", { resourceGroupName: groups.data, location: plan.storage.location }, { protect: true });
    const keyRg = groups.createKey
        ? new resources.ResourceGroup("key", { resourceGroupName: groups.key, location: plan.vault.location }, { protect: true, retainOnDelete: true })
        : undefined;
    // A component's dependsOn does not reach its children: every resource in the group records the
    // dependency itself, so nothing deletes the group while they exist.
    const inData = dependOn(dataRg);

    const key = new FieldKeyVault("field-key", {
        ...plan.vault, tenantId: client.tenantId, fieldEncryptionKey: secrets.fieldEncryptionKey, subscriptionId: client.subscriptionId,
    }, keyRg === undefined ? {} : dependOn(keyRg));
    const servers = plan.servers.map((args, i) => new PostgresServer(args.serverName, { ...args, tenantId: client.tenantId, administratorPassword: secrets.serverPasswords[i] }, inData));
    // The servers have public access disabled: the jobs reach them through private endpoints in
    // their own VNet, and the backup account through the jobs subnet's service endpoint.
    const network = new JobNetwork("jobs-network", {
        ...plan.network,
        servers: servers.map((s, i) => ({ name: s.serverName, serverId: s.server.id, vnetIntegration: plan.servers[i].network })),
    }, inData);
    const storage = new BackupStorage("backups", { ...plan.storage, allowedSubnetIds: [network.jobsSubnet.id] }, inData);
    const location = plan.network.location;
    const env = new JobEnvironment("jobs", {
        resourceGroupName: groups.data,
        location,
        subscriptionId: client.subscriptionId,
        backupContainerIds: storage.containers.map((c) => c.id),
        // Internal: jobs take no requests, so the environment gets no public ingress IP. Every
        // job waits for the endpoints and their DNS records: the first dump resolves the server privately.
        network: { infrastructureSubnetId: network.jobsSubnet.id, internal: true, dependsOn: network.ready },
    }, inData);
    refuseJobsAsSecretReaders(plan.vault.secretReaders ?? [], [{ name: "the dump jobs' identity", principalId: env.identity.principalId }]);
    // The off-site S3 copy: written by the jobs' identity through an IAM role it assumes by web identity.
    const offsite = declareOffsite(plan.offsite, { tenantId: client.tenantId, principalId: env.identity.principalId });
    const targetOf = (i: number) => {
        const blob = storage.targetUrlOf(storage.containerNames[i]);
        return offsite === undefined ? blob : `${blob},${offsite.targetUrl}`;
    };
    // The job image: built from this repository's Dockerfile and pushed to the stack's registry
    // (admin user off; the jobs' identities pull with AcrPull), run by digest. A prebuilt
    // `schedule.image` replaces all of it.
    const built = plan.registry === undefined ? undefined : new JobRegistry("registry", {
        resourceGroupName: groups.data,
        ...plan.registry,
        location,
        tenantId: client.tenantId,
        subscriptionId: client.subscriptionId,
        pullers: [{ name: "dump", principalId: env.identity.principalId }, { name: "restore", principalId: env.restoreIdentity.principalId }],
    }, inData);
    const image: pulumi.Input<string> = built?.ref ?? plan.image;
    const dumpPull: JobRegistryPull | undefined = built === undefined ? undefined : { server: built.loginServer, pullRole: built.pullRoles.dump };
    const restorePull: JobRegistryPull | undefined = built === undefined ? undefined : { server: built.loginServer, pullRole: built.pullRoles.restore };
    const jobs = plan.jobs.map((job, i) => {
        const server = servers[i];
        return new DumpJob(job.jobName, {
            ...job,
            environment: env,
            host: server.fqdn,
            // checkAzurePlan admits only password authentication, so both are set.
            user: server.administratorLogin ?? "",
            password: server.administratorPassword ?? "",
            target: targetOf(i),
            keyFingerprint: key.keyFingerprint,
            // The off-site copy's role and audience: the job assumes the role by web identity.
            extraEnv: offsite?.env,
            image,
            registry: dumpPull,
        }, inData);
    });
    const recoveryJob = (job: RecoveryJobPlan) => {
        const server = servers[job.server];
        const database = { host: server.fqdn, user: server.administratorLogin ?? "", password: server.administratorPassword ?? "" };
        const connection = job.connection;
        return new RecoveryJob(job.jobName, {
            resourceGroupName: groups.data, location, environment: env, image, registry: restorePull, kind: job.kind,
            jobName: job.jobName,
            cron: job.cron,
            args: connection === undefined ? job.args
                : [...job.args, pulumi.interpolate`${connection.prefix}postgresql://${database.user}@${database.host}:5432/${connection.database}?sslmode=require`],
            target: job.target ?? storage.targetUrlOf(storage.containerNames[job.server]),
            targetLocation: job.target === undefined ? undefined : job.targetLocation,
            keyFingerprint: key.keyFingerprint,
            database: connection === undefined ? undefined : database,
            serverName: job.serverName,
            databases: job.databases,
            replicaTimeoutSeconds: job.replicaTimeoutSeconds,
        }, job.kind === "restore" ? dependOn(dataRg, ...server.databases) : inData);
    };
    const restoreTests = plan.restoreTests.map(recoveryJob);
    const freshness = plan.freshness.map(recoveryJob);
    const restores = plan.restores.map(recoveryJob);
    const alerts = new BackupAlerts("alerts", {
        resourceGroupName: groups.data,
        location,
        workspaceId: env.workspace.id,
        dumpJobs: jobs.map((j) => j.jobName),
        restoreTestJobs: restoreTests.map((j) => j.jobName),
        freshnessJobs: freshness.map((j) => j.jobName),
        maxAgeHours: plan.alerts.maxAgeHours,
        emails: plan.alerts.emails,
        webhookUrl: secrets.webhookUrl,
    }, inData);
    // An audit trail in the jobs' workspace: who read the field key, who touched a backup set.
    new ResourceLogs("logs", {
        workspaceId: env.workspace.id,
        vaults: [{ name: "field-key", resourceId: key.vault.id }],
        storageAccounts: [{ name: "backups", resourceId: storage.account.id }],
        servers: servers.map((s) => ({ name: `pg-${s.serverName}`, resourceId: s.server.id })),
    }, inData);

    return {
        restoreMode: plan.restoreMode,
        serverFqdns: Object.fromEntries(servers.map((s) => [s.serverName, s.fqdn])),
        databases: Object.fromEntries(plan.servers.map((s) => [s.serverName, s.databases])),
        keyVaultUri: key.vaultUri,
        keyVaultName: plan.vault.vaultName,
        keyVaultLocation: plan.vault.location,
        keySecretName: key.secretName,
        keyFingerprint: key.keyFingerprint,
        storageAccount: storage.accountName,
        backupContainers: storage.containerNames,
        backupTargets: Object.fromEntries(plan.servers.map((s, i) => [s.serverName, targetOf(i)])),
        ...(offsite === undefined ? {} : { offsiteBucket: offsite.bucket.bucketName, offsiteRegion: offsite.bucket.region, offsiteRoleArn: offsite.role.roleArn }),
        jobImage: image,
        ...(built === undefined ? {} : { registry: built.loginServer }),
        dumpJobs: jobs.map((j) => j.jobName),
        restoreTestJobs: restoreTests.map((j) => j.jobName),
        freshnessJobs: freshness.map((j) => j.jobName),
        restoreJobs: restores.map((j) => j.jobName),
        alertRules: alerts.rules.length,
        alertReceivers: (plan.alerts.emails?.length ?? 0) + (plan.alerts.webhook ? 1 : 0),
        resourceGroups: { data: groups.data, key: groups.key },
        network: { addressSpace: plan.network.addressSpace, jobsSubnet: plan.network.jobsSubnet, endpointsSubnet: plan.network.endpointsSubnet },
    };
}
