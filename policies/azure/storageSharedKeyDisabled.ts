import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** Checkov CKV2_AZURE_40, Azure Policy 8c6a50c6: only Entra ID identities reach the backups. */
export const storageSharedKeyDisabled = propertyPolicy({
    name: "storage-shared-key-disabled",
    description: "Storage accounts refuse shared-key (account key and SAS) authorisation.",
    enforcementLevel: "advisory",
    types: [TYPES.storageAccount],
    path: ["allowSharedKeyAccess"],
    accept: (found) => found.kind === "known" && found.value === false,
    problem: "the account accepts its account keys, which anyone who obtains one can use to read or delete every backup",
    fix: "set allowSharedKeyAccess to false and use managed identities.",
});
