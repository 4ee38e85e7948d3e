import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** Checkov CKV_AWS_227: a disabled key cannot decrypt: the field key, the backups or the database would be unreadable. */
export const kmsKeyEnabled = propertyPolicy({
    name: "kms-key-enabled",
    description: "KMS keys are enabled (isEnabled true, or unset: the API's default).",
    enforcementLevel: "mandatory",
    types: [TYPES.kmsKey],
    path: ["isEnabled"],
    accept: (found) => found.kind === "missing" || (found.kind === "known" && found.value === true),
    problem: "the key is disabled, so nothing it encrypts can be read until it is enabled again",
    fix: "remove isEnabled or set it to true.",
});
