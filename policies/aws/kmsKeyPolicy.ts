import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { keyPlaces } from "../shared/locations";
import { knownString, read, Read, show } from "../shared/read";
import { label, propertyDeps, TYPES, undetermined, violation } from "../shared/resources";
import { listOf, principalsOf, statementsOf } from "./documents";
import { AWS_TYPES } from "./types";

/** What is wrong with a key policy document, or nothing. */
export function keyPolicyProblems(document: string): string[] {
    const statements = statementsOf(document);
    if (statements === undefined) {
        return ["the key policy is not valid JSON"];
    }
    const problems: string[] = [];
    for (const st of statements) {
        if (st?.Effect !== "Allow") {
            continue;
        }
        const principals = principalsOf(st);
        const name = st.Sid === undefined ? "a statement" : `statement ${JSON.stringify(st.Sid)}`;
        if (principals.includes("*")) {
            problems.push(`${name} allows a wildcard principal (*): anyone who can call KMS may use the key`);
            continue;
        }
        const all = listOf(st.Action).some((a) => a === "*" || a === "kms:*");
        if (all && !principals.every((p) => /^arn:aws[a-z-]*:iam::\d{12}:root$/.test(p) || /^\d{12}$/.test(p))) {
            problems.push(`${name} grants kms:* to ${principals.join(", ")}: only the account's own statement may`);
        }
    }
    return problems;
}

/** The key policies that apply to `key`: its own `policy`, and each KeyPolicy whose keyId is computed from it or names it. */
function policiesOf(resources: PolicyResource[], key: PolicyResource): { resource: PolicyResource; found: Read }[] {
    const own = read(key.props, "policy");
    const keyId = knownString(read(key.props, "keyId")) ?? knownString(read(key.props, "arn"));
    const attached = resources.filter((r) => r.type === AWS_TYPES.kmsKeyPolicy
        && (propertyDeps(r, "keyId").some((d) => d.urn === key.urn) || (keyId !== undefined && knownString(read(r.props, "keyId")) === keyId)));
    return [...(own.kind === "missing" ? [] : [{ resource: key, found: own }]), ...attached.map((r) => ({ resource: r, found: read(r.props, "policy") }))];
}

/**
 * Checkov CKV_AWS_33, CKV2_AWS_64: the KMS key of the field key (a key that encrypts a Secrets
 * Manager secret, or is tagged field-key) has an explicit key policy, known during preview, that
 * names no wildcard principal and grants kms:* to nobody but the account itself.
 */
export const kmsKeyPolicy: StackValidationPolicy = {
    name: "kms-key-policy",
    description: "The field key's KMS key has an explicit key policy with no wildcard principal, granting kms:* only to the account itself; any other key's explicit policy names no wildcard principal either.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const fieldKeys = new Set(keyPlaces(args.resources).filter((p) => p.resource.type === TYPES.kmsKey).map((p) => p.resource.urn));
        const keys = args.resources.filter((r) => r.type === TYPES.kmsKey);
        if (keys.length === 0) {
            args.notApplicable("no aws:kms/key:Key in the stack");
        }
        const fix = "set the key's policy (components/aws fieldKeyPolicy): the account's own statement, the named administrators, and readers that decrypt only via Secrets Manager.";
        for (const key of keys) {
            const policies = policiesOf(args.resources, key);
            // Another key (the database's, the backups', the alarms'): its explicit policy, if any, is read; KMS's default names no wildcard.
            if (!fieldKeys.has(key.urn)) {
                for (const { resource, found } of policies) {
                    for (const problem of keyPolicyProblems(knownString(found) ?? "{}")) {
                        reportViolation(violation(resource, problem, "the policy document", "name the principals that use the key."), resource.urn);
                    }
                }
                continue;
            }
            if (policies.length === 0) {
                reportViolation(violation(key, "the field key's KMS key has no explicit key policy, so who may decrypt the field key is not written where a reviewer sees it",
                    "no policy and no aws:kms/keyPolicy:KeyPolicy for this key", fix), key.urn);
                continue;
            }
            for (const { resource, found } of policies) {
                const document = knownString(found);
                if (found.kind === "unknown") {
                    reportViolation(undetermined(resource, "the key policy", found, "policy"), resource.urn);
                } else if (document === undefined) {
                    reportViolation(violation(resource, "the key policy is not a JSON document", found, fix), resource.urn);
                } else {
                    for (const problem of keyPolicyProblems(document)) {
                        reportViolation(violation(resource, `${problem}${resource === key ? "" : ` (on ${label(key)})`}`, show(found).length > 200 ? "the policy document" : show(found), fix), resource.urn);
                    }
                }
            }
        }
    },
};
