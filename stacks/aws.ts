import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import {
    BackupBucket, BackupBucketArgs, DumpTask, DumpTaskArgs, FieldKeySecret, FieldKeySecretArgs, JobRepository, knownAwsRegion, validateJobRepositoryArgs,
    RdsPostgres, RdsPostgresArgs, TaskEnvironment, validateBackupBucketArgs, validateDumpTaskArgs,
    validateFieldKeySecretArgs, validateRdsPostgresArgs,
} from "../components/aws";
import { Problem, Problems } from "../components/validation";
import { LifeboatConfig, NAMESPACE } from "./config";
import { buildsImage, derivedBucketName, dumpTaskName, imageTag, repositoryName } from "./naming";

type ServerPlan = Omit<RdsPostgresArgs, "subnetIds" | "vpcId" | "clientSecurityGroupIds">;
type JobPlan = Omit<DumpTaskArgs, "environment" | "host" | "passwordSecretArn" | "passwordSecretKeyArn" | "target" | "keyFingerprint" | "user">;

/**
 * Everything the AWS target declares, derived from config once and checked before anything is
 * declared: plain data (names, regions, settings), no Pulumi resource and no secret value. The
 * declare step (awsStack) reads nothing else but the secrets (AwsSecrets).
 */
export interface AwsPlan {
    /** The region of the databases, their network and the dump tasks. */
    region: string;
    servers: ServerPlan[];
    key: Omit<FieldKeySecretArgs, "fieldEncryptionKey">;
    /** Whether the user brings the field key (lifeboat:fieldEncryptionKey): then it is read as a secret when declaring. */
    bringsKey: boolean;
    bucket: BackupBucketArgs;
    /** The ECR repository the stack builds the job image into; undefined when `schedule.image` is a prebuilt one. */
    repository?: { repositoryName: string; tag: string };
    /** The prebuilt job image (`schedule.image`); "" when the stack builds it. */
    image: string;
    jobs: JobPlan[];
    /** `webhook`: whether lifeboat:alerts.webhookUrl is set (its value is a secret, in AwsSecrets). */
    alerts: { emails?: string[]; webhook: boolean };
}

/** The secrets the AWS declare step reads from the stack config (never part of the plan). */
export interface AwsSecrets {
    fieldEncryptionKey?: pulumi.Output<string>;
    webhookUrl?: pulumi.Output<string>;
}

/** Reads the secrets of the stack config that the AWS declare step needs. */
export function awsSecrets(cfg: LifeboatConfig): AwsSecrets {
    const config = new pulumi.Config(NAMESPACE);
    return {
        fieldEncryptionKey: cfg.hasFieldEncryptionKey ? config.requireSecret("fieldEncryptionKey") : undefined,
        webhookUrl: cfg.alerts.webhookUrl === undefined ? undefined : config.requireSecretObject<{ webhookUrl: string }>("alerts").apply((a) => a.webhookUrl),
    };
}

const region = (r: string): string => knownAwsRegion(r) ?? r;

/** The AWS target's plan from config (pure: tested directly; checkAwsPlan checks it, awsStack declares it). */
export function awsPlan(cfg: LifeboatConfig): AwsPlan {
    const bucketRegion = region(cfg.backupStorage.location);
    return {
        region: region(cfg.servers[0]?.location ?? ""),
        servers: cfg.servers.map((s) => ({
            identifier: s.name,
            region: region(s.location),
            databases: s.databases,
            version: s.version,
            instanceClass: s.sku,
            allocatedStorageGb: s.storageSizeGb,
            backupRetentionDays: s.backupRetentionDays,
            multiAz: s.highAvailability === "ZoneRedundant",
            backupReplicationRegion: (s.geoRedundantBackup ?? true) && s.backupReplicationRegion !== undefined ? region(s.backupReplicationRegion) : undefined,
            administratorLogin: s.administratorLogin,
        })),
        key: {
            region: region(cfg.keyVault.location),
            secretName: cfg.keyVault.secretName,
            recoveryWindowDays: cfg.keyVault.softDeleteRetentionDays,
        },
        bringsKey: cfg.hasFieldEncryptionKey,
        bucket: {
            bucketName: cfg.backupStorage.bucketName ?? derivedBucketName(cfg, "backups"),
            region: bucketRegion,
            retention: cfg.backupStorage.retention,
            objectLockDays: cfg.backupStorage.immutabilityDays,
            objectLockMode: cfg.backupStorage.objectLockMode,
        },
        repository: buildsImage(cfg) ? { repositoryName: repositoryName(cfg), tag: imageTag(cfg) } : undefined,
        image: cfg.schedule.image ?? "",
        jobs: cfg.servers.map((s) => ({
            jobName: dumpTaskName(s.name),
            serverName: s.name,
            databases: s.databases,
            bucketRegion,
            image: cfg.schedule.image ?? "",
            cron: cfg.schedule.cron,
            timezone: cfg.schedule.timezone,
            retryLimit: cfg.schedule.replicaRetryLimit,
        })),
        alerts: { emails: cfg.alerts.emails, webhook: cfg.alerts.webhookUrl !== undefined },
    };
}

