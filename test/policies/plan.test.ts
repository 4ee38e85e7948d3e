/**
 * Plan-level tests: the real stack program under mocks (tools/plan.ts), then the pack through the
 * offline evaluator, as `npm run plan -- --stack <s>` runs them. Each unsafe case is valid stack
 * config (or, where config cannot express it, a one-resource change to the planned program) and
 * must be reported by the policy that guards it.
 */
import * as fs from "fs";
import * as path from "path";
import { evaluatePolicies, OfflineResource } from "../../policies/offline";
import { pairOf } from "../../components/azure/regions";
import { planStack, PlanResult, readStackConfig } from "../../tools/plan";

jest.setTimeout(120000);

type Overrides = Record<string, unknown>;

async function plan(stack: string, config?: Overrides, policyConfig?: Record<string, unknown>): Promise<PlanResult> {
    return planStack({ stack, config, policyConfig });
}

function mandatory(result: { verdicts: { policy: string; enforcementLevel: string }[] }): string[] {
    return [...new Set(result.verdicts.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policy))];
}

function advisory(result: { verdicts: { policy: string; enforcementLevel: string }[] }): string[] {
    return [...new Set(result.verdicts.filter((v) => v.enforcementLevel === "advisory").map((v) => v.policy))];
}

/** prod's own config, to change one key at a time (the plan tool replaces whole top-level keys). */
const prodConfig = readStackConfig("prod").values;
const prodServer = (prodConfig["lifeboat:servers"] as Record<string, unknown>[])[0];
const prodStorage = prodConfig["lifeboat:backupStorage"] as Record<string, unknown>;
const prodVault = prodConfig["lifeboat:keyVault"] as Record<string, unknown>;
const prodSchedule = prodConfig["lifeboat:schedule"] as Record<string, unknown>;
/** Where prod keeps its key and its blob backups, e.g. francecentral and westeurope. */
const keyRegion = String(prodVault.location);
const backupRegion = String(prodStorage.location);
/** The same region in capitals between spaces: compared case- and space-insensitively, still the same region. */
const respelt = (region: string): string => ` ${region.toUpperCase()} `;

/** Every shipped stack: stacks/Pulumi.<stack>.yaml. */
const SHIPPED = fs.readdirSync(path.join(__dirname, "../../stacks"))
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();

describe("the shipped stacks", () => {
    it("include dev and prod", () => {
        expect(SHIPPED).toEqual(expect.arrayContaining(["dev", "prod"]));
    });

    it.each(SHIPPED)("%s plans with no mandatory violation", async (stack) => {
        const result = await plan(stack);
        expect(result.configErrors).toEqual([]);
        expect(result.error).toBeUndefined();
        expect(mandatory(result)).toEqual([]);
        expect(result.exitCode).toBe(0);
        expect(result.policies.length).toBeGreaterThanOrEqual(25);
    });
});

describe("the shipped strict pack config (policies/strict.json)", () => {
    it("is valid, and prod passes it", async () => {
        const strict = JSON.parse(fs.readFileSync(path.join(__dirname, "../../policies/strict.json"), "utf8"));
        const result = await plan("prod", undefined, strict);
        expect(mandatory(result)).toEqual([]);
        expect(result.policies.find((p) => p.policy === "storage-shared-key-disabled")?.enforcementLevel).toBe("mandatory");
    });
});

