import { happyStack, verdictsOf, withProp } from "../fixtures";

const POLICY = "storage-blob-versioning";

describe(POLICY, () => {
    it("passes versioning on", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it("reports versioning off", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "backups-blob-service", "isVersioningEnabled", false))).toEqual([{
            enforcementLevel: "advisory",
            name: "backups-blob-service",
            message: 'azure-native:storage:BlobServiceProperties "backups-blob-service": blob versioning is off, so an overwritten backup object is lost ' +
                "(found false). Fix: set isVersioningEnabled to true.",
        }]);
    });
});
