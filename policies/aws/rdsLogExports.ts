import { propertyPolicy } from "../shared/policy";
import { knownArray, knownString } from "../shared/read";
import { TYPES } from "../shared/resources";

/** Checkov CKV_AWS_129: the PostgreSQL log goes to CloudWatch Logs, outside the instance. */
export const rdsLogExports = propertyPolicy({
    name: "rds-log-exports",
    description: "RDS PostgreSQL instances export their postgresql log to CloudWatch Logs (enabledCloudwatchLogsExports).",
    enforcementLevel: "advisory",
    types: [TYPES.rdsInstance],
    path: ["enabledCloudwatchLogsExports"],
    accept: (found) => (knownArray(found) ?? []).some((x) => knownString(x) === "postgresql"),
    problem: "the postgresql log is not exported, so connections and errors are lost with the instance",
    fix: 'set enabledCloudwatchLogsExports to ["postgresql"] (or with "upgrade").',
});
