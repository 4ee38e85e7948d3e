import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { cronProblem } from "../cron";
import { DATABASES_TAG, ROLE_TAG, ROLES, SERVER_TAG } from "../roles";
import { checkIntRange, Problems } from "../validation";
import { knownAwsRegion } from "./regions";

/**
 * A five-field cron (minute hour day-of-month month day-of-week, Sunday = 0) as EventBridge
 * Scheduler reads it: `cron(minutes hours day-of-month month day-of-week year)`, Sunday = 1, and
 * `?` in whichever day field is not restricted. Undefined when it cannot be expressed (both day
 * fields restricted, which EventBridge does not support) or is not a valid cron.
 */
export function eventBridgeCron(cron: string): string | undefined {
    if (cronProblem(cron) !== undefined) {
        return undefined;
    }
    const [minute, hour, dayOfMonth, month, dayOfWeek] = cron.trim().split(/\s+/);
    if (dayOfWeek === "*") {
        return `cron(${minute} ${hour} ${dayOfMonth} ${month} ? *)`;
    }
    if (dayOfMonth !== "*") {
        return undefined;
    }
    // Numbers shift by one (0-6 -> 1-7); names stay; steps are counts, not days.
    const shifted = dayOfWeek.split(",").map((part) => {
        const [range, step] = part.split("/");
        const bounds = range === "*" ? ["*"] : range.split("-").map((b) => (/^\d+$/.test(b) ? String(Number(b) + 1) : b));
        return `${bounds.join("-")}${step === undefined ? "" : `/${step}`}`;
    }).join(",");
    return `cron(${minute} ${hour} ? ${month} ${shifted} *)`;
}

/** Whether an IANA time zone name is one this runtime (and EventBridge Scheduler) knows. */
export function isTimeZone(zone: string): boolean {
    if (zone === "UTC") {
        return true;
    }
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: zone });
        return /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(zone);
    } catch {
        return false;
    }
}

function assumeRole(service: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
    });
}

/**
 * What the dump task may do with the backups, and nothing else: list its prefix, write and read
 * objects under it (reads verify what was written and serve `lifeboat list`), abort its own
 * multipart uploads, and use the bucket's KMS key. No delete: versions and Object Lock keep every
 * written set until the lifecycle rules expire it. No Secrets Manager, no field-key KMS key.
 */
export function backupWriterPolicy(bucketName: string, prefix: string, bucketKeyArn: pulumi.Input<string>): pulumi.Output<string> {
    const arn = `arn:aws:s3:::${bucketName}`;
    return pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ListBackupPrefix",
                Effect: "Allow",
                Action: ["s3:ListBucket"],
                Resource: arn,
                Condition: { StringLike: { "s3:prefix": prefix === "" ? ["*"] : [prefix, `${prefix}*`] } },
            },
            {
                Sid: "WriteAndReadBackupSets",
                Effect: "Allow",
                Action: ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                Resource: `${arn}/${prefix}*`,
            },
            {
                Sid: "UseBucketKey",
                Effect: "Allow",
                Action: ["kms:GenerateDataKey", "kms:Decrypt", "kms:Encrypt"],
                Resource: bucketKeyArn,
            },
        ],
    });
}

/** The account ID in an ARN (`arn:aws:kms:eu-central-1:123456789012:key/...` -> `123456789012`). */
export function accountOf(arn: string): string {
    return arn.split(":")[4] ?? "";
}

/**
 * The alarm topic key's policy. The account keeps full control (KMS refuses a policy that would
 * lock it out), and CloudWatch may use the key to publish alarms to the topic: an AWS-managed key
 * (alias/aws/sns) cannot grant that, so alarms to a topic encrypted with it are never delivered
 * (AWS SNS Developer Guide, "Enable compatibility between event sources from AWS services and
 * encrypted topics": kms:Decrypt and kms:GenerateDataKey* for the service principal).
 */
export function alarmTopicKeyPolicy(accountId: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Sid: "AccountAdministersTheKey", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" },
            { Sid: "CloudWatchAlarmsPublish", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: ["kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*" },
        ],
    });
}