/** Runs a component validator and renames its argument paths to the config keys users write. */
function checkAs(problems: Problems, run: (into: Problems) => void, rename: Record<string, string> = {}): Problem[] {
    const into = new Problems();
    run(into);
    const renamed = into.list.map((p) => {
        for (const [from, to] of Object.entries(rename)) {
            if (p.path.endsWith(from)) {
                return { ...p, path: `${p.path.slice(0, -from.length)}${to}` };
            }
        }
        return p;
    });
    problems.list.push(...renamed);
    return renamed;
}

function azureOnly(problems: Problems, path: string, value: unknown, instead: string): void {
    if (value !== undefined) {
        problems.add(path, value, `not used by target aws (Azure only): remove it; ${instead}`);
    }
}

/** Runs every component's own validation with config key paths, and the AWS target's own rules, before anything is declared. */
export function checkAwsPlan(cfg: LifeboatConfig, plan: AwsPlan, problems: Problems): void {
    plan.servers.forEach((s, i) => {
        const path = `${NAMESPACE}:servers[${i}]`;
        const server = cfg.servers[i];
        checkAs(problems, (p) => validateRdsPostgresArgs({ ...s, subnetIds: [], vpcId: "", clientSecurityGroupIds: [] }, p, path),
            { ".maxStorageSizeGb": ".storageSizeGb" });
        if ((server.geoRedundantBackup ?? true) && server.backupReplicationRegion === undefined) {
            problems.add(`${path}.backupReplicationRegion`, undefined,
                "required for target aws while geoRedundantBackup is true (the default): the AWS region RDS replicates automated backups to (AWS has no region pairs), e.g. eu-west-1; or set geoRedundantBackup: false");
        }
        if (server.geoRedundantBackup === false && server.backupReplicationRegion !== undefined) {
            problems.add(`${path}.backupReplicationRegion`, server.backupReplicationRegion, "allowed: only with geoRedundantBackup: true (remove one of the two)");
        }
        if (server.highAvailability === "SameZone") {
            problems.add(`${path}.highAvailability`, server.highAvailability, "allowed on aws: Disabled or ZoneRedundant (RDS Multi-AZ); RDS has no same-zone standby");
        }
        if (server.authentication === "entra") {
            problems.add(`${path}.authentication`, server.authentication, "allowed on aws: password (RDS generates it and rotates it in Secrets Manager)");
        }
        if (server.publicNetworkAccess === true) {
            problems.add(`${path}.publicNetworkAccess`, server.publicNetworkAccess, "allowed on aws: false (RDS instances are never publicly accessible)");
        }
        if (s.region !== plan.region) {
            problems.add(`${path}.location`, server.location, `allowed on aws: the region of servers[0] (${plan.region}): the dump tasks run in one VPC beside the databases`);
        }
    });

    const kv = `${NAMESPACE}:keyVault`;
    checkAs(problems, (p) => validateFieldKeySecretArgs(plan.key, p, kv));
    azureOnly(problems, `${kv}.name`, cfg.keyVault.name, "the secret is named by keyVault.secretName");
    azureOnly(problems, `${kv}.recover`, cfg.keyVault.recover, "a deleted secret is restored with `aws secretsmanager restore-secret` within its recovery window");
    azureOnly(problems, `${kv}.publicNetworkAccess`, cfg.keyVault.publicNetworkAccess, "access to the secret is IAM-only");
    azureOnly(problems, `${kv}.allowedIpRanges`, cfg.keyVault.allowedIpRanges, "access to the secret is IAM-only");

    const bs = `${NAMESPACE}:backupStorage`;
    checkAs(problems, (p) => validateBackupBucketArgs(plan.bucket, p, bs), { ".region": ".location", ".objectLockDays": ".immutabilityDays" });
    azureOnly(problems, `${bs}.redundancy`, cfg.backupStorage.redundancy, "an S3 bucket keeps copies in several Availability Zones of its region; the off-site copy is another region");
    azureOnly(problems, `${bs}.accountName`, cfg.backupStorage.accountName, "name the bucket with backupStorage.bucketName");
    azureOnly(problems, `${bs}.containerName`, cfg.backupStorage.containerName, "sets are written at the bucket root");
    azureOnly(problems, `${bs}.softDeleteDays`, cfg.backupStorage.softDeleteDays, "versioning keeps overwritten or deleted objects 14 days");

    const repository = plan.repository;
    if (repository !== undefined) {
        checkAs(problems, (p) => validateJobRepositoryArgs({ region: plan.region, ...repository }, p, `${NAMESPACE}:schedule.image (the repository the stack builds into)`));
    }
    azureOnly(problems, `${NAMESPACE}:schedule.replicaTimeoutSeconds`, cfg.schedule.replicaTimeoutSeconds, "an ECS task runs until the job exits");
    // Job-level checks share the schedule: report them once.
    const job = plan.jobs[0];
    if (job !== undefined) {
        const jobProblems = new Problems();
        validateDumpTaskArgs({ ...job, host: "", passwordSecretArn: "", passwordSecretKeyArn: "", target: "", keyFingerprint: "", user: "" }, jobProblems, `${NAMESPACE}:schedule`);
        problems.list.push(...jobProblems.list.filter((p) => !/\.(jobName|databases|bucketRegion)$/.test(p.path)));
    }
    if (cfg.restore.mode !== "none") {
        problems.add(`${NAMESPACE}:restore.mode`, cfg.restore.mode, "only none is supported on aws: restore an RDS instance from its (replicated) automated backups, or `lifeboat restore` from the bucket");
    }
    if (cfg.offsite.s3 !== undefined) {
        problems.add(`${NAMESPACE}:offsite.s3`, cfg.offsite.s3, "allowed: only with target azure (on aws the backups are already in S3, and RDS backups are replicated by servers[].backupReplicationRegion); remove it");
    }

    // The key holds no backup's region: not an instance's, not a replication region, not the bucket's.
    const keyRegion = knownAwsRegion(plan.key.region);
    if (keyRegion !== undefined) {
        const holders: string[] = [];
        plan.servers.forEach((s, i) => {
            if (knownAwsRegion(s.region) === keyRegion) {
                holders.push(`servers[${i}] (${s.identifier}) in ${keyRegion}`);
            }
            if (s.backupReplicationRegion !== undefined && knownAwsRegion(s.backupReplicationRegion) === keyRegion) {
                holders.push(`servers[${i}] backup replication in ${keyRegion}`);
            }
        });
        if (knownAwsRegion(plan.bucket.region) === keyRegion) {
            holders.push(`the backup bucket in ${keyRegion}`);
        }
        if (holders.length > 0) {
            problems.add(`${kv}.location`, cfg.keyVault.location,
                `allowed: a region that holds no backup; ${holders.join(", ")} would keep key and backups together`);
        }
    }
}

