import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** Checkov CKV_AWS_226: minor versions (security fixes) are applied in the maintenance window. */
export const rdsAutoMinorVersionUpgrade = propertyPolicy({
    name: "rds-auto-minor-version-upgrade",
    description: "RDS instances get minor version upgrades automatically (autoMinorVersionUpgrade true, the API's default when unset).",
    enforcementLevel: "advisory",
    types: [TYPES.rdsInstance],
    path: ["autoMinorVersionUpgrade"],
    accept: (found) => found.kind === "missing" || (found.kind === "known" && found.value === true),
    problem: "automatic minor version upgrades are off, so security fixes wait for someone to apply them",
    fix: "set autoMinorVersionUpgrade to true.",
});
