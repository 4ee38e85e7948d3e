import { happyStack, verdictsOf, withProp } from "../fixtures";

const POLICY = "storage-blob-soft-delete";
const SERVICE = 'azure-native:storage:BlobServiceProperties "backups-blob-service"';

describe(POLICY, () => {
    it("passes 14 days of blob and container soft delete", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it("reports blob soft delete off", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "backups-blob-service", "deleteRetentionPolicy.enabled", false))).toEqual([{
            enforcementLevel: "advisory",
            name: "backups-blob-service",
            message: `${SERVICE}: soft delete for deleted blobs is off (found false). Fix: set deleteRetentionPolicy to { enabled: true, days: 7 } or more.`,
        }]);
    });

    it("reports container soft delete missing", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "backups-blob-service", "containerDeleteRetentionPolicy", undefined))).toEqual([{
            enforcementLevel: "advisory",
            name: "backups-blob-service",
            message: `${SERVICE}: soft delete for deleted containers is off (found not set). Fix: set containerDeleteRetentionPolicy to { enabled: true, days: 7 } or more.`,
        }]);
    });

    it("reports a retention below the configured minimum", async () => {
        const config = { [POLICY]: { minimumDays: 30 } };
        expect(await verdictsOf(POLICY, withProp(happyStack(), "backups-blob-service", "containerDeleteRetentionPolicy.days", 30), config)).toEqual([{
            enforcementLevel: "advisory",
            name: "backups-blob-service",
            message: `${SERVICE}: deleted blobs stay recoverable for fewer than 30 days (found 14). Fix: set deleteRetentionPolicy.days to at least 30.`,
        }]);
    });
});
