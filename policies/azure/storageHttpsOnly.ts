import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** Checkov CKV_AZURE_3, Trivy AZU-0008, Azure Policy 404c3081. */
export const storageHttpsOnly = propertyPolicy({
    name: "storage-https-only",
    description: "Storage accounts accept HTTPS only.",
    enforcementLevel: "mandatory",
    types: [TYPES.storageAccount],
    path: ["enableHttpsTrafficOnly"],
    // Not set: Azure's default is true.
    accept: (found) => found.kind === "missing" || (found.kind === "known" && found.value === true),
    problem: "the account accepts unencrypted HTTP",
    fix: "set enableHttpsTrafficOnly to true.",
});