describe("unsafe but valid stack config is reported by the policy that guards it", () => {
    it.each<[string, Overrides, string]>([
        ["the key vault in the backups' region", { keyVault: { ...prodVault, location: backupRegion } }, "key-separate-from-backups"],
        ["the key vault in the backups' region, spelt differently", { keyVault: { ...prodVault, location: respelt(backupRegion) } }, "key-separate-from-backups"],
        ["backup storage moved into the key's region", { backupStorage: { ...prodStorage, location: respelt(keyRegion) } }, "key-separate-from-backups"],
        ["the server moved into the key's region", { servers: [{ ...prodServer, location: keyRegion.toUpperCase() }] }, "key-separate-from-backups"],
        ["geo-redundant backup turned off", { servers: [{ ...prodServer, geoRedundantBackup: false }] }, "postgres-geo-redundant-backup"],
        ["point-in-time retention shortened", { servers: [{ ...prodServer, backupRetentionDays: 7 }] }, "postgres-backup-retention"],
        ["daily sets kept 7 days", { backupStorage: { ...prodStorage, retention: { ...(prodStorage.retention as object), dailyDays: 7 } } }, "backup-lifecycle-rules"],
        ["locally redundant backup storage", { backupStorage: { ...prodStorage, redundancy: "LRS" } }, "storage-geo-replication"],
        ["key vault soft delete shortened", { keyVault: { ...prodVault, softDeleteRetentionDays: 7 } }, "keyvault-soft-delete"],
        ["dumps only on Mondays", { schedule: { ...prodSchedule, cron: "30 1 * * 1" } }, "dump-job-scheduled"],
    ])("%s", async (_what, overrides, policy) => {
        const result = await plan("prod", overrides);
        expect(result.configErrors).toEqual([]);
        expect(result.error).toBeUndefined();
        expect(mandatory(result)).toContain(policy);
        expect(result.exitCode).toBe(1);
    });

    it("a key vault in the pair of a backup region is advisory, and mandatory in strict mode", async () => {
        const overrides = { keyVault: { ...prodVault, location: pairOf(backupRegion) } };
        const relaxed = await plan("prod", overrides);
        expect(advisory(relaxed)).toContain("key-separate-from-backups");
        expect(mandatory(relaxed)).toEqual([]);
        expect(relaxed.exitCode).toBe(0);
        const strict = await plan("prod", overrides, { "key-separate-from-backups": { strictPairs: true } });
        expect(mandatory(strict)).toEqual(["key-separate-from-backups"]);
        expect(strict.exitCode).toBe(1);
    });

    it("a server open to public networks is advisory", async () => {
        const result = await plan("prod", { servers: [{ ...prodServer, publicNetworkAccess: true }] });
        expect(advisory(result)).toContain("postgres-public-network-disabled");
        expect(mandatory(result)).toEqual([]);
    });
});

describe("restore sources count as places holding backups (issue 14, item 4)", () => {
    const drConfig = readStackConfig("dr").values;
    const drVault = drConfig["lifeboat:keyVault"] as Record<string, unknown>;
    const drRestore = drConfig["lifeboat:restore"] as Record<string, unknown>;
    /** prod rebuilt from dumps in another stack's account (prod's vault recovered, as in dr). */
    const dumpRestore = (backupTargetLocation?: string) => ({
        keyVault: { ...prodVault, name: drVault.name, resourceGroupName: drVault.resourceGroupName, recover: true, expectedFingerprint: drVault.expectedFingerprint },
        restore: { mode: "dump", backupTarget: "azblob://lbolddata/dumps", ...(backupTargetLocation === undefined ? {} : { backupTargetLocation }) },
    });
    const sameRegion = (result: PlanResult) => result.verdicts.filter((v) => v.policy === "key-separate-from-backups" && v.enforcementLevel === "mandatory").map((v) => v.message.split(", so ")[0]);

    it("a geo-restore whose source is in the vault's region is a mandatory violation (the source keeps its own backups)", async () => {
        const result = await plan("dr", { keyVault: { ...drVault, location: String(drRestore.sourceLocation) } });
        expect(result.configErrors).toEqual([]);
        expect(sameRegion(result)).toEqual([
            'azure-native:keyvault:Vault "field-key-vault": the field key is in the same region as azure-native:dbforpostgresql:Server "casework-dr-pg-server" (geo-restore\'s source server, whose own backups stay in its region)',
        ]);
        expect(result.exitCode).toBe(1);
    });

    it("the shipped dr stack tags its server with the source's region and passes", async () => {
        const result = await plan("dr");
        const server = result.resources.find((r) => r.type === "azure-native:dbforpostgresql:Server");
        expect((server?.props.tags as Record<string, string>)["lifeboat-restore-source-location"]).toBe(drRestore.sourceLocation);
        expect(mandatory(result)).toEqual([]);
    });

    it("a geo-restore needs the source's region", async () => {
        const { sourceLocation: _dropped, ...rest } = drRestore;
        const result = await plan("dr", { restore: rest });
        expect(result.configErrors).toEqual([expect.stringContaining("lifeboat:restore.sourceLocation: missing; required for mode geo: the region of casework-prod-pg (its own backups stay there, so the key vault must not be)")]);
        expect(result.exitCode).toBe(1);
    });

    it("a dump restore from an account in the vault's region is a mandatory violation", async () => {
        const result = await plan("prod", dumpRestore(keyRegion));
        expect(result.configErrors).toEqual([]);
        expect(sameRegion(result)).toEqual([
            'azure-native:keyvault:Vault "field-key-vault": the field key is in the same region as azure-native:app:Job "restore-casework-prod-pg-main-job" (job\'s backup target azblob://lbolddata/dumps (an account the stack does not declare))',
            'azure-native:keyvault:Vault "field-key-vault": the field key is in the same region as azure-native:app:Job "restore-casework-prod-pg-audit-job" (job\'s backup target azblob://lbolddata/dumps (an account the stack does not declare))',
        ]);
        expect(result.exitCode).toBe(1);
    });

    it("a dump restore from an account elsewhere passes, and one from another stack's account needs its region", async () => {
        const elsewhere = await plan("prod", dumpRestore(backupRegion));
        expect(elsewhere.configErrors).toEqual([]);
        expect(mandatory(elsewhere)).toEqual([]);
        const unsaid = await plan("prod", dumpRestore());
        expect(unsaid.configErrors).toEqual([expect.stringContaining("lifeboat:restore.backupTargetLocation: missing; required with backupTarget azblob://lbolddata/dumps: the region of that account or bucket (it holds backups, so the key vault must not be there)")]);
    });
});

