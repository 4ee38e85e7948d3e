import { fingerprintKey } from "../../scripts/fingerprint";
import { planJson, planStack, PlanResult, PlannedResource, renderPlan } from "../../tools/plan";

const sourceServerId = "/subscriptions/0f1e2d3c-0000-4000-8000-000000000001/resourceGroups/lifeboat-prod-data/providers/Microsoft.DBforPostgreSQL/flexibleServers/casework-prod-pg";
const recoverKey = { location: "francecentral", name: "lb-prod-keep", resourceGroupName: "lifeboat-prod-key", recover: true, expectedFingerprint: "sha256:0123456789abcdef" };
const key = Buffer.alloc(32, 42).toString("base64url") + "=";

function only(result: PlanResult, type: string): PlannedResource[] {
    return result.resources.filter((r) => r.type === type);
}

function jobsOf(result: PlanResult, kind: string): PlannedResource[] {
    return only(result, "azure-native:app:Job").filter((j) => ((j.props.tags as Record<string, string>)["lifeboat-job"] ?? "dump") === kind);
}

function mandatory(result: PlanResult): string[] {
    return result.verdicts.filter((v) => v.enforcementLevel === "mandatory").map((v) => `${v.policy}: ${v.message}`);
}

describe("the shipped dr stack: prod geo-restored into the pair, the key vault recovered", () => {
    let result: PlanResult;
    beforeAll(async () => {
        result = await planStack({ stack: "dr" });
    });

    it("plans with every mandatory policy passing", () => {
        expect(result.configErrors).toEqual([]);
        expect(mandatory(result)).toEqual([]);
        expect(result.exitCode).toBe(0);
    });

    it("geo-restores the server, and will not replace it on the next up", () => {
        const [server] = only(result, "azure-native:dbforpostgresql:Server");
        expect(server.props).toMatchObject({
            createMode: "GeoRestore",
            sourceServerResourceId: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/lifeboat-prod-data/providers/Microsoft.DBforPostgreSQL/flexibleServers/casework-prod-pg",
            location: "northeurope",
        });
        // GeoRestore needs a time too (the SDK: required for GeoRestore): the time of the run.
        expect(server.props.pointInTimeUTC).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
        expect(server.opts.ignoreChanges).toEqual(["createMode", "sourceServerResourceId", "pointInTimeUTC", "storage.storageSizeGB"]);
        expect(server.opts.protect).toBe(true);
    });

    it("declares none of the databases the restore brings, and imports nothing the same run creates", () => {
        expect(only(result, "azure-native:dbforpostgresql:Database")).toEqual([]);
        expect(result.resources.filter((r) => r.importId !== undefined)).toEqual([]);
    });

    it("recovers the vault, declares no key generator and no secret value, and recreates the readers' role assignments", () => {
        const [vault] = only(result, "azure-native:keyvault:Vault");
        expect((vault.props.properties as Record<string, unknown>).createMode).toBe("recover");
        expect(vault.props.resourceGroupName).toBe("lifeboat-prod-key");
        expect(only(result, "random:index/randomBytes:RandomBytes")).toEqual([]);
        expect(only(result, "azure-native:keyvault:Secret")).toEqual([]);
        // The existing group of the deleted vault is used, not declared again.
        expect(only(result, "azure-native:resources:ResourceGroup").map((r) => r.props.resourceGroupName)).toEqual(["lifeboat-dr-data"]);
        const readers = only(result, "azure-native:authorization:RoleAssignment").filter((r) => String(r.props.roleDefinitionId).endsWith("4633458b-17de-408a-b874-0445c86b69e6"));
        expect(readers.map((r) => r.props.principalId)).toEqual(["7d1c2b9e-4f3a-4e8b-9c6d-0a1b2c3d4e5f"]);
        expect(result.outputs.keyFingerprint).toBe("sha256:ebbad97f478755d9");
    });

    it("re-arms the dump job with the expected fingerprint, and a restore test and a freshness check with the restore identity (read-only but for verifications/)", () => {
        const env = (job: PlannedResource) => Object.fromEntries(((job.props.template as any).containers[0].env as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
        const [dump] = jobsOf(result, "dump");
        expect(env(dump).LIFEBOAT_KEY_FINGERPRINT).toBe("sha256:ebbad97f478755d9");
        const [verify] = jobsOf(result, "verify");
        expect((verify.props.template as any).containers[0].args.slice(0, 4)).toEqual(["verify", "--set", "latest", "--scratch"]);
        expect(env(verify).LIFEBOAT_KEY_FINGERPRINT).toBe("sha256:ebbad97f478755d9");
        const [fresh] = jobsOf(result, "freshness");
        expect((fresh.props.template as any).containers[0].args).toEqual(["freshness", "--max-age", "26h"]);
        expect((verify.props.identity as any).userAssignedIdentities).toEqual((fresh.props.identity as any).userAssignedIdentities);
        expect((verify.props.identity as any).userAssignedIdentities).not.toEqual((dump.props.identity as any).userAssignedIdentities);
        // Only the restore test waits for (and needs) the write role below verifications/.
        const verifyWriter = only(result, "azure-native:authorization:RoleAssignment").find((r) => r.name === "jobs-verify-writer") as PlannedResource;
        expect([verify.opts.dependencies.includes(verifyWriter.urn), fresh.opts.dependencies.includes(verifyWriter.urn), dump.opts.dependencies.includes(verifyWriter.urn)]).toEqual([true, false, false]);
        expect(only(result, "azure-native:monitor:ScheduledQueryRule").map((r) => r.name).sort()).toEqual(["alerts-backup-stale", "alerts-dump-failed", "alerts-restore-test-failed"]);
    });
});

describe("restore modes", () => {
    it("pointInTime creates the server with PointInTimeRestore at the given UTC time", async () => {
        const at = new Date(Date.now() - 2 * 86400000).toISOString().replace(/\.\d{3}Z$/, "Z");
        const result = await planStack({ stack: "prod", config: { restore: { mode: "pointInTime", sourceServerId, sourceLocation: "westeurope", pointInTime: at }, keyVault: recoverKey } });
        expect(result.configErrors).toEqual([]);
        const [server] = only(result, "azure-native:dbforpostgresql:Server");
        expect([server.props.createMode, server.props.sourceServerResourceId, server.props.pointInTimeUTC]).toEqual(["PointInTimeRestore", sourceServerId, at]);
        expect(only(result, "azure-native:dbforpostgresql:Database")).toEqual([]);
        expect(mandatory(result)).toEqual([]);
    });

    it("revive creates the server with ReviveDropped in the same region", async () => {
        const result = await planStack({ stack: "prod", config: { restore: { mode: "revive", sourceServerId }, fieldEncryptionKey: key } });
        expect(result.configErrors).toEqual([]);
        expect(only(result, "azure-native:dbforpostgresql:Server")[0].props.createMode).toBe("ReviveDropped");
        // A given key is stored, never generated.
        expect(only(result, "random:index/randomBytes:RandomBytes")).toEqual([]);
        expect(result.outputs.keyFingerprint).toBe(fingerprintKey(key));
    });

    it("dump creates empty servers and one manually started restore job per database, checked against the key", async () => {
        const result = await planStack({ stack: "prod", config: { restore: { mode: "dump", backupSet: "20261120T013000Z", backupTarget: "s3://casework-offsite/prod", backupTargetLocation: "eu-central-1" }, keyVault: recoverKey } });
        expect(result.configErrors).toEqual([]);
        const [server] = only(result, "azure-native:dbforpostgresql:Server");
        expect(server.props.createMode).toBeUndefined();
        expect(only(result, "azure-native:dbforpostgresql:Database").map((d) => d.importId)).toEqual([undefined, undefined]);
        const restores = jobsOf(result, "restore");
        expect(restores.map((j) => [(j.props.configuration as any).triggerType, ...(j.props.template as any).containers[0].args])).toEqual([
            ["Manual", "restore", "--set", "20261120T013000Z", "--database", "main", "--into=postgresql://lifeboat_admin@casework-prod-pg.postgres.database.azure.com:5432/main?sslmode=require"],
            ["Manual", "restore", "--set", "20261120T013000Z", "--database", "audit", "--into=postgresql://lifeboat_admin@casework-prod-pg.postgres.database.azure.com:5432/audit?sslmode=require"],
        ]);
        const env = ((restores[0].props.template as any).containers[0].env as { name: string; value?: string; secretRef?: string }[]);
        expect(env).toContainEqual({ name: "LIFEBOAT_TARGET", value: "s3://casework-offsite/prod" });
        expect(env).toContainEqual({ name: "LIFEBOAT_KEY_FINGERPRINT", value: "sha256:0123456789abcdef" });
        expect(env).toContainEqual({ name: "PGPASSWORD", secretRef: "pg-password" });
        expect(result.outputs.restoreJobs).toEqual(restores.map((j) => j.props.jobName));
        expect(mandatory(result)).toEqual([]);
    });

    it("returning to mode none keeps the server (restore-only inputs are ignored, not replaced)", async () => {
        const result = await planStack({ stack: "dr", config: { restore: { mode: "none" } } });
        const [server] = only(result, "azure-native:dbforpostgresql:Server");
        expect(server.props.createMode).toBeUndefined();
        expect(server.opts.ignoreChanges).toContain("createMode");
        expect(only(result, "azure-native:keyvault:Vault")[0].props.properties).toMatchObject({ createMode: "recover" });
    });
});

describe("invalid recovery configs are refused with their key", () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
        ["a recovery that would generate a key", { restore: { mode: "geo", sourceServerId, sourceLocation: "westeurope" }, servers: [{ name: "casework-dr-pg", location: "northeurope", databases: ["main"] }] },
            "lifeboat:restore.mode: got \"geo\"; a recovery never generates a new key"],
        ["geo-restore outside the source's pair", { restore: { mode: "geo", sourceServerId, sourceLocation: "westeurope" }, keyVault: recoverKey, servers: [{ name: "casework-dr-pg", location: "swedencentral", databases: ["main"] }] },
            "lifeboat:servers[0].location: got \"swedencentral\"; allowed for a geo-restore from westeurope: its paired region northeurope, where the geo-redundant backups are"],
        ["no source server", { restore: { mode: "geo" }, keyVault: recoverKey },
            "lifeboat:restore.sourceServerId: missing; required for mode geo: the resource ID of the Flexible Server to restore casework-prod-pg from"],
        ["a source that is not a Flexible Server ID", { restore: { mode: "revive", sourceServerId: "casework-prod-pg" }, keyVault: recoverKey },
            "lifeboat:restore.sourceServerId: got \"casework-prod-pg\"; allowed: a Flexible Server resource ID"],
        ["a point in time in the future", { restore: { mode: "pointInTime", sourceServerId, pointInTime: "2999-01-01T00:00:00Z" }, keyVault: recoverKey },
            "lifeboat:restore.pointInTime: got \"2999-01-01T00:00:00Z\"; allowed: a time in the past"],
        ["a point in time older than the retention", { restore: { mode: "pointInTime", sourceServerId, pointInTime: "2020-01-01T00:00:00Z" }, keyVault: recoverKey },
            "lifeboat:restore.pointInTime: got \"2020-01-01T00:00:00Z\"; allowed: within the source's 35-day backup retention"],
        ["a point in time that is not UTC", { restore: { mode: "pointInTime", sourceServerId, pointInTime: "2026-11-20 13:45" }, keyVault: recoverKey },
            "lifeboat:restore.pointInTime: got \"2026-11-20 13:45\"; allowed: an ISO 8601 time in UTC, ending in Z"],
        ["revive in another region", { restore: { mode: "revive", sourceServerId, sourceLocation: "northeurope" }, keyVault: recoverKey },
            "lifeboat:servers[0].location: got \"West Europe\"; allowed for mode revive: the source's region northeurope"],
        ["a bad backup set id", { restore: { mode: "dump", backupSet: "yesterday" }, keyVault: recoverKey },
            "lifeboat:restore.backupSet: got \"yesterday\"; allowed: latest, or a set id such as 20261120T020000Z-7f3a9c01 (`lifeboat list` shows them)"],
        ["a source for an unknown server", { restore: { mode: "dump", sources: { "old-pg": { sourceServerId } } }, keyVault: recoverKey },
            "lifeboat:restore.sources.old-pg: got \"old-pg\"; allowed: the name of a server of this stack (casework-prod-pg)"],
        ["recovering without the expected fingerprint", { keyVault: { location: "francecentral", recover: true } },
            "lifeboat:keyVault.expectedFingerprint: missing; required when recovering or adopting a vault"],
        ["a given key that is not the one the backups were made with", { fieldEncryptionKey: key, keyVault: { location: "francecentral", expectedFingerprint: "sha256:0123456789abcdef" } },
            `lifeboat:keyVault.expectedFingerprint: got "sha256:0123456789abcdef"; must match the key given in lifeboat:fieldEncryptionKey, whose fingerprint is ${fingerprintKey(key)}`],
        ["a max age the alert cannot look back on", { schedule: { image: "img:1", maxAge: "3d" } },
            "lifeboat:schedule.maxAge: got \"3d\"; allowed: whole hours from 1h to 47h"],
    ];

    it.each(cases)("%s", async (_title, config, start) => {
        const result = await planStack({ stack: "prod", config });
        expect(result.exitCode).toBe(1);
        expect(result.configErrors.filter((e) => e.startsWith(start))).toHaveLength(1);
        expect(result.resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
    });
});

describe("alerts", () => {
    it("send to the configured emails and webhook, and the webhook never shows", async () => {
        const webhookUrl = "https://hooks.example.test/services/T000/B000/very-secret-token";
        const result = await planStack({ stack: "prod", config: { alerts: { emails: ["oncall@example.test"], webhookUrl } } });
        expect(result.configErrors).toEqual([]);
        const [group] = only(result, "azure-native:monitor:ActionGroup");
        expect(group.props.emailReceivers).toEqual([{ name: "email-0", emailAddress: "oncall@example.test", useCommonAlertSchema: true }]);
        expect(group.secretPaths.some((p) => p.startsWith("webhookReceivers"))).toBe(true);
        const rules = only(result, "azure-native:monitor:ScheduledQueryRule");
        expect(rules.map((r) => (r.props.actions as any)?.actionGroups)).toEqual([["alerts-action-group-id"], ["alerts-action-group-id"], ["alerts-action-group-id"]]);
        const stale = rules.find((r) => r.name === "alerts-backup-stale") as PlannedResource;
        expect((stale.props.criteria as any).allOf[0].query).toContain("ago(26h)");
        expect((stale.props.criteria as any).allOf[0].query).toContain("\"dump-casework-prod-pg\"");
        expect(`${renderPlan(result)}${JSON.stringify(planJson(result))}`).not.toContain("very-secret-token");
    });
});
