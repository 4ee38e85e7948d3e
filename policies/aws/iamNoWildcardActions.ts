import { ResourceValidationPolicy } from "@pulumi/policy";
import { forTypes } from "../shared/policy";
import { knownString, read } from "../shared/read";
import { undetermined, violation } from "../shared/resources";
import { listOf, statementsOf } from "./documents";
import { AWS_TYPES } from "./types";

/** The wildcard grants of an IAM policy document: `*` or `<service>:*` actions, NotAction, or `*` resources with `*` actions. */
export function wildcardGrants(document: string): string[] {
    const statements = statementsOf(document);
    if (statements === undefined) {
        return ["the policy is not valid JSON"];
    }
    const found: string[] = [];
    for (const st of statements) {
        if (st?.Effect !== "Allow") {
            continue;
        }
        const name = st.Sid === undefined ? "a statement" : `statement ${JSON.stringify(st.Sid)}`;
        if (st.NotAction !== undefined) {
            found.push(`${name} allows everything but NotAction`);
        }
        const wild = listOf(st.Action).map(String).filter((a) => a === "*" || /^[a-z0-9-]+:\*$/i.test(a));
        if (wild.length > 0) {
            found.push(`${name} allows ${wild.join(", ")}`);
        }
    }
    return found;
}

/** Checkov CKV_AWS_62, CKV_AWS_63, Trivy AWS-0057: each role may do what its job needs, named action by action. */
export const iamNoWildcardActions: ResourceValidationPolicy = {
    name: "iam-no-wildcard-actions",
    description: "IAM role and managed policies allow named actions only: no `*`, no `<service>:*`, no NotAction.",
    enforcementLevel: "advisory",
    validateResource: forTypes([AWS_TYPES.iamRolePolicy, AWS_TYPES.iamPolicy], (args, reportViolation) => {
        const found = read(args.props, "policy");
        if (found.kind === "unknown") {
            reportViolation(undetermined(args, "the policy document", found, "policy"));
            return;
        }
        for (const grant of wildcardGrants(knownString(found) ?? "{}")) {
            reportViolation(violation(args, grant, "the policy document", "name each action the role needs (components/aws: backupWriterPolicy and the task policies do)."));
        }
    }),
};
