import * as pulumi from "@pulumi/pulumi";
import * as app from "@pulumi/azure-native/app";
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as types from "@pulumi/azure-native/types";
import { verificationsPrefix } from "../../scripts/layout";
import { cronProblem } from "../cron";
import { DATABASES_TAG, ROLE_TAG, ROLES, SERVER_TAG } from "../roles";
import { checkIntRange, Problems } from "../validation";

/** Built-in role: read, write and delete blobs (what `lifeboat backup` needs on its container). */
export const STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
/** Built-in role: read blobs (what `lifeboat verify`, `restore` and `freshness` need). */
export const STORAGE_BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";

/** The blob data actions of Storage Blob Data Contributor that change or remove a blob (its other one is read). */
export const BLOB_CHANGING_ACTIONS = [
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/move/action",
] as const;

/**
 * An Azure ABAC role assignment condition (version 2.0): every action in BLOB_CHANGING_ACTIONS is
 * allowed only on blobs whose path (in the container, no leading slash) starts with `pathPrefix`;
 * any other action of the role (reads) is left as the role grants it.
 */
export function blobWritesOnlyUnder(pathPrefix: string): string {
    const notChanging = BLOB_CHANGING_ACTIONS.map((a) => `!(ActionMatches{'${a}'})`).join(" AND ");
    return `((${notChanging}) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith '${pathPrefix}'))`;
}

export function roleDefinitionId(subscriptionId: pulumi.Input<string>, roleId: string): pulumi.Output<string> {
    return pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
}

export interface JobEnvironmentArgs {
    resourceGroupName: pulumi.Input<string>;
    /** Azure region of the environment and its jobs. */
    location: string;
    /** Subscription, for role definition IDs. */
    subscriptionId: pulumi.Input<string>;
    /** The blob containers the dump jobs write to (ARM IDs): the only scopes either identity gets access to. */
    backupContainerIds: pulumi.Input<string>[];
    /** Days the job logs are kept. @default 90 */
    logRetentionDays?: number;
    /**
     * The environment's own network (a JobNetwork's jobs subnet): needed to reach servers with
     * public access disabled through private endpoints. Chosen at creation: Azure cannot move an
     * environment into or out of a VNet. @default undefined (a Microsoft-managed network that
     * reaches only public endpoints)
     */
    network?: JobEnvironmentNetwork;
    /** Extra tags for the resources it declares (Lifeboat adds its own role tags). @default {} */
    tags?: Record<string, string>;
}

export interface JobEnvironmentNetwork {
    /** The infrastructure subnet: dedicated, delegated to Microsoft.App/environments, /27 or larger. */
    infrastructureSubnetId: pulumi.Input<string>;
    /**
     * Only an internal load balancer, no public ingress IP (outbound traffic still leaves through
     * the platform's egress IP). Jobs take no requests, so nothing needs one. @default true
     */
    internal?: boolean;
    /** What must exist before the environment, and so before any job runs: private endpoints and their DNS records. @default [] */
    dependsOn?: pulumi.Resource[];
}

/** A workload profiles environment's serverless profile: the one a /27 subnet and the jobs' 1 vCPU / 2 GiB fit. */
export const CONSUMPTION_PROFILE = { name: "Consumption", workloadProfileType: "Consumption" } as const;

/**
 * What every Lifeboat job shares: a Log Analytics workspace for their JSON logs, a Container
 * Apps environment, and two user-assigned identities: the dump jobs' with Storage Blob Data
 * Contributor on the backup containers only, and the restore jobs' (restore tests, freshness,
 * restores) with Storage Blob Data Reader on them, plus Storage Blob Data Contributor under a
 * condition that lets it write only below `verifications/` (where `lifeboat verify` records each
 * restore test). Neither gets anything on the field-key vault.
 */
export class JobEnvironment extends pulumi.ComponentResource {
    public readonly workspace: operationalinsights.Workspace;
    public readonly environment: app.ManagedEnvironment;
    public readonly identity: managedidentity.UserAssignedIdentity;
    /** The first container's writer assignment (every dump job depends on all of them). */
    public readonly blobWriter: authorization.RoleAssignment;
    public readonly blobWriters: authorization.RoleAssignment[];
    /** The identity of restore tests, freshness checks and restores: reads the backups, writes only below `verifications/`. */
    public readonly restoreIdentity: managedidentity.UserAssignedIdentity;
    public readonly blobReaders: authorization.RoleAssignment[];
    /** The restore identity's conditioned writer per container: blobs below `verifications/` only (blobWritesOnlyUnder). */
    public readonly verificationWriters: authorization.RoleAssignment[];
    public readonly location: string;

