import { verdictsOf, withProp } from "../fixtures";
import { awsStack, without } from "./fixtures";

const BUCKET = 'aws:s3/bucket:Bucket "backups-bucket"';
const NAME = '"lifeboat-aws-backups-542c7cbb"';

describe("s3-public-access-block", () => {
    const POLICY = "s3-public-access-block";
    const FIX = "Fix: declare an aws.s3.BucketPublicAccessBlock for the bucket with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.";
    it("passes all four flags", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
    });
    it.each(["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])("reports %s off", async (flag) => {
        expect(await verdictsOf(POLICY, withProp(awsStack(), "backups-public-access-block", flag, false))).toEqual([{
            enforcementLevel: "mandatory", name: "backups-public-access-block",
            message: `aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock "backups-public-access-block": public access is not fully blocked (${flag} not true) on ${BUCKET} (found ${flag} false). ${FIX}`,
        }]);
    });
    it("reports a bucket without one", async () => {
        expect(await verdictsOf(POLICY, without(awsStack(), "backups-public-access-block"))).toEqual([{
            enforcementLevel: "mandatory", name: "backups-bucket",
            message: `${BUCKET}: the bucket has no public access block, so an ACL or a bucket policy can make backups public (found no aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock for bucket ${NAME}). ${FIX}`,
        }]);
    });
    it("checks a bucket tagged with another Lifeboat role too (tags are hints only)", async () => {
        const stack = withProp(without(awsStack(), "backups-public-access-block"), "backups-bucket", "tags.lifeboat-role", "dump-job");
        expect((await verdictsOf(POLICY, stack)).map((v) => [v.enforcementLevel, v.name])).toEqual([["mandatory", "backups-bucket"]]);
    });
});

describe("s3-versioning", () => {
    const POLICY = "s3-versioning";
    const FIX = 'Fix: declare an aws.s3.BucketVersioning for the bucket with versioningConfiguration.status "Enabled".';
    it("passes versioning on", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
    });
    it("reports suspended versioning", async () => {
        expect(await verdictsOf(POLICY, withProp(awsStack(), "backups-versioning", "versioningConfiguration.status", "Suspended"))).toEqual([{
            enforcementLevel: "mandatory", name: "backups-versioning",
            message: `aws:s3/bucketVersioning:BucketVersioning "backups-versioning": versioning is not enabled on ${BUCKET} (found versioningConfiguration.status "Suspended"). ${FIX}`,
        }]);
    });
    it("reports a bucket without versioning", async () => {
        expect(await verdictsOf(POLICY, without(awsStack(), "backups-versioning"))).toEqual([{
            enforcementLevel: "mandatory", name: "backups-bucket",
            message: `${BUCKET}: the bucket has no versioning configuration, so an overwritten or deleted backup object is gone (found no aws:s3/bucketVersioning:BucketVersioning for bucket ${NAME}). ${FIX}`,
        }]);
    });
});

