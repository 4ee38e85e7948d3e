import { ResourceValidationPolicy } from "@pulumi/policy";
import { forTypes } from "../shared/policy";
import { knownArray, knownString, read } from "../shared/read";
import { undetermined, violation } from "../shared/resources";
import { AWS_TYPES } from "./types";

/** Checkov CKV_AWS_24, CKV_AWS_25, CKV_AWS_260, CKV_AWS_277, CKV_AWS_23; Trivy AWS-0107, AWS-0124, AWS-0099: nothing is open to the internet, every rule is described. */
export const securityGroupNoPublicIngress: ResourceValidationPolicy = {
    name: "security-group-no-public-ingress",
    description: "Security groups admit no ingress from 0.0.0.0/0 or ::/0, and the group and every rule have a description.",
    enforcementLevel: "advisory",
    validateResource: forTypes([AWS_TYPES.securityGroup], (args, reportViolation) => {
        const description = read(args.props, "description");
        if (description.kind !== "unknown" && (knownString(description) ?? "") === "") {
            reportViolation(violation(args, "the security group has no description", description, "say what the group is for (who it admits, where it sends)."));
        }
        for (const direction of ["ingress", "egress"] as const) {
            const rules = read(args.props, direction);
            if (rules.kind === "unknown") {
                reportViolation(undetermined(args, `the ${direction} rules`, rules, direction));
                continue;
            }
            (knownArray(rules) ?? []).forEach((rule, i) => {
                const r = rule.kind === "known" ? rule.value : undefined;
                const open = [...(knownArray(read(r, "cidrBlocks")) ?? []), ...(knownArray(read(r, "ipv6CidrBlocks")) ?? [])].map(knownString).filter((c) => c === "0.0.0.0/0" || c === "::/0");
                if (direction === "ingress" && open.length > 0) {
                    reportViolation(violation(args, `ingress rule ${i} admits the whole internet`, open.join(", "), "admit only the security groups that need the port (components/aws: the database admits the dump task's group)."));
                }
                if ((knownString(read(r, "description")) ?? "") === "") {
                    reportViolation(violation(args, `${direction} rule ${i} has no description`, "no description", "describe what the rule is for."));
                }
            });
        }
    }),
};
