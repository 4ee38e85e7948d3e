/**
 * A compliant Lifeboat Azure stack as the policy pack sees it during `pulumi preview`: the
 * resources the lead's program declares (type, logical name, inputs, options, parent and
 * property dependencies), with Pulumi's unknown sentinel where a value is an output of a
 * resource not yet created. Each spec starts from this and changes one field per case.
 */
import { evaluatePolicies, OfflineResource, Verdict } from "../../policies/offline";

export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const STACK = "test";
const PROJECT = "lifeboat";
export const SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
export const BLOB_CONTRIBUTOR = `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe`;

export function urnOf(type: string, name: string, parentType?: string): string {
    const qualified = parentType === undefined ? type : `${parentType}$${type}`;
    return `urn:pulumi:${STACK}::${PROJECT}::${qualified}::${name}`;
}

interface Spec {
    type: string;
    name: string;
    parent?: OfflineResource;
    props?: Record<string, unknown>;
    protect?: boolean;
    retainOnDelete?: boolean;
    ignoreChanges?: string[];
    dependsOn?: OfflineResource[];
    /** property -> resources it was computed from */
    from?: Record<string, OfflineResource[]>;
}

function resource(spec: Spec): OfflineResource {
    const parentType = spec.parent === undefined ? undefined : spec.parent.type;
    const urn = spec.parent === undefined || spec.parent.type === "pulumi:pulumi:Stack"
        ? urnOf(spec.type, spec.name, spec.parent === undefined ? undefined : "pulumi:pulumi:Stack")
        : urnOf(spec.type, spec.name, parentType);
    const propertyDependencies: Record<string, string[]> = {};
    for (const key of Object.keys(spec.props ?? {})) {
        propertyDependencies[key] = [];
    }
    const dependencies = new Set<string>((spec.dependsOn ?? []).map((r) => r.urn));
    for (const [key, list] of Object.entries(spec.from ?? {})) {
        propertyDependencies[key] = list.map((r) => r.urn);
        list.forEach((r) => dependencies.add(r.urn));
    }
    return {
        type: spec.type,
        name: spec.name,
        urn,
        props: spec.props ?? {},
        opts: {
            protect: spec.protect ?? false,
            retainOnDelete: spec.retainOnDelete ?? false,
            ignoreChanges: spec.ignoreChanges ?? [],
            parent: spec.parent?.urn,
            dependencies: [...dependencies],
            propertyDependencies,
        },
    };
}

