import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as resources from "@pulumi/azure-native/resources";
import { createHash } from "crypto";
import {
    BackupStorage, BackupStorageArgs, DumpJob, DumpJobArgs, FieldKeyVault, FieldKeyVaultArgs, JobEnvironment,
    PostgresServer, PostgresServerArgs, knownRegion, validateBackupStorageArgs, validateDumpJobArgs,
    validateFieldKeyVaultArgs, validatePostgresServerArgs,
} from "../components/azure";
import { Problems } from "../components/validation";
import { ConfigError, LifeboatConfig, NAMESPACE } from "./config";
import { checkOffsite, declareOffsite } from "./offsite";

/** A short, stable suffix that makes derived global names (storage account, vault) unique per org/project/stack. */
export function nameSuffix(cfg: LifeboatConfig, length = 8): string {
    return createHash("sha256").update(`${pulumi.getOrganization()}/${pulumi.getProject()}/${cfg.stack}`).digest("hex").slice(0, length);
}

function stackSlug(stack: string, max: number): string {
    return stack.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, max) || "stack";
}

export function storageAccountName(cfg: LifeboatConfig): string {
    return cfg.backupStorage.accountName ?? `lb${stackSlug(cfg.stack, 12)}${nameSuffix(cfg)}`;
}

export function vaultName(cfg: LifeboatConfig): string {
    return cfg.keyVault.name ?? `lb-${stackSlug(cfg.stack, 10)}-${nameSuffix(cfg)}`;
}

/** Container Apps job names: 2-32 characters. */
export function dumpJobName(serverName: string): string {
    const name = `dump-${serverName}`;
    return name.length <= 32 ? name : `${name.slice(0, 23).replace(/-+$/, "")}-${createHash("sha256").update(serverName).digest("hex").slice(0, 8)}`;
}

/** Everything the Azure target declares, as component args derived from config (pure; tested directly). */
export interface AzurePlan {
    servers: PostgresServerArgs[];
    vault: FieldKeyVaultArgs;
    storage: BackupStorageArgs;
    jobs: Omit<DumpJobArgs, "environment" | "host" | "password" | "target" | "keyFingerprint" | "user">[];
}

export function azurePlan(cfg: LifeboatConfig, ids: { dataRg: pulumi.Input<string>; keyRg: pulumi.Input<string>; tenantId: pulumi.Input<string> }): AzurePlan {
    const image = cfg.schedule.image ?? "";
    return {
        servers: cfg.servers.map((s) => ({
            resourceGroupName: ids.dataRg,
            serverName: s.name,
            location: knownRegion(s.location) ?? s.location,
            tenantId: ids.tenantId,
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
        })),
        vault: {
            resourceGroupName: ids.keyRg,
            vaultName: vaultName(cfg),
            location: knownRegion(cfg.keyVault.location) ?? cfg.keyVault.location,
            tenantId: ids.tenantId,
            secretName: cfg.keyVault.secretName,
            softDeleteRetentionDays: cfg.keyVault.softDeleteRetentionDays,
            recover: cfg.keyVault.recover,
            publicNetworkAccess: cfg.keyVault.publicNetworkAccess,
            allowedIpRanges: cfg.keyVault.allowedIpRanges,
        },
        storage: {
            resourceGroupName: ids.dataRg,
            accountName: storageAccountName(cfg),
            location: knownRegion(cfg.backupStorage.location) ?? cfg.backupStorage.location,
            redundancy: cfg.backupStorage.redundancy,
            retention: cfg.backupStorage.retention,
            immutabilityDays: cfg.backupStorage.immutabilityDays,
            containerName: cfg.backupStorage.containerName,
            softDeleteDays: cfg.backupStorage.softDeleteDays,
        },
        jobs: cfg.servers.map((s) => ({
            resourceGroupName: ids.dataRg,
            location: knownRegion(cfg.backupStorage.location) ?? cfg.backupStorage.location,
            jobName: dumpJobName(s.name),
            serverName: s.name,
            databases: s.databases,
            image,
            cron: cfg.schedule.cron,
            replicaTimeoutSeconds: cfg.schedule.replicaTimeoutSeconds,
            replicaRetryLimit: cfg.schedule.replicaRetryLimit,
        })),
    };
}

