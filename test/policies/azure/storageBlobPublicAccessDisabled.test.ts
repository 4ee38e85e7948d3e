import { happyStack, verdictsOf, withProp } from "../fixtures";

const POLICY = "storage-blob-public-access-disabled";

describe(POLICY, () => {
    it("passes an account that forbids public containers", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it.each([[true, "true"], [undefined, "not set"]])("reports allowBlobPublicAccess %p", async (value, found) => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "backups-account", "allowBlobPublicAccess", value))).toEqual([{
            enforcementLevel: "mandatory",
            name: "backups-account",
            message: `azure-native:storage:StorageAccount "backups-account": the account lets a container be opened to anonymous readers (found ${found}). ` +
                "Fix: set allowBlobPublicAccess to false.",
        }]);
    });
});
