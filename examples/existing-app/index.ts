/**
 * A user's own Pulumi program: a case-management app that already runs on Azure (a Flexible
 * Server and a Container App reading FIELD_ENCRYPTION_KEY), with Lifeboat's components added
 * around its database. Lifeboat is imported by its package name, the way any dependency is.
 *
 * Part 1 is what the app had before; part 2 is all that adding Lifeboat takes:
 *   - FieldKeyVault: the key in a vault in another region than any backup, the app's identity
 *     its only reader (secretReaders), the app reading it from there;
 *   - BackupStorage, JobNetwork, JobEnvironment, DumpJob: nightly dumps of the app's databases
 *     over a private endpoint into private, lifecycle-managed blob storage;
 *   - ResourceLogs: the vault's audit log, the blob and server logs in the jobs' workspace.
 */
import * as pulumi from "@pulumi/pulumi";
import * as app from "@pulumi/azure-native/app";
import * as authorization from "@pulumi/azure-native/authorization";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as resources from "@pulumi/azure-native/resources";
import { BackupStorage, DumpJob, FieldKeyVault, JobEnvironment, JobNetwork, ResourceLogs } from "lifeboat/azure";

const config = new pulumi.Config();
const location = config.get("location") ?? "westeurope";
const keyLocation = config.require("keyLocation");
const dbPassword = config.requireSecret("dbPassword");
const jobImage = config.require("jobImage");
const stack = pulumi.getStack();
const client = authorization.getClientConfigOutput();

// ------------------------------------------------------------------ 1. the app, as it was

const group = new resources.ResourceGroup("app", { resourceGroupName: `cases-${stack}`, location });
const serverName = `cases-${stack}-db`;
const databases = ["cases", "audit"];
const server = new dbforpostgresql.Server("db", {
    resourceGroupName: group.name,
    serverName,
    location,
    version: "16",
    sku: { name: "Standard_D2ds_v5", tier: "GeneralPurpose" },
    storage: { storageSizeGB: 128, autoGrow: "Enabled" },
    // Geo-redundant backup can only be chosen when a server is created (docs/RUNBOOK.md has the
    // migration for a server created without it).
    backup: { backupRetentionDays: 35, geoRedundantBackup: "Enabled" },
    highAvailability: { mode: "Disabled" },
    administratorLogin: "cases_admin",
    administratorLoginPassword: dbPassword,
    network: { publicNetworkAccess: "Disabled" },
}, { protect: true });
const dbs = databases.map((db) => new dbforpostgresql.Database(db, {
    resourceGroupName: group.name,
    serverName,
    databaseName: db,
    charset: "UTF8",
    collation: "en_US.utf8",
}, { dependsOn: [server], protect: true }));

const appIdentity = new managedidentity.UserAssignedIdentity("web", { resourceGroupName: group.name, location });
const appEnv = new app.ManagedEnvironment("web-env", { resourceGroupName: group.name, location });

// ------------------------------------------------------------------ 2. Lifeboat, added

// The key lives in its own group and region; the app's identity is its only reader.
const keyGroup = new resources.ResourceGroup("key", { resourceGroupName: `cases-${stack}-key`, location: keyLocation }, { protect: true, retainOnDelete: true });
const key = new FieldKeyVault("field-key", {
    resourceGroupName: keyGroup.name,
    vaultName: `cases-${stack}-key`,
    location: keyLocation,
    tenantId: client.tenantId,
    subscriptionId: client.subscriptionId,
    secretReaders: [{ principalId: appIdentity.principalId, principalType: "ServicePrincipal" }],
});

// The dump jobs reach the server (public access disabled) through a private endpoint.
const network = new JobNetwork("jobs-network", {
    resourceGroupName: group.name,
    location,
    servers: [{ name: serverName, serverId: server.id }],
});
const storage = new BackupStorage("backups", {
    resourceGroupName: group.name,
    accountName: `cases${stack}backups`.replace(/[^a-z0-9]/g, "").slice(0, 24),
    location,
    allowedSubnetIds: [network.jobsSubnet.id],
});
const jobs = new JobEnvironment("jobs", {
    resourceGroupName: group.name,
    location,
    subscriptionId: client.subscriptionId,
    backupContainerIds: storage.containers.map((c) => c.id),
    network: { infrastructureSubnetId: network.jobsSubnet.id, dependsOn: network.ready },
});
const dump = new DumpJob("dump", {
    resourceGroupName: group.name,
    location,
    environment: jobs,
    jobName: `dump-${serverName}`.slice(0, 32).replace(/-+$/, ""),
    serverName,
    host: server.fullyQualifiedDomainName,
    databases,
    user: "cases_admin",
    password: dbPassword,
    target: storage.targetUrl,
    keyFingerprint: key.keyFingerprint,
    image: jobImage,
}, { dependsOn: dbs });

// An audit trail in the jobs' workspace: who read the key, who touched a backup set.
new ResourceLogs("logs", {
    workspaceId: jobs.workspace.id,
    vaults: [{ name: "field-key", resourceId: key.vault.id }],
    storageAccounts: [{ name: "backups", resourceId: storage.account.id }],
    servers: [{ name: "db", resourceId: server.id }],
});

// ------------------------------------------------------------------ 1'. the app, now reading the key from the vault

const web = new app.ContainerApp("web", {
    resourceGroupName: group.name,
    location,
    managedEnvironmentId: appEnv.id,
    identity: { type: "UserAssigned", userAssignedIdentities: [appIdentity.id] },
    configuration: {
        ingress: { external: true, targetPort: 8000 },
        secrets: [
            // Container Apps reads the secret with the app's identity (Key Vault Secrets User, above).
            { name: "field-encryption-key", keyVaultUrl: pulumi.interpolate`${key.vaultUri}secrets/${key.secretName}`, identity: appIdentity.id },
            { name: "db-password", value: dbPassword },
        ],
    },
    template: {
        containers: [{
            name: "web",
            image: "ghcr.io/example/cases-web:1.4.2",
            env: [
                { name: "FIELD_ENCRYPTION_KEY", secretRef: "field-encryption-key" },
                { name: "PGHOST", value: server.fullyQualifiedDomainName },
                { name: "PGUSER", value: "cases_admin" },
                { name: "PGPASSWORD", secretRef: "db-password" },
            ],
        }],
    },
}, { dependsOn: key.readers });

export const url = pulumi.interpolate`https://${web.latestRevisionFqdn}`;
export const backupTarget = storage.targetUrl;
export const dumpJob = dump.jobName;
export const keyFingerprint = key.keyFingerprint;
