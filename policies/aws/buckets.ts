import { EnforcementLevel, PolicyConfigSchema, PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { knownString } from "../shared/read";
import { label, nameOf, refersTo, TYPES, undetermined, violation } from "../shared/resources";

/** S3 buckets that can hold backups: every bucket (a tag naming another role cannot exempt one; tags are hints only). */
export function backupBuckets(resources: PolicyResource[]): PolicyResource[] {
    return resources.filter((r) => r.type === TYPES.s3Bucket || r.type === TYPES.s3BucketV2);
}

/** The bucket-level configuration resources of `type` that configure `bucket` (by its literal name, or computed from it). */
export function configsOf(resources: PolicyResource[], bucket: PolicyResource, type: string): PolicyResource[] {
    return resources.filter((r) => r.type === type && refersTo(r, "bucket", bucket, "bucket"));
}

export interface BucketConfigPolicySpec {
    name: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    /** The configuration resource type each backup bucket must have. */
    configType: string;
    /** What is wrong when the bucket has none, e.g. "the bucket has no versioning configuration". */
    missing: string;
    /** Reports what is wrong with one configuration resource, or nothing. */
    check: (config: PolicyResource, args: StackValidationArgs, report: (problem: string, found: string) => void) => void;
    /** The fix, for a missing or a wrong configuration. */
    fix: string | ((args: StackValidationArgs) => string);
    /** Extra checks of the bucket itself. */
    checkBucket?: (bucket: PolicyResource, report: (problem: string, found: string) => void) => void;
    configSchema?: PolicyConfigSchema;
}

/**
 * A stack policy that every backup bucket is configured by a resource of one type (S3 splits a
 * bucket's settings into separate resources), and that each such resource is right.
 */
export function bucketConfigPolicy(spec: BucketConfigPolicySpec): StackValidationPolicy {
    return {
        name: spec.name,
        description: spec.description,
        enforcementLevel: spec.enforcementLevel,
        configSchema: spec.configSchema,
        validateStack: (args, reportViolation: ReportViolation) => {
            const buckets = backupBuckets(args.resources);
            if (buckets.length === 0) {
                args.notApplicable("no S3 bucket holding backups");
            }
            const fix = typeof spec.fix === "function" ? spec.fix(args) : spec.fix;
            for (const bucket of buckets) {
                const nameRead = nameOf(bucket, "bucket");
                if (knownString(nameRead) === undefined) {
                    reportViolation(undetermined(bucket, "the bucket name (which its configuration resources name)", nameRead, "bucket"), bucket.urn);
                    continue;
                }
                spec.checkBucket?.(bucket, (problem, found) => reportViolation(violation(bucket, problem, found, fix), bucket.urn));
                const configs = configsOf(args.resources, bucket, spec.configType);
                if (configs.length === 0) {
                    reportViolation(violation(bucket, spec.missing, `no ${spec.configType} for bucket ${JSON.stringify(knownString(nameRead))}`, fix), bucket.urn);
                    continue;
                }
                for (const config of configs) {
                    spec.check(config, args, (problem, found) => reportViolation(violation(config, `${problem} on ${label(bucket)}`, found, fix), config.urn));
                }
            }
        },
    };
}
