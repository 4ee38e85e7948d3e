/**
 * The offline evaluator: runs the pack's own policy objects (registry.ts) over resources given as
 * plain data, the way the Pulumi CLI and @pulumi/policy's analyzer server would run them during
 * `pulumi preview --policy-pack policies`. `npm run plan` (tools/plan.ts) and the tests use it.
 *
 * Mirrored from the CLI and the SDK (node_modules/@pulumi/policy/server.js, pulumi's
 * pkg/resource/analyzer/config.go):
 * - pack config: a policy's value is an enforcement level or an object with an optional
 *   `enforcementLevel` and properties; `all` sets every policy's level; schema defaults are filled
 *   in first; the result is validated against each policy's configSchema (an invalid config throws);
 * - level: configured, else the policy's own, else the pack's; `disabled` skips the policy and
 *   `remediate` reports as mandatory;
 * - props are wrapped in the SDK's own unknown-checking proxy: a policy that reads an unknown
 *   value is reported as an advisory "can't run policy ... during preview" verdict;
 * - `args.notApplicable()` ends the policy without a verdict; any other error is thrown.
 * Unlike the CLI's display, a verdict's message is the policy's message alone (the CLI prefixes
 * the policy description); the description is in the policy summary.
 */
import {
    EnforcementLevel,
    Policies,
    PolicyConfigSchema,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { version as PACK_VERSION } from "./package.json";
import { PACK_ENFORCEMENT_LEVEL, PACK_NAME, policies as PACK_POLICIES } from "./registry";
import { validateJsonSchema } from "./shared/jsonSchema";
import { typesOf } from "./shared/policy";
import { nameFromUrn, typeFromUrn } from "./shared/resources";

export interface OfflineResource {
    type: string;
    name: string;
    urn: string;
    /** Resolved inputs; an unknown value is the string "04da6b54-80e4-46f7-96ec-b56ff0331ba9" (Pulumi's unknown sentinel). */
    props: Record<string, unknown>;
    /**
     * The ID of an existing resource read with `.get()` (not managed). The CLI runs resource
     * policies only on the resources a program registers; stack policies see read ones too.
     */
    readId?: string;
    /** parent, dependencies and propertyDependencies are URNs. */
    opts: {
        protect: boolean;
        retainOnDelete: boolean;
        ignoreChanges: string[];
        parent?: string;
        dependencies: string[];
        propertyDependencies: Record<string, string[]>;
        provider?: string;
    };
}

export interface Verdict {
    policy: string;
    enforcementLevel: "mandatory" | "advisory";
    urn?: string;
    type?: string;
    name?: string;
    message: string;
}

export interface PolicySummary {
    policy: string;
    description: string;
    enforcementLevel: "mandatory" | "advisory" | "disabled";
    violations: number;
    /**
     * The verdict a reviewer reads: `pass` (it looked and found nothing), `advisory` (only advisory
     * findings, e.g. a mandatory policy's pair overlaps downgraded to advisory), `mandatory` (at
     * least one mandatory violation: `pulumi up` is blocked), `not-applicable` (nothing in the
     * stack it checks), `disabled` (by pack config).
     */
    status: "pass" | "advisory" | "mandatory" | "not-applicable" | "disabled";
    /** Why the policy does not apply, when it says. */
    notApplicable?: string;
}

/** The pack's version (policies/package.json), as the CLI names it: lifeboat@v0.1.0. */
export { PACK_NAME, PACK_VERSION };

const ENFORCEMENT_LEVELS: readonly string[] = ["advisory", "mandatory", "remediate", "disabled"];

/** The SDK's proxy module: its runtime exports are not in its type declarations. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdkProxy = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy<T>(value: T): T;
    UnknownValueError: new (...args: never[]) => Error;
};

class NotApplicableError extends Error {
    constructor(public readonly reason?: string) {
        super(reason ?? "Policy does not apply");
    }
}

function throwNotApplicable(reason?: string): never {
    throw new NotApplicableError(reason);
}

interface PolicyConfigEntry {
    enforcementLevel?: EnforcementLevel;
    properties?: Record<string, unknown>;
}

function isEnforcementLevel(value: unknown): value is EnforcementLevel {
    return typeof value === "string" && ENFORCEMENT_LEVELS.includes(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** As the CLI parses a --policy-pack-config file (parsePolicyPackConfig). */
export function parsePolicyPackConfig(config: Record<string, unknown>): Record<string, PolicyConfigEntry> {
    if (!isPlainObject(config)) {
        throw new Error("invalid policy pack config: the config must be a JSON object keyed by policy name (or \"all\")");
    }
    const result: Record<string, PolicyConfigEntry> = {};
    for (const [key, value] of Object.entries(config)) {
        let enforcementLevel: EnforcementLevel | undefined;
        let properties: Record<string, unknown> | undefined;
        if (typeof value === "string") {
            if (!isEnforcementLevel(value)) {
                throw new Error(`invalid policy pack config: parsing enforcement level for "${key}": "${value}" is not a valid enforcement level (one of ${ENFORCEMENT_LEVELS.join(", ")})`);
            }
            enforcementLevel = value;
        } else if (isPlainObject(value)) {
            const { enforcementLevel: level, ...rest } = value;
            if (level !== undefined) {
                if (typeof level !== "string") {
                    throw new Error(`invalid policy pack config: parsing enforcement level for "${key}": ${JSON.stringify(level)} is not a valid enforcement level; must be a string`);
                }
                if (!isEnforcementLevel(level)) {
                    throw new Error(`invalid policy pack config: parsing enforcement level for "${key}": "${level}" is not a valid enforcement level (one of ${ENFORCEMENT_LEVELS.join(", ")})`);
                }
                enforcementLevel = level;
            }
            if (Object.keys(rest).length > 0) {
                properties = rest;
            }
        } else {
            throw new Error(`invalid policy pack config: parsing "${key}": ${JSON.stringify(value)} is not a valid value; must be a string or object`);
        }
        if (enforcementLevel === undefined && properties === undefined) {
            continue;
        }
        result[key] = { enforcementLevel, properties };
    }
    return result;
}

function schemaDefaults(schema: PolicyConfigSchema | undefined): Record<string, unknown> | undefined {
    let props: Record<string, unknown> | undefined;
    for (const [key, property] of Object.entries(schema?.properties ?? {})) {
        if (typeof property === "object" && property !== null && "default" in property) {
            props = props ?? {};
            props[key] = structuredClone(property.default);
        }
    }
    return props;
}

/** As the CLI reconciles pack config (ReconcilePolicyPackConfig): defaults, then `all`, then per policy; then validation. */
export function reconcilePolicyPackConfig(policies: Policies, config: Record<string, unknown> = {}): Record<string, PolicyConfigEntry> {
    const result: Record<string, PolicyConfigEntry> = {};
    for (const p of policies) {
        result[p.name] = { enforcementLevel: p.enforcementLevel ?? PACK_ENFORCEMENT_LEVEL, properties: schemaDefaults(p.configSchema) };
    }
    const given = parsePolicyPackConfig(config);
    const all = given["all"];
    if (all?.enforcementLevel !== undefined) {
        for (const key of Object.keys(result)) {
            result[key] = { enforcementLevel: all.enforcementLevel, properties: result[key].properties };
        }
    }
    for (const [policy, entry] of Object.entries(given)) {
        const current = result[policy] ?? {};
        const properties = entry.properties !== undefined ? { ...(current.properties ?? {}), ...entry.properties } : current.properties;
        result[policy] = { enforcementLevel: entry.enforcementLevel ?? current.enforcementLevel, properties };
    }
    const errors: string[] = [];
    for (const p of policies) {
        if (p.configSchema === undefined) {
            continue;
        }
        const schema = { type: "object" as const, properties: p.configSchema.properties, required: p.configSchema.required };
        for (const error of validateJsonSchema(schema, result[p.name]?.properties ?? {})) {
            errors.push(`${p.name}: ${error.replace(/^\(root\): /, "")}`);
        }
    }
    if (errors.length > 0) {
        throw new Error(`invalid policy pack config:\n  ${errors.join("\n  ")}`);
    }
    return result;
}

/** Deserialised like the SDK's deserializeProperties: undefined members are absent, the rest copied. */
function toPolicyValue(value: unknown): unknown {
    if (value === null || typeof value !== "object") {
        return value;
    }
    if (Array.isArray(value)) {
        return value.map((v) => (v === undefined ? null : toPolicyValue(v)));
    }
    const result: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
        if (v !== undefined) {
            result[k] = toPolicyValue(v);
        }
    }
    return result;
}