export interface TaskEnvironmentArgs {
    /** AWS region of the cluster and its tasks: the database's (the tasks reach it inside the VPC). */
    region: string;
    /** VPC and subnets the tasks run in. Tasks get a public IP to pull the image (no NAT is declared). */
    vpcId: pulumi.Input<string>;
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The backup bucket (a literal name), the key prefix of the sets, and the bucket's KMS key. */
    bucketName: string;
    prefix: string;
    bucketKeyArn: pulumi.Input<string>;
    /** Email addresses subscribed to the alarm topic. @default [] */
    alertEmails?: string[];
    /** An https endpoint subscribed to the alarm topic (secret). @default undefined */
    alertWebhookUrl?: pulumi.Input<string>;
    /** Extra tags for the resources it declares (Lifeboat adds its own role tags). @default {} */
    tags?: Record<string, string>;
}

/**
 * What every dump task shares: an ECS cluster, the tasks' security group (egress only), the task
 * role that may write the backup prefix and nothing else, and an SNS topic for alarms.
 */
export class TaskEnvironment extends pulumi.ComponentResource {
    public readonly cluster: aws.ecs.Cluster;
    public readonly securityGroup: aws.ec2.SecurityGroup;
    public readonly taskRole: aws.iam.Role;
    public readonly taskRolePolicy: aws.iam.RolePolicy;
    public readonly alarmTopic: aws.sns.Topic;
    /** The alarm topic's customer-managed key, and its policy admitting CloudWatch. */
    public readonly alarmKey: aws.kms.Key;
    public readonly alarmKeyPolicy: aws.kms.KeyPolicy;
    public readonly region: string;
    public readonly vpcId: pulumi.Input<string>;
    public readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;

    constructor(name: string, args: TaskEnvironmentArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("lifeboat:aws:TaskEnvironment", name, {}, opts);
        this.region = args.region;
        this.vpcId = args.vpcId;
        this.subnetIds = args.subnetIds;
        const tags = { ...args.tags, [ROLE_TAG]: ROLES.dumpJob };
        this.cluster = new aws.ecs.Cluster(`${name}-cluster`, {
            region: args.region,
            settings: [{ name: "containerInsights", value: "enabled" }],
            tags,
        }, { parent: this });
        this.securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, {
            region: args.region,
            vpcId: args.vpcId,
            description: "Lifeboat dump tasks: no inbound; outbound to PostgreSQL, S3 and the image registry",
            ingress: [],
            egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "PostgreSQL, S3, registry" }],
            tags,
        }, { parent: this });
        this.taskRole = new aws.iam.Role(`${name}-task-role`, {
            description: "Lifeboat dump task: writes backup sets to its bucket prefix; cannot read the field key",
            assumeRolePolicy: assumeRole("ecs-tasks.amazonaws.com"),
            tags,
        }, { parent: this });
        this.taskRolePolicy = new aws.iam.RolePolicy(`${name}-task-backup-writer`, {
            role: this.taskRole.name,
            policy: backupWriterPolicy(args.bucketName, args.prefix, args.bucketKeyArn),
        }, { parent: this });
        this.alarmKey = new aws.kms.Key(`${name}-alarms-key`, {
            region: args.region,
            description: "Lifeboat: encrypts the backup alarm topic; CloudWatch may use it to publish",
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            tags,
        }, { parent: this, protect: true });
        this.alarmKeyPolicy = new aws.kms.KeyPolicy(`${name}-alarms-key-policy`, {
            region: args.region,
            keyId: this.alarmKey.keyId,
            policy: this.alarmKey.arn.apply((arn) => alarmTopicKeyPolicy(accountOf(arn))),
        }, { parent: this });
        this.alarmTopic = new aws.sns.Topic(`${name}-alarms`, {
            region: args.region,
            kmsMasterKeyId: this.alarmKey.arn,
            tags,
        }, { parent: this, dependsOn: [this.alarmKeyPolicy] });
        (args.alertEmails ?? []).forEach((email, i) => new aws.sns.TopicSubscription(`${name}-alarm-email-${i}`, {
            region: args.region,
            topic: this.alarmTopic.arn,
            protocol: "email",
            endpoint: email,
        }, { parent: this }));
        if (args.alertWebhookUrl !== undefined) {
            new aws.sns.TopicSubscription(`${name}-alarm-webhook`, {
                region: args.region,
                topic: this.alarmTopic.arn,
                protocol: "https",
                endpoint: pulumi.secret(args.alertWebhookUrl),
                endpointAutoConfirms: false,
            }, { parent: this });
        }
        this.registerOutputs({ clusterArn: this.cluster.arn, taskRoleArn: this.taskRole.arn });
    }
}

