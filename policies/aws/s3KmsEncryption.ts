import { knownArray, knownString, read, show } from "../shared/read";
import { bucketConfigPolicy } from "./buckets";
import { AWS_TYPES } from "./types";

/** Checkov CKV_AWS_145, Trivy AWS-0088 and AWS-0132: backup objects are encrypted by default with a customer-managed KMS key. */
export const s3KmsEncryption = bucketConfigPolicy({
    name: "s3-kms-encryption",
    description: "Every backup bucket encrypts new objects by default with SSE-KMS and a customer-managed key.",
    enforcementLevel: "mandatory",
    configType: AWS_TYPES.bucketEncryption,
    missing: "the bucket has no default encryption configuration, so objects are encrypted only with S3-managed keys",
    check: (config, _args, report) => {
        const rules = knownArray(read(config.props, "rules")) ?? [];
        const ok = rules.some((rule) => {
            const value = rule.kind === "known" ? rule.value : undefined;
            const algorithm = knownString(read(value, "applyServerSideEncryptionByDefault", "sseAlgorithm"));
            const key = read(value, "applyServerSideEncryptionByDefault", "kmsMasterKeyId");
            // An unknown key ARN is the customer key declared beside the bucket: the algorithm is what matters here.
            return (algorithm === "aws:kms" || algorithm === "aws:kms:dsse") && key.kind !== "missing";
        });
        if (!ok) {
            report("default encryption is not SSE-KMS with a customer-managed key", `rules ${show(read(config.props, "rules"))}`);
        }
    },
    fix: 'declare an aws.s3.BucketServerSideEncryptionConfiguration for the bucket with sseAlgorithm "aws:kms" and kmsMasterKeyId a customer-managed key (rotation on).',
});
