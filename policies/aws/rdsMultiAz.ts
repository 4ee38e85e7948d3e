import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** Checkov CKV_AWS_157: a standby in a second Availability Zone takes over when one fails. */
export const rdsMultiAz = propertyPolicy({
    name: "rds-multi-az",
    description: "RDS instances run Multi-AZ (a synchronous standby in another Availability Zone).",
    enforcementLevel: "advisory",
    types: [TYPES.rdsInstance],
    path: ["multiAz"],
    accept: (found) => found.kind === "known" && found.value === true,
    problem: "the instance has no standby in another Availability Zone, so one zone's outage stops it until a restore",
    fix: "set multiAz to true (stack config lifeboat:servers[].highAvailability: ZoneRedundant).",
});
