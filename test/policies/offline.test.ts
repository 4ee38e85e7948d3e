import { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { StorageAccount } from "@pulumi/azure-native/storage";
import { evaluatePolicies, evaluateWith, OfflineResource, PACK_VERSION, reconcilePolicyPackConfig } from "../../policies/offline";
import { policies } from "../../policies/registry";
import { happyStack, named, UNKNOWN, withProp } from "./fixtures";

const packRef = `'lifeboat@v${PACK_VERSION}'`;

function probe(name: string, validate: ResourceValidationPolicy["validateResource"], extra: Partial<ResourceValidationPolicy> = {}): ResourceValidationPolicy {
    return { name, description: `probe ${name}`, enforcementLevel: "mandatory", validateResource: validate, ...extra };
}

describe("evaluatePolicies: pack config as pulumi preview --policy-pack-config reads it", () => {
    const unsafe = (): OfflineResource[] => withProp(happyStack(), "backups-account", "allowSharedKeyAccess", true);

    it("uses each policy's own level by default", async () => {
        const { verdicts, policies: summary } = await evaluatePolicies(unsafe());
        expect(verdicts.map((v) => [v.policy, v.enforcementLevel, v.type, v.name])).toEqual([
            ["storage-shared-key-disabled", "advisory", "azure-native:storage:StorageAccount", "backups-account"],
        ]);
        expect(summary.find((p) => p.policy === "storage-shared-key-disabled")).toEqual({
            policy: "storage-shared-key-disabled",
            description: "Storage accounts refuse shared-key (account key and SAS) authorisation.",
            enforcementLevel: "advisory",
            violations: 1,
            status: "advisory",
        });
    });

    it("makes a policy mandatory with a level string", async () => {
        const { verdicts } = await evaluatePolicies(unsafe(), { "storage-shared-key-disabled": "mandatory" });
        expect(verdicts.map((v) => v.enforcementLevel)).toEqual(["mandatory"]);
    });

    it("treats remediate as mandatory (the pack has no remediations)", async () => {
        const { verdicts } = await evaluatePolicies(unsafe(), { "storage-shared-key-disabled": { enforcementLevel: "remediate" } });
        expect(verdicts.map((v) => v.enforcementLevel)).toEqual(["mandatory"]);
    });

    it("disables a policy", async () => {
        const { verdicts, policies: summary } = await evaluatePolicies(unsafe(), { "storage-shared-key-disabled": "disabled" });
        expect(verdicts).toEqual([]);
        expect(summary.find((p) => p.policy === "storage-shared-key-disabled")?.enforcementLevel).toBe("disabled");
    });

    it("applies `all` to every policy, then per-policy levels over it", async () => {
        const stack = withProp(unsafe(), "field-key-vault", "properties.enablePurgeProtection", false);
        const { verdicts, policies: summary } = await evaluatePolicies(stack, { all: "advisory", "storage-shared-key-disabled": "mandatory" });
        expect(verdicts.map((v) => [v.policy, v.enforcementLevel])).toEqual([
            ["keyvault-purge-protection", "advisory"],
            ["storage-shared-key-disabled", "mandatory"],
        ]);
        expect(summary.filter((p) => p.enforcementLevel === "mandatory").map((p) => p.policy)).toEqual(["storage-shared-key-disabled"]);
    });

    it("fills schema defaults and merges given properties over them", () => {
        const config = reconcilePolicyPackConfig(policies, { "backup-lifecycle-rules": { minimumDailyDays: 7 } });
        expect(config["backup-lifecycle-rules"]).toEqual({
            enforcementLevel: "mandatory",
            properties: { minimumDailyDays: 7, minimumWeeklyDays: 90, minimumMonthlyDays: 365 },
        });
        expect(config["key-separate-from-backups"]).toEqual({ enforcementLevel: "mandatory", properties: { strictPairs: false } });
        expect(config["keyvault-purge-protection"]).toEqual({ enforcementLevel: "mandatory", properties: undefined });
    });

    it("defaults to the mandatory set the design asks for", async () => {
        const { policies: summary } = await evaluatePolicies(happyStack());
        const mandatory = summary.filter((p) => p.enforcementLevel === "mandatory").map((p) => p.policy);
        expect(mandatory).toEqual(expect.arrayContaining([
            "key-separate-from-backups", "postgres-geo-redundant-backup", "postgres-backup-retention", "blob-container-private",
            "backup-lifecycle-rules", "keyvault-purge-protection", "dump-job-scheduled", "dump-job-cannot-read-key",
        ]));
    });

    it.each([
        [{ "postgres-backup-retention": { minimumDays: "14" } }, "invalid policy pack config:\n  postgres-backup-retention: minimumDays: Invalid type. Expected: integer, given: string"],
        [{ "postgres-backup-retention": { minimumDays: 40 } }, "invalid policy pack config:\n  postgres-backup-retention: minimumDays: Must be less than or equal to 35"],
        [{ "storage-geo-replication": { allowedSkus: [] } }, "invalid policy pack config:\n  storage-geo-replication: allowedSkus: Array must have at least 1 items"],
        [{ "storage-geo-replication": { allowedSkus: ["GRS"] } },
            'invalid policy pack config:\n  storage-geo-replication: allowedSkus.0: must be one of the following: "Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS", "Premium_LRS", "Premium_ZRS"'],
        [{ "key-separate-from-backups": { strictPairs: "yes" } }, "invalid policy pack config:\n  key-separate-from-backups: strictPairs: Invalid type. Expected: boolean, given: string"],
        [{ all: "strict" }, 'invalid policy pack config: parsing enforcement level for "all": "strict" is not a valid enforcement level (one of advisory, mandatory, remediate, disabled)'],
        [{ "keyvault-purge-protection": { enforcementLevel: 1 } }, 'invalid policy pack config: parsing enforcement level for "keyvault-purge-protection": 1 is not a valid enforcement level; must be a string'],
        [{ "keyvault-purge-protection": true }, 'invalid policy pack config: parsing "keyvault-purge-protection": true is not a valid value; must be a string or object'],
    ])("throws a clear error for the invalid config %j", async (config, message) => {
        await expect(evaluatePolicies(happyStack(), config)).rejects.toThrow(message);
    });
});

describe("evaluateWith: resources shaped like the policy SDK's", () => {
    it("downgrades a policy that reads an unknown value to an advisory can't-run verdict, like a preview", async () => {
        const reader = probe("probe-location", (args, report) => {
            if (args.props.location !== "westeurope") {
                report("wrong place");
            }
        });
        const stack = withProp(happyStack(), "backups-account", "location", UNKNOWN);
        const { verdicts } = await evaluateWith([reader], stack);
        expect(verdicts).toContainEqual({
            policy: "probe-location",
            enforcementLevel: "advisory",
            urn: named(stack, "backups-account").urn,
            type: "azure-native:storage:StorageAccount",
            name: "backups-account",
            message: `can't run policy 'probe-location' from policy pack ${packRef} during preview: string value at .location can't be known during preview`,
        });
    });

    it("does the same for a stack policy, keeping what it reported before", async () => {
        const stackPolicy: StackValidationPolicy = {
            name: "probe-stack", description: "probe", enforcementLevel: "mandatory",
            validateStack: (args, report) => {
                report("first");
                for (const r of args.resources) {
                    void (r.props as Record<string, unknown>).location;
                }
            },
        };
        const { verdicts } = await evaluateWith([stackPolicy], withProp(happyStack(), "field-key-vault", "location", UNKNOWN));
        expect(verdicts.map((v) => [v.enforcementLevel, v.message])).toEqual([
            ["mandatory", "first"],
            ["advisory", `can't run policy 'probe-stack' from policy pack ${packRef} during preview: string value at .location can't be known during preview`],
        ]);
    });

    it("reports nothing for a policy that calls notApplicable", async () => {
        const skip = probe("probe-skip", (args) => args.notApplicable("not here"));
        expect((await evaluateWith([skip], happyStack())).verdicts).toEqual([]);
    });

    it("fails like a preview when a policy throws", async () => {
        const broken = probe("probe-broken", () => {
            throw new Error("boom");
        });
        await expect(evaluateWith([broken], happyStack())).rejects.toThrow(`Error validating resource with policy 'probe-broken' from policy pack ${packRef}: boom`);
    });

    it("gives resource policies type, name, urn, options, isType/asType, config and provider", async () => {
        const seen: ResourceValidationArgs[] = [];
        const spy = probe("probe-args", (args) => {
            seen.push(args);
        }, { configSchema: { properties: { level: { type: "integer", default: 3 } } } });
        const stack = happyStack();
        const account = named(stack, "backups-account");
        account.opts.provider = "urn:pulumi:test::lifeboat::pulumi:providers:azure-native::default_3_28_0::0a1b2c";
        await evaluateWith([spy], stack, { "probe-args": { level: 5 } });
        const args = seen.find((a) => a.name === "backups-account") as ResourceValidationArgs;
        expect(args.type).toBe("azure-native:storage:StorageAccount");
        expect(args.urn).toBe(account.urn);
        expect(args.opts).toEqual({
            protect: true, ignoreChanges: [], aliases: [], additionalSecretOutputs: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            parent: named(stack, "backups").urn,
        });
        expect(args.isType(StorageAccount)).toBe(true);
        expect(args.asType(StorageAccount)?.sku).toEqual({ name: "Standard_GRS" });
        expect(args.getConfig()).toEqual({ level: 5 });
        expect(args.provider).toMatchObject({ type: "pulumi:providers:azure-native", name: "default_3_28_0", urn: "urn:pulumi:test::lifeboat::pulumi:providers:azure-native::default_3_28_0" });
        expect(seen.find((a) => a.name === "backups-container")?.isType(StorageAccount)).toBe(false);
    });

    it("gives stack policies parents, dependencies and property dependencies as resource objects", async () => {
        let resources: PolicyResource[] = [];
        const spy: StackValidationPolicy = {
            name: "probe-stack-args", description: "probe", enforcementLevel: "advisory",
            validateStack: (args) => {
                resources = args.resources;
            },
        };
        await evaluateWith([spy], happyStack());
        const writer = resources.find((r) => r.name === "jobs-blob-writer") as PolicyResource;
        expect(writer.parent?.name).toBe("jobs");
        expect(writer.propertyDependencies.principalId.map((r) => r.name)).toEqual(["jobs-identity"]);
        expect(writer.propertyDependencies.scope.map((r) => r.type)).toEqual(["azure-native:storage:BlobContainer"]);
        expect(writer.dependencies.map((r) => r.name).sort()).toEqual(["backups-container", "jobs-identity"]);
        expect(resources).toHaveLength(happyStack().length);
    });

    it("accepts a violation reported as an object with its own level and resource", async () => {
        const stackPolicy: StackValidationPolicy = {
            name: "probe-object", description: "probe", enforcementLevel: "mandatory",
            validateStack: (args, report) => {
                const vault = args.resources.find((r) => r.name === "field-key-vault") as PolicyResource;
                (report as unknown as (d: object) => void)({ message: "softer", urn: vault.urn, enforcementLevel: "advisory" });
                report("harder", vault.urn);
            },
        };
        const { verdicts } = await evaluateWith([stackPolicy], happyStack());
        expect(verdicts.map((v) => [v.enforcementLevel, v.name, v.message])).toEqual([
            ["advisory", "field-key-vault", "softer"],
            ["mandatory", "field-key-vault", "harder"],
        ]);
    });
});
