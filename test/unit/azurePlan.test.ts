// The Azure target's plan (stacks/azure.ts azurePlan): config in, plain data out (names, regions,
// what to declare), checked before anything is declared; azureStack only declares it.
import { Problems } from "../../components/validation";
import { AzurePlan, azurePlan, planAzure } from "../../stacks/azure";
import { LifeboatConfig, parseConfig, RawConfig } from "../../stacks/config";
import { checkOffsite } from "../../stacks/offsite";
import { planningMocks } from "./mocks";

const declared = planningMocks("prod");

afterAll(() => {
    // Planning declared nothing and called nothing.
    expect(declared).toEqual([]);
});

const now = new Date("2026-12-01T10:11:12.345Z");
const adoptedId = "/subscriptions/0f1e2d3c-0000-4000-8000-000000000001/resourceGroups/casework-rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/casework-pg";

function config(values: Record<string, unknown> = {}, raw: Partial<RawConfig> = {}): LifeboatConfig {
    return parseConfig({
        values: {
            target: "azure",
            servers: [{ name: "casework-prod-pg", location: "West Europe", databases: ["main", "audit"] }],
            keyVault: { location: "France Central" },
            alerts: { emails: ["ops@example.com"], webhookUrl: "https://hooks.example.com/very-secret-token" },
            ...values,
        },
        ...raw,
    }, "prod");
}

/** Every object in the plan is a plain object or array: no Output, no Resource, no Promise. */
function plainData(value: unknown, at = "plan"): string[] {
    if (value === null || typeof value !== "object") {
        return typeof value === "function" ? [at] : [];
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== Array.prototype) {
        return [`${at} (${proto?.constructor?.name ?? "?"})`];
    }
    return Object.entries(value).flatMap(([k, v]) => plainData(v, `${at}.${k}`));
}

describe("azurePlan: config to plain data", () => {
    let plan: AzurePlan;
    beforeAll(() => {
        plan = azurePlan(config(), now);
    });

    it("is plain data that holds no secret", () => {
        expect(plainData(plan)).toEqual([]);
        expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
        expect(JSON.stringify(plan)).not.toContain("very-secret-token");
        expect(plan.alerts).toEqual({ emails: ["ops@example.com"], maxAgeHours: 26, webhook: true });
        expect(plan.bringsKey).toBe(false);
    });

    it("names the groups and puts each thing in its region, written as Azure names it", () => {
        expect(plan.resourceGroups).toEqual({ data: "lifeboat-prod-data", key: "lifeboat-prod-key", createKey: true });
        expect(plan.servers.map((s) => [s.serverName, s.resourceGroupName, s.location, s.databases])).toEqual([["casework-prod-pg", "lifeboat-prod-data", "westeurope", ["main", "audit"]]]);
        expect([plan.vault.resourceGroupName, plan.vault.location]).toEqual(["lifeboat-prod-key", "francecentral"]);
        expect([plan.storage.location, plan.network.location, plan.jobs[0].location]).toEqual(["westeurope", "westeurope", "westeurope"]);
        expect([plan.storage.containerName, plan.storage.additionalContainers]).toEqual(["dumps", []]);
        expect(plan.registry).toEqual({ registryName: expect.stringMatching(/^lbcrprod[0-9a-f]{8}$/), tag: "prod" });
        expect(plan.image).toBe("");
        expect(plan.offsite).toBeUndefined();
        expect(plan.restoreMode).toBe("none");
    });

    it("lists every job with its schedule and arguments; the connection is added when declaring", () => {
        expect(plan.jobs.map((j) => [j.jobName, j.cron])).toEqual([["dump-casework-prod-pg", undefined]]);
        expect(plan.restoreTests).toEqual([{
            kind: "verify", jobName: "verify-casework-prod-pg", server: 0, serverName: "casework-prod-pg", databases: ["main", "audit"],
            cron: "0 4 1 * *", args: ["verify", "--set", "latest", "--scratch"], connection: { prefix: "", database: "postgres" },
        }]);
        expect(plan.freshness).toEqual([{
            kind: "freshness", jobName: "fresh-casework-prod-pg", server: 0, serverName: "casework-prod-pg", databases: ["main", "audit"],
            cron: "15 */6 * * *", args: ["freshness", "--max-age", "26h"], replicaTimeoutSeconds: 600,
        }]);
        expect(plan.restores).toEqual([]);
    });

    it("mode dump: one restore job per database, reading the chosen set from the chosen target", () => {
        const dump = azurePlan(config({
            keyVault: { location: "francecentral", recover: true, name: "lb-prod-keep", resourceGroupName: "lifeboat-prod-key-old" },
            restore: { mode: "dump", backupSet: "20261120T020000Z-7f3a9c01", backupTarget: "azblob://lbold/dumps" },
        }), now);
        expect(dump.restores.map((r) => [r.jobName, r.args, r.connection, r.target, r.replicaTimeoutSeconds])).toEqual([
            ["restore-casework-prod-pg-main", ["restore", "--set", "20261120T020000Z-7f3a9c01", "--database", "main"], { prefix: "--into=", database: "main" }, "azblob://lbold/dumps", 21600],
            ["restore-casework-prod-pg-audit", ["restore", "--set", "20261120T020000Z-7f3a9c01", "--database", "audit"], { prefix: "--into=", database: "audit" }, "azblob://lbold/dumps", 21600],
        ]);
        // The recovered vault lives on in its own, existing group: the stack creates none.
        expect(dump.resourceGroups).toEqual({ data: "lifeboat-prod-data", key: "lifeboat-prod-key-old", createKey: false });
        expect(dump.vault.vaultName).toBe("lb-prod-keep");
    });

    it("an adopted server stays in its own group; a prebuilt image means no registry", () => {
        const adopted = azurePlan(config({
            servers: [{ name: "casework-pg", location: "westeurope", databases: ["main"], existingServerId: adoptedId, version: "16", sku: "Standard_D2ds_v5", storageSizeGb: 128, geoRedundantBackup: true, highAvailability: "Disabled", publicNetworkAccess: false, administratorLogin: "caseadmin" }],
            schedule: { image: "ghcr.io/example/lifeboat@sha256:0123" },
        }, { serverPasswordNames: ["casework-pg"] }), now);
        expect([adopted.servers[0].resourceGroupName, adopted.servers[0].existingServerId]).toEqual(["casework-rg", adoptedId]);
        expect([adopted.registry, adopted.image]).toEqual([undefined, "ghcr.io/example/lifeboat@sha256:0123"]);
    });
});

