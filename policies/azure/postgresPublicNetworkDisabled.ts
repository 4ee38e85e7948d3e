import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** The database is not reachable from the internet (Checkov CKV_AZURE_68, Trivy AZU-0022). */
export const postgresPublicNetworkDisabled = propertyPolicy({
    name: "postgres-public-network-disabled",
    description: "PostgreSQL Flexible Servers are not reachable from public networks.",
    enforcementLevel: "advisory",
    types: [TYPES.postgresServer],
    path: ["network", "publicNetworkAccess"],
    accept: (found) => found.kind === "known" && found.value === "Disabled",
    problem: "public network access is on (Azure's default without a virtual network)",
    fix: 'set network.publicNetworkAccess to "Disabled" and reach the server through a private endpoint or virtual network.',
});
