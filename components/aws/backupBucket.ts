import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { DEFAULT_RETENTION_DAYS, normalisePrefix, Tier, TIERS, tierPrefix, VERIFICATIONS_DAYS, verificationsPrefix } from "../../scripts/layout";
import { ROLE_TAG, ROLES } from "../roles";
import { checkIntRange, Problems } from "../validation";
import { AWS_PARTITION, knownAwsRegion } from "./regions";

export const OBJECT_LOCK_MODES = ["GOVERNANCE", "COMPLIANCE"] as const;
export type ObjectLockMode = (typeof OBJECT_LOCK_MODES)[number];

export type BucketRetentionDays = Record<`${Tier}Days`, number>;

export interface BackupBucketArgs {
    /** The bucket's name: globally unique, 3-63 lowercase letters, digits, dots and hyphens. */
    bucketName: string;
    /** AWS region of the bucket (and of its KMS key), a literal so that policies can read it during preview. */
    region: string;
    /** Days each tier of backup sets is kept before lifecycle rules expire it. @default daily 30, weekly 90, monthly 365 */
    retention?: Partial<BucketRetentionDays>;
    /**
     * Days every object version stays locked (WORM) after it is written: S3 Object Lock default
     * retention, at most the daily retention. Object Lock itself is always enabled on the bucket
     * (it can only be chosen at creation); without days, nothing is locked by default. @default undefined (no default retention)
     */
    objectLockDays?: number;
    /**
     * GOVERNANCE: a principal with s3:BypassGovernanceRetention (an administrator) can still delete
     * a locked version early. COMPLIANCE: nobody can, not even the account root, until the days
     * have passed; choose it only once the days are right. @default "GOVERNANCE"
     */
    objectLockMode?: ObjectLockMode;
    /** Key prefix of the backup sets inside the bucket (the job's s3://BUCKET/prefix). @default "" (the bucket root) */
    prefix?: string;
    /** Days a noncurrent (overwritten or expired) object version is kept. @default 14 */
    noncurrentVersionDays?: number;
    /** Days after which an incomplete multipart upload is aborted. @default 1 */
    abortIncompleteUploadDays?: number;
    /** Days a scheduled deletion of the bucket's KMS key can be cancelled, 7-30. @default 30 */
    keyDeletionWindowDays?: number;
    /** Extra tags for the resources it declares (Lifeboat adds its own role tags). @default {} */
    tags?: Record<string, string>;
}

export function bucketRetentionOf(args: BackupBucketArgs): BucketRetentionDays {
    return {
        dailyDays: args.retention?.dailyDays ?? DEFAULT_RETENTION_DAYS.daily,
        weeklyDays: args.retention?.weeklyDays ?? DEFAULT_RETENTION_DAYS.weekly,
        monthlyDays: args.retention?.monthlyDays ?? DEFAULT_RETENTION_DAYS.monthly,
    };
}

