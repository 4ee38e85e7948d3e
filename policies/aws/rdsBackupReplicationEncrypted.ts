import { propertyPolicy } from "../shared/policy";
import { AWS_TYPES } from "./types";

/** Checkov CKV_AWS_245: replicated automated backups are encrypted with a KMS key of the destination region. */
export const rdsBackupReplicationEncrypted = propertyPolicy({
    name: "rds-backup-replication-encrypted",
    description: "Automated backups replicated to another region are encrypted with a customer-managed KMS key there.",
    enforcementLevel: "mandatory",
    types: [AWS_TYPES.rdsBackupReplication],
    path: ["kmsKeyId"],
    accept: (found) => found.kind === "known" && typeof found.value === "string" && found.value !== "",
    problem: "the replicated automated backups name no KMS key, so an encrypted instance's backups cannot be replicated and an unencrypted one's stay unencrypted",
    fix: "set kmsKeyId to the ARN of a KMS key in the destination region.",
});
