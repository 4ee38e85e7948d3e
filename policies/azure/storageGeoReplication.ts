import { DEFAULTS, StorageRedundancyConfig, storageRedundancySchema } from "../config";
import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

function allowed(config: StorageRedundancyConfig): string[] {
    return config.allowedSkus ?? DEFAULTS.allowedStorageSkus;
}

/** Backup storage survives a regional loss (Checkov CKV_AZURE_206, Trivy AZU-0058, Azure Policy bf045164). */
export const storageGeoReplication = propertyPolicy({
    name: "storage-geo-replication",
    description: "Storage accounts (any of them can hold backups) use a replication SKU from the allowed list (geo-redundant by default).",
    enforcementLevel: "mandatory",
    configSchema: storageRedundancySchema,
    types: [TYPES.storageAccount],
    // Every storage account: a tag naming another role cannot exempt one (tags are hints only).
    path: ["sku", "name"],
    accept: (found, args) => found.kind === "known" && allowed(args.getConfig<StorageRedundancyConfig>()).includes(found.value as string),
    problem: (args) => `the replication SKU is not one of ${allowed(args.getConfig<StorageRedundancyConfig>()).join(", ")}`,
    fix: (args) =>
        `set sku.name to one of ${allowed(args.getConfig<StorageRedundancyConfig>()).join(", ")} (stack config lifeboat:backupStorage.redundancy), ` +
        "or change the policy's allowedSkus.",
});
