import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** Checkov CKV2_AWS_60: snapshots carry the instance's tags (the lifeboat-role tags included). */
export const rdsCopyTagsToSnapshot = propertyPolicy({
    name: "rds-copy-tags-to-snapshot",
    description: "RDS instances copy their tags to their snapshots (copyTagsToSnapshot: true).",
    enforcementLevel: "advisory",
    types: [TYPES.rdsInstance],
    path: ["copyTagsToSnapshot"],
    accept: (found) => found.kind === "known" && found.value === true,
    problem: "snapshots do not get the instance's tags, so a snapshot cannot be told from any other by them",
    fix: "set copyTagsToSnapshot to true.",
});
