import {
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
} from "@pulumi/policy";
import { read, Read } from "./read";
import { undetermined, violation } from "./resources";

/**
 * A resource validation that runs only for the given type tokens. With a single type the token is
 * attached as `__pulumiType`, the same fast path `validateResourceOfType` uses in the policy SDK.
 */
export function forTypes(
    types: readonly string[],
    validate: (args: ResourceValidationArgs, reportViolation: ReportViolation) => void,
): ResourceValidation {
    const fn: ResourceValidation = (args, reportViolation) => {
        if (types.includes(args.type)) {
            validate(args, reportViolation);
        }
    };
    if (types.length === 1) {
        (fn as unknown as { __pulumiType: string }).__pulumiType = types[0];
    }
    return appliesToTypes(fn, types);
}

/**
 * Records the resource types a validation looks at, so that a report can tell "not applicable"
 * (no such resource in the stack) from "pass". The Pulumi CLI ignores the property.
 */
export function appliesToTypes<T extends object>(validation: T, types: readonly string[]): T {
    (validation as unknown as { __lifeboatTypes: readonly string[] }).__lifeboatTypes = types;
    return validation;
}

/** The types recorded by appliesToTypes (or the SDK's single `__pulumiType`), if any. */
export function typesOf(validation: unknown): readonly string[] | undefined {
    const v = validation as { __lifeboatTypes?: readonly string[]; __pulumiType?: string };
    return v.__lifeboatTypes ?? (v.__pulumiType === undefined ? undefined : [v.__pulumiType]);
}

export interface PropertyPolicySpec {
    name: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    types: readonly string[];
    /** The property path checked, e.g. ["properties", "enablePurgeProtection"]. */
    path: readonly string[];
    /** Whether the value (known, or missing meaning the Azure default) is acceptable. */
    accept: (value: Read, args: ResourceValidationArgs) => boolean;
    /** What is wrong, e.g. "purge protection is off". May use the policy config. */
    problem: string | ((args: ResourceValidationArgs, found: Read) => string);
    /** The fix, e.g. "set properties.enablePurgeProtection to true." */
    fix: string | ((args: ResourceValidationArgs) => string);
    /** Only resources this returns true for are checked. */
    appliesTo?: (args: ResourceValidationArgs) => boolean;
    configSchema?: PolicyConfigSchema;
}

/**
 * A policy on one property: an unknown value is reported as undetermined (never passes), a known
 * or missing value is given to `accept`.
 */
export function propertyPolicy(spec: PropertyPolicySpec): ResourceValidationPolicy {
    const property = spec.path.join(".");
    return {
        name: spec.name,
        description: spec.description,
        enforcementLevel: spec.enforcementLevel,
        configSchema: spec.configSchema,
        validateResource: forTypes(spec.types, (args, reportViolation) => {
            if (spec.appliesTo !== undefined && !spec.appliesTo(args)) {
                return;
            }
            const found = read(args.props, ...spec.path);
            if (found.kind === "unknown") {
                reportViolation(undetermined(args, property, found, property));
                return;
            }
            if (!spec.accept(found, args)) {
                const problem = typeof spec.problem === "function" ? spec.problem(args, found) : spec.problem;
                const fix = typeof spec.fix === "function" ? spec.fix(args) : spec.fix;
                reportViolation(violation(args, problem, found, fix));
            }
        }),
    };
}
