import { happyStack, verdictsOf, withProp } from "../fixtures";

const POLICY = "storage-infrastructure-encryption";

describe(POLICY, () => {
    it("passes double encryption", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it("reports single encryption", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "backups-account", "encryption.requireInfrastructureEncryption", false))).toEqual([{
            enforcementLevel: "advisory",
            name: "backups-account",
            message: 'azure-native:storage:StorageAccount "backups-account": infrastructure encryption is off (it can only be chosen when the account is created) ' +
                "(found false). Fix: set encryption.requireInfrastructureEncryption to true.",
        }]);
    });
});