    constructor(name: string, args: JobEnvironmentArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("lifeboat:azure:JobEnvironment", name, {}, opts);
        const problems = new Problems();
        checkIntRange(problems, "args.logRetentionDays", args.logRetentionDays ?? 90, 30, 730);
        problems.throwIfAny(`JobEnvironment ${name}`);

        this.location = args.location;
        const tags = { ...args.tags, [ROLE_TAG]: ROLES.dumpJob };
        this.workspace = new operationalinsights.Workspace(`${name}-logs`, {
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            sku: { name: "PerGB2018" },
            retentionInDays: args.logRetentionDays ?? 90,
            tags,
        }, { parent: this });
        const keys = operationalinsights.getSharedKeysOutput({
            resourceGroupName: args.resourceGroupName,
            workspaceName: this.workspace.name,
        }, { parent: this });
        this.environment = new app.ManagedEnvironment(`${name}-env`, {
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            appLogsConfiguration: {
                destination: "log-analytics",
                logAnalyticsConfiguration: {
                    customerId: this.workspace.customerId,
                    sharedKey: pulumi.secret(keys.apply((k) => k.primarySharedKey ?? "")),
                },
            },
            ...(args.network === undefined ? {} : {
                vnetConfiguration: { infrastructureSubnetId: args.network.infrastructureSubnetId, internal: args.network.internal ?? true },
                workloadProfiles: [CONSUMPTION_PROFILE],
            }),
            tags,
        }, {
            parent: this,
            dependsOn: args.network?.dependsOn ?? [],
            // Azure cannot change an environment's network: a new one replaces it.
            replaceOnChanges: ["vnetConfiguration"],
        });
        this.identity = new managedidentity.UserAssignedIdentity(`${name}-identity`, {
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            tags,
        }, { parent: this });
        this.blobWriters = args.backupContainerIds.map((scope, i) => new authorization.RoleAssignment(i === 0 ? `${name}-blob-writer` : `${name}-blob-writer-${i}`, {
            principalId: this.identity.principalId,
            principalType: "ServicePrincipal",
            roleDefinitionId: roleDefinitionId(args.subscriptionId, STORAGE_BLOB_DATA_CONTRIBUTOR),
            scope,
            description: "Lifeboat dump jobs write backup sets to this container only",
        }, { parent: this }));
        this.blobWriter = this.blobWriters[0];
        this.restoreIdentity = new managedidentity.UserAssignedIdentity(`${name}-restore-identity`, {
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            tags: { ...args.tags, [ROLE_TAG]: ROLES.restoreTest },
        }, { parent: this });
        this.blobReaders = args.backupContainerIds.map((scope, i) => new authorization.RoleAssignment(`${name}-blob-reader${i === 0 ? "" : `-${i}`}`, {
            principalId: this.restoreIdentity.principalId,
            principalType: "ServicePrincipal",
            roleDefinitionId: roleDefinitionId(args.subscriptionId, STORAGE_BLOB_DATA_READER),
            scope,
            description: "Lifeboat restore tests, freshness checks and restores read backup sets here",
        }, { parent: this }));
        // `lifeboat verify` records each restore test under verifications/ (scripts/verifications.ts):
        // the condition keeps every write, add, delete and move of this identity below that prefix.
        this.verificationWriters = args.backupContainerIds.map((scope, i) => new authorization.RoleAssignment(`${name}-verify-writer${i === 0 ? "" : `-${i}`}`, {
            principalId: this.restoreIdentity.principalId,
            principalType: "ServicePrincipal",
            roleDefinitionId: roleDefinitionId(args.subscriptionId, STORAGE_BLOB_DATA_CONTRIBUTOR),
            scope,
            condition: blobWritesOnlyUnder(verificationsPrefix()),
            conditionVersion: "2.0",
            description: "Lifeboat restore tests record their reports under verifications/ in this container, and write nothing else",
        }, { parent: this }));
        this.registerOutputs({ environmentId: this.environment.id, identityId: this.identity.id, restoreIdentityId: this.restoreIdentity.id });
    }
}

export interface DumpJobArgs {
    resourceGroupName: pulumi.Input<string>;
    /** Region of the job: the environment's. */
    location: string;
    environment: JobEnvironment;
    /** The Container Apps job name: 2-32 lowercase letters, digits and hyphens. */
    jobName: string;
    /** The server's name (a literal) and host name. */
    serverName: string;
    host: pulumi.Input<string>;
    /** Databases to dump, each run one backup set. */
    databases: string[];
    /** Login of the dump job. */
    user: string;
    /** Password of that login (kept secret: it reaches the job as a Container Apps secret). */
    password: pulumi.Input<string>;
    /** Backup target URL, e.g. azblob://ACCOUNT/CONTAINER (several: comma-separated). */
    target: pulumi.Input<string>;
    /** Fingerprint of the field key in force, written into each manifest. */
    keyFingerprint: pulumi.Input<string>;
    /** The job image: a registry reference, preferably by digest. */
    image: pulumi.Input<string>;
    /** Five-field cron, evaluated in UTC by Container Apps. @default "0 2 * * *" */
    cron?: string;
    /** Seconds a run may take before it is stopped. @default 7200 */
    replicaTimeoutSeconds?: number;
    /** Retries of a failed run. @default 1 */
    replicaRetryLimit?: number;
    /** vCPU of the job container. @default 1 */
    cpu?: number;
    /** Memory of the job container (Container Apps wants 2 GiB per vCPU on consumption). @default "2Gi" */
    memory?: string;
    /** PGSSLMODE. @default "require" */
    sslMode?: string;
    /** More plain (non-secret) environment variables, e.g. the off-site target's role. @default [] */
    extraEnv?: { name: string; value: pulumi.Input<string> }[];
    /**
     * The private registry `image` is in: the job pulls with its identity, which `pullRole`
     * (AcrPull on the registry) lets it; the job waits for that role. @default undefined (a public image)
     */
    registry?: JobRegistryPull;
    /** Extra tags for the resources it declares (Lifeboat adds its own role tags). @default {} */
    tags?: Record<string, string>;
}

