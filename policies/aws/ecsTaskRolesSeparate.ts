import { StackValidationPolicy } from "@pulumi/policy";
import { knownString, read } from "../shared/read";
import { propertyDeps, violation } from "../shared/resources";
import { AWS_TYPES } from "./types";

/**
 * Checkov CKV_AWS_249: the role that starts the task (image, logs, the database password) is not
 * the task's own identity (the backup writer): same ARN literal, or both computed from one role.
 * A stack policy, since only stack policies see what a property was computed from.
 */
export const ecsTaskRolesSeparate: StackValidationPolicy = {
    name: "ecs-task-roles-separate",
    description: "ECS task definitions use an execution role other than their task role.",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        const tasks = args.resources.filter((r) => r.type === AWS_TYPES.ecsTaskDefinition);
        if (tasks.length === 0) {
            args.notApplicable(`no ${AWS_TYPES.ecsTaskDefinition} in the stack`);
        }
        for (const task of tasks) {
            const exec = knownString(read(task.props, "executionRoleArn"));
            const role = knownString(read(task.props, "taskRoleArn"));
            const sameLiteral = exec !== undefined && exec === role;
            const execFrom = propertyDeps(task, "executionRoleArn").map((d) => d.urn);
            const sameRole = propertyDeps(task, "taskRoleArn").some((d) => execFrom.includes(d.urn));
            if (sameLiteral || sameRole) {
                reportViolation(violation(task, "the execution role is the task role, so the task itself holds what starting it needs (the database password, the image pull)",
                    sameLiteral ? `both ${JSON.stringify(exec)}` : "both computed from one role", "give the task its own role (components/aws TaskEnvironment taskRole) and the execution role only what starting it needs."), task.urn);
            }
        }
    },
};