function proxiedProps(props: Record<string, unknown>): Record<string, unknown> {
    return sdkProxy.unknownCheckingProxy(toPolicyValue(props) as Record<string, unknown>);
}

function policyOptions(r: OfflineResource): PolicyResourceOptions {
    const opts: PolicyResourceOptions = {
        protect: r.opts.protect,
        ignoreChanges: [...r.opts.ignoreChanges],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
    };
    if (r.opts.parent) {
        opts.parent = r.opts.parent;
    }
    return opts;
}

/** A provider reference is `<urn>::<id>`; a plain URN is accepted too. */
function providerOf(r: OfflineResource, byUrn: Map<string, OfflineResource>): PolicyProviderResource | undefined {
    const ref = r.opts.provider;
    if (!ref) {
        return undefined;
    }
    // urn:pulumi:<stack>::<project>::<type>::<name>, then ::<id> in a reference.
    const parts = ref.split("::");
    const stripped = parts.length >= 5 ? parts.slice(0, -1).join("::") : ref;
    for (const urn of [ref, stripped]) {
        const provider = byUrn.get(urn);
        if (provider) {
            return { type: provider.type, props: proxiedProps(provider.props), urn: provider.urn, name: provider.name };
        }
    }
    return { type: typeFromUrn(stripped), props: proxiedProps({}), urn: stripped, name: nameFromUrn(stripped) };
}