/** The AWS target's plan, checked: every problem goes into `problems` (nothing is declared). */
export function planAws(cfg: LifeboatConfig, problems: Problems): AwsPlan {
    const plan = awsPlan(cfg);
    checkAwsPlan(cfg, plan, problems);
    return plan;
}

export interface AwsOutputs {
    [key: string]: unknown;
}

/**
 * The AWS target: RDS instances with replicated automated backups, the field key in Secrets
 * Manager in a region of its own, an S3 backup bucket, and a scheduled Fargate dump task per
 * instance in the region's default VPC. Declares `plan` (checked before anything is declared:
 * stacks/program.ts) and reads nothing else but the secrets.
 */
export function awsStack(plan: AwsPlan, secrets: AwsSecrets): AwsOutputs {

    // Explicit providers: nothing depends on an ambient aws:region, and every resource also names its region.
    const main = new aws.Provider("aws", { region: plan.region as aws.Region });
    const keyProvider = new aws.Provider("aws-key", { region: plan.key.region as aws.Region });
    const bucketProvider = plan.bucket.region === plan.region ? main : new aws.Provider("aws-backups", { region: plan.bucket.region as aws.Region });

    const vpc = aws.ec2.getVpcOutput({ default: true, region: plan.region }, { provider: main });
    const subnets = aws.ec2.getSubnetsOutput({
        region: plan.region,
        filters: [{ name: "vpc-id", values: [vpc.id] }, { name: "default-for-az", values: ["true"] }],
    }, { provider: main });

    const key = new FieldKeySecret("field-key", { ...plan.key, fieldEncryptionKey: secrets.fieldEncryptionKey }, { providers: [keyProvider] });
    const bucket = new BackupBucket("backups", plan.bucket, { providers: [bucketProvider] });
    const env = new TaskEnvironment("jobs", {
        region: plan.region,
        vpcId: vpc.id,
        subnetIds: subnets.ids,
        bucketName: bucket.bucketName,
        prefix: bucket.prefix,
        bucketKeyArn: bucket.key.arn,
        alertEmails: plan.alerts.emails,
        alertWebhookUrl: secrets.webhookUrl,
    }, { providers: [main] });
    const servers = plan.servers.map((args) => new RdsPostgres(args.identifier, {
        ...args,
        subnetIds: subnets.ids,
        vpcId: vpc.id,
        clientSecurityGroupIds: [env.securityGroup.id],
    }, { providers: [main] }));
    // The job image: built from this repository's Dockerfile, pushed to the stack's ECR repository
    // and run by digest; a prebuilt `schedule.image` replaces it.
    const built = plan.repository === undefined ? undefined : new JobRepository("registry", { region: plan.region, ...plan.repository }, { providers: [main] });
    const image: pulumi.Input<string> = built?.ref ?? plan.image;
    const jobs = plan.jobs.map((job, i) => {
        const server = servers[i];
        return new DumpTask(job.jobName, {
            ...job,
            image,
            imageRepositoryArn: built?.repository.arn,
            environment: env,
            host: server.address,
            user: server.administratorLogin,
            passwordSecretArn: server.masterUserSecretArn,
            passwordSecretKeyArn: server.kmsKey.arn,
            target: bucket.targetUrl,
            keyFingerprint: key.keyFingerprint,
        }, { providers: [main] });
    });

    return {
        serverEndpoints: Object.fromEntries(servers.map((s) => [s.identifier, s.address])),
        databases: Object.fromEntries(plan.servers.map((s) => [s.identifier, s.databases])),
        backupReplicationRegions: Object.fromEntries(plan.servers.map((s) => [s.identifier, s.backupReplicationRegion ?? null])),
        keySecretName: key.secretName,
        keySecretRegion: key.region,
        keySecretArn: key.secret.arn,
        keyFingerprint: key.keyFingerprint,
        backupBucket: bucket.bucketName,
        backupBucketRegion: bucket.region,
        backupTarget: bucket.targetUrl,
        jobImage: image,
        ...(built === undefined ? {} : { registry: built.repository.repositoryUrl }),
        dumpTasks: jobs.map((j) => j.jobName),
        schedules: Object.fromEntries(jobs.map((j) => [j.jobName, `${j.scheduleExpression} ${plan.jobs[0]?.timezone ?? "UTC"}`])),
        alarmTopicArn: env.alarmTopic.arn,
    };
}
