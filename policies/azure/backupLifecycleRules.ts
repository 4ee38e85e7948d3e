import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { Tier, TIERS, tierPrefix } from "../../scripts/layout";
import { DEFAULTS, LifecycleConfig, lifecycleSchema } from "../config";
import { knownArray, knownNumber, knownString, read, Read, show, UNKNOWN } from "../shared/read";
import { label, nameOf, propertyDeps, refersTo, TYPES, undetermined, violation } from "../shared/resources";

function minimums(config: LifecycleConfig): Record<Tier, number> {
    return {
        daily: config.minimumDailyDays ?? DEFAULTS.lifecycleMinimumDays.daily,
        weekly: config.minimumWeeklyDays ?? DEFAULTS.lifecycleMinimumDays.weekly,
        monthly: config.minimumMonthlyDays ?? DEFAULTS.lifecycleMinimumDays.monthly,
    };
}

interface Rule {
    policy: PolicyResource;
    name: string;
    rule: Read;
}

/** Whether a rule's filter matches every blob under `path`; undefined when that cannot be determined. */
function covers(rule: Read, path: string): boolean | undefined {
    const blobTypes = read(rule.kind === "known" ? rule.value : undefined, "definition", "filters", "blobTypes");
    const prefixes = read(rule.kind === "known" ? rule.value : undefined, "definition", "filters", "prefixMatch");
    if (blobTypes.kind === "unknown" || prefixes.kind === "unknown") {
        return undefined;
    }
    const types = knownArray(blobTypes) ?? [];
    if (types.some((t) => t.kind === "unknown")) {
        return undefined;
    }
    if (!types.some((t) => knownString(t) === "blockBlob")) {
        return false;
    }
    if (prefixes.kind === "missing") {
        return true;
    }
    const list = knownArray(prefixes) ?? [];
    if (list.length === 0) {
        return true;
    }
    if (list.some((p) => p.kind === "unknown")) {
        return undefined;
    }
    return list.some((p) => {
        const prefix = knownString(p);
        return prefix !== undefined && path.startsWith(prefix);
    });
}

const DAY_KEYS = ["daysAfterModificationGreaterThan", "daysAfterCreationGreaterThan", "daysAfterLastAccessTimeGreaterThan", "daysAfterLastTierChangeGreaterThan"];

/**
 * The days after which a rule's base-blob `action` (delete, tierToArchive) applies: the soonest of
 * every condition it sets (a blob goes when any of them is met); missing when the rule has no such
 * action, unknown when a condition is.
 */
function actionAfter(rule: Read, action: string): Read {
    const base = rule.kind === "known" ? rule.value : undefined;
    const whole = read(base, "definition", "actions", "baseBlob", action);
    if (whole.kind !== "known") {
        return whole;
    }
    let soonest: number | undefined;
    for (const key of DAY_KEYS) {
        const days = read(base, "definition", "actions", "baseBlob", action, key);
        if (days.kind === "unknown") {
            return days;
        }
        const value = knownNumber(days);
        if (days.kind === "known" && value === undefined) {
            return days;
        }
        if (value !== undefined && (soonest === undefined || value < soonest)) {
            soonest = value;
        }
    }
    return soonest === undefined ? whole : { kind: "known", value: soonest };
}

function fixFor(path: string, minimum: number): string {
    return `give the account's management policy an enabled rule with filters { blobTypes: ["blockBlob"], prefixMatch: ["${path}"] } ` +
        `and actions.baseBlob.delete.daysAfterModificationGreaterThan of at least ${minimum} (stack config lifeboat:backupStorage.retention), ` +
        "and no rule matching that prefix that deletes sooner.";
}

/**
 * Each backup container has delete rules for every tier (daily/, weekly/, monthly/ as the job writes
 * them, scripts/layout.ts), and no rule deletes a tier sooner than its configured minimum.
 */
