import { ResourceValidationPolicy } from "@pulumi/policy";
import { forTypes } from "../shared/policy";
import { knownString, read } from "../shared/read";
import { undetermined, violation } from "../shared/resources";
import { allowsEveryone, statementsOf } from "./documents";
import { AWS_TYPES } from "./types";

/** Checkov CKV_AWS_60, CKV_AWS_61: a role can be assumed by named services, accounts or identity providers only. */
export const iamTrustSpecificPrincipals: ResourceValidationPolicy = {
    name: "iam-trust-specific-principals",
    description: "IAM roles' trust policies name their principals: no Allow to `*` or `{AWS: \"*\"}`.",
    enforcementLevel: "advisory",
    validateResource: forTypes([AWS_TYPES.iamRole], (args, reportViolation) => {
        const found = read(args.props, "assumeRolePolicy");
        if (found.kind === "unknown") {
            reportViolation(undetermined(args, "the trust policy", found, "assumeRolePolicy"));
            return;
        }
        const statements = statementsOf(knownString(found) ?? "{}");
        if (statements === undefined) {
            reportViolation(violation(args, "the trust policy is not valid JSON", found, "write it with JSON.stringify."));
            return;
        }
        for (const st of statements) {
            if (allowsEveryone(st)) {
                reportViolation(violation(args, "the role can be assumed by any principal", "Principal *", "name the service (e.g. ecs-tasks.amazonaws.com), account or identity provider that assumes it."));
            }
        }
    }),
};