export interface DumpTaskArgs {
    environment: TaskEnvironment;
    /** Name of the task family, schedule and log group suffix: 1-64 letters, digits, hyphens and underscores. */
    jobName: string;
    /** The RDS instance identifier (a literal) and its host name. */
    serverName: string;
    host: pulumi.Input<string>;
    /** Databases to dump, one backup set per run. */
    databases: string[];
    /** Login of the dump task and the Secrets Manager secret (JSON with `password`) holding its password. */
    user: string;
    passwordSecretArn: pulumi.Input<string>;
    /** The KMS key that encrypts that secret (the execution role decrypts it to start the task). */
    passwordSecretKeyArn: pulumi.Input<string>;
    /** Backup target URL(s), comma-separated: s3://BUCKET[/prefix]. */
    target: pulumi.Input<string>;
    /** The bucket's region (the S3 client's AWS_REGION). */
    bucketRegion: string;
    /** Fingerprint of the field key in force, written into each manifest. */
    keyFingerprint: pulumi.Input<string>;
    /** The job image: a registry reference, preferably by digest. */
    image: pulumi.Input<string>;
    /**
     * The ECR repository `image` is in: the execution role may pull from it (and only it).
     * @default undefined (a public image)
     */
    imageRepositoryArn?: pulumi.Input<string>;
    /** Five-field cron (Sunday = 0), evaluated in `timezone`. @default "0 2 * * *" */
    cron?: string;
    /** IANA time zone of the cron; EventBridge Scheduler follows daylight saving. @default "UTC" */
    timezone?: string;
    /** Retries of a run that could not be started. @default 1 */
    retryLimit?: number;
    /** Fargate vCPU units. @default 1024 */
    cpu?: number;
    /** Fargate memory (MiB). @default 2048 */
    memory?: number;
    /** Days the task's logs are kept. @default 90 */
    logRetentionDays?: number;
    /** PGSSLMODE. @default "require" */
    sslMode?: string;
    /** Extra tags for the resources it declares (Lifeboat adds its own role tags). @default {} */
    tags?: Record<string, string>;
}

export function validateDumpTaskArgs(args: Omit<DumpTaskArgs, "environment">, problems: Problems, path = "args"): void {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(args.jobName)) {
        problems.add(`${path}.jobName`, args.jobName, "allowed: 1-64 letters, digits, hyphens and underscores");
    }
    const cron = args.cron ?? "0 2 * * *";
    const why = cronProblem(cron);
    if (why !== undefined) {
        problems.add(`${path}.cron`, cron, `allowed: a five-field cron such as "0 2 * * *" (${why})`);
    } else if (eventBridgeCron(cron) === undefined) {
        problems.add(`${path}.cron`, cron, "allowed: a cron that restricts day-of-month or day-of-week, not both (EventBridge Scheduler cannot combine them)");
    }
    const zone = args.timezone ?? "UTC";
    if (!isTimeZone(zone)) {
        problems.add(`${path}.timezone`, zone, "allowed: an IANA time zone name such as UTC, Europe/Paris or America/New_York");
    }
    checkIntRange(problems, `${path}.replicaRetryLimit`, args.retryLimit ?? 1, 0, 185);
    const cpu = args.cpu ?? 1024;
    if (![256, 512, 1024, 2048, 4096, 8192, 16384].includes(cpu)) {
        problems.add(`${path}.cpu`, cpu, "allowed: one of 256, 512, 1024, 2048, 4096, 8192, 16384 (Fargate vCPU units)");
    }
    checkIntRange(problems, `${path}.memory`, args.memory ?? 2048, 512, 122880);
    checkIntRange(problems, `${path}.logRetentionDays`, args.logRetentionDays ?? 90, 1, 3653);
    if (knownAwsRegion(args.bucketRegion) === undefined) {
        problems.add(`${path}.bucketRegion`, args.bucketRegion, "allowed: an AWS region code such as eu-central-1");
    }
    if (args.databases.length === 0) {
        problems.add(`${path}.databases`, args.databases, "allowed: at least one database");
    }
}

/** The container's environment: libpq's variables and the `LIFEBOAT_*` ones of the CLI (no secret among them). */
export function dumpTaskEnv(args: Omit<DumpTaskArgs, "environment">): { name: string; value: pulumi.Input<string> }[] {
    return [
        { name: "PGHOST", value: args.host },
        { name: "PGPORT", value: "5432" },
        { name: "PGUSER", value: args.user },
        { name: "PGSSLMODE", value: args.sslMode ?? "require" },
        { name: "LIFEBOAT_DATABASES", value: args.databases.join(",") },
        { name: "LIFEBOAT_TARGET", value: args.target },
        { name: "LIFEBOAT_KEY_FINGERPRINT", value: args.keyFingerprint },
        // The S3 client's region: the bucket's, which may differ from the task's.
        { name: "AWS_REGION", value: args.bucketRegion },
    ];
}

