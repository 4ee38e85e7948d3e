import { knownNumber, knownString, read, show } from "../shared/read";
import { bucketConfigPolicy } from "./buckets";
import { AWS_TYPES } from "./types";

/** Checkov CKV_AWS_143: written backup versions cannot be deleted or overwritten for a while, even with stolen credentials. */
export const s3ObjectLock = bucketConfigPolicy({
    name: "s3-object-lock",
    description: "Every backup bucket has Object Lock enabled with a default retention (GOVERNANCE or COMPLIANCE) of at least one day.",
    enforcementLevel: "advisory",
    configType: AWS_TYPES.bucketObjectLock,
    missing: "the bucket has no Object Lock default retention, so whoever holds write access can delete every backup version",
    checkBucket: (bucket, report) => {
        const enabled = read(bucket.props, "objectLockEnabled");
        if (!(enabled.kind === "known" && enabled.value === true)) {
            report("Object Lock is not enabled on the bucket (it can only be chosen when the bucket is created)", `objectLockEnabled ${show(enabled)}`);
        }
    },
    check: (config, _args, report) => {
        const mode = knownString(read(config.props, "rule", "defaultRetention", "mode"));
        const days = knownNumber(read(config.props, "rule", "defaultRetention", "days")) ?? (knownNumber(read(config.props, "rule", "defaultRetention", "years")) ?? 0) * 365;
        if ((mode !== "GOVERNANCE" && mode !== "COMPLIANCE") || days < 1) {
            report("Object Lock has no default retention", `rule.defaultRetention ${show(read(config.props, "rule", "defaultRetention"))}`);
        }
    },
    fix: "create the bucket with objectLockEnabled true and declare an aws.s3.BucketObjectLockConfiguration with a default retention (stack config lifeboat:backupStorage.immutabilityDays or lifeboat:offsite.s3.objectLockDays).",
});
