import { OfflineResource } from "../../../policies/offline";
import { happyStack, named, urnOf, verdictsOf, withProp } from "../fixtures";

const POLICY = "storage-immutability-locked";

/** The compliant stack with a locked immutability policy on the backup container (state as the CLI shows an existing one). */
function withImmutability(): OfflineResource[] {
    const stack = happyStack();
    const container = named(stack, "backups-container");
    stack.push({
        type: "azure-native:storage:BlobContainerImmutabilityPolicy", name: "backups-immutability",
        urn: urnOf("azure-native:storage:BlobContainerImmutabilityPolicy", "backups-immutability", "lifeboat:azure:BackupStorage"),
        props: { resourceGroupName: "lifeboat-test-data", accountName: "lbtestbackups", containerName: "dumps", immutabilityPeriodSinceCreationInDays: 14, state: "Locked" },
        opts: { protect: false, retainOnDelete: false, ignoreChanges: [], parent: container.opts.parent, dependencies: [container.urn], propertyDependencies: {} },
    });
    return stack;
}

describe(POLICY, () => {
    it("passes a locked immutability policy", async () => {
        expect(await verdictsOf(POLICY, withImmutability())).toEqual([]);
    });

    it("reports an unlocked one", async () => {
        expect(await verdictsOf(POLICY, withProp(withImmutability(), "backups-immutability", "state", "Unlocked"))).toEqual([{
            enforcementLevel: "advisory", name: "backups-immutability",
            message: 'azure-native:storage:BlobContainerImmutabilityPolicy "backups-immutability": the immutability policy is unlocked, so whoever can change the account can shorten or remove it and then delete the backup sets ' +
                '(found state "Unlocked"). Fix: once the retention is right, lock it (Azure portal, REST Lock Immutability Policy, or az storage container immutability-policy lock with its ETag): a locked policy can only be extended, never shortened or removed.',
        }]);
    });

    it("reports a new one (Azure creates it unlocked)", async () => {
        const verdicts = await verdictsOf(POLICY, withProp(withImmutability(), "backups-immutability", "state", undefined));
        expect(verdicts.map((v) => v.message)).toEqual([expect.stringContaining("(found state not set (Azure creates it Unlocked))")]);
    });
});
