import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** Checkov CKV_AZURE_190, Azure Policy 4fa4b6c0: no container in the account can be made public. */
export const storageBlobPublicAccessDisabled = propertyPolicy({
    name: "storage-blob-public-access-disabled",
    description: "Storage accounts forbid anonymous (public) access to any of their containers.",
    enforcementLevel: "mandatory",
    types: [TYPES.storageAccount],
    path: ["allowBlobPublicAccess"],
    accept: (found) => found.kind === "known" && found.value === false,
    problem: "the account lets a container be opened to anonymous readers",
    fix: "set allowBlobPublicAccess to false.",
});
