/** Pack config of the AWS policies: schemas and defaults (see ../config.ts for the conventions). */
import { PolicyConfigSchema } from "@pulumi/policy";

export const AWS_DEFAULTS = {
    /** rds-backup-retention: the fewest days of automated backups (RDS allows 1-35). */
    rdsMinimumRetentionDays: 14,
};

export interface RdsRetentionConfig {
    minimumDays?: number;
}

export const rdsRetentionSchema: PolicyConfigSchema = {
    properties: {
        minimumDays: {
            type: "integer",
            minimum: 1,
            maximum: 35,
            default: AWS_DEFAULTS.rdsMinimumRetentionDays,
            description: "The fewest days of automated backups an RDS instance may keep (RDS allows 1-35).",
        },
    },
};
