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
/**
 * On a geo-restored server: the region of the server it was restored from, whose own backups stay
 * there. The policy pack counts that region as holding backups; a geo-restore without it is undetermined.
 */
export const RESTORE_SOURCE_LOCATION_TAG = "lifeboat-restore-source-location";
/**
 * On a job whose backup target is not declared in the stack (a restore from another stack's
 * account or bucket): that target's region, which the policy pack counts as holding backups.
 */
export const TARGET_LOCATION_TAG = "lifeboat-target-location";

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
