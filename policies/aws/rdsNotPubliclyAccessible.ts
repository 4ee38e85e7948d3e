import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** Checkov CKV_AWS_17, Trivy AWS-0180: the database has no public address. */
export const rdsNotPubliclyAccessible = propertyPolicy({
    name: "rds-not-publicly-accessible",
    description: "RDS instances are not publicly accessible.",
    enforcementLevel: "mandatory",
    types: [TYPES.rdsInstance],
    path: ["publiclyAccessible"],
    // Not set: RDS creates a private instance.
    accept: (found) => found.kind === "missing" || (found.kind === "known" && found.value === false),
    problem: "the instance is publicly accessible, so it has an address on the internet",
    fix: "set publiclyAccessible to false and reach it from inside the VPC.",
});
