import { happyStack, verdictsOf, withProp } from "../fixtures";

const POLICY = "storage-https-only";

describe(POLICY, () => {
    it("passes HTTPS only", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it("passes when not set (Azure's default is HTTPS only)", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "backups-account", "enableHttpsTrafficOnly", undefined))).toEqual([]);
    });

    it("reports HTTP allowed", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "backups-account", "enableHttpsTrafficOnly", false))).toEqual([{
            enforcementLevel: "mandatory",
            name: "backups-account",
            message: 'azure-native:storage:StorageAccount "backups-account": the account accepts unencrypted HTTP (found false). Fix: set enableHttpsTrafficOnly to true.',
        }]);
    });
});
