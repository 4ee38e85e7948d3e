import { happyStack, verdictsOf, withProp } from "../fixtures";

const POLICY = "storage-cross-tenant-replication-disabled";

describe(POLICY, () => {
    it("passes an account without cross-tenant replication", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it("reports cross-tenant replication allowed", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "backups-account", "allowCrossTenantReplication", true))).toEqual([{
            enforcementLevel: "advisory",
            name: "backups-account",
            message: 'azure-native:storage:StorageAccount "backups-account": object replication may copy the backups into an account of another tenant ' +
                "(found true). Fix: set allowCrossTenantReplication to false.",
        }]);
    });
});
