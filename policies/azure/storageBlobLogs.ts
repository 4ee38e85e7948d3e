import { logPolicy } from "../shared/diagnostics";
import { TYPES } from "../shared/resources";

/** Who read, wrote or deleted a backup set: the blob service's StorageRead, StorageWrite and StorageDelete logs. */
export const storageBlobLogs = logPolicy({
    name: "storage-blob-logs",
    description: "Every storage account's blob service sends StorageRead, StorageWrite and StorageDelete (or allLogs) to a Log Analytics workspace or another destination.",
    enforcementLevel: "advisory",
    types: [TYPES.storageAccount],
    nameProperty: "accountName",
    uriPattern: (name) => new RegExp(`/providers/Microsoft\\.Storage/storageAccounts/${name}/blobServices/default$`, "i"),
    categories: ["StorageRead", "StorageWrite", "StorageDelete"],
    groups: ["allLogs"],
    why: "who read, wrote or deleted a backup set",
    fix: "declare a DiagnosticSetting on <account ID>/blobServices/default with logs StorageRead, StorageWrite and StorageDelete enabled and a workspaceId (components/azure ResourceLogs).",
});
