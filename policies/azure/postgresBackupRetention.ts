import { DEFAULTS, PostgresRetentionConfig, postgresRetentionSchema } from "../config";
import { propertyPolicy } from "../shared/policy";
import { knownNumber } from "../shared/read";
import { TYPES } from "../shared/resources";

/** Point-in-time backups of a Flexible Server are kept long enough to notice a loss and restore. */
export const postgresBackupRetention = propertyPolicy({
    name: "postgres-backup-retention",
    description: "PostgreSQL Flexible Servers keep point-in-time backups for at least the configured number of days.",
    enforcementLevel: "mandatory",
    configSchema: postgresRetentionSchema,
    types: [TYPES.postgresServer],
    path: ["backup", "backupRetentionDays"],
    accept: (found, args) => {
        const minimum = args.getConfig<PostgresRetentionConfig>().minimumDays ?? DEFAULTS.postgresMinimumRetentionDays;
        // Not set: Azure keeps 7 days.
        const days = found.kind === "missing" ? 7 : knownNumber(found);
        return days !== undefined && days >= minimum;
    },
    problem: (args, found) =>
        `keeps point-in-time backups for fewer than ${args.getConfig<PostgresRetentionConfig>().minimumDays ?? DEFAULTS.postgresMinimumRetentionDays} days` +
        (found.kind === "missing" ? " (Azure keeps 7 when it is not set)" : ""),
    fix: (args) =>
        `set backup.backupRetentionDays to at least ${args.getConfig<PostgresRetentionConfig>().minimumDays ?? DEFAULTS.postgresMinimumRetentionDays} ` +
        `(stack config lifeboat:servers[].backupRetentionDays, 7-35), or lower the policy's minimumDays.`,
});