function isTypeOf(type: string, resourceClass: unknown): boolean {
    const cls = resourceClass as { __pulumiType?: string; isInstance?: (o: unknown) => boolean };
    if (typeof cls.__pulumiType === "string") {
        return type === cls.__pulumiType;
    }
    return typeof cls.isInstance === "function" && cls.isInstance({ __pulumiType: type }) === true;
}

function levelOf(config: Record<string, PolicyConfigEntry>, policy: { name: string; enforcementLevel?: EnforcementLevel }): EnforcementLevel {
    return config[policy.name]?.enforcementLevel || policy.enforcementLevel || PACK_ENFORCEMENT_LEVEL;
}

function reported(level: EnforcementLevel): "mandatory" | "advisory" {
    return level === "advisory" ? "advisory" : "mandatory";
}

function isStackPolicy(p: ResourceValidationPolicy | StackValidationPolicy): p is StackValidationPolicy {
    return typeof (p as StackValidationPolicy).validateStack === "function";
}

function isResourcePolicy(p: ResourceValidationPolicy | StackValidationPolicy): p is ResourceValidationPolicy {
    return !isStackPolicy(p);
}

/**
 * Runs `policies` (the pack's by default) over `resources` with `policyConfig` (the JSON of
 * `--policy-pack-config`). Throws on an invalid config, and on a policy that fails with an error
 * other than an unknown value (as `pulumi preview` fails).
 */
