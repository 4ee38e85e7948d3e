import { StackValidationPolicy } from "@pulumi/policy";
import { knownArray, knownString, read } from "../shared/read";
import { nameOf, propertyDeps, TYPES, violation } from "../shared/resources";

/**
 * Checkov CKV2_AZURE_57: a Flexible Server closed to public networks is reached through a private
 * endpoint (a PrivateEndpoint whose privateLinkServiceConnections are computed from the server or
 * name it) or lives in a delegated subnet (network.delegatedSubnetResourceId).
 */
export const postgresPrivateEndpoint: StackValidationPolicy = {
    name: "postgres-private-endpoint",
    description: "Every Flexible Server is reachable privately: a private endpoint to it, or VNet integration (delegated subnet).",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
        const servers = args.resources.filter((r) => r.type === TYPES.postgresServer);
        if (servers.length === 0) {
            args.notApplicable("no azure-native:dbforpostgresql:Server in the stack");
        }
        const endpoints = args.resources.filter((r) => r.type === TYPES.privateEndpoint);
        for (const server of servers) {
            if (read(server.props, "network", "delegatedSubnetResourceId").kind !== "missing") {
                continue;
            }
            const name = knownString(nameOf(server, "serverName"));
            const reached = endpoints.some((e) => propertyDeps(e, "privateLinkServiceConnections").some((d) => d.urn === server.urn)
                || (knownArray(read(e.props, "privateLinkServiceConnections")) ?? []).some((c) => {
                    const id = knownString(read(c.kind === "known" ? c.value : undefined, "privateLinkServiceId"));
                    return name !== undefined && id !== undefined && new RegExp(`/flexibleServers/${name}$`, "i").test(id);
                }));
            if (!reached) {
                reportViolation(violation(server, "no private endpoint reaches the server and it is not in a delegated subnet, so the dump job can reach it only over a public endpoint",
                    "no azure-native:network:PrivateEndpoint to this server", "declare a private endpoint for it (components/azure JobNetwork servers), or give it network.delegatedSubnetResourceId."), server.urn);
            }
        }
    },
};
