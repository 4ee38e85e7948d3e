import { EnforcementLevel, PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { knownArray, knownBoolean, knownString, read, Read, show } from "./read";
import { label, nameOf, propertyDeps, TYPES, undetermined, violation } from "./resources";

/** The diagnostic settings that send a resource's logs somewhere: `resourceUri` computed from it, or a literal naming it. */
export function settingsOf(resources: PolicyResource[], source: PolicyResource, uriPattern: (name: string) => RegExp, nameProperty: string): PolicyResource[] {
    const name = knownString(nameOf(source, nameProperty));
    return resources.filter((r) => {
        if (r.type !== TYPES.diagnosticSetting) {
            return false;
        }
        if (propertyDeps(r, "resourceUri").some((d) => d.urn === source.urn)) {
            return true;
        }
        const uri = knownString(read(r.props, "resourceUri"));
        return uri !== undefined && name !== undefined && uriPattern(name).test(uri);
    });
}

/** Which of `categories` an enabled entry of `logs` covers: by category, or by a category group that holds it. */
export function coveredCategories(logs: Read, categories: readonly string[], groups: readonly string[]): { covered: string[]; unknown: boolean } {
    const entries = knownArray(logs);
    if (logs.kind === "unknown" || (logs.kind === "known" && entries === undefined)) {
        return { covered: [], unknown: true };
    }
    const covered = new Set<string>();
    let unknown = false;
    for (const entry of entries ?? []) {
        const value = entry.kind === "known" ? entry.value : undefined;
        const enabled = read(value, "enabled");
        const category = read(value, "category");
        const group = read(value, "categoryGroup");
        if (entry.kind === "unknown" || enabled.kind === "unknown" || category.kind === "unknown" || group.kind === "unknown") {
            unknown = true;
            continue;
        }
        if (knownBoolean(enabled) !== true) {
            continue;
        }
        const c = knownString(category);
        const g = knownString(group)?.toLowerCase();
        for (const wanted of categories) {
            if (c?.toLowerCase() === wanted.toLowerCase() || (g !== undefined && groups.map((x) => x.toLowerCase()).includes(g))) {
                covered.add(wanted);
            }
        }
    }
    return { covered: [...covered], unknown };
}

export interface LogPolicySpec {
    name: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    /** The resource types whose logs must be kept. */
    types: readonly string[];
    /** The input naming the resource (vaultName, accountName, serverName). */
    nameProperty: string;
    /** A literal resourceUri that names the resource (case-insensitive). */
    uriPattern: (name: string) => RegExp;
    /** The log categories that must be enabled, and the category groups that hold all of them. */
    categories: readonly string[];
    groups: readonly string[];
    /** What the logs are for, e.g. "who read the field key". */
    why: string;
    fix: string;
}

/**
 * A stack policy that every resource of `types` has a diagnostic setting (monitor.DiagnosticSetting
 * whose resourceUri is computed from it or names it) with every required log category enabled and
 * a destination (workspace, storage account or event hub).
 */
export function logPolicy(spec: LogPolicySpec): StackValidationPolicy {
    return {
        name: spec.name,
        description: spec.description,
        enforcementLevel: spec.enforcementLevel,
        validateStack: (args, reportViolation) => {
            const sources = args.resources.filter((r) => spec.types.includes(r.type));
            if (sources.length === 0) {
                args.notApplicable(`no ${spec.types.join(" or ")} in the stack`);
            }
            for (const source of sources) {
                const settings = settingsOf(args.resources, source, spec.uriPattern, spec.nameProperty);
                if (settings.length === 0) {
                    reportViolation(violation(source, `no diagnostic setting sends its ${spec.categories.join(", ")} logs anywhere, so there is no record of ${spec.why}`,
                        "no azure-native:monitor:DiagnosticSetting whose resourceUri is this resource", spec.fix), source.urn);
                    continue;
                }
                const missing = new Set(spec.categories);
                let undetermined_: { setting: PolicyResource; what: string; found: Read } | undefined;
                for (const setting of settings) {
                    const destinations = ["workspaceId", "storageAccountId", "eventHubAuthorizationRuleId"].map((p) => read(setting.props, p));
                    const hasDestination = destinations.some((d) => d.kind === "unknown" || (knownString(d) ?? "") !== "");
                    if (!hasDestination) {
                        continue;
                    }
                    const logs = read(setting.props, "logs");
                    const { covered, unknown } = coveredCategories(logs, spec.categories, spec.groups);
                    covered.forEach((c) => missing.delete(c));
                    if (unknown) {
                        undetermined_ = { setting, what: "the log categories it enables", found: logs };
                    }
                }
                if (missing.size === 0) {
                    continue;
                }
                if (undetermined_ !== undefined) {
                    reportViolation(undetermined(undetermined_.setting, undetermined_.what, undetermined_.found, "logs"), undetermined_.setting.urn);
                    continue;
                }
                reportViolation(violation(source,
                    `its diagnostic settings (${settings.map((s) => label(s)).join(", ")}) do not send ${[...missing].join(", ")} to a destination, so there is no full record of ${spec.why}`,
                    settings.map((s) => `logs ${show(read(s.props, "logs"))}`).join("; "), spec.fix), source.urn);
            }
        },
    };
}
