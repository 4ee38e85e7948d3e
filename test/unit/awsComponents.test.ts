import * as pulumi from "@pulumi/pulumi";
import { promiseOf, recordingMocks, settled } from "./mocks";

const recorder = recordingMocks();
pulumi.runtime.setMocks(recorder.mocks, "lifeboat", "unit", false, "organization");

// Loaded after setMocks, as the components create resources when constructed.
import * as aws from "../../components/aws";
import { Problems } from "../../components/validation";
import { fingerprintKey } from "../../scripts/fingerprint";

function problemsOf(run: (p: Problems) => void): string[] {
    const p = new Problems();
    run(p);
    return p.list.map((x) => `${x.path}: ${x.given}; ${x.allowed}`);
}

describe("eventBridgeCron", () => {
    it.each([
        ["0 2 * * *", "cron(0 2 * * ? *)"],
        ["30 1 * * *", "cron(30 1 * * ? *)"],
        ["0 3 1 * *", "cron(0 3 1 * ? *)"],
        ["0 2 * * 1-5", "cron(0 2 ? * 2-6 *)"],
        ["0 2 * * 0,6", "cron(0 2 ? * 1,7 *)"],
        ["0 2 * * MON", "cron(0 2 ? * MON *)"],
        ["*/15 * * * *", "cron(*/15 * * * ? *)"],
    ])("%s -> %s", (cron, expected) => {
        expect(aws.eventBridgeCron(cron)).toBe(expected);
    });

    it("refuses both day fields restricted, and invalid crons", () => {
        expect(aws.eventBridgeCron("0 2 1 * 1")).toBeUndefined();
        expect(aws.eventBridgeCron("0 25 * * *")).toBeUndefined();
    });

    it("knows IANA time zones", () => {
        expect(["UTC", "Europe/Berlin", "America/New_York"].map(aws.isTimeZone)).toEqual([true, true, true]);
        expect(["Mars/Olympus", "CET+1", ""].map(aws.isTimeZone)).toEqual([false, false, false]);
    });
});

describe("AWS regions", () => {
    it("normalises codes and suggests neighbours", () => {
        expect(aws.knownAwsRegion(" EU-Central-1 ")).toBe("eu-central-1");
        expect(aws.knownAwsRegion("eu-central-9")).toBeUndefined();
        expect(aws.suggestAwsRegions("eu-centrl-1")[0]).toMatch(/^eu-/);
        expect(aws.sameMetro("eu-west-3", "France Central")).toBe(true);
        expect(aws.sameMetro("eu-west-3", "westeurope")).toBe(false);
    });
});

