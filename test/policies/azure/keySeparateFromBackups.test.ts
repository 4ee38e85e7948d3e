import { evaluatePolicies, OfflineResource } from "../../../policies/offline";
import { happyStack, UNKNOWN, urnOf, verdictsOf, withProp } from "../fixtures";

const POLICY = "key-separate-from-backups";
const VAULT = 'azure-native:keyvault:Vault "field-key-vault"';
const SERVER = 'azure-native:dbforpostgresql:Server "app-server"';
const ACCOUNT = 'azure-native:storage:StorageAccount "backups-account"';
const SERVER_WHAT = "Flexible Server holding point-in-time backups";
const ACCOUNT_WHAT = "backup storage account";
const FIX = "Fix: move the key vault (stack config lifeboat:keyVault.location) to a region that holds no backup and is not paired with one, or move the backups.";

function sameRegion(backup: string, what: string, keyFound: string, backupFound: string): string {
    return `${VAULT}: the field key is in the same region as ${backup} (${what}), so one regional loss or one stolen copy takes key and backups together ` +
        `(found key location ${keyFound}, backup location ${backupFound}). ${FIX}`;
}

function paired(backup: string, what: string, keyKept: string, backupKept: string, shared: string, keyFound: string, backupFound: string): string {
    return `${VAULT}: the field key (kept in ${keyKept}) and ${backup} (${what}, kept in ${backupKept}) share ${shared} through Azure region pairs ` +
        `(found key location ${keyFound}, backup location ${backupFound}). ${FIX} Paired regions count because Key Vault, GRS storage and geo-redundant backups copy into the pair.`;
}

function bucket(props: Record<string, unknown>): OfflineResource {
    return {
        type: "aws:s3/bucketV2:BucketV2",
        name: "offsite",
        urn: urnOf("aws:s3/bucketV2:BucketV2", "offsite", "pulumi:pulumi:Stack"),
        props: { bucket: "lifeboat-offsite", tags: { "lifeboat-role": "backups" }, ...props },
        opts: { protect: true, retainOnDelete: false, ignoreChanges: [], dependencies: [], propertyDependencies: {} },
    };
}

