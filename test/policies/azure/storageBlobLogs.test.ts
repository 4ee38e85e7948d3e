import { happyStack, named, verdictsOf, withProp } from "../fixtures";

const POLICY = "storage-blob-logs";
const ACCOUNT = 'azure-native:storage:StorageAccount "backups-account"';
const FIX = "Fix: declare a DiagnosticSetting on <account ID>/blobServices/default with logs StorageRead, StorageWrite and StorageDelete enabled and a workspaceId (components/azure ResourceLogs).";

describe(POLICY, () => {
    it("passes an account whose blob service logs reads, writes and deletes to the workspace", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it("reports an account without a blob log setting", async () => {
        expect(await verdictsOf(POLICY, happyStack().filter((r) => r.name !== "logs-backups"))).toEqual([{
            enforcementLevel: "advisory",
            name: "backups-account",
            message: `${ACCOUNT}: no diagnostic setting sends its StorageRead, StorageWrite, StorageDelete logs anywhere, so there is no record of who read, wrote or deleted a backup set ` +
                `(found no azure-native:monitor:DiagnosticSetting whose resourceUri is this resource). ${FIX}`,
        }]);
    });

    it("reports the deletes not logged", async () => {
        const stack = withProp(happyStack(), "logs-backups", "logs", [{ category: "StorageRead", enabled: true }, { category: "StorageWrite", enabled: true }]);
        expect(await verdictsOf(POLICY, stack)).toEqual([{
            enforcementLevel: "advisory",
            name: "backups-account",
            message: `${ACCOUNT}: its diagnostic settings (azure-native:monitor:DiagnosticSetting "logs-backups") do not send StorageDelete to a destination, so there is no full record of who read, wrote or deleted a backup set ` +
                `(found logs [{"category":"StorageRead","enabled":true},{"category":"StorageWrite","enabled":true}]). ${FIX}`,
        }]);
    });

    it("accepts allLogs, and a literal blob service URI", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "logs-backups", "logs", [{ categoryGroup: "allLogs", enabled: true }]))).toEqual([]);
        const stack = happyStack();
        const setting = named(stack, "logs-backups");
        setting.opts.propertyDependencies.resourceUri = [];
        setting.props.resourceUri = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/lbtestbackups/blobServices/default";
        expect(await verdictsOf(POLICY, stack)).toEqual([]);
        // The account itself has no blob logs: a setting on it does not count.
        setting.props.resourceUri = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/lbtestbackups";
        expect((await verdictsOf(POLICY, stack)).map((v) => v.name)).toEqual(["backups-account"]);
    });
});