describe("s3-kms-encryption", () => {
    const POLICY = "s3-kms-encryption";
    it("passes SSE-KMS with the bucket's key", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
    });
    it("reports S3-managed keys", async () => {
        const stack = withProp(awsStack(), "backups-encryption", "rules", [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
        expect(await verdictsOf(POLICY, stack)).toEqual([{
            enforcementLevel: "mandatory", name: "backups-encryption",
            message: `aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration "backups-encryption": default encryption is not SSE-KMS with a customer-managed key on ${BUCKET} ` +
                '(found rules [{"applyServerSideEncryptionByDefault":{"sseAlgorithm":"AES256"}}]). Fix: declare an aws.s3.BucketServerSideEncryptionConfiguration for the bucket with sseAlgorithm "aws:kms" and kmsMasterKeyId a customer-managed key (rotation on).',
        }]);
    });
});

describe("s3-tls-only", () => {
    const POLICY = "s3-tls-only";
    const FIX = 'Fix: add a statement {Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucket ARN, bucket ARN/*], Condition: {Bool: {"aws:SecureTransport": "false"}}} (components/aws tlsOnlyPolicy).';
    it("passes the TLS-only policy", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
    });
    it("reports a policy without the TLS deny", async () => {
        const stack = withProp(awsStack(), "backups-policy", "policy", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" }] }));
        expect(await verdictsOf(POLICY, stack)).toEqual([{
            enforcementLevel: "mandatory", name: "backups-policy",
            message: `aws:s3/bucketPolicy:BucketPolicy "backups-policy": the bucket policy does not deny requests without TLS on ${BUCKET} (found no Deny of s3:* for every principal when aws:SecureTransport is false). ${FIX}`,
        }]);
    });
    it("reports a bucket without a policy", async () => {
        expect(await verdictsOf(POLICY, without(awsStack(), "backups-policy"))).toEqual([{
            enforcementLevel: "mandatory", name: "backups-bucket",
            message: `${BUCKET}: the bucket has no bucket policy, so requests over plain HTTP are accepted (found no aws:s3/bucketPolicy:BucketPolicy for bucket ${NAME}). ${FIX}`,
        }]);
    });
});

describe("s3-lifecycle-rules", () => {
    const POLICY = "s3-lifecycle-rules";
    const L = 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration "backups-lifecycle"';
    const FIX = "Fix: declare an aws.s3.BucketLifecycleConfiguration with an enabled rule per tier prefix expiring daily/ after at least 30, weekly/ after 90 and monthly/ after 365 days " +
        "(stack config lifeboat:backupStorage.retention), and one with abortIncompleteMultipartUpload (components/aws bucketLifecycleRules).";
    it("passes a rule per tier and the multipart abort", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
    });
    it("reports a tier kept too briefly", async () => {
        expect(await verdictsOf(POLICY, withProp(awsStack(), "backups-lifecycle", "rules.1.expiration.days", 60))).toEqual([{
            enforcementLevel: "mandatory", name: "backups-lifecycle",
            message: `${L}: a rule expires weekly backup sets sooner than 90 days on ${BUCKET} (found rule "lifeboat-weekly" expiration.days 60). ${FIX}`,
        }]);
    });
    it("reports a disabled tier rule", async () => {
        expect(await verdictsOf(POLICY, withProp(awsStack(), "backups-lifecycle", "rules.2.status", "Disabled"))).toEqual([{
            enforcementLevel: "mandatory", name: "backups-lifecycle",
            message: `${L}: no enabled rule expires the monthly tier (monthly/) on ${BUCKET} (found 3 enabled rules, none with expiration.days for monthly/). ${FIX}`,
        }]);
    });
    it("reports no multipart abort", async () => {
        expect(await verdictsOf(POLICY, withProp(awsStack(), "backups-lifecycle", "rules.3.abortIncompleteMultipartUpload", undefined))).toEqual([{
            enforcementLevel: "mandatory", name: "backups-lifecycle",
            message: `${L}: no enabled rule aborts incomplete multipart uploads on ${BUCKET} (found no rule with abortIncompleteMultipartUpload.daysAfterInitiation). ${FIX}`,
        }]);
    });
    it("follows the configured minimums", async () => {
        const stack = withProp(awsStack(), "backups-lifecycle", "rules.1.expiration.days", 60);
        expect(await verdictsOf(POLICY, stack, { [POLICY]: { minimumWeeklyDays: 60 } })).toEqual([]);
    });
    it("reports a bucket without lifecycle rules", async () => {
        expect(await verdictsOf(POLICY, without(awsStack(), "backups-lifecycle"))).toEqual([{
            enforcementLevel: "mandatory", name: "backups-bucket",
            message: `${BUCKET}: the bucket has no lifecycle configuration, so backup sets are never aged out and stale multipart uploads are kept (and billed) for ever (found no aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration for bucket ${NAME}). ${FIX}`,
        }]);
    });
});

describe("s3-object-lock", () => {
    const POLICY = "s3-object-lock";
    const FIX = "Fix: create the bucket with objectLockEnabled true and declare an aws.s3.BucketObjectLockConfiguration with a default retention (stack config lifeboat:backupStorage.immutabilityDays or lifeboat:offsite.s3.objectLockDays).";
    it("passes Object Lock with a default retention", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
    });
    it("reports a bucket without Object Lock (advisory)", async () => {
        expect(await verdictsOf(POLICY, withProp(awsStack(), "backups-bucket", "objectLockEnabled", false))).toEqual([{
            enforcementLevel: "advisory", name: "backups-bucket",
            message: `${BUCKET}: Object Lock is not enabled on the bucket (it can only be chosen when the bucket is created) (found objectLockEnabled false). ${FIX}`,
        }]);
    });
    it("reports no default retention", async () => {
        expect(await verdictsOf(POLICY, without(awsStack(), "backups-object-lock"))).toEqual([{
            enforcementLevel: "advisory", name: "backups-bucket",
            message: `${BUCKET}: the bucket has no Object Lock default retention, so whoever holds write access can delete every backup version (found no aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration for bucket ${NAME}). ${FIX}`,
        }]);
    });
});