describe(POLICY, () => {
    it("passes a key vault in a region that holds no backup and shares no pair with one", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it.each(["westeurope", "West Europe", "WESTEUROPE", " west  europe "])("reports the key vault in the backups' region, spelt %p", async (location) => {
        const found = JSON.stringify(location);
        expect(await verdictsOf(POLICY, withProp(happyStack(), "field-key-vault", "location", location))).toEqual([
            { enforcementLevel: "mandatory", name: "field-key-vault", message: sameRegion(SERVER, SERVER_WHAT, found, '"westeurope"') },
            { enforcementLevel: "mandatory", name: "field-key-vault", message: sameRegion(ACCOUNT, ACCOUNT_WHAT, found, '"westeurope"') },
        ]);
    });

    it("reports only the backup store that shares the region", async () => {
        const stack = withProp(happyStack(), "app-server", "location", "swedencentral");
        expect(await verdictsOf(POLICY, stack)).toEqual([
            { enforcementLevel: "mandatory", name: "field-key-vault", message: sameRegion(SERVER, SERVER_WHAT, '"swedencentral"', '"swedencentral"') },
        ]);
    });

    it("reports the key vault in the pair of the backups' region as advisory by default", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "field-key-vault", "location", "northeurope"))).toEqual([
            {
                enforcementLevel: "advisory", name: "field-key-vault",
                message: paired(SERVER, SERVER_WHAT, "northeurope and westeurope", "westeurope and northeurope", "northeurope and westeurope", '"northeurope"', '"westeurope"'),
            },
            {
                enforcementLevel: "advisory", name: "field-key-vault",
                message: paired(ACCOUNT, ACCOUNT_WHAT, "northeurope and westeurope", "westeurope and northeurope", "northeurope and westeurope", '"northeurope"', '"westeurope"'),
            },
        ]);
    });

    it("reports a pair overlap as mandatory in strict mode", async () => {
        const verdicts = await verdictsOf(POLICY, withProp(happyStack(), "field-key-vault", "location", "northeurope"), { [POLICY]: { strictPairs: true } });
        expect(verdicts.map((v) => v.enforcementLevel)).toEqual(["mandatory", "mandatory"]);
    });

    it("counts the key vault's own replication even when the backups are not geo-redundant", async () => {
        let stack = withProp(happyStack(), "field-key-vault", "location", "northeurope");
        stack = withProp(stack, "app-server", "backup.geoRedundantBackup", "Disabled");
        stack = withProp(stack, "backups-account", "sku.name", "Standard_ZRS");
        expect(await verdictsOf(POLICY, stack)).toEqual([
            {
                enforcementLevel: "advisory", name: "field-key-vault",
                message: paired(SERVER, SERVER_WHAT, "northeurope and westeurope", "westeurope", "westeurope", '"northeurope"', '"westeurope"'),
            },
            {
                enforcementLevel: "advisory", name: "field-key-vault",
                message: paired(ACCOUNT, ACCOUNT_WHAT, "northeurope and westeurope", "westeurope", "westeurope", '"northeurope"', '"westeurope"'),
            },
        ]);
    });

    it("follows one-way pairs: Brazil South's GRS copies go to South Central US, North Central US's vault copies too", async () => {
        let stack = withProp(happyStack(), "field-key-vault", "location", "northcentralus");
        stack = withProp(stack, "app-server", "location", "eastasia");
        stack = withProp(stack, "backups-account", "location", "brazilsouth");
        expect(await verdictsOf(POLICY, stack)).toEqual([{
            enforcementLevel: "advisory", name: "field-key-vault",
            message: paired(ACCOUNT, ACCOUNT_WHAT, "northcentralus and southcentralus", "brazilsouth and southcentralus", "southcentralus", '"northcentralus"', '"brazilsouth"'),
        }]);
    });

    it("passes a nonpaired key region next to unrelated backups", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "field-key-vault", "location", "italynorth"))).toEqual([]);
    });

    it("reports an unknown key vault location instead of passing", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "field-key-vault", "location", UNKNOWN))).toEqual([{
            enforcementLevel: "mandatory", name: "field-key-vault",
            message: `${VAULT}: the region of the field-key vault cannot be determined, and a mandatory policy never passes by not knowing ` +
                "(found a value unknown until the update runs). Fix: set location to a literal from stack config, so it is known during preview.",
        }]);
    });

    it("reports a server without a location (it would take the resource group's)", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "app-server", "location", undefined))).toEqual([{
            enforcementLevel: "mandatory", name: "app-server",
            message: `${SERVER}: the region of this ${SERVER_WHAT} cannot be determined, and a mandatory policy never passes by not knowing ` +
                "(found not set). Fix: set location to a literal from stack config, so it is known during preview.",
        }]);
    });

    it("reports a region missing from the pair table", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "backups-account", "location", "westeurop"))).toEqual([{
            enforcementLevel: "mandatory", name: "backups-account",
            message: `${ACCOUNT}: location is not a known Azure region, so its region pair cannot be determined (found "westeurop"). ` +
                "Fix: use a region from components/azure/regions.ts (add a new region there, with its pair).",
        }]);
    });

    it("does not compare an S3 bucket's region with Azure regions", async () => {
        expect(await verdictsOf(POLICY, [...happyStack(), bucket({ region: "eu-north-1" })])).toEqual([]);
    });

    it("reports an off-site bucket whose region is not set (the provider's region is invisible to policies)", async () => {
        expect(await verdictsOf(POLICY, [...happyStack(), bucket({})])).toEqual([{
            enforcementLevel: "mandatory", name: "offsite",
            message: 'aws:s3/bucketV2:BucketV2 "offsite": the region of this off-site backup bucket cannot be determined, and a mandatory policy never passes by not knowing ' +
                "(found not set). Fix: set region to a literal from stack config, so it is known during preview.",
        }]);
    });

    it("compares AWS key stores with AWS backup places: RDS backup replicas included", async () => {
        const aws = (type: string, name: string, props: Record<string, unknown>): OfflineResource => ({
            type, name, urn: urnOf(type, name, "pulumi:pulumi:Stack"), props,
            opts: { protect: true, retainOnDelete: false, ignoreChanges: [], dependencies: [], propertyDependencies: {} },
        });
        const stack = [
            aws("aws:secretsmanager/secret:Secret", "field-key-secret", { region: "eu-west-3", tags: { "lifeboat-role": "field-key" } }),
            aws("aws:rds/instance:Instance", "app-instance", { region: "eu-central-1", tags: { "lifeboat-role": "database" } }),
            aws("aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication", "app-backup-replication", { region: "eu-west-3" }),
        ];
        expect(await verdictsOf(POLICY, stack)).toEqual([{
            enforcementLevel: "mandatory", name: "field-key-secret",
            message: 'aws:secretsmanager/secret:Secret "field-key-secret": the field key is in the same region as ' +
                'aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication "app-backup-replication" (replica of RDS automated backups), ' +
                'so one regional loss or one stolen copy takes key and backups together (found key region "eu-west-3", backup region "eu-west-3"). ' +
                "Fix: keep the field key in a region that holds no backup, or move the backups.",
        }]);
    });

    it("checks a storage account re-tagged with another Lifeboat role (tags are hints only)", async () => {
        const stack = withProp(happyStack(), "backups-account", "tags", { "lifeboat-role": "restore-test" });
        const verdicts = await verdictsOf(POLICY, withProp(stack, "backups-account", "location", "swedencentral"));
        expect(verdicts.map((v) => [v.enforcementLevel, v.name])).toEqual([["mandatory", "field-key-vault"]]);
        expect(verdicts[0].message).toContain('the field key is in the same region as azure-native:storage:StorageAccount "backups-account"');
    });

    it("an untagged vault is still a key store", async () => {
        const stack = withProp(happyStack(), "field-key-vault", "tags", {});
        const verdicts = await verdictsOf(POLICY, withProp(stack, "field-key-vault", "location", "westeurope"));
        expect(verdicts.map((v) => v.enforcementLevel)).toEqual(["mandatory", "mandatory"]);
    });

    it("is not applicable to a stack with neither key store nor backups", async () => {
        const { policies } = await evaluatePolicies(happyStack().filter((r) => !r.type.startsWith("azure-native:")));
        expect(policies.find((p) => p.policy === POLICY)?.status).toBe("not-applicable");
    });

    it("reports at advisory when the pack config makes the policy advisory", async () => {
        const verdicts = await verdictsOf(POLICY, withProp(happyStack(), "field-key-vault", "location", "westeurope"), { [POLICY]: "advisory" });
        expect(verdicts.map((v) => v.enforcementLevel)).toEqual(["advisory", "advisory"]);
    });
});
