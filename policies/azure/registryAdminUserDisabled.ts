import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** Checkov CKV_AZURE_137: no shared admin password on the job image's registry (jobs pull with their identities). */
export const registryAdminUserDisabled = propertyPolicy({
    name: "registry-admin-user-disabled",
    description: "Container registries have the admin user off (Azure's default when unset): pulls and pushes use Entra identities.",
    enforcementLevel: "advisory",
    types: [TYPES.containerRegistry],
    path: ["adminUserEnabled"],
    accept: (found) => found.kind === "missing" || (found.kind === "known" && found.value === false),
    problem: "the admin user is on: one shared password can push a job image that every job then runs",
    fix: "set adminUserEnabled to false and pull with AcrPull role assignments (components/azure JobRegistry).",
});