describe("planAzure: the plan and its checks in one pass", () => {
    it("returns the plan and reports every problem of it under the config key", () => {
        const problems = new Problems();
        const plan = planAzure(config({ schedule: { restoreTestCron: "0 4 32 * *", maxAge: "90m" } }), problems, now);
        expect(plan.restoreTests[0].cron).toBe("0 4 32 * *");
        expect(problems.list.map((p) => p.path)).toEqual(["lifeboat:schedule.restoreTestCron", "lifeboat:schedule.maxAge"]);
    });
});

describe("the off-site copy in the plan", () => {
    const offsite = (s3: Record<string, unknown>) => azurePlan(config({ offsite: { s3 } }), now).offsite;

    it("is the bucket and the audience, in the region written as AWS names it, locked 14 days by default", () => {
        expect(offsite({ region: "eu-central-1", audience: "api://lifeboat-offsite" })).toEqual({
            bucket: {
                bucketName: expect.stringMatching(/^lifeboat-prod-offsite-[0-9a-f]{8}$/), region: "eu-central-1",
                objectLockDays: 14, tags: { "lifeboat-copy": "offsite" },
            },
            audience: "api://lifeboat-offsite",
        });
        expect(azurePlan(config(), now).offsite).toBeUndefined();
    });

    it("checkOffsite checks the plan it is given, under the config keys", () => {
        const plan = offsite({ region: "eu-central-1" });
        const problems = new Problems();
        checkOffsite(plan, problems);
        expect(problems.list.map((p) => p.path)).toEqual(["lifeboat:offsite.s3.audience"]);
        const changed = new Problems();
        checkOffsite(plan === undefined ? undefined : { ...plan, audience: "api://x", bucket: { ...plan.bucket, bucketName: "Not_A_Bucket" } }, changed);
        expect(changed.list.map((p) => `${p.path} ${p.given}`)).toEqual(['lifeboat:offsite.s3.bucketName "Not_A_Bucket"']);
        checkOffsite(undefined, changed);
        expect(changed.list).toHaveLength(1);
    });
});