export const backupLifecycleRules: StackValidationPolicy = {
    name: "backup-lifecycle-rules",
    description:
        "Every backup container has an enabled lifecycle delete rule for each tier (daily, weekly, monthly), " +
        "and no rule deletes a tier before its minimum retention.",
    enforcementLevel: "mandatory",
    configSchema: lifecycleSchema,
    validateStack: (args, reportViolation) => {
        const minimum = minimums(args.getConfig<LifecycleConfig>());
        // Every storage account: a tag naming another role cannot exempt one (tags are hints only).
        const accounts = args.resources.filter((r) => r.type === TYPES.storageAccount);
        if (accounts.length === 0) {
            args.notApplicable("no storage account in the stack");
        }
        const containers = args.resources.filter((r) => r.type === TYPES.blobContainer);
        const policies = args.resources.filter((r) => r.type === TYPES.managementPolicy);
        for (const account of accounts) {
            const accountContainers = containers.filter((c) => refersTo(c, "accountName", account, "accountName"));
            const accountPolicies = policies.filter((p) => refersTo(p, "accountName", account, "accountName"));
            const rules: Rule[] = [];
            let rulesKnown = true;
            for (const policy of accountPolicies) {
                const list = knownArray(read(policy.props, "policy", "rules"));
                if (list === undefined) {
                    reportViolation(undetermined(policy, "the lifecycle rules", read(policy.props, "policy", "rules"), "policy.rules"), policy.urn);
                    rulesKnown = false;
                    continue;
                }
                for (const rule of list) {
                    const value = rule.kind === "known" ? rule.value : undefined;
                    const name = knownString(read(value, "name")) ?? "(unnamed)";
                    const enabled = read(value, "enabled");
                    if (rule.kind === "unknown" || enabled.kind === "unknown") {
                        reportViolation(undetermined(policy, `whether lifecycle rule "${name}" is enabled`, UNKNOWN, "policy.rules[].enabled"), policy.urn);
                        continue;
                    }
                    // Not set: Azure treats the rule as enabled.
                    if (enabled.kind === "known" && enabled.value === false) {
                        continue;
                    }
                    rules.push({ policy, name, rule });
                }
            }
            if (!rulesKnown) {
                continue;
            }
            for (const container of accountContainers) {
                const nameRead = nameOf(container, "containerName");
                const containerName = knownString(nameRead);
                if (containerName === undefined) {
                    reportViolation(undetermined(container, "the container name (which the lifecycle rules' prefixes must match)", nameRead, "containerName"), container.urn);
                    continue;
                }
                for (const tier of TIERS) {
                    const path = `${containerName}/${tierPrefix(tier)}`;
                    let deleted = false;
                    for (const { policy, name, rule } of rules) {
                        const match = covers(rule, path);
                        if (match === undefined) {
                            reportViolation(undetermined(policy, `whether lifecycle rule "${name}" matches "${path}"`, { kind: "unknown" },
                                `policy.rules[].definition.filters of rule "${name}"`), policy.urn);
                            continue;
                        }
                        if (!match) {
                            continue;
                        }
                        const archived = actionAfter(rule, "tierToArchive");
                        const archiveDays = knownNumber(archived);
                        if (archived.kind === "unknown" || (archived.kind === "known" && archiveDays === undefined)) {
                            reportViolation(undetermined(policy, `the days after which lifecycle rule "${name}" moves "${path}" to the archive tier`, archived,
                                `policy.rules[].definition.actions.baseBlob.tierToArchive of rule "${name}"`), policy.urn);
                        } else if (archiveDays !== undefined && archiveDays < minimum.daily) {
                            reportViolation(violation(container,
                                `lifecycle rule "${name}" of ${label(policy)} moves the ${tier} backup sets under "${path}" to the archive tier after ${archiveDays} days: ` +
                                `an archived blob must be rehydrated before it can be read, which takes up to 15 hours, so a restore from them misses any recovery time objective of hours (an RTO violation)`,
                                `${archiveDays} days`,
                                `keep the backup sets online (Hot, Cool or Cold) for at least the ${minimum.daily} days of the daily tier: remove tierToArchive from rule "${name}" or set it to ${minimum.daily} days or more.`), container.urn);
                        }
                        const days = actionAfter(rule, "delete");
                        if (days.kind === "missing") {
                            continue;
                        }
                        const value = knownNumber(days);
                        if (days.kind === "unknown" || value === undefined) {
                            reportViolation(undetermined(policy, `the days after which lifecycle rule "${name}" deletes "${path}"`, days,
                                `policy.rules[].definition.actions.baseBlob.delete of rule "${name}"`), policy.urn);
                            continue;
                        }
                        deleted = true;
                        if (value < minimum[tier]) {
                            reportViolation(violation(container,
                                `lifecycle rule "${name}" of ${label(policy)} deletes the ${tier} backup sets under "${path}" ` +
                                `after ${value} days, sooner than the ${minimum[tier]} days they must be kept`,
                                show(days) + " days", fixFor(path, minimum[tier])), container.urn);
                        }
                    }
                    if (!deleted) {
                        const names = rules.map((r) => `"${r.name}"`).join(", ");
                        reportViolation(violation(container,
                            `no enabled lifecycle rule deletes the ${tier} backup sets under "${path}", so the tier has no retention rule`,
                            accountPolicies.length === 0 ? "no management policy on the account" : `rules ${names || "none"}`,
                            fixFor(path, minimum[tier])), container.urn);
                    }
                }
            }
        }
        // A container whose account cannot be matched is reported by name, never skipped silently.
        for (const container of containers) {
            const accountName = read(container.props, "accountName");
            if (accountName.kind === "unknown" && propertyDeps(container, "accountName").length === 0) {
                reportViolation(undetermined(container, "the storage account of this container", accountName, "accountName"), container.urn);
            }
        }
    },
};
