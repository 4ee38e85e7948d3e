import { ResourceValidationPolicy } from "@pulumi/policy";
import { forTypes } from "../shared/policy";
import { knownBoolean, read } from "../shared/read";
import { TYPES, undetermined, violation } from "../shared/resources";

/**
 * Container Apps environments run in the stack's own virtual network with an internal load
 * balancer only (no public ingress IP): the jobs take no requests, and reach the servers through
 * private endpoints.
 */
export const jobEnvironmentInternal: ResourceValidationPolicy = {
    name: "job-environment-internal",
    description: "Container Apps environments are injected into a virtual network (vnetConfiguration.infrastructureSubnetId) and internal (vnetConfiguration.internal: true).",
    enforcementLevel: "advisory",
    validateResource: forTypes([TYPES.managedEnvironment], (args, reportViolation) => {
        const fix = "set vnetConfiguration { infrastructureSubnetId: <a delegated subnet>, internal: true } (components/azure JobEnvironment network).";
        const subnet = read(args.props, "vnetConfiguration", "infrastructureSubnetId");
        const internal = read(args.props, "vnetConfiguration", "internal");
        if (subnet.kind === "missing") {
            reportViolation(violation(args, "the environment is not in a virtual network of the stack's, so its jobs reach only public endpoints and it gets a public ingress IP", subnet, fix));
            return;
        }
        if (internal.kind === "unknown") {
            reportViolation(undetermined(args, "vnetConfiguration.internal", internal, "vnetConfiguration.internal"));
        } else if (knownBoolean(internal) !== true) {
            reportViolation(violation(args, "the environment has a public ingress IP (internal is off), though jobs take no requests", internal, fix));
        }
    }),
};
