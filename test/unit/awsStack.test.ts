import { planJson, planStack, PlanResult, renderPlan } from "../../tools/plan";

function byType(result: PlanResult, type: string) {
    return result.resources.filter((r) => r.type === type);
}

describe("the shipped aws stack", () => {
    let result: PlanResult;
    beforeAll(async () => {
        result = await planStack({ stack: "aws" });
    });

    it("plans with no config error and no mandatory violation", () => {
        expect(result.configErrors).toEqual([]);
        expect(result.error).toBeUndefined();
        expect(result.verdicts.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
        expect(result.exitCode).toBe(0);
    });

    it("declares the RDS instance, backup replication, KMS keys, secret, bucket with its configurations, task definition and schedule", () => {
        const counts: Record<string, number> = {
            "aws:rds/instance:Instance": 1,
            "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": 1,
            "aws:kms/key:Key": 5,
            "aws:secretsmanager/secret:Secret": 1,
            "aws:secretsmanager/secretVersion:SecretVersion": 1,
            "aws:s3/bucket:Bucket": 1,
            "aws:s3/bucketVersioning:BucketVersioning": 1,
            "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": 1,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
            "aws:s3/bucketPolicy:BucketPolicy": 1,
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
            "aws:ecs/taskDefinition:TaskDefinition": 1,
            "aws:scheduler/schedule:Schedule": 1,
            "aws:cloudwatch/metricAlarm:MetricAlarm": 2,
        };
        for (const [type, n] of Object.entries(counts)) {
            expect([type, byType(result, type).length]).toEqual([type, n]);
        }
        const instance = byType(result, "aws:rds/instance:Instance")[0];
        expect(instance.props).toMatchObject({ region: "eu-central-1", backupRetentionPeriod: 35, multiAz: true, deletionProtection: true, storageEncrypted: true, publiclyAccessible: false, copyTagsToSnapshot: true, skipFinalSnapshot: false });
        const replication = byType(result, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication")[0];
        expect(replication.props.region).toBe("eu-west-1");
        // Declared with a provider in the destination region.
        expect(replication.opts.provider).toMatch(/pulumi:providers:aws::casework-aws-pg-replication-provider::/);
        expect(byType(result, "aws:scheduler/schedule:Schedule")[0].props).toMatchObject({ scheduleExpression: "cron(30 1 * * ? *)", scheduleExpressionTimezone: "Europe/Berlin" });
    });

    it("protects what cannot be recreated, and retains the key", () => {
        for (const type of ["aws:rds/instance:Instance", "aws:kms/key:Key", "aws:s3/bucket:Bucket", "aws:secretsmanager/secret:Secret", "aws:secretsmanager/secretVersion:SecretVersion"]) {
            for (const r of byType(result, type)) {
                expect([r.name, r.opts.protect]).toEqual([r.name, true]);
            }
        }
        for (const name of ["field-key-bytes", "field-key-kms", "field-key-secret", "field-key-version"]) {
            const r = result.resources.find((x) => x.name === name);
            expect([name, r?.opts.retainOnDelete]).toEqual([name, true]);
        }
    });

    it("keeps the field key in a region that holds no backup, and out of the dump task's reach", () => {
        const secret = byType(result, "aws:secretsmanager/secret:Secret")[0];
        const backupRegions = [
            ...byType(result, "aws:rds/instance:Instance"),
            ...byType(result, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"),
            ...byType(result, "aws:s3/bucket:Bucket"),
        ].map((r) => r.props.region);
        expect(backupRegions).toEqual(["eu-central-1", "eu-west-1", "eu-west-1"]);
        expect(backupRegions).not.toContain(secret.props.region);
        const policies = byType(result, "aws:iam/rolePolicy:RolePolicy").map((r) => String(r.props.policy));
        expect(policies.some((p) => p.includes(String(secret.props.name)))).toBe(false);
        const task = byType(result, "aws:ecs/taskDefinition:TaskDefinition")[0];
        expect(String(task.props.containerDefinitions)).not.toMatch(/FIELD_ENCRYPTION_KEY|field-encryption-key/);
    });

    it("never prints or returns a secret", () => {
        const text = `${renderPlan(result)}\n${JSON.stringify(planJson(result))}`;
        expect(text).not.toContain(Buffer.alloc(32, 7).toString("base64url"));
        expect(text).toContain("secretString=[secret]");
        expect(result.outputs.keyFingerprint).toMatch(/^sha256:[0-9a-f]{16}$/);
        expect(result.outputs.backupTarget).toMatch(/^s3:\/\/lifeboat-aws-backups-[0-9a-f]{8}$/);
    });
});

describe("invalid aws configs fail before any resource, naming the key, the value and what is allowed", () => {
    const server = { name: "casework-aws-pg", location: "eu-central-1", backupReplicationRegion: "eu-west-1", databases: ["main", "audit"] };
    const cases: Array<[string, Record<string, unknown>, string]> = [
        ["retention 0", { servers: [{ ...server, backupRetentionDays: 0 }] }, "lifeboat:servers[0].backupRetentionDays: got 0; allowed: a whole number from 1 to 35"],
        ["an Azure region on aws", { servers: [{ ...server, location: "westeurope" }] }, "lifeboat:servers[0].location: got \"westeurope\"; allowed: an AWS region code such as us-east-1, us-east-2, us-west-1"],
        ["geo-redundancy without a replication region", { servers: [{ ...server, backupReplicationRegion: undefined }] },
            "lifeboat:servers[0].backupReplicationRegion: missing; required for target aws while geoRedundantBackup is true (the default): the AWS region RDS replicates automated backups to (AWS has no region pairs), e.g. eu-west-1; or set geoRedundantBackup: false"],
        ["replication into the instance's region", { servers: [{ ...server, backupReplicationRegion: "eu-central-1" }] },
            "lifeboat:servers[0].backupReplicationRegion: got \"eu-central-1\"; allowed: a region other than the instance's (eu-central-1): a replica in the same region survives no regional loss"],
        ["an Azure SKU", { servers: [{ ...server, sku: "Standard_D2ds_v5" }] }, "lifeboat:servers[0].sku: got \"Standard_D2ds_v5\"; allowed: an RDS instance class such as db.t4g.medium, db.m7g.large or db.r7g.xlarge"],
        ["the key in the replication region", { keyVault: { location: "eu-west-1" } },
            "lifeboat:keyVault.location: got \"eu-west-1\"; allowed: a region that holds no backup; servers[0] backup replication in eu-west-1, the backup bucket in eu-west-1 would keep key and backups together"],
        ["the key in the instance's region", { keyVault: { location: "eu-central-1" } },
            "lifeboat:keyVault.location: got \"eu-central-1\"; allowed: a region that holds no backup; servers[0] (casework-aws-pg) in eu-central-1 would keep key and backups together"],
        ["secret recovery window", { keyVault: { location: "eu-west-3", softDeleteRetentionDays: 90 } }, "lifeboat:keyVault.softDeleteRetentionDays: got 90; allowed: a whole number from 7 to 30"],
        ["an Azure-only key", { backupStorage: { location: "eu-west-1", redundancy: "GRS" } },
            "lifeboat:backupStorage.redundancy: got \"GRS\"; not used by target aws (Azure only): remove it; an S3 bucket keeps copies in several Availability Zones of its region; the off-site copy is another region"],
        ["lock longer than the daily tier", { backupStorage: { location: "eu-west-1", immutabilityDays: 60 } }, "lifeboat:backupStorage.immutabilityDays: got 60; allowed: a whole number from 1 to 30"],
        ["a cron EventBridge cannot express", { schedule: { cron: "0 2 1 * 1", image: "img:1" } },
            "lifeboat:schedule.cron: got \"0 2 1 * 1\"; allowed: a cron that restricts day-of-month or day-of-week, not both (EventBridge Scheduler cannot combine them)"],
        ["an unknown time zone", { schedule: { cron: "0 2 * * *", timezone: "Europe/Atlantis", image: "img:1" } },
            "lifeboat:schedule.timezone: got \"Europe/Atlantis\"; allowed: an IANA time zone name such as UTC, Europe/Paris or America/New_York"],
        ["off-site on aws", { offsite: { s3: { region: "eu-north-1" } } },
            "lifeboat:offsite.s3: got {\"region\":\"eu-north-1\"}; allowed: only with target azure (on aws the backups are already in S3, and RDS backups are replicated by servers[].backupReplicationRegion); remove it"],
    ];

    it.each(cases)("%s", async (_title, config, message) => {
        const result = await planStack({ stack: "aws", config });
        expect(result.exitCode).toBe(1);
        expect(result.configErrors).toContain(message);
        expect(result.resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
    });

    it("refuses a time zone other than UTC on azure", async () => {
        const result = await planStack({ stack: "dev", config: { schedule: { cron: "0 2 * * *", timezone: "Europe/Paris", image: "img:1" } } });
        expect(result.configErrors).toContain("lifeboat:schedule.timezone: got \"Europe/Paris\"; allowed: UTC for target azure (Container Apps job cron runs in UTC); write the cron in UTC instead");
    });
});