/**
 * One ECS Fargate task definition that runs `lifeboat backup` for one instance's databases, on an
 * EventBridge Scheduler schedule in a chosen time zone; JSON logs in CloudWatch; alarms on a failed
 * run and on a day without a completed set.
 */
export class DumpTask extends pulumi.ComponentResource {
    public readonly logGroup: aws.cloudwatch.LogGroup;
    public readonly executionRole: aws.iam.Role;
    public readonly executionRolePolicy: aws.iam.RolePolicy;
    public readonly taskDefinition: aws.ecs.TaskDefinition;
    public readonly schedulerRole: aws.iam.Role;
    public readonly schedulerRolePolicy: aws.iam.RolePolicy;
    public readonly schedule: aws.scheduler.Schedule;
    public readonly failedAlarm: aws.cloudwatch.MetricAlarm;
    public readonly staleAlarm: aws.cloudwatch.MetricAlarm;
    public readonly jobName: string;
    public readonly scheduleExpression: string;

    constructor(name: string, args: DumpTaskArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("lifeboat:aws:DumpTask", name, {}, opts);
        const problems = new Problems();
        validateDumpTaskArgs(args, problems);
        problems.throwIfAny(`DumpTask ${name}`);

        const env = args.environment;
        const region = env.region;
        this.jobName = args.jobName;
        this.scheduleExpression = eventBridgeCron(args.cron ?? "0 2 * * *") as string;
        const tags = { ...args.tags, [ROLE_TAG]: ROLES.dumpJob, [SERVER_TAG]: args.serverName, [DATABASES_TAG]: args.databases.join(",") };

        this.logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, {
            region,
            name: `/lifeboat/${args.jobName}`,
            retentionInDays: args.logRetentionDays ?? 90,
            tags,
        }, { parent: this });
        this.executionRole = new aws.iam.Role(`${name}-execution-role`, {
            description: `Lifeboat ${args.jobName}: starts the task (logs, the database password); not the task's own identity`,
            assumeRolePolicy: assumeRole("ecs-tasks.amazonaws.com"),
            tags,
        }, { parent: this });
        this.executionRolePolicy = new aws.iam.RolePolicy(`${name}-execution`, {
            role: this.executionRole.name,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: pulumi.interpolate`${this.logGroup.arn}:*` },
                    { Sid: "DatabasePassword", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: args.passwordSecretArn },
                    { Sid: "DatabasePasswordKey", Effect: "Allow", Action: ["kms:Decrypt"], Resource: args.passwordSecretKeyArn },
                    ...(args.imageRepositoryArn === undefined ? [] : [
                        { Sid: "RegistryLogin", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
                        { Sid: "PullJobImage", Effect: "Allow", Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"], Resource: args.imageRepositoryArn },
                    ]),
                ],
            }),
        }, { parent: this });

        this.taskDefinition = new aws.ecs.TaskDefinition(`${name}-task`, {
            region,
            family: args.jobName,
            requiresCompatibilities: ["FARGATE"],
            networkMode: "awsvpc",
            cpu: String(args.cpu ?? 1024),
            memory: String(args.memory ?? 2048),
            executionRoleArn: this.executionRole.arn,
            taskRoleArn: env.taskRole.arn,
            containerDefinitions: pulumi.jsonStringify([{
                name: "lifeboat",
                image: args.image,
                essential: true,
                command: ["backup"],
                environment: dumpTaskEnv(args),
                secrets: [{ name: "PGPASSWORD", valueFrom: pulumi.interpolate`${args.passwordSecretArn}:password::` }],
                logConfiguration: {
                    logDriver: "awslogs",
                    options: { "awslogs-group": this.logGroup.name, "awslogs-region": region, "awslogs-stream-prefix": "dump" },
                },
                readonlyRootFilesystem: false,
                user: "1000",
            }]),
            tags,
        }, { parent: this });

        this.schedulerRole = new aws.iam.Role(`${name}-scheduler-role`, {
            description: `Lifeboat ${args.jobName}: lets EventBridge Scheduler start the dump task`,
            assumeRolePolicy: assumeRole("scheduler.amazonaws.com"),
            tags,
        }, { parent: this });
        this.schedulerRolePolicy = new aws.iam.RolePolicy(`${name}-scheduler`, {
            role: this.schedulerRole.name,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    { Sid: "RunTask", Effect: "Allow", Action: ["ecs:RunTask"], Resource: this.taskDefinition.arnWithoutRevision.apply((a) => `${a}:*`) },
                    { Sid: "PassRoles", Effect: "Allow", Action: ["iam:PassRole"], Resource: [this.executionRole.arn, env.taskRole.arn] },
                    // The target tags the task it starts: RunTask with tags needs ecs:TagResource too
                    // (AWS ECS "Grant permission to tag resources on creation"), limited to that.
                    { Sid: "TagTheStartedTask", Effect: "Allow", Action: ["ecs:TagResource"], Resource: "*", Condition: { StringEquals: { "ecs:CreateAction": "RunTask" } } },
                ],
            }),
        }, { parent: this });
        this.schedule = new aws.scheduler.Schedule(`${name}-schedule`, {
            region,
            name: args.jobName,
            description: `Lifeboat: lifeboat backup of ${args.serverName} (${args.databases.join(", ")})`,
            scheduleExpression: this.scheduleExpression,
            scheduleExpressionTimezone: args.timezone ?? "UTC",
            flexibleTimeWindow: { mode: "OFF" },
            state: "ENABLED",
            target: {
                arn: env.cluster.arn,
                roleArn: this.schedulerRole.arn,
                ecsParameters: {
                    taskDefinitionArn: this.taskDefinition.arn,
                    launchType: "FARGATE",
                    platformVersion: "LATEST",
                    taskCount: 1,
                    networkConfiguration: { subnets: env.subnetIds, securityGroups: [env.securityGroup.id], assignPublicIp: true },
                    tags,
                    propagateTags: "TASK_DEFINITION",
                },
                retryPolicy: { maximumRetryAttempts: args.retryLimit ?? 1, maximumEventAgeInSeconds: 3600 },
            },
        }, { parent: this, dependsOn: [this.schedulerRolePolicy] });

        // The job logs one JSON line per event: count failures and completed sets.
        const namespace = "Lifeboat";
        const failedMetric = `${args.jobName}-failed`;
        const committedMetric = `${args.jobName}-committed`;
        new aws.cloudwatch.LogMetricFilter(`${name}-failed-filter`, {
            region,
            logGroupName: this.logGroup.name,
            pattern: '{ $.event = "backup.failed" }',
            metricTransformation: { namespace, name: failedMetric, value: "1", defaultValue: "0" },
        }, { parent: this });
        new aws.cloudwatch.LogMetricFilter(`${name}-committed-filter`, {
            region,
            logGroupName: this.logGroup.name,
            pattern: '{ $.event = "set.committed" }',
            metricTransformation: { namespace, name: committedMetric, value: "1" },
        }, { parent: this });
        this.failedAlarm = new aws.cloudwatch.MetricAlarm(`${name}-failed-alarm`, {
            region,
            alarmDescription: `Lifeboat: a backup run of ${args.serverName} failed (see log group /lifeboat/${args.jobName})`,
            namespace,
            metricName: failedMetric,
            statistic: "Sum",
            period: 3600,
            evaluationPeriods: 1,
            threshold: 1,
            comparisonOperator: "GreaterThanOrEqualToThreshold",
            treatMissingData: "notBreaching",
            alarmActions: [env.alarmTopic.arn],
            okActions: [env.alarmTopic.arn],
            tags,
        }, { parent: this });
        this.staleAlarm = new aws.cloudwatch.MetricAlarm(`${name}-stale-alarm`, {
            region,
            alarmDescription: `Lifeboat: no backup set of ${args.serverName} completed in the last day`,
            namespace,
            metricName: committedMetric,
            statistic: "Sum",
            period: 86400,
            evaluationPeriods: 1,
            threshold: 1,
            comparisonOperator: "LessThanThreshold",
            // No data means no completed set: that is the alarm.
            treatMissingData: "breaching",
            alarmActions: [env.alarmTopic.arn],
            okActions: [env.alarmTopic.arn],
            tags,
        }, { parent: this });
        this.registerOutputs({ jobName: this.jobName, taskDefinitionArn: this.taskDefinition.arn });
    }
}
