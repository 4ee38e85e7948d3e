import { ResourceValidationPolicy } from "@pulumi/policy";
import { BlobSoftDeleteConfig, blobSoftDeleteSchema, DEFAULTS } from "../config";
import { forTypes } from "../shared/policy";
import { knownBoolean, knownNumber, read } from "../shared/read";
import { TYPES, undetermined, violation } from "../shared/resources";

const POLICIES = [
    { property: "deleteRetentionPolicy", what: "deleted blobs" },
    { property: "containerDeleteRetentionPolicy", what: "deleted containers" },
] as const;

/** Checkov CKV2_AZURE_38, Trivy AZU-0056: a deleted backup or container can be undeleted. */
export const storageBlobSoftDelete: ResourceValidationPolicy = {
    name: "storage-blob-soft-delete",
    description: "Blob services keep deleted blobs and deleted containers recoverable for at least the configured days.",
    enforcementLevel: "advisory",
    configSchema: blobSoftDeleteSchema,
    validateResource: forTypes([TYPES.blobService], (args, reportViolation) => {
        const minimum = args.getConfig<BlobSoftDeleteConfig>().minimumDays ?? DEFAULTS.blobMinimumSoftDeleteDays;
        for (const { property, what } of POLICIES) {
            const enabled = read(args.props, property, "enabled");
            const days = read(args.props, property, "days");
            if (enabled.kind === "unknown" || days.kind === "unknown") {
                const which = enabled.kind === "unknown" ? "enabled" : "days";
                reportViolation(undetermined(args, `${property}.${which}`, enabled.kind === "unknown" ? enabled : days, `${property}.${which}`));
                continue;
            }
            if (knownBoolean(enabled) !== true) {
                reportViolation(violation(args, `soft delete for ${what} is off`, enabled,
                    `set ${property} to { enabled: true, days: ${minimum} } or more.`));
                continue;
            }
            const value = knownNumber(days);
            if (value === undefined || value < minimum) {
                reportViolation(violation(args, `${what} stay recoverable for fewer than ${minimum} days`, days,
                    `set ${property}.days to at least ${minimum}.`));
            }
        }
    }),
};
