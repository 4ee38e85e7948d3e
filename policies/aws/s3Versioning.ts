import { read, show } from "../shared/read";
import { bucketConfigPolicy } from "./buckets";
import { AWS_TYPES } from "./types";

/** Checkov CKV_AWS_21, Trivy AWS-0090: an overwritten or deleted backup object keeps its previous version. */
export const s3Versioning = bucketConfigPolicy({
    name: "s3-versioning",
    description: "Every backup bucket has versioning enabled.",
    enforcementLevel: "mandatory",
    configType: AWS_TYPES.bucketVersioning,
    missing: "the bucket has no versioning configuration, so an overwritten or deleted backup object is gone",
    check: (config, _args, report) => {
        const status = read(config.props, "versioningConfiguration", "status");
        if (!(status.kind === "known" && status.value === "Enabled")) {
            report("versioning is not enabled", `versioningConfiguration.status ${show(status)}`);
        }
    },
    fix: 'declare an aws.s3.BucketVersioning for the bucket with versioningConfiguration.status "Enabled".',
});
