import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** Checkov CKV_AWS_293, Trivy AWS-0177: an API call or a console click cannot delete the database. */
export const rdsDeletionProtection = propertyPolicy({
    name: "rds-deletion-protection",
    description: "RDS instances have deletion protection on.",
    enforcementLevel: "mandatory",
    types: [TYPES.rdsInstance],
    path: ["deletionProtection"],
    accept: (found) => found.kind === "known" && found.value === true,
    problem: "deletion protection is off, so one API call deletes the database",
    fix: "set deletionProtection to true.",
});
