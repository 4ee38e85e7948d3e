import { StackValidationPolicy } from "@pulumi/policy";
import { sameMetro } from "../../components/aws/regions";
import { DEFAULTS, KeySeparationConfig, keySeparationSchema } from "../config";
import { backupPlaces, isKnownAzureRegion, keyPlaces, Place, regionsOf } from "../shared/locations";
import { show } from "../shared/read";
import { label, reportAt, undetermined, violation } from "../shared/resources";

function fix(key: Place): string {
    return key.cloud === "azure"
        ? "move the key vault (stack config lifeboat:keyVault.location) to a region that holds no backup and is not paired with one, or move the backups."
        : "keep the field key in a region that holds no backup, or move the backups.";
}

/**
 * Contract 4: the field key never shares a location with the backups it decrypts. The same region is
 * always a violation; a shared Azure region pair (Key Vault, GRS storage and geo-redundant backups
 * all copy into the pair) is advisory unless `strictPairs` is set.
 */
export const keySeparateFromBackups: StackValidationPolicy = {
    name: "key-separate-from-backups",
    description:
        "The field-encryption key's vault is in none of the regions that hold backups (Flexible Servers, backup storage, " +
        "off-site buckets, RDS instances and their replicated backups); a shared region pair, or a shared metropolitan area " +
        "across clouds, is advisory, or mandatory in strict mode.",
    enforcementLevel: "mandatory",
    configSchema: keySeparationSchema,
    validateStack: (args, reportViolation) => {
        const strict = args.getConfig<KeySeparationConfig>().strictPairs ?? DEFAULTS.strictPairs;
        const keys = keyPlaces(args.resources);
        const backups = backupPlaces(args.resources);
        if (keys.length === 0) {
            if (backups.length === 0) {
                args.notApplicable("no key store and no backup store in the stack");
            }
            // Backups, but no vault or secret store the pack can see: where the key lives cannot be determined.
            for (const b of backups) {
                reportViolation(violation(b.resource,
                    "the stack holds backups here but declares no field-key store (Key Vault, Secrets Manager secret) the pack can locate, so whether key and backups are apart cannot be determined, and a mandatory policy never passes by not knowing",
                    "no key vault or secret in the stack",
                    "declare the field-key vault in this stack (stack config lifeboat:keyVault), or adopt it with lifeboat:keyVault.existingVaultId so its location is read."), b.resource.urn);
            }
            return;
        }
        const usable = (p: Place, what: string): boolean => {
            if (p.region === undefined) {
                reportViolation(undetermined(p.resource, what, p.found, p.property), p.resource.urn);
                return false;
            }
            if (p.cloud === "azure" && !isKnownAzureRegion(p.region)) {
                reportViolation(
                    violation(p.resource, `${p.property} is not a known Azure region, so its region pair cannot be determined`, p.found,
                        `use a region from components/azure/regions.ts (add a new region there, with its pair).`),
                    p.resource.urn,
                );
                return false;
            }
            return true;
        };
        const knownKeys = keys.filter((k) => usable(k, `the region of the ${k.what}`));
        const knownBackups = backups.filter((b) => usable(b, `the region of this ${b.what}`));

        for (const key of knownKeys) {
            for (const backup of knownBackups) {
                if (backup.cloud !== key.cloud) {
                    // An AWS region never equals an Azure region, but the two can share a city.
                    const [awsRegion, azureRegion] = key.cloud === "aws" ? [key.region, backup.region] : [backup.region, key.region];
                    if (awsRegion !== undefined && azureRegion !== undefined && sameMetro(awsRegion, azureRegion)) {
                        const message = violation(key.resource,
                            `the field key and ${label(backup.resource)} (${backup.what}) are in different clouds but the same metropolitan area (${awsRegion} and ${azureRegion}), so one local disaster takes both`,
                            `key ${key.property} ${show(key.found)}, backup ${backup.property} ${show(backup.found)}`,
                            `${fix(key)} Pick regions in different metropolitan areas (components/aws/regions.ts SAME_METRO_AZURE).`);
                        if (strict) {
                            reportViolation(message, key.resource.urn);
                        } else {
                            reportAt(reportViolation, "advisory", message, key.resource.urn);
                        }
                    }
                    continue;
                }
                const found = `key ${key.property} ${show(key.found)}, backup ${backup.property} ${show(backup.found)}`;
                if (key.region === backup.region) {
                    reportViolation(
                        violation(key.resource,
                            `the field key is in the same region as ${label(backup.resource)} (${backup.what}), so one regional loss or one stolen copy takes key and backups together`,
                            found, fix(key)),
                        key.resource.urn,
                    );
                    continue;
                }
                const keyRegions = regionsOf(key);
                const backupRegions = regionsOf(backup);
                const shared = keyRegions.filter((r) => backupRegions.includes(r));
                if (shared.length === 0) {
                    continue;
                }
                const message = violation(key.resource,
                    `the field key (kept in ${keyRegions.join(" and ")}) and ${label(backup.resource)} (${backup.what}, kept in ${backupRegions.join(" and ")}) ` +
                    `share ${shared.join(" and ")} through Azure region pairs`,
                    found,
                    `${fix(key)} Paired regions count because Key Vault, GRS storage and geo-redundant backups copy into the pair.`);
                if (strict) {
                    reportViolation(message, key.resource.urn);
                } else {
                    reportAt(reportViolation, "advisory", message, key.resource.urn);
                }
            }
        }
    },
};
