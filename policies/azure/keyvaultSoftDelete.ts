import { ResourceValidationPolicy } from "@pulumi/policy";
import { DEFAULTS, VaultSoftDeleteConfig, vaultSoftDeleteSchema } from "../config";
import { forTypes } from "../shared/policy";
import { knownNumber, read } from "../shared/read";
import { TYPES, undetermined, violation } from "../shared/resources";

/** A deleted vault or secret stays recoverable (CKV_AZURE_42, CKV_AZURE_111, Azure Policy 0b60c0b2). */
export const keyvaultSoftDelete: ResourceValidationPolicy = {
    name: "keyvault-soft-delete",
    description: "Key vaults keep soft delete on, with at least the configured retention.",
    enforcementLevel: "mandatory",
    configSchema: vaultSoftDeleteSchema,
    validateResource: forTypes([TYPES.vault], (args, reportViolation) => {
        const minimum = args.getConfig<VaultSoftDeleteConfig>().minimumRetentionDays ?? DEFAULTS.vaultMinimumSoftDeleteDays;
        const enabled = read(args.props, "properties", "enableSoftDelete");
        if (enabled.kind === "unknown") {
            reportViolation(undetermined(args, "properties.enableSoftDelete", enabled, "properties.enableSoftDelete"));
        } else if (enabled.kind === "known" && enabled.value !== true) {
            reportViolation(violation(args, "soft delete is off, so a deleted vault or secret is gone at once", enabled,
                "set properties.enableSoftDelete to true."));
        }
        const days = read(args.props, "properties", "softDeleteRetentionInDays");
        if (days.kind === "unknown") {
            reportViolation(undetermined(args, "properties.softDeleteRetentionInDays", days, "properties.softDeleteRetentionInDays"));
            return;
        }
        // Not set: Azure keeps deleted vaults for 90 days.
        const value = days.kind === "missing" ? 90 : knownNumber(days);
        if (value === undefined || value < minimum) {
            reportViolation(violation(args, `deleted vaults and secrets stay recoverable for fewer than ${minimum} days`, days,
                `set properties.softDeleteRetentionInDays to at least ${minimum} (stack config lifeboat:keyVault.softDeleteRetentionDays, 7-90).`));
        }
    }),
};