/** Runs every component's own validation with config key paths, before anything is declared. */
export function checkAzurePlan(cfg: LifeboatConfig, plan: AzurePlan, problems: Problems): void {
    plan.servers.forEach((s, i) => validatePostgresServerArgs(s, problems, `${NAMESPACE}:servers[${i}]`));
    validateFieldKeyVaultArgs(plan.vault, problems, `${NAMESPACE}:keyVault`);
    validateBackupStorageArgs(plan.storage, problems, `${NAMESPACE}:backupStorage`);
    if (cfg.schedule.image === undefined || cfg.schedule.image.trim() === "") {
        problems.add(`${NAMESPACE}:schedule.image`, cfg.schedule.image, "required for target azure: the job image built from this repository's Dockerfile, e.g. myregistry.azurecr.io/lifeboat@sha256:<digest>");
    }
    // Job-level checks share the schedule: report them once.
    const job = plan.jobs[0];
    if (job !== undefined) {
        const jobProblems = new Problems();
        validateDumpJobArgs({ ...job, environment: undefined as never, host: "", password: "", target: "", keyFingerprint: "", user: "" }, jobProblems, `${NAMESPACE}:schedule`);
        problems.list.push(...jobProblems.list.filter((p) => !p.path.endsWith(".jobName") && !p.path.endsWith(".databases")));
    }
    cfg.servers.forEach((s, i) => {
        if (s.authentication === "entra") {
            problems.add(`${NAMESPACE}:servers[${i}].authentication`, s.authentication, "allowed: password for now: the dump job logs in with the server's admin password (Entra token login for the job is not built yet)");
        }
    });
    checkOffsite(cfg, problems);
    if (cfg.restore.mode !== "none") {
        problems.add(`${NAMESPACE}:restore.mode`, cfg.restore.mode, "only none is supported yet: restore modes land with the recovery work (issue 5)");
    }
}

/** Collects every problem of the Azure target's config into `problems`, declaring nothing. */
export function checkAzure(cfg: LifeboatConfig, problems: Problems): void {
    checkAzurePlan(cfg, azurePlan(cfg, { dataRg: "", keyRg: "", tenantId: "" }), problems);
}

export interface AzureOutputs {
    [key: string]: unknown;
}

/** Validates the Azure target's config completely, declaring nothing; throws ConfigError. */
export function validateAzure(cfg: LifeboatConfig): void {
    const problems = new Problems();
    checkAzure(cfg, problems);
    if (!problems.empty) {
        throw new ConfigError(problems.list);
    }
}

/** The Azure target: servers, field-key vault in its own group and region, backup storage, dump jobs. */
export function azureStack(cfg: LifeboatConfig): AzureOutputs {
    validateAzure(cfg);
    const dataRgName = `lifeboat-${cfg.stack}-data`;
    const keyRgName = `lifeboat-${cfg.stack}-key`;
    const client = authorization.getClientConfigOutput();
    const plan = azurePlan(cfg, { dataRg: dataRgName, keyRg: keyRgName, tenantId: client.tenantId });

    const dataRg = new resources.ResourceGroup("data", { resourceGroupName: dataRgName, location: plan.storage.location });
    const keyRg = new resources.ResourceGroup("key", { resourceGroupName: keyRgName, location: plan.vault.location }, { protect: true, retainOnDelete: true });
    const inData = { dependsOn: [dataRg] };

    const fieldEncryptionKey = cfg.hasFieldEncryptionKey ? new pulumi.Config(NAMESPACE).requireSecret("fieldEncryptionKey") : undefined;
    const key = new FieldKeyVault("field-key", { ...plan.vault, fieldEncryptionKey }, { dependsOn: [keyRg] });
    const storage = new BackupStorage("backups", plan.storage, inData);
    const servers = plan.servers.map((args) => new PostgresServer(args.serverName, args, inData));
    const env = new JobEnvironment("jobs", {
        resourceGroupName: dataRgName,
        location: plan.storage.location,
        subscriptionId: client.subscriptionId,
        backupContainerId: storage.container.id,
    }, inData);
    // The off-site S3 copy: written by the jobs' identity through an IAM role it assumes by web identity.
    const offsite = declareOffsite(cfg, { tenantId: client.tenantId, principalId: env.identity.principalId });
    const targets = offsite === undefined ? storage.targetUrl : `${storage.targetUrl},${offsite.targetUrl}`;
    const jobs = plan.jobs.map((job, i) => {
        const server = servers[i];
        return new DumpJob(job.jobName, {
            ...job,
            environment: env,
            host: server.fqdn,
            // validateAzurePlan admits only password authentication, so both are set.
            user: server.administratorLogin ?? "",
            password: server.administratorPassword ?? "",
            target: targets,
            keyFingerprint: key.keyFingerprint,
        }, inData);
    });

    return {
        serverFqdns: Object.fromEntries(servers.map((s) => [s.serverName, s.fqdn])),
        databases: Object.fromEntries(cfg.servers.map((s) => [s.name, s.databases])),
        keyVaultUri: key.vaultUri,
        keyVaultName: plan.vault.vaultName,
        keyVaultLocation: plan.vault.location,
        keySecretName: key.secretName,
        keyFingerprint: key.keyFingerprint,
        storageAccount: storage.accountName,
        backupContainer: storage.containerName,
        backupTarget: targets,
        ...(offsite === undefined ? {} : { offsiteBucket: offsite.bucket.bucketName, offsiteRegion: offsite.bucket.region, offsiteRoleArn: offsite.role.roleArn }),
        dumpJobs: jobs.map((j) => j.jobName),
        resourceGroups: { data: dataRgName, key: keyRgName },
    };
}
