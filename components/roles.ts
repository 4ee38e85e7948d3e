/**
 * Tags Lifeboat puts on the resources it declares, so that the policy pack can tell a
 * backup store from any other storage account, the field-key vault from any other vault,
 * and a dump job from any other job, from inputs alone (literals, known during preview).
 */
export const ROLE_TAG = "lifeboat-role";
/** On a dump job: the Flexible Server (serverName) or RDS identifier it dumps. */
export const SERVER_TAG = "lifeboat-server";
/** On a dump job: the comma-separated databases it dumps. */
export const DATABASES_TAG = "lifeboat-databases";

export const ROLES = {
    /** A PostgreSQL server whose databases are backed up. */
    database: "database",
    /** Storage that holds backup sets (blob storage account, S3 bucket). */
    backups: "backups",
    /** The vault or secret store holding the field encryption key. */
    fieldKey: "field-key",
    /** The identity and jobs that run `lifeboat backup`. */
    dumpJob: "dump-job",
    /** The identity and jobs that run `lifeboat verify` (restore tests). */
    restoreTest: "restore-test",
} as const;

export type Role = (typeof ROLES)[keyof typeof ROLES];
