/**
 * Issue 14's evasions, each from the compliant stack with one field changed: tags are hints only,
 * an adopted vault's location counts, principals are compared by value, every delete condition is
 * read, archiving is an RTO violation, allow-all IP rules are flagged.
 */
import { OfflineResource } from "../../../policies/offline";
import { happyStack, named, verdictsOf, withProp } from "../fixtures";

const ACCOUNT = 'azure-native:storage:StorageAccount "backups-account"';
const CONTAINER = 'azure-native:storage:BlobContainer "backups-container"';
const LIFECYCLE = 'azure-native:storage:ManagementPolicy "backups-lifecycle"';

function rules(stack: OfflineResource[]): Record<string, any>[] {
    return (named(stack, "backups-lifecycle").props.policy as { rules: Record<string, any>[] }).rules;
}

describe("identification by what a resource is, not by its tag", () => {
    it("an untagged vault beside the backups is still the key's vault", async () => {
        let stack = withProp(happyStack(), "field-key-vault", "tags", {});
        stack = withProp(stack, "field-key-vault", "location", "westeurope");
        const verdicts = await verdictsOf("key-separate-from-backups", stack);
        expect(verdicts.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.message)).toContain(
            'azure-native:keyvault:Vault "field-key-vault": the field key is in the same region as azure-native:dbforpostgresql:Server "app-server" (Flexible Server holding point-in-time backups), so one regional loss or one stolen copy takes key and backups together ' +
            '(found key location "swedencentral", backup location "westeurope").'.replace('"swedencentral"', '"westeurope"') +
            " Fix: move the key vault (stack config lifeboat:keyVault.location) to a region that holds no backup and is not paired with one, or move the backups.");
    });

    it("a backup account re-tagged as something else is still checked for redundancy and lifecycle", async () => {
        let stack = withProp(happyStack(), "backups-account", "tags", { "lifeboat-role": "logs" });
        stack = withProp(stack, "backups-account", "sku.name", "Standard_LRS");
        expect((await verdictsOf("storage-geo-replication", stack)).map((v) => v.message)).toEqual([
            `${ACCOUNT}: the replication SKU is not one of Standard_GRS, Standard_RAGRS, Standard_GZRS, Standard_RAGZRS (found "Standard_LRS"). Fix: set sku.name to one of Standard_GRS, Standard_RAGRS, Standard_GZRS, Standard_RAGZRS (stack config lifeboat:backupStorage.redundancy), or change the policy's allowedSkus.`,
        ]);
        rules(stack).splice(0, 1);
        expect((await verdictsOf("backup-lifecycle-rules", stack)).map((v) => v.name)).toEqual(["backups-container"]);
    });

    it("backups without any key store the pack can see are a violation, not 'not applicable'", async () => {
        const stack = happyStack().filter((r) => !["field-key-vault", "field-key-secret"].includes(r.name));
        const verdicts = await verdictsOf("key-separate-from-backups", stack);
        expect(verdicts.length).toBeGreaterThan(0);
        expect(verdicts.every((v) => v.enforcementLevel === "mandatory")).toBe(true);
        expect(verdicts[0].message).toContain("declares no field-key store (Key Vault, Secrets Manager secret) the pack can locate");
    });
});

describe("dump-job-cannot-read-key compares principals by value", () => {
    it("a literal object ID equal to the dump identity's principalId is the dump identity", async () => {
        const stack = happyStack();
        const identity = stack.find((r) => r.type === "azure-native:managedidentity:UserAssignedIdentity" && (r.props.tags as Record<string, string> | undefined)?.["lifeboat-role"] === "dump-job") as OfflineResource;
        identity.props.principalId = "9f0c3b52-1111-4a4a-9b9b-000000000001";
        const vault = named(stack, "field-key-vault");
        stack.push({
            type: "azure-native:authorization:RoleAssignment", name: "field-key-reader-0", urn: vault.urn.replace(/::field-key-vault$/, "::field-key-reader-0").replace("azure-native:keyvault:Vault", "azure-native:authorization:RoleAssignment"),
            props: {
                principalId: "9F0C3B52-1111-4A4A-9B9B-000000000001", principalType: "ServicePrincipal", scope: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/lifeboat-test-key/providers/Microsoft.KeyVault/vaults/lb-test-key",
                roleDefinitionId: "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6",
            },
            opts: { protect: false, retainOnDelete: false, ignoreChanges: [], parent: vault.opts.parent, dependencies: [], propertyDependencies: { principalId: [], scope: [], roleDefinitionId: [] } },
        });
        const verdicts = await verdictsOf("dump-job-cannot-read-key", stack);
        expect(verdicts.map((v) => [v.enforcementLevel, v.name])).toEqual([["mandatory", "field-key-reader-0"]]);
        expect(verdicts[0].message).toContain(`gives the dump job's identity Key Vault Secrets User at a scope that covers the field-key vault`);
        expect(verdicts[0].message).toContain(`the principalId of azure-native:managedidentity:UserAssignedIdentity "${identity.name}"`);
    });
});

