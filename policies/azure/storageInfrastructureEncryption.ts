import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** Trivy AZU-0061, Azure Policy 4733ea7b: data at rest is encrypted twice, with separate keys. */
export const storageInfrastructureEncryption = propertyPolicy({
    name: "storage-infrastructure-encryption",
    description: "Storage accounts require infrastructure (double) encryption at rest.",
    enforcementLevel: "advisory",
    types: [TYPES.storageAccount],
    path: ["encryption", "requireInfrastructureEncryption"],
    accept: (found) => found.kind === "known" && found.value === true,
    problem: "infrastructure encryption is off (it can only be chosen when the account is created)",
    fix: "set encryption.requireInfrastructureEncryption to true.",
});