/** The compliant stack: one server (main, audit) in West Europe, GRS backups there, the key in Sweden Central. */
export function happyStack(): OfflineResource[] {
    const stack = resource({ type: "pulumi:pulumi:Stack", name: `lifeboat-${STACK}` });
    const dataGroup = resource({
        type: "azure-native:resources:ResourceGroup", name: "data", parent: stack,
        props: { resourceGroupName: "lifeboat-test-data", location: "westeurope" },
    });
    const keyGroup = resource({
        type: "azure-native:resources:ResourceGroup", name: "key", parent: stack,
        props: { resourceGroupName: "lifeboat-test-key", location: "swedencentral" },
    });

    const pg = resource({ type: "lifeboat:azure:PostgresServer", name: "app", parent: stack });
    const password = resource({
        type: "random:index/randomPassword:RandomPassword", name: "app-admin-password", parent: pg,
        props: { length: 32, special: false },
    });
    const server = resource({
        type: "azure-native:dbforpostgresql:Server", name: "app-server", parent: pg, protect: true,
        ignoreChanges: ["createMode", "sourceServerResourceId", "pointInTimeUTC"],
        props: {
            resourceGroupName: "lifeboat-test-data",
            serverName: "lifeboat-test-app",
            location: "westeurope",
            version: "16",
            sku: { name: "Standard_D2ds_v5", tier: "GeneralPurpose" },
            storage: { storageSizeGB: 64, autoGrow: "Enabled" },
            backup: { backupRetentionDays: 35, geoRedundantBackup: "Enabled" },
            highAvailability: { mode: "ZoneRedundant" },
            authConfig: { activeDirectoryAuth: "Disabled", passwordAuth: "Enabled", tenantId: "11111111-1111-1111-1111-111111111111" },
            network: { publicNetworkAccess: "Disabled" },
            administratorLogin: "lifeboat_admin",
            administratorLoginPassword: UNKNOWN,
            tags: { "lifeboat-role": "database" },
        },
        from: { resourceGroupName: [dataGroup], administratorLoginPassword: [password] },
    });
    const databases = ["main", "audit"].map((db) => resource({
        type: "azure-native:dbforpostgresql:Database", name: `app-${db}`, parent: pg, protect: true, dependsOn: [server],
        props: { resourceGroupName: "lifeboat-test-data", serverName: "lifeboat-test-app", databaseName: db, charset: "UTF8", collation: "en_US.utf8" },
        from: { resourceGroupName: [dataGroup] },
    }));

    const fieldKey = resource({ type: "lifeboat:azure:FieldKeyVault", name: "field-key", parent: stack });
    const bytes = resource({
        type: "random:index/randomBytes:RandomBytes", name: "field-key-bytes", parent: fieldKey, protect: true, retainOnDelete: true,
        props: { length: 32 },
    });
    const vault = resource({
        type: "azure-native:keyvault:Vault", name: "field-key-vault", parent: fieldKey, protect: true, retainOnDelete: true,
        props: {
            resourceGroupName: "lifeboat-test-key",
            vaultName: "lb-test-key",
            location: "swedencentral",
            tags: { "lifeboat-role": "field-key" },
            properties: {
                tenantId: "11111111-1111-1111-1111-111111111111",
                sku: { family: "A", name: "standard" },
                enableRbacAuthorization: true,
                enableSoftDelete: true,
                softDeleteRetentionInDays: 90,
                enablePurgeProtection: true,
                enabledForDeployment: false,
                enabledForTemplateDeployment: false,
                enabledForDiskEncryption: false,
                publicNetworkAccess: "Enabled",
                networkAcls: { defaultAction: "Deny", bypass: "AzureServices", ipRules: [] },
            },
        },
        from: { resourceGroupName: [keyGroup] },
    });
    const secret = resource({
        type: "azure-native:keyvault:Secret", name: "field-key-secret", parent: fieldKey, protect: true, retainOnDelete: true, dependsOn: [vault],
        props: {
            resourceGroupName: "lifeboat-test-key",
            vaultName: "lb-test-key",
            secretName: "FIELD-ENCRYPTION-KEY",
            tags: { "lifeboat-role": "field-key" },
            properties: { value: UNKNOWN, contentType: "application/vnd.lifeboat.fernet-key", attributes: { enabled: true } },
        },
        from: { resourceGroupName: [keyGroup], properties: [bytes] },
    });

    const backups = resource({ type: "lifeboat:azure:BackupStorage", name: "backups", parent: stack });
    const account = resource({
        type: "azure-native:storage:StorageAccount", name: "backups-account", parent: backups, protect: true,
        props: {
            resourceGroupName: "lifeboat-test-data",
            accountName: "lbtestbackups",
            location: "westeurope",
            kind: "StorageV2",
            sku: { name: "Standard_GRS" },
            minimumTlsVersion: "TLS1_2",
            enableHttpsTrafficOnly: true,
            allowBlobPublicAccess: false,
            allowSharedKeyAccess: false,
            allowCrossTenantReplication: false,
            defaultToOAuthAuthentication: true,
            publicNetworkAccess: "Enabled",
            networkRuleSet: { defaultAction: "Deny", bypass: "AzureServices" },
            encryption: { requireInfrastructureEncryption: true, keySource: "Microsoft.Storage", services: { blob: { enabled: true, keyType: "Account" } } },
            tags: { "lifeboat-role": "backups" },
        },
        from: { resourceGroupName: [dataGroup] },
    });
    const blobService = resource({
        type: "azure-native:storage:BlobServiceProperties", name: "backups-blob-service", parent: backups, dependsOn: [account],
        props: {
            resourceGroupName: "lifeboat-test-data",
            accountName: "lbtestbackups",
            blobServicesName: "default",
            deleteRetentionPolicy: { enabled: true, days: 14 },
            containerDeleteRetentionPolicy: { enabled: true, days: 14 },
            isVersioningEnabled: true,
        },
    });
    const container = resource({
        type: "azure-native:storage:BlobContainer", name: "backups-container", parent: backups, protect: true, dependsOn: [account],
        props: { resourceGroupName: "lifeboat-test-data", accountName: "lbtestbackups", containerName: "dumps", publicAccess: "None" },
    });
    const days: Record<string, number> = { daily: 30, weekly: 90, monthly: 365 };
    const lifecycle = resource({
        type: "azure-native:storage:ManagementPolicy", name: "backups-lifecycle", parent: backups, dependsOn: [account],
        props: {
            resourceGroupName: "lifeboat-test-data",
            accountName: "lbtestbackups",
            managementPolicyName: "default",
            policy: {
                rules: ["daily", "weekly", "monthly"].map((tier) => ({
                    name: `lifeboat-${tier}`,
                    enabled: true,
                    type: "Lifecycle",
                    definition: {
                        filters: { blobTypes: ["blockBlob"], prefixMatch: [`dumps/${tier}/`] },
                        actions: {
                            baseBlob: { delete: { daysAfterModificationGreaterThan: days[tier] } },
                            version: { delete: { daysAfterCreationGreaterThan: days[tier] } },
                        },
                    },
                })),
            },
        },
    });

    const jobs = resource({ type: "lifeboat:azure:JobEnvironment", name: "jobs", parent: stack });
    const logs = resource({
        type: "azure-native:operationalinsights:Workspace", name: "jobs-logs", parent: jobs,
        props: { resourceGroupName: "lifeboat-test-data", location: "westeurope", sku: { name: "PerGB2018" }, retentionInDays: 90, tags: { "lifeboat-role": "dump-job" } },
    });
    const env = resource({
        type: "azure-native:app:ManagedEnvironment", name: "jobs-env", parent: jobs,
        props: {
            resourceGroupName: "lifeboat-test-data", location: "westeurope", appLogsConfiguration: UNKNOWN,
            vnetConfiguration: { infrastructureSubnetId: UNKNOWN, internal: true }, tags: { "lifeboat-role": "dump-job" },
        },
        from: { appLogsConfiguration: [logs] },
    });
    const endpoint = resource({
        type: "azure-native:network:PrivateEndpoint", name: "jobs-network-pe-lifeboat-test-app", parent: jobs,
        props: {
            resourceGroupName: "lifeboat-test-data", location: "westeurope", subnet: { id: UNKNOWN },
            privateLinkServiceConnections: [{ name: "lifeboat-test-app", privateLinkServiceId: UNKNOWN, groupIds: ["postgresqlServer"] }],
        },
        from: { privateLinkServiceConnections: [server] },
    });
    const identity = resource({
        type: "azure-native:managedidentity:UserAssignedIdentity", name: "jobs-identity", parent: jobs,
        props: { resourceGroupName: "lifeboat-test-data", location: "westeurope", tags: { "lifeboat-role": "dump-job" } },
    });
    const writer = resource({
        type: "azure-native:authorization:RoleAssignment", name: "jobs-blob-writer", parent: jobs,
        props: {
            principalId: UNKNOWN,
            principalType: "ServicePrincipal",
            roleDefinitionId: BLOB_CONTRIBUTOR,
            scope: UNKNOWN,
            description: "Lifeboat dump jobs write backup sets to this container only",
        },
        from: { principalId: [identity], scope: [container] },
    });
    const dump = resource({ type: "lifeboat:azure:DumpJob", name: "dump-app", parent: stack });
    const job = resource({
        type: "azure-native:app:Job", name: "dump-app-job", parent: dump, dependsOn: [writer],
        props: {
            resourceGroupName: "lifeboat-test-data",
            jobName: "dump-lifeboat-test-app",
            location: "westeurope",
            environmentId: UNKNOWN,
            identity: { type: "UserAssigned", userAssignedIdentities: [UNKNOWN] },
            configuration: {
                triggerType: "Schedule",
                scheduleTriggerConfig: { cronExpression: "0 2 * * *", parallelism: 1, replicaCompletionCount: 1 },
                replicaTimeout: 7200,
                replicaRetryLimit: 1,
                secrets: [{ name: "pg-password", value: UNKNOWN }],
            },
            template: {
                containers: [{
                    name: "lifeboat",
                    image: "ghcr.io/lifeboat-dr/lifeboat:0.1.0",
                    args: ["backup"],
                    env: [
                        { name: "PGHOST", value: UNKNOWN },
                        { name: "PGPORT", value: "5432" },
                        { name: "PGUSER", value: "lifeboat_admin" },
                        { name: "PGPASSWORD", secretRef: "pg-password" },
                        { name: "PGSSLMODE", value: "require" },
                        { name: "LIFEBOAT_DATABASES", value: "main,audit" },
                        { name: "LIFEBOAT_TARGET", value: "azblob://lbtestbackups/dumps" },
                        { name: "LIFEBOAT_KEY_FINGERPRINT", value: UNKNOWN },
                        { name: "AZURE_CLIENT_ID", value: UNKNOWN },
                    ],
                }],
            },
            tags: { "lifeboat-role": "dump-job", "lifeboat-server": "lifeboat-test-app", "lifeboat-databases": "main,audit" },
        },
        from: { environmentId: [env], identity: [identity], configuration: [password], template: [server, identity, bytes] },
    });

    const resourceLogs = resource({ type: "lifeboat:azure:ResourceLogs", name: "logs", parent: stack });
    const diagnostics = (name: string, source: OfflineResource, categories: string[], dedicated: boolean) => resource({
        type: "azure-native:monitor:DiagnosticSetting", name, parent: resourceLogs,
        props: {
            name: "lifeboat",
            resourceUri: UNKNOWN,
            workspaceId: UNKNOWN,
            ...(dedicated ? { logAnalyticsDestinationType: "Dedicated" } : {}),
            logs: categories.map((category) => ({ category, enabled: true })),
        },
        from: { resourceUri: [source], workspaceId: [logs] },
    });
    const vaultLogs = diagnostics("logs-field-key", vault, ["AuditEvent"], true);
    const blobLogs = diagnostics("logs-backups", account, ["StorageRead", "StorageWrite", "StorageDelete"], false);
    const serverLogs = diagnostics("logs-pg-app", server, ["PostgreSQLLogs"], false);

    return [
        stack, dataGroup, keyGroup,
        pg, password, server, ...databases,
        fieldKey, bytes, vault, secret,
        backups, account, blobService, container, lifecycle,
        jobs, logs, env, endpoint, identity, writer,
        dump, job,
        resourceLogs, vaultLogs, blobLogs, serverLogs,
    ];
}