/** A private registry a job pulls from with its own user-assigned identity. */
export interface JobRegistryPull {
    /** The registry's login server, e.g. lbprod1234abcd.azurecr.io. */
    server: pulumi.Input<string>;
    /** The identity's AcrPull role assignment on the registry. */
    pullRole: pulumi.Resource;
}

export function validateDumpJobArgs(args: DumpJobArgs, problems: Problems, path = "args"): void {
    if (!/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/.test(args.jobName) || args.jobName.includes("--")) {
        problems.add(`${path}.jobName`, args.jobName, "allowed: 2-32 lowercase letters, digits and single hyphens, starting with a letter");
    }
    const cron = args.cron ?? "0 2 * * *";
    const why = cronProblem(cron);
    if (why !== undefined) {
        problems.add(`${path}.cron`, cron, `allowed: a five-field cron in UTC such as "0 2 * * *" (${why})`);
    }
    checkIntRange(problems, `${path}.replicaTimeoutSeconds`, args.replicaTimeoutSeconds ?? 7200, 60, 86400);
    checkIntRange(problems, `${path}.replicaRetryLimit`, args.replicaRetryLimit ?? 1, 0, 10);
    if (args.databases.length === 0) {
        problems.add(`${path}.databases`, args.databases, "allowed: at least one database");
    }
}

/** The container's environment: libpq's variables and the `LIFEBOAT_*` ones of the CLI. */
export function dumpJobEnv(args: DumpJobArgs, clientId: pulumi.Input<string>): types.input.app.EnvironmentVarArgs[] {
    return [
        { name: "PGHOST", value: args.host },
        { name: "PGPORT", value: "5432" },
        { name: "PGUSER", value: args.user },
        { name: "PGPASSWORD", secretRef: "pg-password" },
        { name: "PGSSLMODE", value: args.sslMode ?? "require" },
        { name: "LIFEBOAT_DATABASES", value: args.databases.join(",") },
        { name: "LIFEBOAT_TARGET", value: args.target },
        { name: "LIFEBOAT_KEY_FINGERPRINT", value: args.keyFingerprint },
        // DefaultAzureCredential picks the user-assigned identity by its client ID.
        { name: "AZURE_CLIENT_ID", value: clientId },
        ...(args.extraEnv ?? []),
    ];
}

/** A Container Apps job that runs `lifeboat backup` for one server's databases on a UTC cron. */
export class DumpJob extends pulumi.ComponentResource {
    public readonly job: app.Job;
    public readonly jobName: string;

    constructor(name: string, args: DumpJobArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("lifeboat:azure:DumpJob", name, {}, opts);
        const problems = new Problems();
        validateDumpJobArgs(args, problems);
        problems.throwIfAny(`DumpJob ${name}`);

        this.jobName = args.jobName;
        const env = args.environment;
        this.job = new app.Job(`${name}-job`, {
            resourceGroupName: args.resourceGroupName,
            jobName: args.jobName,
            location: args.location,
            environmentId: env.environment.id,
            identity: { type: "UserAssigned", userAssignedIdentities: [env.identity.id] },
            configuration: {
                triggerType: "Schedule",
                scheduleTriggerConfig: { cronExpression: args.cron ?? "0 2 * * *", parallelism: 1, replicaCompletionCount: 1 },
                replicaTimeout: args.replicaTimeoutSeconds ?? 7200,
                replicaRetryLimit: args.replicaRetryLimit ?? 1,
                secrets: [{ name: "pg-password", value: pulumi.secret(args.password) }],
                registries: args.registry === undefined ? undefined : [{ server: args.registry.server, identity: env.identity.id }],
            },
            template: {
                containers: [{
                    name: "lifeboat",
                    image: args.image,
                    args: ["backup"],
                    env: dumpJobEnv(args, env.identity.clientId),
                    resources: { cpu: args.cpu ?? 1, memory: args.memory ?? "2Gi" },
                }],
            },
            tags: {
                ...args.tags,
                [ROLE_TAG]: ROLES.dumpJob,
                [SERVER_TAG]: args.serverName,
                [DATABASES_TAG]: args.databases.join(","),
            },
        }, {
            parent: this,
            // The identity must be able to write (and pull the image) before the first run.
            dependsOn: [...env.blobWriters, ...(args.registry === undefined ? [] : [args.registry.pullRole])],
            // A job cannot move to another environment (e.g. when the network is added): replace
            // it, deleting first because its name is fixed.
            replaceOnChanges: ["environmentId"],
            deleteBeforeReplace: true,
        });
        this.registerOutputs({ jobName: this.jobName });
    }
}
