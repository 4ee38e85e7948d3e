import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** A deleted vault cannot be purged before its retention ends (CKV_AZURE_110, AZU-0016, Azure Policy 0b60c0b2). */
export const keyvaultPurgeProtection = propertyPolicy({
    name: "keyvault-purge-protection",
    description: "Key vaults have purge protection on, so the field key survives a deletion until its soft-delete retention ends.",
    enforcementLevel: "mandatory",
    types: [TYPES.vault],
    path: ["properties", "enablePurgeProtection"],
    accept: (found) => found.kind === "known" && found.value === true,
    problem: "purge protection is off, so a deleted vault (and the field key every backup needs) can be purged at once",
    fix: "set properties.enablePurgeProtection to true (it cannot be turned off again).",
});