export function validateBackupBucketArgs(args: BackupBucketArgs, problems: Problems, path = "args"): void {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(args.bucketName) || args.bucketName.includes("..") || /^\d+\.\d+\.\d+\.\d+$/.test(args.bucketName) || /^xn--|^sthree-|-s3alias$|--ol-s3$/.test(args.bucketName)) {
        problems.add(`${path}.bucketName`, args.bucketName, "allowed: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, not an IP address");
    }
    if (knownAwsRegion(args.region) === undefined) {
        problems.add(`${path}.region`, args.region, "allowed: an AWS region code such as eu-central-1");
    }
    const retention = bucketRetentionOf(args);
    for (const tier of TIERS) {
        checkIntRange(problems, `${path}.retention.${tier}Days`, retention[`${tier}Days`], 1, 36500);
    }
    if (retention.weeklyDays < retention.dailyDays || retention.monthlyDays < retention.weeklyDays) {
        problems.add(`${path}.retention`, retention, "allowed: dailyDays <= weeklyDays <= monthlyDays (a rarer tier is kept at least as long)");
    }
    if (args.objectLockDays !== undefined) {
        // Locked longer than a set is kept, a version outlives its lifecycle rule: at most the daily retention.
        checkIntRange(problems, `${path}.objectLockDays`, args.objectLockDays, 1, retention.dailyDays);
    }
    const mode = args.objectLockMode ?? "GOVERNANCE";
    if (!(OBJECT_LOCK_MODES as readonly string[]).includes(mode)) {
        problems.add(`${path}.objectLockMode`, mode, `allowed: one of ${OBJECT_LOCK_MODES.join(", ")}`);
    }
    if (args.prefix !== undefined && !/^[A-Za-z0-9!_.*'()\/-]{0,512}$/.test(args.prefix)) {
        problems.add(`${path}.prefix`, args.prefix, "allowed: letters, digits and !_.*'()/- (a key prefix), at most 512 characters");
    }
    checkIntRange(problems, `${path}.noncurrentVersionDays`, args.noncurrentVersionDays ?? 14, 1, 365);
    checkIntRange(problems, `${path}.abortIncompleteUploadDays`, args.abortIncompleteUploadDays ?? 1, 1, 30);
    checkIntRange(problems, `${path}.keyDeletionWindowDays`, args.keyDeletionWindowDays ?? 30, 7, 30);
}

/** `arn:aws:s3:::BUCKET`: a literal, so that policies built from it are known during preview. */
export function bucketArn(bucketName: string): string {
    return `arn:${AWS_PARTITION}:s3:::${bucketName}`;
}

/** One expiration rule per tier (the job's layout, scripts/layout.ts), and one that aborts stale multipart uploads everywhere. */
export function bucketLifecycleRules(args: BackupBucketArgs): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
    const retention = bucketRetentionOf(args);
    const noncurrentDays = args.noncurrentVersionDays ?? 14;
    return [
        ...TIERS.map((tier) => ({
            id: `lifeboat-${tier}`,
            status: "Enabled",
            filter: { prefix: tierPrefix(tier, args.prefix) },
            expiration: { days: retention[`${tier}Days`] },
            noncurrentVersionExpiration: { noncurrentDays },
        })),
        {
            // the restore-test reports `lifeboat verify` writes (scripts/layout.ts)
            id: "lifeboat-verifications",
            status: "Enabled",
            filter: { prefix: verificationsPrefix(args.prefix) },
            expiration: { days: VERIFICATIONS_DAYS },
            noncurrentVersionExpiration: { noncurrentDays },
        },
        {
            id: "lifeboat-abort-incomplete-uploads",
            status: "Enabled",
            filter: { prefix: normalisePrefix(args.prefix) },
            abortIncompleteMultipartUpload: { daysAfterInitiation: args.abortIncompleteUploadDays ?? 1 },
            // Expired objects leave delete markers with no version behind them: remove those too.
            expiration: { expiredObjectDeleteMarker: true },
        },
    ];
}

