import { ResourceValidationPolicy } from "@pulumi/policy";
import { forTypes } from "../shared/policy";
import { violation } from "../shared/resources";
import { containersOf } from "./documents";
import { AWS_TYPES } from "./types";

/** Names of environment variables that carry a secret (a fingerprint is not one: it is a short hash, safe to show). */
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE_KEY|ACCESS_KEY|FIELD_ENCRYPTION_KEY)/i;

/**
 * Trivy AWS-0036: no task definition puts a secret in a plain `environment` entry (visible to
 * anyone who can describe the task definition); secrets come from Secrets Manager (`secrets`).
 */
export const ecsTaskNoPlaintextSecrets: ResourceValidationPolicy = {
    name: "ecs-task-no-plaintext-secrets",
    description: "ECS task definitions pass no password, token or key in a plain environment variable (they use `secrets`).",
    enforcementLevel: "mandatory",
    validateResource: forTypes([AWS_TYPES.ecsTaskDefinition], (args, reportViolation) => {
        const containers = containersOf(args, reportViolation);
        if (containers === undefined) {
            return;
        }
        for (const c of containers) {
            for (const e of c.environment ?? []) {
                if (e.name !== undefined && SECRET_NAME.test(e.name)) {
                    reportViolation(violation(args, `container ${JSON.stringify(c.name)} gets ${e.name} as a plain environment variable, readable by anyone who can describe the task definition`,
                        `environment ${e.name}`, "pass it from Secrets Manager in `secrets` (valueFrom), as the database password is; the field key never goes to a backup task at all."));
                }
            }
        }
    }),
};
