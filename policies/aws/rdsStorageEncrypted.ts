import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** Checkov CKV_AWS_16, Trivy AWS-0080: storage, automated backups and snapshots are encrypted at rest. */
export const rdsStorageEncrypted = propertyPolicy({
    name: "rds-storage-encrypted",
    description: "RDS instances encrypt their storage, automated backups and snapshots with KMS.",
    enforcementLevel: "mandatory",
    types: [TYPES.rdsInstance],
    path: ["storageEncrypted"],
    accept: (found) => found.kind === "known" && found.value === true,
    problem: "storage encryption is off, so the database, its backups and snapshots are stored unencrypted",
    fix: "set storageEncrypted to true with kmsKeyId (a customer-managed KMS key); an existing instance needs a new, encrypted copy.",
});
