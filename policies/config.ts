/**
 * The pack's configuration: each configurable policy's JSON schema (what `pulumi preview
 * --policy-pack-config file.json` and `npm run plan -- --policy-config file.json` accept) and its
 * defaults. The schema defaults and the constants below are the same values: the engine fills the
 * schema defaults in; the policies fall back to the constants when run without the engine.
 *
 * Which policies are mandatory is Pulumi's standard per-policy `enforcementLevel` config:
 * `{ "storage-shared-key-disabled": "mandatory" }` or `{ "all": "advisory" }`.
 */
import { PolicyConfigSchema } from "@pulumi/policy";
import { DEFAULT_RETENTION_DAYS } from "../scripts/layout";

/** Replication SKUs that keep a copy of every blob in the paired region. */
export const GEO_REDUNDANT_SKUS = ["Standard_GRS", "Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS"] as const;

export const DEFAULTS = {
    /** key-separate-from-backups: a paired-region overlap is a mandatory violation too. */
    strictPairs: false,
    /** postgres-backup-retention: the fewest days of point-in-time backups. */
    postgresMinimumRetentionDays: 14,
    /** storage-geo-replication: the replication SKUs a backup storage account may use. */
    allowedStorageSkus: [...GEO_REDUNDANT_SKUS] as string[],
    /** backup-lifecycle-rules: the fewest days each tier is kept. */
    lifecycleMinimumDays: { ...DEFAULT_RETENTION_DAYS },
    /** keyvault-soft-delete: the fewest days a deleted vault or secret can be recovered. */
    vaultMinimumSoftDeleteDays: 30,
    /** storage-blob-soft-delete: the fewest days a deleted blob or container can be undeleted. */
    blobMinimumSoftDeleteDays: 7,
};

export interface KeySeparationConfig {
    strictPairs?: boolean;
}

export const keySeparationSchema: PolicyConfigSchema = {
    properties: {
        strictPairs: {
            type: "boolean",
            default: DEFAULTS.strictPairs,
            description:
                "When true, a key vault that shares a region pair with a backup location (its region or its pair " +
                "is the backup's pair or region) is reported at the policy's level (mandatory by default) instead of advisory.",
        },
    },
};

export interface PostgresRetentionConfig {
    minimumDays?: number;
}

export const postgresRetentionSchema: PolicyConfigSchema = {
    properties: {
        minimumDays: {
            type: "integer",
            minimum: 7,
            maximum: 35,
            default: DEFAULTS.postgresMinimumRetentionDays,
            description: "The fewest days of point-in-time backups a Flexible Server may keep (Azure allows 7-35).",
        },
    },
};

export interface StorageRedundancyConfig {
    allowedSkus?: string[];
}

export const storageRedundancySchema: PolicyConfigSchema = {
    properties: {
        allowedSkus: {
            type: "array",
            items: {
                type: "string",
                enum: ["Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS", "Premium_LRS", "Premium_ZRS"],
            },
            minItems: 1,
            uniqueItems: true,
            default: DEFAULTS.allowedStorageSkus,
            description: "The replication SKUs a backup storage account may use (required redundancy).",
        },
    },
};

export interface LifecycleConfig {
    minimumDailyDays?: number;
    minimumWeeklyDays?: number;
    minimumMonthlyDays?: number;
}

export const lifecycleSchema: PolicyConfigSchema = {
    properties: {
        minimumDailyDays: {
            type: "integer",
            minimum: 1,
            default: DEFAULTS.lifecycleMinimumDays.daily,
            description: "The fewest days a daily backup set is kept before a lifecycle rule may delete it.",
        },
        minimumWeeklyDays: {
            type: "integer",
            minimum: 1,
            default: DEFAULTS.lifecycleMinimumDays.weekly,
            description: "The fewest days a weekly backup set is kept.",
        },
        minimumMonthlyDays: {
            type: "integer",
            minimum: 1,
            default: DEFAULTS.lifecycleMinimumDays.monthly,
            description: "The fewest days a monthly backup set is kept.",
        },
    },
};

export interface VaultSoftDeleteConfig {
    minimumRetentionDays?: number;
}

export const vaultSoftDeleteSchema: PolicyConfigSchema = {
    properties: {
        minimumRetentionDays: {
            type: "integer",
            minimum: 7,
            maximum: 90,
            default: DEFAULTS.vaultMinimumSoftDeleteDays,
            description: "The fewest days a deleted key vault or secret stays recoverable (Azure allows 7-90).",
        },
    },
};

export interface BlobSoftDeleteConfig {
    minimumDays?: number;
}

export const blobSoftDeleteSchema: PolicyConfigSchema = {
    properties: {
        minimumDays: {
            type: "integer",
            minimum: 1,
            maximum: 365,
            default: DEFAULTS.blobMinimumSoftDeleteDays,
            description: "The fewest days a deleted blob or container can be undeleted (Azure allows 1-365).",
        },
    },
};
