import { knownString, read } from "../shared/read";
import { bucketConfigPolicy } from "./buckets";
import { AWS_TYPES } from "./types";

/** Checkov CKV2_AWS_65: ACLs are off (BucketOwnerEnforced), so no object ACL can make a backup public or foreign-owned. */
export const s3BucketOwnerEnforced = bucketConfigPolicy({
    name: "s3-bucket-owner-enforced",
    description: "Every bucket has a BucketOwnershipControls with objectOwnership BucketOwnerEnforced (ACLs disabled).",
    enforcementLevel: "advisory",
    configType: AWS_TYPES.bucketOwnershipControls,
    missing: "the bucket has no ownership controls, so ACLs are honoured",
    check: (config, _args, report) => {
        const found = read(config.props, "rule", "objectOwnership");
        if (found.kind === "unknown") {
            report("the object ownership cannot be determined", "a value unknown until the update runs");
        } else if (knownString(found) !== "BucketOwnerEnforced") {
            report("ACLs are still honoured", `objectOwnership ${JSON.stringify(knownString(found) ?? null)}`);
        }
    },
    fix: 'declare a BucketOwnershipControls with rule { objectOwnership: "BucketOwnerEnforced" }.',
});