/** The resource with this logical name. */
export function named(resources: OfflineResource[], name: string): OfflineResource {
    const found = resources.find((r) => r.name === name);
    if (found === undefined) {
        throw new Error(`no resource named ${name} in the fixture`);
    }
    return found;
}

/** Sets (or, with undefined, deletes) a dotted input path of the named resource; returns the stack. */
export function withProp(resources: OfflineResource[], name: string, path: string, value: unknown): OfflineResource[] {
    const r = named(resources, name);
    const parts = path.split(".");
    let target: Record<string, unknown> = r.props;
    for (const part of parts.slice(0, -1)) {
        if (typeof target[part] !== "object" || target[part] === null) {
            target[part] = {};
        }
        target = target[part] as Record<string, unknown>;
    }
    const last = parts[parts.length - 1];
    if (value === undefined) {
        delete target[last];
    } else {
        target[last] = value;
    }
    return resources;
}

/** The verdicts one policy gives, without the URN and type noise. */
export async function verdictsOf(policy: string, resources: OfflineResource[], config?: Record<string, unknown>): Promise<Pick<Verdict, "enforcementLevel" | "name" | "message">[]> {
    const { verdicts } = await evaluatePolicies(resources, config);
    return verdicts.filter((v) => v.policy === policy).map((v) => ({ enforcementLevel: v.enforcementLevel, name: v.name, message: v.message }));
}