describe("BackupBucket", () => {
    const args: aws.BackupBucketArgs = { bucketName: "lifeboat-unit-backups", region: "eu-west-1", objectLockDays: 7 };

    it("declares the bucket with every configuration, literal names and regions", async () => {
        const b = new aws.BackupBucket("bb", args);
        await settled(b.bucket, b.versioning, b.encryption, b.publicAccessBlock, b.policy, b.lifecycle, b.objectLock as pulumi.Resource, b.ownership);
        expect(recorder.find("aws:s3/bucket:Bucket", "bb-bucket").inputs).toEqual({
            bucket: "lifeboat-unit-backups", region: "eu-west-1", objectLockEnabled: true, forceDestroy: false, tags: { "lifeboat-role": "backups" },
        });
        const key = recorder.find("aws:kms/key:Key", "bb-key").inputs;
        expect([key.region, key.enableKeyRotation, key.deletionWindowInDays, key.tags]).toEqual(["eu-west-1", true, 30, { "lifeboat-role": "backups" }]);
        expect(recorder.find("aws:s3/bucketVersioning:BucketVersioning", "bb-versioning").inputs).toEqual({
            bucket: "lifeboat-unit-backups", region: "eu-west-1", versioningConfiguration: { status: "Enabled" },
        });
        expect(recorder.find("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "bb-public-access-block").inputs).toEqual({
            bucket: "lifeboat-unit-backups", region: "eu-west-1", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
        });
        const sse = recorder.find("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "bb-encryption").inputs;
        expect(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).toBe("aws:kms");
        expect(sse.rules[0].bucketKeyEnabled).toBe(true);
        expect(recorder.find("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "bb-object-lock").inputs.rule).toEqual({ defaultRetention: { mode: "GOVERNANCE", days: 7 } });
        expect(recorder.find("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "bb-ownership").inputs.rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
        const policy = JSON.parse(recorder.find("aws:s3/bucketPolicy:BucketPolicy", "bb-policy").inputs.policy);
        expect(policy.Statement[0]).toEqual({
            Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*",
            Resource: ["arn:aws:s3:::lifeboat-unit-backups", "arn:aws:s3:::lifeboat-unit-backups/*"],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        });
        expect(b.targetUrl).toBe("s3://lifeboat-unit-backups");
    });

    it("has one expiration rule per tier of the job's layout, and aborts incomplete uploads", () => {
        const rules = aws.bucketLifecycleRules({ ...args, prefix: "/casework/", retention: { dailyDays: 10 } });
        expect(rules.map((r) => [r.id, (r.filter as { prefix: string }).prefix, (r.expiration as { days?: number }).days])).toEqual([
            ["lifeboat-daily", "casework/daily/", 10],
            ["lifeboat-weekly", "casework/weekly/", 90],
            ["lifeboat-monthly", "casework/monthly/", 365],
            ["lifeboat-verifications", "casework/verifications/", 400],
            ["lifeboat-abort-incomplete-uploads", "casework/", undefined],
        ]);
        expect(rules[4].abortIncompleteMultipartUpload).toEqual({ daysAfterInitiation: 1 });
        expect(rules[0].noncurrentVersionExpiration).toEqual({ noncurrentDays: 14 });
    });

    it("declares no lock configuration without days (the bucket still has Object Lock on)", async () => {
        const b = new aws.BackupBucket("nolock", { bucketName: "lifeboat-unit-nolock", region: "eu-west-1" });
        await settled(b.bucket);
        expect(b.objectLock).toBeUndefined();
        expect(recorder.resources.filter((r) => r.name === "nolock-object-lock")).toEqual([]);
    });

    it("validates every argument at once", () => {
        expect(problemsOf((p) => aws.validateBackupBucketArgs({
            bucketName: "Bad_Name", region: "mars-1", objectLockDays: 40, objectLockMode: "FOREVER" as aws.ObjectLockMode, retention: { weeklyDays: 20 },
        }, p))).toEqual([
            'args.bucketName: "Bad_Name"; allowed: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, not an IP address',
            'args.region: "mars-1"; allowed: an AWS region code such as eu-central-1',
            'args.retention: {"dailyDays":30,"weeklyDays":20,"monthlyDays":365}; allowed: dailyDays <= weeklyDays <= monthlyDays (a rarer tier is kept at least as long)',
            "args.objectLockDays: 40; allowed: a whole number from 1 to 30",
            'args.objectLockMode: "FOREVER"; allowed: one of GOVERNANCE, COMPLIANCE',
        ]);
        expect(() => new aws.BackupBucket("bad", { bucketName: "x", region: "eu-west-1" })).toThrow(/BackupBucket bad: 1 invalid value/);
    });
});

describe("FieldKeySecret", () => {
    it("generates a key once, keeps it secret, encrypts it with its own rotating key", async () => {
        const k = new aws.FieldKeySecret("fk", { region: "eu-west-3" });
        await settled(k.secret, k.version, k.kmsKey);
        const secret = recorder.find("aws:secretsmanager/secret:Secret", "fk-secret").inputs;
        expect([secret.name, secret.region, secret.recoveryWindowInDays, secret.tags]).toEqual(["lifeboat/field-encryption-key", "eu-west-3", 30, { "lifeboat-role": "field-key" }]);
        const kms = recorder.find("aws:kms/key:Key", "fk-kms").inputs;
        expect([kms.region, kms.enableKeyRotation, kms.tags]).toEqual(["eu-west-3", true, { "lifeboat-role": "field-key" }]);
        const version = recorder.find("aws:secretsmanager/secretVersion:SecretVersion", "fk-version");
        expect(version.secretPaths).toContain("secretString");
        expect(version.inputs.secretString).toBe(Buffer.alloc(32, 0xfb).toString("base64url") + "=");
        expect(await promiseOf(k.keyFingerprint)).toBe(fingerprintKey(version.inputs.secretString));
        expect(recorder.find("random:index/randomBytes:RandomBytes", "fk-bytes").inputs).toEqual({ length: 32 });
    });

    it("gives the key an explicit policy: the account's own statement, named administrators, readers only through Secrets Manager", async () => {
        const app = "arn:aws:iam::123456789012:role/casework-app";
        const admin = "arn:aws:iam::123456789012:role/key-admins";
        const k = new aws.FieldKeySecret("fkp", { region: "eu-west-3", keyAdministrators: [admin], keyReaders: [app] });
        await settled(k.kmsKey);
        const policy = JSON.parse(recorder.find("aws:kms/key:Key", "fkp-kms").inputs.policy);
        expect(policy.Statement).toEqual([
            { Sid: "AccountAdministersTheKey", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
            { Sid: "KeyAdministrators", Effect: "Allow", Principal: { AWS: [admin] }, Action: [...aws.KEY_ADMIN_ACTIONS], Resource: "*" },
            {
                Sid: "ReadTheFieldKeyThroughSecretsManager", Effect: "Allow", Principal: { AWS: [app] }, Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: "*",
                Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-3.amazonaws.com", "kms:CallerAccount": "123456789012" } },
            },
        ]);
        // administrators manage the key but never use it
        expect(aws.KEY_ADMIN_ACTIONS.filter((a) => /Decrypt|Encrypt|GenerateDataKey|ReEncrypt/.test(a))).toEqual([]);
        // without named principals only the account's statement remains
        expect(JSON.parse(aws.fieldKeyPolicy("123456789012", { region: "eu-west-3" })).Statement.map((s: { Sid: string }) => s.Sid)).toEqual(["AccountAdministersTheKey"]);
    });

    it("stores a given key without generating one", async () => {
        const given = Buffer.alloc(32, 1).toString("base64url") + "=";
        const k = new aws.FieldKeySecret("given", { region: "eu-west-3", secretName: "app/fernet", fieldEncryptionKey: pulumi.secret(given) });
        await settled(k.version);
        expect(k.generator).toBeUndefined();
        expect(recorder.find("aws:secretsmanager/secretVersion:SecretVersion", "given-version").inputs.secretString).toBe(given);
    });

    it("validates its arguments with config paths", () => {
        expect(problemsOf((p) => aws.validateFieldKeySecretArgs({ region: "westeurope", secretName: "key-abcdef", recoveryWindowDays: 90 }, p, "lifeboat:keyVault"))).toEqual([
            'lifeboat:keyVault.location: "westeurope"; allowed: an AWS region code such as eu-west-3',
            'lifeboat:keyVault.secretName: "key-abcdef"; allowed: 1-512 letters, digits and /_+=.@-, not ending in a hyphen and six characters (Secrets Manager\'s own suffix)',
            "lifeboat:keyVault.softDeleteRetentionDays: 90; allowed: a whole number from 7 to 30",
        ]);
        expect(problemsOf((p) => aws.validateFieldKeySecretArgs({ region: "eu-west-3", keyReaders: ["*"], keyAdministrators: ["arn:aws:iam::123456789012:root"] }, p))).toEqual([
            'args.keyAdministrators[0]: "arn:aws:iam::123456789012:root"; allowed: an IAM role or user ARN, arn:aws:iam::<12-digit account>:role/<name>',
            'args.keyReaders[0]: "*"; allowed: an IAM role or user ARN, arn:aws:iam::<12-digit account>:role/<name>',
        ]);
    });
});

describe("RdsPostgres", () => {
    const args: aws.RdsPostgresArgs = {
        identifier: "app-pg", region: "eu-central-1", databases: ["main", "audit"], backupReplicationRegion: "eu-west-1",
        subnetIds: ["subnet-a", "subnet-b"], vpcId: "vpc-1", clientSecurityGroupIds: ["sg-task"],
    };

    it("sets every protection explicitly and replicates backups with a provider in the destination region", async () => {
        const db = new aws.RdsPostgres("app-pg", args);
        await settled(db.instance, db.replication as pulumi.Resource, db.replicationKey as pulumi.Resource);
        const i = recorder.find("aws:rds/instance:Instance", "app-pg-instance").inputs;
        expect(i).toMatchObject({
            identifier: "app-pg", region: "eu-central-1", engine: "postgres", engineVersion: "16", instanceClass: "db.t4g.medium",
            allocatedStorage: 100, maxAllocatedStorage: 200, storageEncrypted: true, backupRetentionPeriod: 35, copyTagsToSnapshot: true,
            deletionProtection: true, deleteAutomatedBackups: false, skipFinalSnapshot: false, finalSnapshotIdentifier: "app-pg-final",
            multiAz: false, publiclyAccessible: false, dbName: "main", username: "lifeboat_admin", manageMasterUserPassword: true,
            tags: { "lifeboat-role": "database" },
        });
        expect(i.password).toBeUndefined();
        expect(recorder.find("pulumi:providers:aws", "app-pg-replication-provider").inputs.region).toBe("eu-west-1");
        const r = recorder.find("aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication", "app-pg-backup-replication").inputs;
        expect([r.region, r.retentionPeriod]).toEqual(["eu-west-1", 35]);
        expect(recorder.find("aws:kms/key:Key", "app-pg-replication-key").inputs.region).toBe("eu-west-1");
        const sg = recorder.find("aws:ec2/securityGroup:SecurityGroup", "app-pg-sg").inputs;
        expect(sg.ingress).toEqual([{ protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: ["sg-task"], description: "PostgreSQL from the dump task" }]);
    });

    it("maps Multi-AZ and declares no replication without a region", async () => {
        const db = new aws.RdsPostgres("single", { ...args, identifier: "single", multiAz: true, backupReplicationRegion: undefined });
        await settled(db.instance);
        expect(db.replication).toBeUndefined();
        expect(recorder.find("aws:rds/instance:Instance", "single-instance").inputs.multiAz).toBe(true);
    });

    it("validates retention 1-35, the replication region and names", () => {
        expect(problemsOf((p) => aws.validateRdsPostgresArgs({
            ...args, identifier: "1pg", backupRetentionDays: 0, backupReplicationRegion: "eu-central-1", instanceClass: "Standard_D2ds_v5", databases: ["main", "rdsadmin"],
        }, p, "lifeboat:servers[0]"))).toEqual([
            'lifeboat:servers[0].name: "1pg"; allowed: 1-63 lowercase letters, digits and single hyphens, starting with a letter, not ending with a hyphen (the RDS instance identifier)',
            'lifeboat:servers[0].sku: "Standard_D2ds_v5"; allowed: an RDS instance class such as db.t4g.medium, db.m7g.large or db.r7g.xlarge',
            "lifeboat:servers[0].backupRetentionDays: 0; allowed: a whole number from 1 to 35",
            'lifeboat:servers[0].backupReplicationRegion: "eu-central-1"; allowed: a region other than the instance\'s (eu-central-1): a replica in the same region survives no regional loss',
            'lifeboat:servers[0].databases[1]: "rdsadmin"; allowed: any name but the reserved postgres, rdsadmin, template0, template1',
        ]);
        expect(problemsOf((p) => aws.validateRdsPostgresArgs({ ...args, backupRetentionDays: 1 }, p))).toEqual([]);
    });
});

describe("TaskEnvironment and DumpTask", () => {
    it("run the job on a timezone-aware schedule, with a task role limited to the bucket prefix", async () => {
        const env = new aws.TaskEnvironment("jobs", {
            region: "eu-central-1", vpcId: "vpc-1", subnetIds: ["subnet-a"], bucketName: "lifeboat-unit-backups", prefix: "", bucketKeyArn: "arn:aws:kms:eu-west-1:1:key/k",
            alertEmails: ["oncall@example.org"],
        });
        const task = new aws.DumpTask("dump-app", {
            environment: env, jobName: "lifeboat-dump-app", serverName: "app-pg", host: "app-pg.example", databases: ["main", "audit"],
            user: "lifeboat_admin", passwordSecretArn: "arn:aws:secretsmanager:eu-central-1:1:secret:rds!db", passwordSecretKeyArn: "arn:aws:kms:eu-central-1:1:key/db",
            target: "s3://lifeboat-unit-backups", bucketRegion: "eu-west-1", keyFingerprint: "sha256:0123456789abcdef", image: "ghcr.io/lifeboat-dr/lifeboat:0.1.0",
            cron: "30 1 * * *", timezone: "Europe/Berlin",
        });
        await settled(task.schedule, task.taskDefinition, task.failedAlarm, task.staleAlarm, env.taskRolePolicy);
        const schedule = recorder.find("aws:scheduler/schedule:Schedule", "dump-app-schedule").inputs;
        expect([schedule.scheduleExpression, schedule.scheduleExpressionTimezone, schedule.state, schedule.region]).toEqual(["cron(30 1 * * ? *)", "Europe/Berlin", "ENABLED", "eu-central-1"]);
        expect(schedule.target.ecsParameters).toMatchObject({ launchType: "FARGATE", taskCount: 1 });
        const td = recorder.find("aws:ecs/taskDefinition:TaskDefinition", "dump-app-task").inputs;
        expect(td.tags).toEqual({ "lifeboat-role": "dump-job", "lifeboat-server": "app-pg", "lifeboat-databases": "main,audit" });
        const [container] = JSON.parse(td.containerDefinitions);
        expect(container.command).toEqual(["backup"]);
        expect(Object.fromEntries(container.environment.map((e: { name: string; value: string }) => [e.name, e.value]))).toEqual({
            PGHOST: "app-pg.example", PGPORT: "5432", PGUSER: "lifeboat_admin", PGSSLMODE: "require", LIFEBOAT_DATABASES: "main,audit",
            LIFEBOAT_TARGET: "s3://lifeboat-unit-backups", LIFEBOAT_KEY_FINGERPRINT: "sha256:0123456789abcdef", AWS_REGION: "eu-west-1",
        });
        expect(container.secrets).toEqual([{ name: "PGPASSWORD", valueFrom: "arn:aws:secretsmanager:eu-central-1:1:secret:rds!db:password::" }]);
        expect(container.logConfiguration.logDriver).toBe("awslogs");

        const writer = JSON.parse(recorder.find("aws:iam/rolePolicy:RolePolicy", "jobs-task-backup-writer").inputs.policy);
        const actions = writer.Statement.flatMap((s: { Action: string[] }) => s.Action);
        expect(actions.sort()).toEqual(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "s3:AbortMultipartUpload", "s3:GetObject", "s3:ListBucket", "s3:ListMultipartUploadParts", "s3:PutObject"]);
        expect(JSON.stringify(writer)).not.toMatch(/Delete|secretsmanager|BypassGovernance/);

        expect(recorder.find("aws:cloudwatch/logMetricFilter:LogMetricFilter", "dump-app-failed-filter").inputs.pattern).toBe('{ $.event = "backup.failed" }');
        const stale = recorder.find("aws:cloudwatch/metricAlarm:MetricAlarm", "dump-app-stale-alarm").inputs;
        expect([stale.comparisonOperator, stale.treatMissingData, stale.period]).toEqual(["LessThanThreshold", "breaching", 86400]);
        expect(recorder.find("aws:sns/topicSubscription:TopicSubscription", "jobs-alarm-email-0").inputs).toMatchObject({ protocol: "email", endpoint: "oncall@example.org" });
    });

    it("validates the schedule", () => {
        const base = {
            jobName: "lifeboat-dump-app", serverName: "app-pg", host: "", databases: ["main"], user: "u", passwordSecretArn: "", passwordSecretKeyArn: "",
            target: "", bucketRegion: "eu-west-1", keyFingerprint: "", image: "img",
        };
        expect(problemsOf((p) => aws.validateDumpTaskArgs({ ...base, cron: "0 2 1 * MON", timezone: "Berlin", cpu: 3000 }, p, "lifeboat:schedule"))).toEqual([
            'lifeboat:schedule.cron: "0 2 1 * MON"; allowed: a cron that restricts day-of-month or day-of-week, not both (EventBridge Scheduler cannot combine them)',
            'lifeboat:schedule.timezone: "Berlin"; allowed: an IANA time zone name such as UTC, Europe/Paris or America/New_York',
            "lifeboat:schedule.cpu: 3000; allowed: one of 256, 512, 1024, 2048, 4096, 8192, 16384 (Fargate vCPU units)",
        ]);
    });
});

describe("AzureWebIdentityRole", () => {
    it("trusts only the tenant's tokens for one identity and audience, and may write but not delete", async () => {
        const role = new aws.AzureWebIdentityRole("offsite-writer", {
            tenantId: "tenant-1", principalId: "principal-1", audience: "api://lifeboat-offsite", bucketName: "lifeboat-unit-offsite", prefix: "", bucketKeyArn: "arn:aws:kms:eu-north-1:1:key/k",
        });
        await settled(role.role, role.policy, role.provider as pulumi.Resource);
        expect(recorder.find("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "offsite-writer-oidc").inputs).toMatchObject({
            url: "https://sts.windows.net/tenant-1/", clientIdLists: ["api://lifeboat-offsite"],
        });
        const trust = JSON.parse(recorder.find("aws:iam/role:Role", "offsite-writer-role").inputs.assumeRolePolicy);
        expect(trust.Statement).toHaveLength(1);
        expect(trust.Statement[0]).toMatchObject({
            Effect: "Allow",
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: { StringEquals: { "sts.windows.net/tenant-1/:sub": "principal-1", "sts.windows.net/tenant-1/:aud": "api://lifeboat-offsite" } },
        });
        expect(recorder.find("aws:iam/rolePolicy:RolePolicy", "offsite-writer-backup-writer").inputs.policy).not.toMatch(/Delete/);
    });

    it("builds the trust policy from the provider ARN", async () => {
        const policy = await promiseOf(aws.webIdentityTrustPolicy("arn:aws:iam::1:oidc-provider/sts.windows.net/t/", "t", "p", "api://lifeboat"));
        expect(JSON.parse(policy).Statement[0].Principal).toEqual({ Federated: "arn:aws:iam::1:oidc-provider/sts.windows.net/t/" });
    });

    it("validates the audience", () => {
        expect(problemsOf((p) => aws.validateAzureWebIdentityRoleArgs({ tenantId: "", principalId: "", audience: "lifeboat", bucketName: "", prefix: "", bucketKeyArn: "" }, p, "lifeboat:offsite.s3"))).toEqual([
            'lifeboat:offsite.s3.audience: "lifeboat"; allowed: an Entra application ID URI (api://... or https://...) or application (client) ID that the managed identity requests its token for',
        ]);
    });
});
