import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** Nobody reads a backup anonymously (Checkov CKV_AZURE_34, Trivy AZU-0007). */
export const blobContainerPrivate = propertyPolicy({
    name: "blob-container-private",
    description: "Blob containers allow no anonymous (public) access.",
    enforcementLevel: "mandatory",
    types: [TYPES.blobContainer],
    path: ["publicAccess"],
    // Not set: Azure creates the container private ("None").
    accept: (found) => found.kind === "missing" || (found.kind === "known" && found.value === "None"),
    problem: "the container allows anonymous read access to its blobs",
    fix: 'set publicAccess to "None".',
});
