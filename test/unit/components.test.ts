import * as pulumi from "@pulumi/pulumi";
import { promiseOf, recordingMocks, settled } from "./mocks";

const recorder = recordingMocks();
pulumi.runtime.setMocks(recorder.mocks, "lifeboat", "unit", false, "organization");

// Loaded after setMocks, as the components create resources when constructed.
import * as azure from "../../components/azure";
import { fingerprintKey } from "../../scripts/fingerprint";

const tenantId = "tenant-1";

function serverArgs(overrides: Partial<azure.PostgresServerArgs> = {}): azure.PostgresServerArgs {
    return { resourceGroupName: "rg", serverName: "app-pg", location: "westeurope", tenantId, databases: ["main", "audit"], ...overrides };
}

describe("PostgresServer", () => {
    it("sets every backup setting explicitly, with secure defaults", async () => {
        const pg = new azure.PostgresServer("app-pg", serverArgs());
        await settled(pg.server, ...pg.databases);
        const server = recorder.find("azure-native:dbforpostgresql:Server", "app-pg-server").inputs;
        expect(server.backup).toEqual({ backupRetentionDays: 35, geoRedundantBackup: "Enabled" });
        expect(server.sku).toEqual({ name: "Standard_D2ds_v5", tier: "GeneralPurpose" });
        expect(server.version).toBe("16");
        expect(server.storage).toEqual({ storageSizeGB: 128, autoGrow: "Enabled" });
        expect(server.network).toEqual({ publicNetworkAccess: "Disabled" });
        expect(server.highAvailability).toMatchObject({ mode: "Disabled" });
        expect(server.authConfig).toEqual({ activeDirectoryAuth: "Enabled", passwordAuth: "Enabled", tenantId });
        expect(server.administratorLogin).toBe("lifeboat_admin");
        expect(server.administratorLoginPassword).toBe("generated-password");
        expect(recorder.find("azure-native:dbforpostgresql:Server", "app-pg-server").secretPaths).toContain("administratorLoginPassword");
        expect(server.createMode).toBeUndefined();
        expect(server.tags).toEqual({ "lifeboat-role": "database" });
        expect(recorder.find("azure-native:dbforpostgresql:Database", "app-pg-audit").inputs).toEqual({
            resourceGroupName: "rg", serverName: "app-pg", databaseName: "audit", charset: "UTF8", collation: "en_US.utf8",
        });
        expect(await pulumi.isSecret(pg.administratorPassword as pulumi.Output<string>)).toBe(true);
        expect(await promiseOf(pg.fqdn)).toBe("app-pg.postgres.database.azure.com");
    });

    it("writes geoRedundantBackup Disabled explicitly when asked, and derives each SKU tier", () => {
        const inputs = azure.serverInputs(serverArgs({ geoRedundantBackup: false, skuName: "Standard_E4ds_v5" }), undefined);
        expect(inputs.backup).toEqual({ backupRetentionDays: 35, geoRedundantBackup: "Disabled" });
        expect(inputs.sku).toEqual({ name: "Standard_E4ds_v5", tier: "MemoryOptimized" });
        expect(azure.skuTier("Standard_B1ms")).toBe("Burstable");
        expect(azure.skuTier("Standard_D2s_v3")).toBe("GeneralPurpose");
        expect(azure.skuTier("Basic_A1")).toBeUndefined();
    });

    it("Entra-only authentication creates no password and disables password login", () => {
        const inputs = azure.serverInputs(serverArgs({ authentication: "entra" }), undefined);
        expect(inputs.authConfig).toEqual({ activeDirectoryAuth: "Enabled", passwordAuth: "Disabled", tenantId });
        expect(inputs.administratorLogin).toBeUndefined();
        expect(inputs.administratorLoginPassword).toBeUndefined();
    });

    it("passes restore inputs through", () => {
        const sourceServerResourceId = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/old";
        const inputs = azure.serverInputs(serverArgs({ restore: { createMode: "PointInTimeRestore", sourceServerResourceId, pointInTimeUTC: "2026-11-20T10:00:00Z" } }), undefined);
        expect([inputs.createMode, inputs.sourceServerResourceId, inputs.pointInTimeUTC]).toEqual(["PointInTimeRestore", sourceServerResourceId, "2026-11-20T10:00:00Z"]);
    });

    it("rejects bad args with every problem at once, before declaring anything", async () => {
        expect(() => new azure.PostgresServer("bad", serverArgs({
            serverName: "Bad_Name", backupRetentionDays: 40, skuName: "Standard_B1ms", highAvailability: "ZoneRedundant",
            storageSizeGb: 100, databases: ["main", "postgres", "main"],
        }))).toThrow([
            "PostgresServer bad: 6 invalid values:",
            "  args.name: got \"Bad_Name\"; allowed: 3-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen",
            "  args.storageSizeGb: got 100; allowed: one of 32, 64, 128, 256, 512, 1024, 2048, 4095, 4096, 8192, 16384, 32767",
            "  args.backupRetentionDays: got 40; allowed: a whole number from 7 to 35",
            "  args.highAvailability: got \"ZoneRedundant\"; allowed: only Disabled on a Burstable SKU (Standard_B1ms); choose a GeneralPurpose or MemoryOptimized SKU for high availability",
            "  args.databases[1]: got \"postgres\"; allowed: any name but the reserved postgres, azure_maintenance, azure_sys, template0, template1",
            "  args.databases[2]: got \"main\"; allowed: each database once",
        ].join("\n"));
        await new Promise((resolve) => setTimeout(resolve, 50));
        // No child was declared.
        expect(recorder.resources.filter((r) => r.name.startsWith("bad-"))).toEqual([]);
    });

    it("requires a point in time for PointInTimeRestore and a real source ID", () => {
        const problems = new (require("../../components/validation").Problems)();
        azure.validatePostgresServerArgs(serverArgs({ restore: { createMode: "PointInTimeRestore", sourceServerResourceId: "old-server" } }), problems);
        expect(problems.list.map((p: { path: string }) => p.path)).toEqual(["args.restore.sourceServerResourceId", "args.restore.pointInTimeUTC"]);
    });
});

