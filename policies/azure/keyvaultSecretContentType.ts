import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** A reader knows what the secret holds (Checkov CKV_AZURE_114, Trivy AZU-0015). */
export const keyvaultSecretContentType = propertyPolicy({
    name: "keyvault-secret-content-type",
    description: "Key vault secrets declare a content type.",
    enforcementLevel: "advisory",
    types: [TYPES.vaultSecret],
    path: ["properties", "contentType"],
    accept: (found) => found.kind === "known" && typeof found.value === "string" && found.value.trim() !== "",
    problem: "the secret has no content type",
    fix: 'set properties.contentType, e.g. "application/vnd.lifeboat.fernet-key".',
});
