import { propertyPolicy } from "../shared/policy";
import { knownString } from "../shared/read";
import { TYPES } from "../shared/resources";

/** Checkov CKV_AWS_149, Trivy AWS-0098: secrets are encrypted with a customer-managed KMS key, whose policy and rotation we control. */
export const secretKmsEncrypted = propertyPolicy({
    name: "secret-kms-encrypted",
    description: "Secrets Manager secrets are encrypted with a customer-managed KMS key, not the account's aws/secretsmanager key.",
    enforcementLevel: "mandatory",
    types: [TYPES.secretsManagerSecret],
    path: ["kmsKeyId"],
    accept: (found) => {
        const key = knownString(found);
        return key !== undefined && key !== "" && !/alias\/aws\/secretsmanager$/.test(key);
    },
    problem: "the secret is encrypted with the AWS-managed key (or none is named), whose policy anyone with Secrets Manager access in the account can use",
    fix: "set kmsKeyId to the ARN of a customer-managed KMS key with rotation on.",
});
