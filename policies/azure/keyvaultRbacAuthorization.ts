import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** Access to the key is granted by Azure RBAC role assignments that policies can see (Azure Policy 12d4fa5e). */
export const keyvaultRbacAuthorization = propertyPolicy({
    name: "keyvault-rbac-authorization",
    description: "Key vaults use the Azure RBAC permission model rather than vault access policies.",
    enforcementLevel: "advisory",
    types: [TYPES.vault],
    path: ["properties", "enableRbacAuthorization"],
    accept: (found) => found.kind === "known" && found.value === true,
    problem: "the vault uses access policies, which anyone with Contributor on the vault can change to read the key",
    fix: "set properties.enableRbacAuthorization to true and grant access with role assignments.",
});
