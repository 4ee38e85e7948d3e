import { ResourceValidationPolicy } from "@pulumi/policy";
import { forTypes } from "../shared/policy";
import { violation } from "../shared/resources";
import { containersOf } from "./documents";
import { AWS_TYPES } from "./types";

/** Checkov CKV_AWS_334: the dump task's containers are not privileged and do not run as root. */
export const ecsTaskNotPrivileged: ResourceValidationPolicy = {
    name: "ecs-task-not-privileged",
    description: "ECS task definitions run no container privileged, and each as a non-root user.",
    enforcementLevel: "advisory",
    validateResource: forTypes([AWS_TYPES.ecsTaskDefinition], (args, reportViolation) => {
        const containers = containersOf(args, reportViolation);
        if (containers === undefined) {
            return;
        }
        for (const c of containers) {
            if (c.privileged === true) {
                reportViolation(violation(args, `container ${JSON.stringify(c.name)} runs privileged`, "privileged true", "remove privileged (Fargate refuses it anyway)."));
            }
            if (c.user === undefined || c.user === "" || c.user === "0" || c.user.startsWith("root") || c.user.startsWith("0:")) {
                reportViolation(violation(args, `container ${JSON.stringify(c.name)} runs as root`, `user ${JSON.stringify(c.user ?? null)}`, 'set user to a non-root UID, e.g. "1000" (the job image\'s user).'));
            }
        }
    }),
};