/** The bucket policy: every request over TLS (1.2 or later), every object written encrypted with the bucket's KMS key. */
export function tlsOnlyPolicy(bucketName: string): string {
    const arn = bucketArn(bucketName);
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [arn, `${arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            {
                Sid: "DenyOldTls",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [arn, `${arn}/*`],
                Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
            },
        ],
    });
}

export function backupKeyInputs(args: BackupBucketArgs): aws.kms.KeyArgs {
    return {
        region: args.region,
        description: `Lifeboat: encrypts the backup sets in s3://${args.bucketName}`,
        enableKeyRotation: true,
        deletionWindowInDays: args.keyDeletionWindowDays ?? 30,
        tags: { ...args.tags, [ROLE_TAG]: ROLES.backups },
    };
}

export function bucketInputs(args: BackupBucketArgs): aws.s3.BucketArgs {
    return {
        bucket: args.bucketName,
        region: args.region,
        objectLockEnabled: true,
        forceDestroy: false,
        tags: { ...args.tags, [ROLE_TAG]: ROLES.backups },
    };
}

/**
 * An S3 bucket for backup sets: versioning, Object Lock, SSE-KMS with its own rotating key, all
 * four public-access blocks, bucket-owner-enforced ownership (no ACLs), a TLS-only policy, and
 * lifecycle rules that age each tier out and abort incomplete multipart uploads.
 */
export class BackupBucket extends pulumi.ComponentResource {
    public readonly key: aws.kms.Key;
    public readonly bucket: aws.s3.Bucket;
    public readonly versioning: aws.s3.BucketVersioning;
    public readonly encryption: aws.s3.BucketServerSideEncryptionConfiguration;
    public readonly publicAccessBlock: aws.s3.BucketPublicAccessBlock;
    public readonly ownership: aws.s3.BucketOwnershipControls;
    public readonly policy: aws.s3.BucketPolicy;
    public readonly lifecycle: aws.s3.BucketLifecycleConfiguration;
    public readonly objectLock: aws.s3.BucketObjectLockConfiguration | undefined;
    public readonly bucketName: string;
    public readonly region: string;
    /** `arn:aws:s3:::BUCKET`. */
    public readonly bucketArn: string;
    /** The normalised key prefix ("" or "a/b/"). */
    public readonly prefix: string;
    /** Where the job writes: s3://BUCKET[/prefix]. */
    public readonly targetUrl: string;

    constructor(name: string, args: BackupBucketArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("lifeboat:aws:BackupBucket", name, {}, opts);
        const problems = new Problems();
        validateBackupBucketArgs(args, problems);
        problems.throwIfAny(`BackupBucket ${name}`);

        this.bucketName = args.bucketName;
        this.region = args.region;
        this.bucketArn = bucketArn(args.bucketName);
        this.prefix = normalisePrefix(args.prefix);
        this.targetUrl = `s3://${this.bucketName}${this.prefix === "" ? "" : `/${this.prefix.replace(/\/$/, "")}`}`;

        this.key = new aws.kms.Key(`${name}-key`, backupKeyInputs(args), { parent: this, protect: true });
        this.bucket = new aws.s3.Bucket(`${name}-bucket`, bucketInputs(args), { parent: this, protect: true });
        // The literal bucket name, with an explicit dependency, so that policies can match it during preview.
        const on = { bucket: args.bucketName, region: args.region };
        const after = { parent: this, dependsOn: [this.bucket] };
        this.versioning = new aws.s3.BucketVersioning(`${name}-versioning`, {
            ...on,
            versioningConfiguration: { status: "Enabled" },
        }, after);
        this.encryption = new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-encryption`, {
            ...on,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.key.arn }, bucketKeyEnabled: true }],
        }, after);
        this.publicAccessBlock = new aws.s3.BucketPublicAccessBlock(`${name}-public-access-block`, {
            ...on,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        }, after);
        this.ownership = new aws.s3.BucketOwnershipControls(`${name}-ownership`, {
            ...on,
            rule: { objectOwnership: "BucketOwnerEnforced" },
        }, after);
        this.policy = new aws.s3.BucketPolicy(`${name}-policy`, { ...on, policy: tlsOnlyPolicy(args.bucketName) },
            { parent: this, dependsOn: [this.bucket, this.publicAccessBlock] });
        this.lifecycle = new aws.s3.BucketLifecycleConfiguration(`${name}-lifecycle`, { ...on, rules: bucketLifecycleRules(args) },
            { parent: this, dependsOn: [this.bucket, this.versioning] });
        if (args.objectLockDays !== undefined) {
            this.objectLock = new aws.s3.BucketObjectLockConfiguration(`${name}-object-lock`, {
                ...on,
                objectLockEnabled: "Enabled",
                rule: { defaultRetention: { mode: args.objectLockMode ?? "GOVERNANCE", days: args.objectLockDays } },
            }, { parent: this, dependsOn: [this.bucket, this.versioning] });
        }
        this.registerOutputs({ bucketName: this.bucketName, targetUrl: this.targetUrl, keyArn: this.key.arn });
    }
}
