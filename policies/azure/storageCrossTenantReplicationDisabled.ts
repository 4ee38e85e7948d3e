import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** Azure Policy 92a89a79: backups cannot be replicated into another Entra tenant. */
export const storageCrossTenantReplicationDisabled = propertyPolicy({
    name: "storage-cross-tenant-replication-disabled",
    description: "Storage accounts forbid object replication to accounts in other Entra tenants.",
    enforcementLevel: "advisory",
    types: [TYPES.storageAccount],
    path: ["allowCrossTenantReplication"],
    accept: (found) => found.kind === "known" && found.value === false,
    problem: "object replication may copy the backups into an account of another tenant",
    fix: "set allowCrossTenantReplication to false.",
});