export async function evaluateWith(
    policies: Policies,
    resources: OfflineResource[],
    policyConfig: Record<string, unknown> = {},
): Promise<{ verdicts: Verdict[]; policies: PolicySummary[] }> {
    const config = reconcilePolicyPackConfig(policies, policyConfig);
    const byUrn = new Map(resources.map((r) => [r.urn, r] as const));
    const stackTags: ReadonlyMap<string, string> = new Map();
    const verdicts: Verdict[] = [];
    /** Per policy: how many runs ended in args.notApplicable(), and the first reason. */
    const notApplicable = new Map<string, { count: number; reason?: string }>();
    /** Per resource policy: how many resources it ran on. */
    const ran = new Map<string, number>();
    const packRef = `'${PACK_NAME}@v${PACK_VERSION}'`;

    const makeReport = (policy: string, level: EnforcementLevel, fixedUrn?: string): ReportViolation =>
        ((message: unknown, urn?: string) => {
            let text: string;
            let at = fixedUrn ?? urn;
            let verdictLevel = reported(level);
            if (typeof message === "object" && message !== null) {
                const info = message as { message?: string; urn?: string; enforcementLevel?: EnforcementLevel; description?: string };
                text = info.message ?? info.description ?? "";
                at = fixedUrn ?? info.urn;
                if (info.enforcementLevel !== undefined) {
                    verdictLevel = reported(info.enforcementLevel);
                }
            } else {
                text = String(message ?? "");
            }
            const resource = at === undefined ? undefined : byUrn.get(at);
            verdicts.push({
                policy,
                enforcementLevel: verdictLevel,
                urn: at,
                type: resource?.type ?? (at === undefined ? undefined : typeFromUrn(at)),
                name: resource?.name ?? (at === undefined ? undefined : nameFromUrn(at)),
                message: text,
            });
        }) as ReportViolation;

    const fail = (policy: string, e: unknown, urn?: string): void => {
        if (e instanceof sdkProxy.UnknownValueError) {
            const resource = urn === undefined ? undefined : byUrn.get(urn);
            verdicts.push({
                policy,
                enforcementLevel: "advisory",
                urn,
                type: resource?.type,
                name: resource?.name,
                message: `can't run policy '${policy}' from policy pack ${packRef} during preview: ${(e as Error).message}`,
            });
            return;
        }
        if (e instanceof NotApplicableError) {
            const seen = notApplicable.get(policy) ?? { count: 0 };
            notApplicable.set(policy, { count: seen.count + 1, reason: seen.reason ?? e.reason });
            return;
        }
        const detail = e instanceof Error ? e.message : String(e);
        throw new Error(`Error validating resource with policy '${policy}' from policy pack ${packRef}: ${detail}`, { cause: e });
    };

    // Resource policies, resource by resource, as the engine calls Analyze.
    for (const r of resources) {
        if (r.type.startsWith("pulumi:providers:") || r.readId !== undefined) {
            continue;
        }
        for (const p of policies) {
            const level = levelOf(config, p);
            if (level === "disabled" || !isResourcePolicy(p) || p.validateResource === undefined) {
                continue;
            }
            const validations: ResourceValidation[] = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
            if (validations.length === 1) {
                const only = (validations[0] as { __pulumiType?: string }).__pulumiType;
                if (only !== undefined && only !== r.type) {
                    continue;
                }
            }
            const report = makeReport(p.name, level, r.urn);
            for (const validation of validations) {
                const types = typesOf(validation);
                if (types !== undefined && !types.includes(r.type)) {
                    continue;
                }
                ran.set(p.name, (ran.get(p.name) ?? 0) + 1);
                try {
                    const props = proxiedProps(r.props);
                    const args: ResourceValidationArgs = {
                        type: r.type,
                        props,
                        urn: r.urn,
                        name: r.name,
                        opts: policyOptions(r),
                        stackTags,
                        isType: (resourceClass) => isTypeOf(r.type, resourceClass),
                        asType: ((resourceClass: unknown) => (isTypeOf(r.type, resourceClass) ? props : undefined)) as ResourceValidationArgs["asType"],
                        getConfig: <T extends object>() => ({ ...(config[p.name]?.properties ?? {}) }) as T,
                        notApplicable: throwNotApplicable,
                    };
                    const provider = providerOf(r, byUrn);
                    if (provider) {
                        args.provider = provider;
                    }
                    await Promise.resolve(validation(args, report));
                } catch (e) {
                    fail(p.name, e, r.urn);
                }
            }
        }
    }

    // Stack policies, once over every resource, as the engine calls AnalyzeStack.
    for (const p of policies) {
        const level = levelOf(config, p);
        if (level === "disabled" || !isStackPolicy(p)) {
            continue;
        }
        const only = (p.validateStack as { __pulumiType?: string }).__pulumiType;
        if (only !== undefined && !resources.some((r) => r.type === only)) {
            notApplicable.set(p.name, { count: 1, reason: `no ${only} in the stack` });
            continue;
        }
        try {
            const built = new Map<string, PolicyResource>();
            for (const r of resources) {
                const props = proxiedProps(r.props);
                const resource: PolicyResource = {
                    type: r.type,
                    props,
                    urn: r.urn,
                    name: r.name,
                    opts: policyOptions(r),
                    dependencies: [],
                    propertyDependencies: {},
                    isType: (resourceClass) => isTypeOf(r.type, resourceClass),
                    asType: ((resourceClass: unknown) => (isTypeOf(r.type, resourceClass) ? props : undefined)) as PolicyResource["asType"],
                };
                const provider = providerOf(r, byUrn);
                if (provider) {
                    resource.provider = provider;
                }
                built.set(r.urn, resource);
            }
            const lookup = (urns: string[]): PolicyResource[] =>
                urns.map((u) => built.get(u)).filter((x): x is PolicyResource => x !== undefined);
            for (const r of resources) {
                const resource = built.get(r.urn) as PolicyResource;
                if (r.opts.parent) {
                    const parent = built.get(r.opts.parent);
                    if (parent) {
                        resource.parent = parent;
                    }
                }
                resource.dependencies = lookup(r.opts.dependencies);
                for (const [key, urns] of Object.entries(r.opts.propertyDependencies)) {
                    resource.propertyDependencies[key] = lookup(urns);
                }
            }
            const args: StackValidationArgs = {
                resources: [...built.values()],
                getConfig: <T extends object>() => ({ ...(config[p.name]?.properties ?? {}) }) as T,
                stackTags,
                notApplicable: throwNotApplicable,
            };
            await Promise.resolve(p.validateStack(args, makeReport(p.name, level)));
        } catch (e) {
            fail(p.name, e);
        }
    }

    const summaries: PolicySummary[] = policies.map((p) => {
        const level = levelOf(config, p);
        const own = verdicts.filter((v) => v.policy === p.name);
        const na = notApplicable.get(p.name);
        // A stack policy that said so, or a resource policy that ran on nothing (or on nothing that applied).
        const applies = isStackPolicy(p) ? na === undefined : (ran.get(p.name) ?? 0) > (na?.count ?? 0);
        const status: PolicySummary["status"] = level === "disabled" ? "disabled"
            : own.some((v) => v.enforcementLevel === "mandatory") ? "mandatory"
            : own.length > 0 ? "advisory"
            : applies ? "pass" : "not-applicable";
        const summary: PolicySummary = {
            policy: p.name,
            description: p.description,
            enforcementLevel: level === "disabled" ? "disabled" : reported(level),
            violations: own.length,
            status,
        };
        if (status === "not-applicable") {
            const validations = isResourcePolicy(p) && p.validateResource !== undefined ? (Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource]) : [];
            const types = [...new Set(validations.flatMap((v) => typesOf(v) ?? []))];
            summary.notApplicable = na?.reason ?? (types.length > 0 ? `no ${types.join(" or ")} in the stack` : "nothing it checks in the stack");
        }
        return summary;
    });
    return { verdicts, policies: summaries };
}

/** Runs the Lifeboat pack over `resources`, with `policyConfig` as `pulumi preview --policy-pack-config` takes it. */
export function evaluatePolicies(
    resources: OfflineResource[],
    policyConfig?: Record<string, unknown>,
): Promise<{ verdicts: Verdict[]; policies: PolicySummary[] }> {
    return evaluateWith(PACK_POLICIES, resources, policyConfig ?? {});
}
