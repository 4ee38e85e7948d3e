import { OfflineResource } from "../../../policies/offline";
import { named, UNKNOWN, verdictsOf, withProp } from "../fixtures";
import { awsStack } from "./fixtures";

const RDS = "casework-aws-pg-instance";
const names = async (policy: string, stack: OfflineResource[]) => (await verdictsOf(policy, stack)).map((v) => [v.name, v.enforcementLevel, v.message.split(" (found")[0]]);

describe("rds-copy-tags-to-snapshot", () => {
    const POLICY = "rds-copy-tags-to-snapshot";
    it("passes, and reports it off", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
        expect(await names(POLICY, withProp(awsStack(), RDS, "copyTagsToSnapshot", false))).toEqual([[RDS, "advisory", `aws:rds/instance:Instance "${RDS}": snapshots do not get the instance's tags, so a snapshot cannot be told from any other by them`]]);
    });
});

describe("rds-auto-minor-version-upgrade", () => {
    const POLICY = "rds-auto-minor-version-upgrade";
    it("passes, and reports it off", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
        expect(await names(POLICY, withProp(awsStack(), RDS, "autoMinorVersionUpgrade", false))).toEqual([[RDS, "advisory", `aws:rds/instance:Instance "${RDS}": automatic minor version upgrades are off, so security fixes wait for someone to apply them`]]);
    });
});

describe("rds-log-exports", () => {
    const POLICY = "rds-log-exports";
    it("passes the postgresql log exported, and reports none", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
        expect(await names(POLICY, withProp(awsStack(), RDS, "enabledCloudwatchLogsExports", ["upgrade"]))).toEqual([[RDS, "advisory", `aws:rds/instance:Instance "${RDS}": the postgresql log is not exported, so connections and errors are lost with the instance`]]);
    });
});

describe("s3-bucket-owner-enforced", () => {
    const POLICY = "s3-bucket-owner-enforced";
    it("passes ACLs disabled, reports ACLs honoured or no ownership controls", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
        expect((await names(POLICY, withProp(awsStack(), "backups-ownership", "rule.objectOwnership", "ObjectWriter"))).map((x) => x[0])).toEqual(["backups-ownership"]);
        expect((await names(POLICY, awsStack().filter((r) => r.name !== "backups-ownership"))).map((x) => x[2])).toEqual(['aws:s3/bucket:Bucket "backups-bucket": the bucket has no ownership controls, so ACLs are honoured']);
    });
});

describe("iam-no-wildcard-actions", () => {
    const POLICY = "iam-no-wildcard-actions";
    it("passes the roles' named actions, and reports * and s3:*", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
        const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "All", Effect: "Allow", Action: ["s3:*", "kms:Decrypt"], Resource: "*" }, { Effect: "Deny", Action: "*", Resource: "*" }] });
        expect(await names(POLICY, withProp(awsStack(), "jobs-task-backup-writer", "policy", policy))).toEqual([["jobs-task-backup-writer", "advisory", 'aws:iam/rolePolicy:RolePolicy "jobs-task-backup-writer": statement "All" allows s3:*']]);
        expect((await names(POLICY, withProp(awsStack(), "jobs-task-backup-writer", "policy", UNKNOWN)))[0][2]).toContain("cannot be determined");
    });
});

describe("ecs-task-not-privileged", () => {
    const POLICY = "ecs-task-not-privileged";
    const TASK = "lifeboat-dump-casework-aws-pg-task";
    it("passes the dump task (user 1000), reports privileged and root", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
        const stack = awsStack();
        const defs = JSON.parse(String(named(stack, TASK).props.containerDefinitions));
        defs[0].privileged = true;
        delete defs[0].user;
        withProp(stack, TASK, "containerDefinitions", JSON.stringify(defs));
        expect((await names(POLICY, stack)).map((x) => x[2])).toEqual([
            `aws:ecs/taskDefinition:TaskDefinition "${TASK}": container "lifeboat" runs privileged`,
            `aws:ecs/taskDefinition:TaskDefinition "${TASK}": container "lifeboat" runs as root`,
        ]);
    });
});

describe("log-group-retention", () => {
    const POLICY = "log-group-retention";
    it("passes 90 days, reports none", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
        expect((await names(POLICY, withProp(awsStack(), "lifeboat-dump-casework-aws-pg-logs", "retentionInDays", undefined))).map((x) => x[2])).toEqual(['aws:cloudwatch/logGroup:LogGroup "lifeboat-dump-casework-aws-pg-logs": the log group keeps its logs for ever (no retention set)']);
    });
});

