import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import { Problems } from "../validation";

export interface BackupAlertsArgs {
    resourceGroupName: pulumi.Input<string>;
    /** Region of the Log Analytics workspace the jobs log to. */
    location: string;
    /** The workspace's resource ID: the alert rules' scope. */
    workspaceId: pulumi.Input<string>;
    /** Names of the dump jobs, the restore-test jobs and the freshness job. */
    dumpJobs: string[];
    restoreTestJobs: string[];
    freshnessJobs: string[];
    /** Hours without a committed backup set before the stale-backup alert fires. @default 26 */
    maxAgeHours?: number;
    /** Email receivers. @default [] */
    emails?: string[];
    /** A webhook receiver (secret: it often carries a token). @default undefined */
    webhookUrl?: pulumi.Input<string>;
    /** Extra tags for the resources it declares (Lifeboat adds its own role tags). @default {} */
    tags?: Record<string, string>;
}

const LOGS = "ContainerAppConsoleLogs_CL";
/** Console log rows of the named jobs (the column exists only once a job has logged: column_ifexists keeps the query valid). */
function jobLogs(jobs: string[]): string {
    const list = jobs.map((j) => `"${j}"`).join(", ");
    return `${LOGS} | where column_ifexists("ContainerJobName_s", "") in (${list})`;
}

/** The three Kusto queries, as pure functions of the job names (tested directly). */
export function alertQueries(args: BackupAlertsArgs): { dumpFailed: string; backupStale: string; restoreTestFailed: string } {
    const hours = args.maxAgeHours ?? 26;
    return {
        // The job logs one JSON line per event; a failure is a line at level error.
        dumpFailed: `${jobLogs(args.dumpJobs)} | where Log_s has '"level":"error"'`,
        // Absence: no committed set in the window (also catches a job that never started), or the freshness check failing.
        backupStale: `let committed = toscalar(${jobLogs(args.dumpJobs)} | where TimeGenerated > ago(${hours}h) | where Log_s has '"event":"set.committed"' | count); ` +
            `let freshnessFailed = toscalar(${jobLogs(args.freshnessJobs)} | where TimeGenerated > ago(${hours}h) | where Log_s has '"level":"error"' | count); ` +
            `print committed = committed, freshnessFailed = freshnessFailed | where committed == 0 or freshnessFailed > 0`,
        restoreTestFailed: `${jobLogs(args.restoreTestJobs)} | where Log_s has '"level":"error"' or (Log_s has '"event":"verify.report"' and Log_s has '"ok":false')`,
    };
}

/**
 * Window, evaluation frequency and mute of each rule (ISO 8601 durations). A failed run is seen
 * by every evaluation while it is in the window: muting for at least the window (plus an
 * evaluation, for log ingestion delay) makes it one notification. A stale backup notifies once
 * a day while it lasts.
 */
export const ALERT_TIMING = {
    dumpFailed: { window: "PT1H", frequency: "PT15M", mute: "PT2H" },
    backupStale: { window: "P2D", frequency: "PT1H", mute: "P1D" },
    restoreTestFailed: { window: "PT1H", frequency: "PT1H", mute: "PT2H" },
} as const;

export function validateBackupAlertsArgs(args: BackupAlertsArgs, problems: Problems, path = "args"): void {
    const hours = args.maxAgeHours ?? 26;
    if (!Number.isInteger(hours) || hours < 1 || hours > 47) {
        problems.add(`${path}.maxAge`, hours, "allowed: 1h to 47h (the alert looks back at most two days)");
    }
    (args.emails ?? []).forEach((e, i) => {
        if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e)) {
            problems.add(`${path}.emails[${i}]`, e, "allowed: an email address");
        }
    });
}

/**
 * Alerts on the jobs' JSON logs: a dump job that logged an error, no committed backup set for
 * `maxAgeHours` (or a failing freshness check), and a failed restore test. An action group
 * carries them to the emails and the webhook; without receivers the rules still show in Azure
 * Monitor.
 */
export class BackupAlerts extends pulumi.ComponentResource {
    public readonly actionGroup: monitor.ActionGroup | undefined;
    public readonly rules: monitor.ScheduledQueryRule[];

    constructor(name: string, args: BackupAlertsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("lifeboat:azure:BackupAlerts", name, {}, opts);
        const problems = new Problems();
        validateBackupAlertsArgs(args, problems);
        problems.throwIfAny(`BackupAlerts ${name}`);

        const emails = args.emails ?? [];
        if (emails.length > 0 || args.webhookUrl !== undefined) {
            this.actionGroup = new monitor.ActionGroup(`${name}-action-group`, {
                resourceGroupName: args.resourceGroupName,
                location: "global",
                groupShortName: "lifeboat",
                enabled: true,
                emailReceivers: emails.map((emailAddress, i) => ({ name: `email-${i}`, emailAddress, useCommonAlertSchema: true })),
                webhookReceivers: args.webhookUrl === undefined ? [] : [{ name: "webhook", serviceUri: pulumi.secret(args.webhookUrl), useCommonAlertSchema: true }],
                tags: args.tags,
            }, { parent: this, additionalSecretOutputs: ["webhookReceivers"] });
        }
        const queries = alertQueries(args);
        const rule = (suffix: string, displayName: string, description: string, query: string, severity: number, window: string, frequency: string, mute: string) =>
            new monitor.ScheduledQueryRule(`${name}-${suffix}`, {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                kind: "LogAlert",
                displayName,
                description,
                enabled: true,
                severity,
                scopes: [args.workspaceId],
                evaluationFrequency: frequency,
                windowSize: window,
                criteria: {
                    allOf: [{
                        query,
                        timeAggregation: "Count",
                        operator: "GreaterThan",
                        threshold: 0,
                        failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
                    }],
                },
                autoMitigate: false,
                // Stateless rules fire on every evaluation that still sees the row: the mute
                // outlasts the window, so one failure is one notification.
                muteActionsDuration: mute,
                // The table exists only once a job has logged: on a brand-new workspace the
                // service would refuse the query (SEM0100) and the first `up` would fail.
                skipQueryValidation: true,
                actions: this.actionGroup === undefined ? undefined : { actionGroups: [this.actionGroup.id] },
                tags: args.tags,
            }, { parent: this });
        this.rules = [
            rule("dump-failed", "Lifeboat: a backup failed", "A dump job logged an error: the night's backup set was not committed.", queries.dumpFailed, 1, ALERT_TIMING.dumpFailed.window, ALERT_TIMING.dumpFailed.frequency, ALERT_TIMING.dumpFailed.mute),
            rule("backup-stale", "Lifeboat: no fresh backup", `No backup set committed in the last ${args.maxAgeHours ?? 26} hours, or the freshness check failed.`, queries.backupStale, 1, ALERT_TIMING.backupStale.window, ALERT_TIMING.backupStale.frequency, ALERT_TIMING.backupStale.mute),
            rule("restore-test-failed", "Lifeboat: the restore test failed", "The scheduled restore test could not restore and check the newest set.", queries.restoreTestFailed, 2, ALERT_TIMING.restoreTestFailed.window, ALERT_TIMING.restoreTestFailed.frequency, ALERT_TIMING.restoreTestFailed.mute),
        ];
        this.registerOutputs({ rules: this.rules.map((r) => r.name) });
    }
}
