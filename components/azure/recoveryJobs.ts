import * as pulumi from "@pulumi/pulumi";
import * as app from "@pulumi/azure-native/app";
import * as types from "@pulumi/azure-native/types";
import { cronProblem } from "../cron";
import { DATABASES_TAG, ROLE_TAG, ROLES, SERVER_TAG, TARGET_LOCATION_TAG } from "../roles";
import { checkIntRange, Problems } from "../validation";
import { JobEnvironment, JobRegistryPull } from "./dumpJob";

/** What a recovery job does: a monthly restore test, a freshness check, or a one-off restore. */
export type RecoveryJobKind = "verify" | "freshness" | "restore";

export interface RecoveryJobArgs {
    resourceGroupName: pulumi.Input<string>;
    location: string;
    environment: JobEnvironment;
    /** Container Apps job name: 2-32 lowercase letters, digits and hyphens. */
    jobName: string;
    kind: RecoveryJobKind;
    /** `lifeboat` arguments, e.g. ["verify", "--set", "latest", "--scratch", url]. */
    args: pulumi.Input<string>[];
    /** Five-field UTC cron. @default undefined (a manually started job: `az containerapp job start`, or the portal) */
    cron?: string;
    /** Backup target URL(s), comma-separated. */
    target: pulumi.Input<string>;
    /**
     * The region of `target` when the stack does not declare it (another stack's account or
     * bucket, e.g. a restore after a loss): tagged `lifeboat-target-location` so that the policy
     * pack counts it as a place holding backups. @default undefined (no tag)
     */
    targetLocation?: string;
    /** Fingerprint of the key the sets must have been made with. */
    keyFingerprint: pulumi.Input<string>;
    /** Database connection, when the job restores (verify, restore). @default undefined (none: freshness) */
    database?: { host: pulumi.Input<string>; user: string; password: pulumi.Input<string>; sslMode?: string };
    /** The server the job is about (a tag, for the policies and for people). @default undefined (no tag) */
    serverName?: string;
    /** The databases the job is about (a tag). @default undefined (no tag) */
    databases?: string[];
    /** Seconds a run may take. @default 7200 */
    replicaTimeoutSeconds?: number;
    image: pulumi.Input<string>;
    /** The private registry `image` is in, pulled with the restore identity (its AcrPull). @default undefined (a public image) */
    registry?: JobRegistryPull;
    /** Extra tags for the resources it declares (Lifeboat adds its own role tags). @default {} */
    tags?: Record<string, string>;
}

export function validateRecoveryJobArgs(args: RecoveryJobArgs, problems: Problems, path = "args"): void {
    if (!/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/.test(args.jobName) || args.jobName.includes("--")) {
        problems.add(`${path}.jobName`, args.jobName, "allowed: 2-32 lowercase letters, digits and single hyphens, starting with a letter");
    }
    if (args.cron !== undefined) {
        const why = cronProblem(args.cron);
        if (why !== undefined) {
            problems.add(`${path}.cron`, args.cron, `allowed: a five-field cron in UTC such as "0 4 1 * *" (${why})`);
        }
    }
    checkIntRange(problems, `${path}.replicaTimeoutSeconds`, args.replicaTimeoutSeconds ?? 7200, 60, 86400);
}

export function recoveryJobEnv(args: RecoveryJobArgs, clientId: pulumi.Input<string>): types.input.app.EnvironmentVarArgs[] {
    const env: types.input.app.EnvironmentVarArgs[] = [
        { name: "LIFEBOAT_TARGET", value: args.target },
        { name: "LIFEBOAT_KEY_FINGERPRINT", value: args.keyFingerprint },
        { name: "AZURE_CLIENT_ID", value: clientId },
    ];
    if (args.database !== undefined) {
        env.push(
            { name: "PGHOST", value: args.database.host },
            { name: "PGPORT", value: "5432" },
            { name: "PGUSER", value: args.database.user },
            { name: "PGPASSWORD", secretRef: "pg-password" },
            { name: "PGSSLMODE", value: args.database.sslMode ?? "require" },
        );
    }
    return env;
}

/**
 * A Container Apps job that reads backups with the restore identity (never the dump job's, never
 * the key): the scheduled restore test, the scheduled freshness check, or a manual restore.
 */
export class RecoveryJob extends pulumi.ComponentResource {
    public readonly job: app.Job;
    public readonly jobName: string;

    constructor(name: string, args: RecoveryJobArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("lifeboat:azure:RecoveryJob", name, {}, opts);
        const problems = new Problems();
        validateRecoveryJobArgs(args, problems);
        problems.throwIfAny(`RecoveryJob ${name}`);

        this.jobName = args.jobName;
        const env = args.environment;
        const trigger: types.input.app.JobConfigurationArgs = args.cron !== undefined
            ? { triggerType: "Schedule", scheduleTriggerConfig: { cronExpression: args.cron, parallelism: 1, replicaCompletionCount: 1 }, replicaTimeout: args.replicaTimeoutSeconds ?? 7200, replicaRetryLimit: 0 }
            : { triggerType: "Manual", manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 }, replicaTimeout: args.replicaTimeoutSeconds ?? 7200, replicaRetryLimit: 0 };
        this.job = new app.Job(`${name}-job`, {
            resourceGroupName: args.resourceGroupName,
            jobName: args.jobName,
            location: args.location,
            environmentId: env.environment.id,
            identity: { type: "UserAssigned", userAssignedIdentities: [env.restoreIdentity.id] },
            configuration: {
                ...trigger,
                secrets: args.database === undefined ? undefined : [{ name: "pg-password", value: pulumi.secret(args.database.password) }],
                registries: args.registry === undefined ? undefined : [{ server: args.registry.server, identity: env.restoreIdentity.id }],
            },
            template: {
                containers: [{
                    name: "lifeboat",
                    image: args.image,
                    args: args.args,
                    env: recoveryJobEnv(args, env.restoreIdentity.clientId),
                    resources: { cpu: 1, memory: "2Gi" },
                }],
            },
            tags: {
                ...args.tags,
                [ROLE_TAG]: ROLES.restoreTest,
                "lifeboat-job": args.kind,
                ...(args.serverName === undefined ? {} : { [SERVER_TAG]: args.serverName }),
                ...(args.databases === undefined ? {} : { [DATABASES_TAG]: args.databases.join(",") }),
                ...(args.targetLocation === undefined ? {} : { [TARGET_LOCATION_TAG]: args.targetLocation }),
            },
        }, { parent: this, dependsOn: [...env.blobReaders, ...(args.kind === "verify" ? env.verificationWriters : []), ...(args.registry === undefined ? [] : [args.registry.pullRole])], replaceOnChanges: ["environmentId"], deleteBeforeReplace: true });
        this.registerOutputs({ jobName: this.jobName });
    }
}
