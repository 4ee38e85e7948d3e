import { propertyPolicy } from "../shared/policy";
import { knownArray, knownString, read } from "../shared/read";
import { AWS_TYPES } from "./types";

/** Checkov CKV_AWS_65: the dump tasks' CPU, memory and failures are measured. */
export const ecsClusterContainerInsights = propertyPolicy({
    name: "ecs-cluster-container-insights",
    description: "ECS clusters have Container Insights on (settings containerInsights enabled or enhanced).",
    enforcementLevel: "advisory",
    types: [AWS_TYPES.ecsCluster],
    path: ["settings"],
    accept: (found) => (knownArray(found) ?? []).some((s) => {
        const v = s.kind === "known" ? s.value : undefined;
        return knownString(read(v, "name")) === "containerInsights" && ["enabled", "enhanced"].includes(knownString(read(v, "value")) ?? "");
    }),
    problem: "Container Insights is off",
    fix: 'set settings [{ name: "containerInsights", value: "enabled" }].',
});
