import { happyStack, verdictsOf, withProp } from "../fixtures";

const POLICY = "storage-shared-key-disabled";

describe(POLICY, () => {
    it("passes an account without shared keys", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it("reports shared keys allowed", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "backups-account", "allowSharedKeyAccess", true))).toEqual([{
            enforcementLevel: "advisory",
            name: "backups-account",
            message: 'azure-native:storage:StorageAccount "backups-account": the account accepts its account keys, which anyone who obtains one can use to read or delete every backup ' +
                "(found true). Fix: set allowSharedKeyAccess to false and use managed identities.",
        }]);
    });
});
