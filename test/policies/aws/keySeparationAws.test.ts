import { OfflineResource } from "../../../policies/offline";
import { happyStack, urnOf, verdictsOf, withProp } from "../fixtures";
import { awsStack } from "./fixtures";

const POLICY = "key-separate-from-backups";

function offsiteBucket(region: string): OfflineResource {
    return {
        type: "aws:s3/bucket:Bucket",
        name: "offsite-bucket",
        urn: urnOf("aws:s3/bucket:Bucket", "offsite-bucket", "pulumi:pulumi:Stack"),
        props: { bucket: "lifeboat-test-offsite", region, objectLockEnabled: true, tags: { "lifeboat-role": "backups" } },
        opts: { protect: true, retainOnDelete: false, ignoreChanges: [], dependencies: [], propertyDependencies: {} },
    };
}

describe("key-separate-from-backups on AWS", () => {
    it("passes the key in a region of its own (eu-west-3; backups in eu-central-1 and eu-west-1)", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
    });

    it("reports the secret and its KMS key in the backup replication's region", async () => {
        const stack = withProp(withProp(awsStack(), "field-key-secret", "region", "eu-west-1"), "field-key-kms", "region", "eu-west-1");
        const verdicts = await verdictsOf(POLICY, stack);
        expect(verdicts.map((v) => [v.enforcementLevel, v.name])).toEqual([
            ["mandatory", "field-key-kms"], ["mandatory", "field-key-kms"],
            ["mandatory", "field-key-secret"], ["mandatory", "field-key-secret"],
        ]);
        const messages = verdicts.map((v) => v.message).join("\n");
        expect(messages).toContain('aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication "casework-aws-pg-backup-replication"');
        expect(messages).toContain('aws:s3/bucket:Bucket "backups-bucket"');
    });

    it("reports the secret in the instance's region", async () => {
        const verdicts = await verdictsOf(POLICY, withProp(awsStack(), "field-key-secret", "region", "eu-central-1"));
        expect(verdicts).toEqual([{
            enforcementLevel: "mandatory", name: "field-key-secret",
            message: expect.stringMatching(/^aws:secretsmanager\/secret:Secret "field-key-secret": the field key is in the same region as aws:rds\/instance:Instance "casework-aws-pg-instance"/),
        }]);
    });
});

describe("key-separate-from-backups across clouds", () => {
    it("passes an Azure key and an S3 off-site copy in different metropolitan areas", async () => {
        expect(await verdictsOf(POLICY, [...happyStack(), offsiteBucket("eu-north-1")])).toEqual([]);
    });

    it("reports an Azure key and an S3 copy in the same city as advisory", async () => {
        const stack = [...withProp(happyStack(), "field-key-vault", "location", "francecentral"), offsiteBucket("eu-west-3")];
        expect(await verdictsOf(POLICY, stack)).toEqual([{
            enforcementLevel: "advisory", name: "field-key-vault",
            message: 'azure-native:keyvault:Vault "field-key-vault": the field key and aws:s3/bucket:Bucket "offsite-bucket" (off-site backup bucket) are in different clouds but the same metropolitan area (eu-west-3 and francecentral), so one local disaster takes both ' +
                '(found key location "francecentral", backup region "eu-west-3"). Fix: move the key vault (stack config lifeboat:keyVault.location) to a region that holds no backup and is not paired with one, or move the backups. ' +
                "Pick regions in different metropolitan areas (components/aws/regions.ts SAME_METRO_AZURE).",
        }]);
    });

    it("makes it mandatory in strict mode", async () => {
        const stack = [...withProp(happyStack(), "field-key-vault", "location", "francecentral"), offsiteBucket("eu-west-3")];
        const verdicts = await verdictsOf(POLICY, stack, { [POLICY]: { strictPairs: true } });
        expect(verdicts.map((v) => [v.enforcementLevel, v.name])).toEqual([["mandatory", "field-key-vault"]]);
    });
});
