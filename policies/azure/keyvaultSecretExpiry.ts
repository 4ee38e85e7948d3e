import { ResourceValidationPolicy } from "@pulumi/policy";
import { ROLES } from "../../components/roles";
import { forTypes } from "../shared/policy";
import { read } from "../shared/read";
import { roleOf, TYPES, undetermined, violation } from "../shared/resources";

/**
 * Secret expiry (Checkov CKV_AZURE_41, Trivy AZU-0017, Azure Policy 98728c90), inverted for the
 * field key: Key Vault refuses to return an expired secret, so an expiry on the field key would
 * make every backup undecryptable on that date. The field key is rotated by re-encrypting, never
 * by expiring. Advisory only, for that reason.
 */
export const keyvaultSecretExpiry: ResourceValidationPolicy = {
    name: "keyvault-secret-expiry",
    description:
        "Key vault secrets have an expiry date, except the field-encryption key, which must never expire: " +
        "an expired key cannot be read and every backup encrypted with it becomes undecryptable.",
    enforcementLevel: "advisory",
    validateResource: forTypes([TYPES.vaultSecret], (args, reportViolation) => {
        const expires = read(args.props, "properties", "attributes", "expires");
        if (expires.kind === "unknown") {
            reportViolation(undetermined(args, "properties.attributes.expires", expires, "properties.attributes.expires"));
            return;
        }
        if (roleOf(args.props) === ROLES.fieldKey) {
            if (expires.kind === "known") {
                reportViolation(violation(args,
                    "the field-encryption key has an expiry date; once it passes, Key Vault refuses to return the key and every backup encrypted with it cannot be decrypted",
                    expires, "remove properties.attributes.expires from the field-key secret; rotate the key by re-encrypting, not by expiry."));
            }
            return;
        }
        if (expires.kind === "missing") {
            reportViolation(violation(args, "the secret never expires", expires,
                "set properties.attributes.expires (seconds since the epoch), unless the secret is a key that data depends on (then tag it lifeboat-role: field-key)."));
        }
    }),
};