describe("lifecycle rules", () => {
    it("every delete condition counts: the soonest one deletes", async () => {
        const stack = happyStack();
        rules(stack)[0].definition.actions.baseBlob.delete.daysAfterCreationGreaterThan = 1;
        expect(await verdictsOf("backup-lifecycle-rules", stack)).toEqual([{
            enforcementLevel: "mandatory", name: "backups-container",
            message: `${CONTAINER}: lifecycle rule "lifeboat-daily" of ${LIFECYCLE} deletes the daily backup sets under "dumps/daily/" after 1 days, sooner than the 30 days they must be kept (found 1 days). ` +
                'Fix: give the account\'s management policy an enabled rule with filters { blobTypes: ["blockBlob"], prefixMatch: ["dumps/daily/"] } and actions.baseBlob.delete.daysAfterModificationGreaterThan of at least 30 (stack config lifeboat:backupStorage.retention), and no rule matching that prefix that deletes sooner.',
        }]);
    });

    it("moving backup sets to the archive tier before the daily retention is an RTO violation", async () => {
        const stack = happyStack();
        rules(stack)[1].definition.actions.baseBlob.tierToArchive = { daysAfterModificationGreaterThan: 1 };
        expect(await verdictsOf("backup-lifecycle-rules", stack)).toEqual([{
            enforcementLevel: "mandatory", name: "backups-container",
            message: `${CONTAINER}: lifecycle rule "lifeboat-weekly" of ${LIFECYCLE} moves the weekly backup sets under "dumps/weekly/" to the archive tier after 1 days: an archived blob must be rehydrated before it can be read, ` +
                "which takes up to 15 hours, so a restore from them misses any recovery time objective of hours (an RTO violation) (found 1 days). " +
                'Fix: keep the backup sets online (Hot, Cool or Cold) for at least the 30 days of the daily tier: remove tierToArchive from rule "lifeboat-weekly" or set it to 30 days or more.',
        }]);
    });
});

describe("allow-all IP rules", () => {
    it("0.0.0.0/0 on the vault's firewall is flagged although it denies by default", async () => {
        const stack = withProp(happyStack(), "field-key-vault", "properties.networkAcls.ipRules", [{ value: "203.0.113.0/24" }, { value: "0.0.0.0/0" }]);
        expect(await verdictsOf("keyvault-network-restricted", stack)).toEqual([{
            enforcementLevel: "advisory", name: "field-key-vault",
            message: 'azure-native:keyvault:Vault "field-key-vault": an IP rule admits every address (or nearly), so the deny-by-default firewall is open to the Internet (found properties.networkAcls.ipRules "0.0.0.0/0"). ' +
                "Fix: remove the range from stack config lifeboat:keyVault.allowedIpRanges (list the addresses that manage the key, e.g. 203.0.113.0/24), or set lifeboat:keyVault.publicNetworkAccess: false.",
        }]);
    });

    it("0.0.0.0/1 + 128.0.0.0/1 on the storage firewall are flagged", async () => {
        const stack = withProp(happyStack(), "backups-account", "networkRuleSet.ipRules", [{ iPAddressOrRange: "0.0.0.0/1", action: "Allow" }, { iPAddressOrRange: "128.0.0.0/1", action: "Allow" }]);
        expect((await verdictsOf("storage-network-default-deny", stack)).map((v) => v.message)).toEqual([
            `${ACCOUNT}: an IP rule admits every address (or nearly), so the deny-by-default firewall is open to the Internet (found networkRuleSet.ipRules "0.0.0.0/1", "128.0.0.0/1"). ` +
            "Fix: list only the addresses that need the account (the jobs reach it through their subnet's service endpoint), or set publicNetworkAccess to \"Disabled\".",
        ]);
    });
});

describe("restore sources are places holding backups", () => {
    it("a geo-restored server without its source's region is undetermined, never a pass", async () => {
        const stack = withProp(happyStack(), "app-server", "createMode", "GeoRestore");
        const verdicts = await verdictsOf("key-separate-from-backups", stack);
        expect(verdicts).toEqual([{
            enforcementLevel: "mandatory", name: "app-server",
            message: 'azure-native:dbforpostgresql:Server "app-server": the region of this geo-restore\'s source server, whose own backups stay in its region cannot be determined, and a mandatory policy never passes by not knowing ' +
                "(found not set). Fix: set tags.lifeboat-restore-source-location to a literal from stack config, so it is known during preview.",
        }]);
        withProp(stack, "app-server", "tags.lifeboat-restore-source-location", "swedencentral");
        expect((await verdictsOf("key-separate-from-backups", stack)).map((v) => [v.name, v.enforcementLevel])).toEqual([["field-key-vault", "mandatory"]]);
    });

    it("a job reading another stack's account needs that account's region, and it counts", async () => {
        const stack = happyStack();
        const job = named(stack, "dump-app-job");
        const env = (job.props.template as { containers: { env: { name: string; value?: string }[] }[] }).containers[0].env;
        (env.find((e) => e.name === "LIFEBOAT_TARGET") as { value: string }).value = "azblob://lbtestbackups/dumps,azblob://lbother/dumps";
        expect((await verdictsOf("key-separate-from-backups", stack)).map((v) => v.message.split(" (found")[0])).toEqual([
            'azure-native:app:Job "dump-app-job": the region of this job\'s backup target azblob://lbother/dumps (an account the stack does not declare) cannot be determined, and a mandatory policy never passes by not knowing',
        ]);
        withProp(stack, "dump-app-job", "tags.lifeboat-target-location", "Sweden Central");
        expect((await verdictsOf("key-separate-from-backups", stack)).map((v) => [v.name, v.enforcementLevel])).toEqual([["field-key-vault", "mandatory"]]);
    });
});
