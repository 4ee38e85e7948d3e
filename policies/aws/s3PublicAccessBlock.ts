import { read, show } from "../shared/read";
import { bucketConfigPolicy } from "./buckets";
import { AWS_TYPES } from "./types";

const FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

/** Checkov CKV_AWS_53, 54, 55, 56; Trivy AWS-0086, 0087, 0091, 0093, 0094: no ACL or policy can make backups public. */
export const s3PublicAccessBlock = bucketConfigPolicy({
    name: "s3-public-access-block",
    description: "Every backup bucket has a public access block with all four flags on.",
    enforcementLevel: "mandatory",
    configType: AWS_TYPES.bucketPublicAccessBlock,
    missing: "the bucket has no public access block, so an ACL or a bucket policy can make backups public",
    check: (config, _args, report) => {
        const off = FLAGS.filter((f) => { const v = read(config.props, f); return !(v.kind === "known" && v.value === true); });
        if (off.length > 0) {
            report(`public access is not fully blocked (${off.join(", ")} not true)`, off.map((f) => `${f} ${show(read(config.props, f))}`).join(", "));
        }
    },
    fix: "declare an aws.s3.BucketPublicAccessBlock for the bucket with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
});