describe("unsafe program changes config cannot express are reported too", () => {
    let prod: OfflineResource[] = [];

    beforeAll(async () => {
        prod = (await plan("prod")).resources;
    });

    function changed(change: (resources: OfflineResource[]) => void): OfflineResource[] {
        const copy = structuredClone(prod);
        change(copy);
        return copy;
    }

    function byType(resources: OfflineResource[], type: string): OfflineResource {
        const found = resources.find((r) => r.type === type);
        if (found === undefined) {
            throw new Error(`the prod plan declares no ${type}`);
        }
        return found;
    }

    it("the backup container opened to anonymous readers", async () => {
        const resources = changed((rs) => {
            byType(rs, "azure-native:storage:BlobContainer").props.publicAccess = "Container";
        });
        expect(mandatory(await evaluatePolicies(resources))).toEqual(["blob-container-private"]);
    });

    it("a lifecycle tier dropped", async () => {
        const resources = changed((rs) => {
            const policy = byType(rs, "azure-native:storage:ManagementPolicy").props.policy as { rules: { name: string }[] };
            policy.rules = policy.rules.filter((r) => !r.name.includes("monthly"));
        });
        expect(mandatory(await evaluatePolicies(resources))).toEqual(["backup-lifecycle-rules"]);
    });

    it("the dump job given Key Vault Secrets User on the field-key vault", async () => {
        const resources = changed((rs) => {
            // the dump identity's blob writer (the plan holds other assignments too: AcrPull, readers)
            const writer = rs.find((r) => r.type === "azure-native:authorization:RoleAssignment" && r.name === "jobs-blob-writer") as OfflineResource;
            const vault = rs.find((r) => r.type === "azure-native:keyvault:Vault") as OfflineResource;
            writer.props.roleDefinitionId = String(writer.props.roleDefinitionId).replace("ba92f5b4-2d11-453d-a403-e96b0029c9fe", "4633458b-17de-408a-b874-0445c86b69e6");
            writer.opts.propertyDependencies.scope = [vault.urn];
        });
        expect(mandatory(await evaluatePolicies(resources))).toEqual(["dump-job-cannot-read-key"]);
    });

    it("purge protection dropped from the vault", async () => {
        const resources = changed((rs) => {
            (byType(rs, "azure-native:keyvault:Vault").props.properties as Record<string, unknown>).enablePurgeProtection = false;
        });
        expect(mandatory(await evaluatePolicies(resources))).toEqual(["keyvault-purge-protection"]);
    });

    it("protect dropped from the server", async () => {
        const resources = changed((rs) => {
            byType(rs, "azure-native:dbforpostgresql:Server").opts.protect = false;
        });
        expect(mandatory(await evaluatePolicies(resources))).toEqual(["stateful-resources-protected"]);
    });
});
