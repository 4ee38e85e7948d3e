import { propertyPolicy } from "../shared/policy";
import { knownNumber } from "../shared/read";
import { AWS_TYPES } from "./types";

/** Checkov CKV_AWS_66: the jobs' logs are kept for a set time (never unset: that is for ever, and unbounded cost). */
export const logGroupRetention = propertyPolicy({
    name: "log-group-retention",
    description: "CloudWatch log groups set a retention (retentionInDays).",
    enforcementLevel: "advisory",
    types: [AWS_TYPES.logGroup],
    path: ["retentionInDays"],
    accept: (found) => (knownNumber(found) ?? 0) > 0,
    problem: "the log group keeps its logs for ever (no retention set)",
    fix: "set retentionInDays (components/aws DumpTask logRetentionDays, default 90).",
});
