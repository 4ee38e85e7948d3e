import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** Checkov CKV_AWS_7, Trivy AWS-0065: KMS keys rotate their key material yearly. */
export const kmsKeyRotation = propertyPolicy({
    name: "kms-key-rotation",
    description: "KMS keys have automatic rotation of their key material on.",
    enforcementLevel: "mandatory",
    types: [TYPES.kmsKey],
    path: ["enableKeyRotation"],
    accept: (found) => found.kind === "known" && found.value === true,
    problem: "key rotation is off, so one key material protects every backup for ever",
    fix: "set enableKeyRotation to true.",
});