describe("sns-topic-encrypted", () => {
    const POLICY = "sns-topic-encrypted";
    it("passes a topic with a key, reports none", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
        expect((await names(POLICY, withProp(awsStack(), "jobs-alarms", "kmsMasterKeyId", undefined))).map((x) => x[2])).toEqual(['aws:sns/topic:Topic "jobs-alarms": the topic is not encrypted at rest']);
    });
});

describe("ecs-cluster-container-insights", () => {
    const POLICY = "ecs-cluster-container-insights";
    it("passes insights on, reports them off", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
        expect((await names(POLICY, withProp(awsStack(), "jobs-cluster", "settings", [{ name: "containerInsights", value: "disabled" }]))).map((x) => x[2])).toEqual(['aws:ecs/cluster:Cluster "jobs-cluster": Container Insights is off']);
    });
});

describe("security-group-no-public-ingress", () => {
    const POLICY = "security-group-no-public-ingress";
    it("passes the stack's groups, reports the internet let in and a rule without description", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
        const stack = withProp(awsStack(), "casework-aws-pg-sg", "ingress", [{ fromPort: 5432, toPort: 5432, protocol: "tcp", cidrBlocks: ["0.0.0.0/0"] }]);
        expect((await names(POLICY, stack)).map((x) => x[2])).toEqual([
            'aws:ec2/securityGroup:SecurityGroup "casework-aws-pg-sg": ingress rule 0 admits the whole internet',
            'aws:ec2/securityGroup:SecurityGroup "casework-aws-pg-sg": ingress rule 0 has no description',
        ]);
        expect((await names(POLICY, withProp(awsStack(), "jobs-sg", "description", ""))).map((x) => x[2])).toEqual(['aws:ec2/securityGroup:SecurityGroup "jobs-sg": the security group has no description']);
    });
});

describe("kms-key-enabled", () => {
    const POLICY = "kms-key-enabled";
    it("passes enabled keys, reports a disabled one", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
        expect(await names(POLICY, withProp(awsStack(), "field-key-kms", "isEnabled", false))).toEqual([["field-key-kms", "mandatory", 'aws:kms/key:Key "field-key-kms": the key is disabled, so nothing it encrypts can be read until it is enabled again']]);
    });
});

describe("iam-trust-specific-principals", () => {
    const POLICY = "iam-trust-specific-principals";
    it("passes roles assumed by named services, reports one anyone may assume", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
        const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }] });
        expect((await names(POLICY, withProp(awsStack(), "jobs-task-role", "assumeRolePolicy", trust))).map((x) => x[2])).toEqual(['aws:iam/role:Role "jobs-task-role": the role can be assumed by any principal']);
    });
});

describe("ecs-task-roles-separate", () => {
    const POLICY = "ecs-task-roles-separate";
    const TASK = "lifeboat-dump-casework-aws-pg-task";
    it("passes separate roles, reports one role for both", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
        const stack = awsStack();
        const task = named(stack, TASK);
        task.props.executionRoleArn = "arn:aws:iam::123456789012:role/one";
        task.props.taskRoleArn = "arn:aws:iam::123456789012:role/one";
        expect((await names(POLICY, stack)).map((x) => x[2])).toEqual([`aws:ecs/taskDefinition:TaskDefinition "${TASK}": the execution role is the task role, so the task itself holds what starting it needs (the database password, the image pull)`]);
    });
});

describe("s3-policy-no-public-allow", () => {
    const POLICY = "s3-policy-no-public-allow";
    it("passes the backup bucket's policy (a Deny for everyone is fine), reports an Allow for everyone", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
        const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "Public", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }] });
        expect((await names(POLICY, withProp(awsStack(), "backups-policy", "policy", policy))).map((x) => x[2])).toEqual(['aws:s3/bucketPolicy:BucketPolicy "backups-policy": the bucket policy allows every principal on aws:s3/bucket:Bucket "backups-bucket"']);
    });
});

describe("ecs-task-no-plaintext-secrets", () => {
    const POLICY = "ecs-task-no-plaintext-secrets";
    const TASK = "lifeboat-dump-casework-aws-pg-task";
    it("passes the dump task (its password comes from secrets; the key fingerprint is no secret), reports a password in the environment", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
        const stack = awsStack();
        const defs = JSON.parse(String(named(stack, TASK).props.containerDefinitions));
        defs[0].environment.push({ name: "PGPASSWORD", value: "hunter2" });
        withProp(stack, TASK, "containerDefinitions", JSON.stringify(defs));
        expect(await names(POLICY, stack)).toEqual([[TASK, "mandatory", `aws:ecs/taskDefinition:TaskDefinition "${TASK}": container "lifeboat" gets PGPASSWORD as a plain environment variable, readable by anyone who can describe the task definition`]]);
    });
});
