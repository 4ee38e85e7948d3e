import { propertyPolicy } from "../shared/policy";
import { knownNumber } from "../shared/read";
import { TYPES } from "../shared/resources";
import { AWS_DEFAULTS, RdsRetentionConfig, rdsRetentionSchema } from "./config";

const minimum = (config: RdsRetentionConfig): number => config.minimumDays ?? AWS_DEFAULTS.rdsMinimumRetentionDays;

/** Checkov CKV_AWS_133, Trivy AWS-0077: automated backups are kept long enough to notice a loss and restore. */
export const rdsBackupRetention = propertyPolicy({
    name: "rds-backup-retention",
    description: "RDS instances keep automated backups (point-in-time recovery) for at least the configured number of days.",
    enforcementLevel: "mandatory",
    configSchema: rdsRetentionSchema,
    types: [TYPES.rdsInstance],
    path: ["backupRetentionPeriod"],
    accept: (found, args) => {
        // Not set: the RDS API keeps 1 day.
        const days = found.kind === "missing" ? 1 : knownNumber(found);
        return days !== undefined && days >= minimum(args.getConfig<RdsRetentionConfig>());
    },
    problem: (args, found) =>
        `keeps automated backups for fewer than ${minimum(args.getConfig<RdsRetentionConfig>())} days` + (found.kind === "missing" ? " (RDS keeps 1 when it is not set)" : ""),
    fix: (args) =>
        `set backupRetentionPeriod to at least ${minimum(args.getConfig<RdsRetentionConfig>())} (stack config lifeboat:servers[].backupRetentionDays, 1-35), or lower the policy's minimumDays.`,
});