describe("FieldKeyVault", () => {
    it("declares an RBAC vault with purge protection and a generated Fernet key", async () => {
        const kv = new azure.FieldKeyVault("key", { resourceGroupName: "rg-key", vaultName: "lb-unit-key", location: "swedencentral", tenantId });
        await settled(kv.vault, kv.secret as pulumi.Resource, kv.generator as pulumi.Resource);
        const vault = recorder.find("azure-native:keyvault:Vault", "key-vault").inputs;
        expect(vault.location).toBe("swedencentral");
        expect(vault.properties).toEqual({
            tenantId,
            sku: { family: "A", name: "standard" },
            enableRbacAuthorization: true,
            enableSoftDelete: true,
            softDeleteRetentionInDays: 90,
            enablePurgeProtection: true,
            enabledForDeployment: false,
            enabledForTemplateDeployment: false,
            enabledForDiskEncryption: false,
            accessPolicies: [],
            publicNetworkAccess: "Enabled",
            networkAcls: { defaultAction: "Deny", bypass: "AzureServices", ipRules: [] },
        });
        expect(vault.tags).toEqual({ "lifeboat-role": "field-key" });
        expect(recorder.find("random:index/randomBytes:RandomBytes", "key-bytes").inputs).toEqual({ length: 32 });
        const secret = recorder.find("azure-native:keyvault:Secret", "key-secret").inputs;
        const expectedKey = Buffer.alloc(32, 0xfb).toString("base64url") + "=";
        expect(secret.secretName).toBe("FIELD-ENCRYPTION-KEY");
        expect(secret.properties).toEqual({ value: expectedKey, contentType: "application/vnd.lifeboat.fernet-key", attributes: { enabled: true } });
        expect(recorder.find("azure-native:keyvault:Secret", "key-secret").secretPaths).toContain("properties");
        expect(azure.isFernetKey(expectedKey)).toBe(true);
        expect(await promiseOf(kv.keyFingerprint)).toBe(fingerprintKey(expectedKey));
        expect(await pulumi.isSecret(kv.keyFingerprint)).toBe(false);
    });

    it("stores a given key, as a secret, without generating one", async () => {
        const given = "x".repeat(43) + "=";
        const kv = new azure.FieldKeyVault("given", { resourceGroupName: "rg-key", vaultName: "lb-unit-given", location: "swedencentral", tenantId, fieldEncryptionKey: given, allowedIpRanges: ["203.0.113.0/24"] });
        await settled(kv.vault, kv.secret as pulumi.Resource);
        expect(kv.generator).toBeUndefined();
        expect(recorder.resources.some((r) => r.name === "given-bytes")).toBe(false);
        expect(recorder.find("azure-native:keyvault:Secret", "given-secret").inputs.properties.value).toBe(given);
        const vault = recorder.find("azure-native:keyvault:Vault", "given-vault").inputs.properties;
        expect(vault.createMode).toBeUndefined();
        expect(vault.networkAcls.ipRules).toEqual([{ value: "203.0.113.0/24" }]);
        expect(await promiseOf(kv.keyFingerprint)).toBe(fingerprintKey(given));
    });

    it("recovers a soft-deleted vault without touching its secret, labels backups with the expected fingerprint, and recreates readers", async () => {
        const kv = new azure.FieldKeyVault("rec", {
            resourceGroupName: "rg-key", vaultName: "lb-unit-rec", location: "francecentral", tenantId, recover: true,
            expectedFingerprint: "sha256:0123456789abcdef", subscriptionId: "sub-1",
            secretReaders: [{ principalId: "0b7e1c52-94f3-4d8a-9a43-2b1f6c7d8e90" }],
        });
        await settled(kv.vault, ...kv.readers);
        expect(recorder.find("azure-native:keyvault:Vault", "rec-vault").inputs.properties.createMode).toBe("recover");
        expect(kv.secret).toBeUndefined();
        expect(kv.generator).toBeUndefined();
        expect(recorder.resources.filter((r) => r.name.startsWith("rec-") && r.type !== "azure-native:keyvault:Vault" && r.type !== "azure-native:authorization:RoleAssignment")).toEqual([]);
        expect(await promiseOf(kv.keyFingerprint)).toBe("sha256:0123456789abcdef");
        expect(recorder.find("azure-native:authorization:RoleAssignment", "rec-reader-0").inputs).toMatchObject({
            principalId: "0b7e1c52-94f3-4d8a-9a43-2b1f6c7d8e90",
            roleDefinitionId: "/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6",
            scope: "rec-vault-id",
        });
    });

    it("requires the expected fingerprint when recovering or adopting, and not both", () => {
        const problems = new (require("../../components/validation").Problems)();
        azure.validateFieldKeyVaultArgs({ resourceGroupName: "rg", vaultName: "lb-x", location: "francecentral", tenantId, recover: true, existingVaultId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/lb-x" }, problems);
        expect(problems.list.map((p: { path: string; allowed: string }) => `${p.path}: ${p.allowed.split(":")[0]}`)).toEqual([
            "args.existingVaultId: allowed",
            "args.expectedFingerprint: required when recovering or adopting a vault",
        ]);
    });

    it("rejects retention outside 7-90 and bad names", () => {
        expect(() => new azure.FieldKeyVault("bad-kv", { resourceGroupName: "rg", vaultName: "1bad", location: "swedencentral", tenantId, softDeleteRetentionDays: 120, secretName: "FIELD_KEY" })).toThrow([
            "FieldKeyVault bad-kv: 3 invalid values:",
            "  args.name: got \"1bad\"; allowed: 3-24 letters, digits and single hyphens, starting with a letter, not ending with a hyphen",
            "  args.secretName: got \"FIELD_KEY\"; allowed: 1-127 letters, digits and hyphens",
            "  args.softDeleteRetentionDays: got 120; allowed: a whole number from 7 to 90",
        ].join("\n"));
    });

    it("recognises Fernet keys and converts base64 to the URL-safe alphabet", () => {
        expect(azure.isFernetKey("short=")).toBe(false);
        expect(azure.isFernetKey(Buffer.alloc(31).toString("base64url") + "=")).toBe(false);
        expect(azure.toUrlSafeBase64("ab+/cd==")).toBe("ab-_cd==");
    });
});

describe("BackupStorage", () => {
    it("declares a private GRS account, soft delete, versioning and a delete rule per tier", async () => {
        const st = new azure.BackupStorage("bk", { resourceGroupName: "rg", accountName: "lbunit0001", location: "westeurope" });
        await settled(st.account, st.blobService, st.container, st.lifecycle);
        const account = recorder.find("azure-native:storage:StorageAccount", "bk-account").inputs;
        expect(account).toMatchObject({
            kind: "StorageV2", sku: { name: "Standard_GRS" }, minimumTlsVersion: "TLS1_2", enableHttpsTrafficOnly: true,
            allowBlobPublicAccess: false, allowSharedKeyAccess: false, allowCrossTenantReplication: false, defaultToOAuthAuthentication: true,
            encryption: { keySource: "Microsoft.Storage", requireInfrastructureEncryption: true, services: { blob: { enabled: true, keyType: "Account" } } },
            tags: { "lifeboat-role": "backups" },
        });
        expect(recorder.find("azure-native:storage:BlobServiceProperties", "bk-blob-service").inputs).toMatchObject({
            deleteRetentionPolicy: { enabled: true, days: 14 }, containerDeleteRetentionPolicy: { enabled: true, days: 14 }, isVersioningEnabled: true,
        });
        expect(recorder.find("azure-native:storage:BlobContainer", "bk-container").inputs).toMatchObject({ containerName: "dumps", publicAccess: "None" });
        const rules = recorder.find("azure-native:storage:ManagementPolicy", "bk-lifecycle").inputs.policy.rules;
        expect(rules.map((r: any) => [r.name, r.definition.filters.prefixMatch[0], r.definition.actions.baseBlob.delete.daysAfterModificationGreaterThan]))
            .toEqual([["lifeboat-daily", "dumps/daily/", 30], ["lifeboat-weekly", "dumps/weekly/", 90], ["lifeboat-monthly", "dumps/monthly/", 365], ["lifeboat-verifications", "dumps/verifications/", 400]]);
        expect(st.targetUrl).toBe("azblob://lbunit0001/dumps");
        expect(st.immutability).toBeUndefined();
    });

    it("adds a time-based immutability policy when asked", async () => {
        const st = new azure.BackupStorage("worm", { resourceGroupName: "rg", accountName: "lbunit0002", location: "westeurope", immutabilityDays: 14, redundancy: "RAGZRS", retention: { dailyDays: 20 } });
        await settled(st.immutability as pulumi.Resource, st.account);
        expect(recorder.find("azure-native:storage:BlobContainerImmutabilityPolicy", "worm-immutability").inputs).toMatchObject({ immutabilityPeriodSinceCreationInDays: 14, allowProtectedAppendWrites: false });
        expect(recorder.find("azure-native:storage:StorageAccount", "worm-account").inputs.sku).toEqual({ name: "Standard_RAGZRS" });
    });

    it("rejects retention that shrinks with rarer tiers, immutability beyond it, and bad names", () => {
        expect(() => new azure.BackupStorage("bad-st", { resourceGroupName: "rg", accountName: "Bad-Name", location: "westeurope", retention: { dailyDays: 30, weeklyDays: 10 }, immutabilityDays: 40 })).toThrow([
            "BackupStorage bad-st: 3 invalid values:",
            "  args.accountName: got \"Bad-Name\"; allowed: 3-24 lowercase letters and digits",
            "  args.retention: got {\"dailyDays\":30,\"weeklyDays\":10,\"monthlyDays\":365}; allowed: dailyDays <= weeklyDays <= monthlyDays (a rarer tier is kept at least as long)",
            "  args.immutabilityDays: got 40; allowed: a whole number from 1 to 30",
        ].join("\n"));
    });
});

describe("JobEnvironment and DumpJob", () => {
    it("gives the job identity blob access on the container only, and runs the job on a UTC cron", async () => {
        const env = new azure.JobEnvironment("jobs", { resourceGroupName: "rg", location: "westeurope", subscriptionId: "sub-1", backupContainerIds: ["/container/id"] });
        const job = new azure.DumpJob("dump-app", {
            resourceGroupName: "rg", location: "westeurope", environment: env, jobName: "dump-app-pg", serverName: "app-pg",
            host: "app-pg.postgres.database.azure.com", databases: ["main", "audit"], user: "lifeboat_admin", password: pulumi.secret("pw"),
            target: "azblob://acct/dumps", keyFingerprint: "sha256:0123456789abcdef", image: "registry.example/lifeboat@sha256:abc",
        });
        await settled(env.blobWriter, job.job, env.environment);
        expect(recorder.find("azure-native:authorization:RoleAssignment", "jobs-blob-writer").inputs).toMatchObject({
            principalId: "principal-1",
            principalType: "ServicePrincipal",
            scope: "/container/id",
            roleDefinitionId: "/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe",
        });
        const inputs = recorder.find("azure-native:app:Job", "dump-app-job").inputs;
        expect(inputs.configuration).toEqual({
            triggerType: "Schedule",
            scheduleTriggerConfig: { cronExpression: "0 2 * * *", parallelism: 1, replicaCompletionCount: 1 },
            replicaTimeout: 7200,
            replicaRetryLimit: 1,
            secrets: [{ name: "pg-password", value: "pw" }],
        });
        expect(recorder.find("azure-native:app:Job", "dump-app-job").secretPaths).toContain("configuration");
        expect(inputs.identity).toEqual({ type: "UserAssigned", userAssignedIdentities: ["jobs-identity-id"] });
        const env0 = inputs.template.containers[0].env;
        expect(env0).toContainEqual({ name: "PGPASSWORD", secretRef: "pg-password" });
        expect(env0).toContainEqual({ name: "LIFEBOAT_DATABASES", value: "main,audit" });
        expect(env0).toContainEqual({ name: "LIFEBOAT_KEY_FINGERPRINT", value: "sha256:0123456789abcdef" });
        expect(env0).toContainEqual({ name: "AZURE_CLIENT_ID", value: "client-1" });
        expect(JSON.stringify(env0)).not.toContain("pw\"");
        expect(inputs.tags).toEqual({ "lifeboat-role": "dump-job", "lifeboat-server": "app-pg", "lifeboat-databases": "main,audit" });
        expect(recorder.find("azure-native:app:ManagedEnvironment", "jobs-env").inputs.appLogsConfiguration.logAnalyticsConfiguration.sharedKey).toBe("shared-key");
    });

    it("lets the restore identity write below verifications/ only, and leaves the dump identity's role as it was", async () => {
        const env = new azure.JobEnvironment("rt", { resourceGroupName: "rg", location: "westeurope", subscriptionId: "sub-1", backupContainerIds: ["/container/a", "/container/b"] });
        await settled(...env.verificationWriters, ...env.blobReaders, ...env.blobWriters);
        const condition = "((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write'})" +
            " AND !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action'})" +
            " AND !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete'})" +
            " AND !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/move/action'}))" +
            " OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith 'verifications/'))";
        const contributor = "/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe";
        expect(["rt-verify-writer", "rt-verify-writer-1"].map((n) => recorder.find("azure-native:authorization:RoleAssignment", n).inputs)).toEqual([
            expect.objectContaining({ scope: "/container/a", roleDefinitionId: contributor, condition, conditionVersion: "2.0", principalType: "ServicePrincipal" }),
            expect.objectContaining({ scope: "/container/b", roleDefinitionId: contributor, condition, conditionVersion: "2.0", principalType: "ServicePrincipal" }),
        ]);
        // The read role stays; the dump identity's writer gets no condition and nothing more.
        expect(recorder.find("azure-native:authorization:RoleAssignment", "rt-blob-reader").inputs.roleDefinitionId).toBe("/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1");
        for (const name of ["rt-blob-writer", "rt-blob-writer-1"]) {
            const writer = recorder.find("azure-native:authorization:RoleAssignment", name).inputs;
            expect([name, writer.condition, writer.conditionVersion, writer.roleDefinitionId]).toEqual([name, undefined, undefined, contributor]);
        }
    });

    it("rejects a bad cron and limits", () => {
        const problems = new (require("../../components/validation").Problems)();
        azure.validateDumpJobArgs({ jobName: "Dump", cron: "0 25 * * *", replicaTimeoutSeconds: 10, databases: [] } as unknown as azure.DumpJobArgs, problems);
        expect(problems.list.map((p: any) => `${p.path} ${p.allowed}`)).toEqual([
            "args.jobName allowed: 2-32 lowercase letters, digits and single hyphens, starting with a letter",
            "args.cron allowed: a five-field cron in UTC such as \"0 2 * * *\" (hour \"25\" is out of range 0-23)",
            "args.replicaTimeoutSeconds allowed: a whole number from 60 to 86400",
            "args.databases allowed: at least one database",
        ]);
    });
});

describe("ResourceLogs", () => {
    it("sends the vault's AuditEvent, the blob service's reads, writes and deletes and the server log to the workspace", async () => {
        const logs = new azure.ResourceLogs("trail", {
            workspaceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/jobs",
            vaults: [{ name: "field-key", resourceId: "/subscriptions/s/resourceGroups/key/providers/Microsoft.KeyVault/vaults/lb-key" }],
            storageAccounts: [{ name: "backups", resourceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/lbbackups" }],
            servers: [{ name: "pg-app", resourceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/app" }],
        });
        await settled(...logs.settings);
        const workspaceId = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/jobs";
        expect(recorder.find("azure-native:monitor:DiagnosticSetting", "trail-field-key").inputs).toEqual({
            name: "lifeboat",
            resourceUri: "/subscriptions/s/resourceGroups/key/providers/Microsoft.KeyVault/vaults/lb-key",
            workspaceId,
            logAnalyticsDestinationType: "Dedicated",
            logs: [{ category: "AuditEvent", enabled: true }],
        });
        expect(recorder.find("azure-native:monitor:DiagnosticSetting", "trail-backups").inputs).toEqual({
            name: "lifeboat",
            resourceUri: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/lbbackups/blobServices/default",
            workspaceId,
            logs: [{ category: "StorageRead", enabled: true }, { category: "StorageWrite", enabled: true }, { category: "StorageDelete", enabled: true }],
        });
        expect(recorder.find("azure-native:monitor:DiagnosticSetting", "trail-pg-app").inputs).toEqual({
            name: "lifeboat",
            resourceUri: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/app",
            workspaceId,
            logs: [{ category: "PostgreSQLLogs", enabled: true }],
        });
    });

    it("refuses a name used twice, before declaring anything", () => {
        expect(() => new azure.ResourceLogs("twice", {
            workspaceId: "w",
            vaults: [{ name: "a", resourceId: "v" }],
            servers: [{ name: "a", resourceId: "s" }, { name: "B", resourceId: "s2" }],
        })).toThrow([
            "ResourceLogs twice: 2 invalid values:",
            "  args.servers[0].name: got \"a\"; allowed: each name once across vaults, storage accounts and servers",
            "  args.servers[1].name: got \"B\"; allowed: lowercase letters, digits and single hyphens",
        ].join("\n"));
    });
});
