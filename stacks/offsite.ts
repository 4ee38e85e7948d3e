/**
 * The off-site copy for the Azure target (`lifeboat:offsite.s3`): an S3 bucket in another cloud,
 * written by the Azure dump job's managed identity through an IAM role it assumes by web identity
 * (no long-lived AWS key anywhere). One pass, as the Azure target's: `offsitePlan` reads the config
 * once (stacks/azure.ts puts it in the Azure plan), `checkOffsite` checks that plan with the Azure
 * checks, and `declareOffsite` declares it once the job identity exists; the job gets both targets.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import {
    AzureWebIdentityRole, BackupBucket, BackupBucketArgs, knownAwsRegion,
    validateAzureWebIdentityRoleArgs, validateBackupBucketArgs,
} from "../components/aws";
import { Problems } from "../components/validation";
import { derivedBucketName } from "./naming";
import { LifeboatConfig, NAMESPACE } from "./config";

/** Days every object version of the off-site copy stays locked when `objectLockDays` is not set (at most the daily retention). */
export const DEFAULT_OFFSITE_LOCK_DAYS = 14;

/** Environment variables of the dump job that tell it how to reach the off-site bucket. */
export const OFFSITE_ENV = {
    roleArn: "LIFEBOAT_AWS_ROLE_ARN",
    audience: "LIFEBOAT_AWS_AUDIENCE",
    region: "AWS_REGION",
} as const;

export interface OffsitePlan {
    bucket: BackupBucketArgs;
    /** Undefined when not configured: checkOffsite reports it. */
    audience: string | undefined;
}

/** The off-site bucket and role args derived from config (pure); undefined when no off-site copy is configured. */
export function offsitePlan(cfg: LifeboatConfig): OffsitePlan | undefined {
    const s3 = cfg.offsite.s3;
    if (s3 === undefined) {
        return undefined;
    }
    const dailyDays = cfg.backupStorage.retention?.dailyDays;
    return {
        bucket: {
            bucketName: s3.bucketName ?? derivedBucketName(cfg, "offsite"),
            region: knownAwsRegion(s3.region) ?? s3.region,
            retention: cfg.backupStorage.retention,
            objectLockDays: s3.objectLockDays ?? Math.min(DEFAULT_OFFSITE_LOCK_DAYS, dailyDays ?? DEFAULT_OFFSITE_LOCK_DAYS),
            objectLockMode: s3.objectLockMode,
            tags: { "lifeboat-copy": "offsite" },
        },
        audience: s3.audience,
    };
}

/** Every problem of the off-site plan (offsitePlan), with the config key paths of `lifeboat:offsite.s3`; declares nothing. */
export function checkOffsite(plan: OffsitePlan | undefined, problems: Problems): void {
    if (plan === undefined) {
        return;
    }
    const path = `${NAMESPACE}:offsite.s3`;
    const bucketProblems = new Problems();
    validateBackupBucketArgs(plan.bucket, bucketProblems, path);
    // The region is checked (with suggestions) by parseConfig; retention belongs to backupStorage, checked there.
    problems.list.push(...bucketProblems.list.filter((p) => !p.path.endsWith(".region") && !p.path.includes(".retention")));
    if (plan.audience === undefined) {
        problems.add(`${path}.audience`, undefined,
            "required: the application ID URI of an Entra app registration (e.g. api://lifeboat-offsite) the dump job's managed identity gets its token for; the IAM role trusts that audience only");
    } else {
        validateAzureWebIdentityRoleArgs({ tenantId: "", principalId: "", audience: plan.audience, bucketName: "", prefix: "", bucketKeyArn: "" }, problems, path);
    }
}

export interface OffsiteIds {
    /** The Entra tenant whose tokens the IAM OIDC provider trusts. */
    tenantId: pulumi.Input<string>;
    /** The principal (object) ID of the dump job's managed identity: the only `sub` the role accepts. */
    principalId: pulumi.Input<string>;
}

export interface Offsite {
    bucket: BackupBucket;
    role: AzureWebIdentityRole;
    /** s3://BUCKET: the job's second target. */
    targetUrl: string;
    /** What the dump job needs besides the target URL: role ARN, token audience and the bucket's region. */
    env: { name: string; value: pulumi.Input<string> }[];
}

/**
 * Declares the off-site bucket and the role the dump job assumes (`plan`: offsitePlan), with an explicit
 * AWS provider in the bucket's region (the Azure stack sets no aws:region). Undefined when no off-site copy is configured.
 */
export function declareOffsite(plan: OffsitePlan | undefined, ids: OffsiteIds, opts: pulumi.ComponentResourceOptions = {}): Offsite | undefined {
    if (plan === undefined) {
        return undefined;
    }
    const provider = new aws.Provider("offsite-aws", { region: plan.bucket.region as aws.Region });
    const bucket = new BackupBucket("offsite", plan.bucket, { ...opts, providers: [provider] });
    const role = new AzureWebIdentityRole("offsite-writer", {
        tenantId: ids.tenantId,
        principalId: ids.principalId,
        // checkOffsite ran before anything was declared: the audience is set.
        audience: plan.audience ?? "",
        bucketName: bucket.bucketName,
        prefix: bucket.prefix,
        bucketKeyArn: bucket.key.arn,
    }, { ...opts, providers: [provider] });
    return {
        bucket,
        role,
        targetUrl: bucket.targetUrl,
        env: [
            { name: OFFSITE_ENV.roleArn, value: role.roleArn },
            { name: OFFSITE_ENV.audience, value: plan.audience ?? "" },
            { name: OFFSITE_ENV.region, value: plan.bucket.region },
        ],
    };
}
