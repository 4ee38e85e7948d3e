/**
 * Every policy of the pack, in the order they are reported. `index.ts` serves these through the
 * PolicyPack; `offline.ts` runs the very same objects for `npm run plan` and the tests.
 */
import { EnforcementLevel, Policies } from "@pulumi/policy";
import { backupLifecycleRules } from "./azure/backupLifecycleRules";
import { blobContainerPrivate } from "./azure/blobContainerPrivate";
import { dumpJobCannotReadKey } from "./azure/dumpJobCannotReadKey";
import { dumpJobScheduled } from "./azure/dumpJobScheduled";
import { keySeparateFromBackups } from "./azure/keySeparateFromBackups";
import { keyvaultAuditLogs } from "./azure/keyvaultAuditLogs";
import { keyvaultNetworkRestricted } from "./azure/keyvaultNetworkRestricted";
import { keyvaultPurgeProtection } from "./azure/keyvaultPurgeProtection";
import { keyvaultRbacAuthorization } from "./azure/keyvaultRbacAuthorization";
import { keyvaultSecretContentType } from "./azure/keyvaultSecretContentType";
import { keyvaultSecretExpiry } from "./azure/keyvaultSecretExpiry";
import { keyvaultSoftDelete } from "./azure/keyvaultSoftDelete";
import { postgresBackupRetention } from "./azure/postgresBackupRetention";
import { postgresGeoRedundantBackup } from "./azure/postgresGeoRedundantBackup";
import { postgresPublicNetworkDisabled } from "./azure/postgresPublicNetworkDisabled";
import { postgresServerLogs } from "./azure/postgresServerLogs";
import { storageBlobLogs } from "./azure/storageBlobLogs";
import { storageBlobPublicAccessDisabled } from "./azure/storageBlobPublicAccessDisabled";
import { storageBlobSoftDelete } from "./azure/storageBlobSoftDelete";
import { storageBlobVersioning } from "./azure/storageBlobVersioning";
import { storageCrossTenantReplicationDisabled } from "./azure/storageCrossTenantReplicationDisabled";
import { storageGeoReplication } from "./azure/storageGeoReplication";
import { storageHttpsOnly } from "./azure/storageHttpsOnly";
import { storageImmutabilityLocked } from "./azure/storageImmutabilityLocked";
import { storageInfrastructureEncryption } from "./azure/storageInfrastructureEncryption";
import { storageMinTls } from "./azure/storageMinTls";
import { storageNetworkDefaultDeny } from "./azure/storageNetworkDefaultDeny";
import { storageSharedKeyDisabled } from "./azure/storageSharedKeyDisabled";
import { storageTrustedServicesBypass } from "./azure/storageTrustedServicesBypass";
import { statefulResourcesProtected } from "./general/statefulResourcesProtected";
import { ecrImmutableTags } from "./aws/ecrImmutableTags";
import { ecrScanOnPush } from "./aws/ecrScanOnPush";
import { kmsKeyPolicy } from "./aws/kmsKeyPolicy";
import { kmsKeyRotation } from "./aws/kmsKeyRotation";
import { rdsBackupReplicated } from "./aws/rdsBackupReplicated";
import { rdsBackupReplicationEncrypted } from "./aws/rdsBackupReplicationEncrypted";
import { rdsBackupRetention } from "./aws/rdsBackupRetention";
import { rdsDeletionProtection } from "./aws/rdsDeletionProtection";
import { rdsMultiAz } from "./aws/rdsMultiAz";
import { rdsNotPubliclyAccessible } from "./aws/rdsNotPubliclyAccessible";
import { rdsStorageEncrypted } from "./aws/rdsStorageEncrypted";
import { s3KmsEncryption } from "./aws/s3KmsEncryption";
import { s3LifecycleRules } from "./aws/s3LifecycleRules";
import { s3ObjectLock } from "./aws/s3ObjectLock";
import { s3PublicAccessBlock } from "./aws/s3PublicAccessBlock";
import { s3TlsOnly } from "./aws/s3TlsOnly";
import { s3Versioning } from "./aws/s3Versioning";
import { secretKmsEncrypted } from "./aws/secretKmsEncrypted";
import { registryAdminUserDisabled } from "./azure/registryAdminUserDisabled";
import { registryAnonymousPullDisabled } from "./azure/registryAnonymousPullDisabled";
import { jobEnvironmentInternal } from "./azure/jobEnvironmentInternal";
import { postgresPrivateEndpoint } from "./azure/postgresPrivateEndpoint";
import { rdsCopyTagsToSnapshot } from "./aws/rdsCopyTagsToSnapshot";
import { rdsAutoMinorVersionUpgrade } from "./aws/rdsAutoMinorVersionUpgrade";
import { rdsLogExports } from "./aws/rdsLogExports";
import { s3BucketOwnerEnforced } from "./aws/s3BucketOwnerEnforced";
import { iamNoWildcardActions } from "./aws/iamNoWildcardActions";
import { ecsTaskNotPrivileged } from "./aws/ecsTaskNotPrivileged";
import { logGroupRetention } from "./aws/logGroupRetention";
import { snsTopicEncrypted } from "./aws/snsTopicEncrypted";
import { ecsClusterContainerInsights } from "./aws/ecsClusterContainerInsights";
import { securityGroupNoPublicIngress } from "./aws/securityGroupNoPublicIngress";
import { kmsKeyEnabled } from "./aws/kmsKeyEnabled";
import { iamTrustSpecificPrincipals } from "./aws/iamTrustSpecificPrincipals";
import { ecsTaskRolesSeparate } from "./aws/ecsTaskRolesSeparate";
import { s3PolicyNoPublicAllow } from "./aws/s3PolicyNoPublicAllow";
import { postgresTlsEnforced } from "./azure/postgresTlsEnforced";
import { ecsTaskNoPlaintextSecrets } from "./aws/ecsTaskNoPlaintextSecrets";

/** The pack's name, as in PulumiPolicy.yaml and `pulumi preview --policy-pack`. */
export const PACK_NAME = "lifeboat";

/** The pack's default level: a policy without its own level is advisory. Every policy here sets one. */
export const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = "advisory";

export const PACK_DESCRIPTION = "Lifeboat: backups and the field-encryption key both survive any single loss and never share a location.";

export const policies: Policies = [
    // Contract 4: the core policies.
    keySeparateFromBackups,
    postgresBackupRetention,
    postgresGeoRedundantBackup,
    blobContainerPrivate,
    backupLifecycleRules,
    keyvaultPurgeProtection,
    dumpJobScheduled,
    dumpJobCannotReadKey,
    // The broad set, mapped to Checkov, Trivy and Azure Policy in README.md.
    statefulResourcesProtected,
    postgresPublicNetworkDisabled,
    keyvaultSoftDelete,
    keyvaultRbacAuthorization,
    keyvaultNetworkRestricted,
    keyvaultSecretContentType,
    keyvaultSecretExpiry,
    storageMinTls,
    storageHttpsOnly,
    storageBlobPublicAccessDisabled,
    storageSharedKeyDisabled,
    storageGeoReplication,
    storageNetworkDefaultDeny,
    storageTrustedServicesBypass,
    storageInfrastructureEncryption,
    storageCrossTenantReplicationDisabled,
    storageBlobSoftDelete,
    storageBlobVersioning,
    storageImmutabilityLocked,
    keyvaultAuditLogs,
    storageBlobLogs,
    postgresServerLogs,
    postgresPrivateEndpoint,
    postgresTlsEnforced,
    registryAdminUserDisabled,
    registryAnonymousPullDisabled,
    jobEnvironmentInternal,
    // AWS (the aws target and the off-site S3 copy), mapped to Checkov and Trivy in README.md.
    rdsBackupRetention,
    rdsDeletionProtection,
    rdsStorageEncrypted,
    rdsNotPubliclyAccessible,
    rdsMultiAz,
    rdsBackupReplicated,
    rdsBackupReplicationEncrypted,
    s3PublicAccessBlock,
    s3Versioning,
    s3KmsEncryption,
    s3TlsOnly,
    s3LifecycleRules,
    s3ObjectLock,
    kmsKeyRotation,
    secretKmsEncrypted,
    kmsKeyPolicy,
    ecrImmutableTags,
    ecrScanOnPush,
    rdsCopyTagsToSnapshot,
    rdsAutoMinorVersionUpgrade,
    rdsLogExports,
    s3BucketOwnerEnforced,
    iamNoWildcardActions,
    ecsTaskNotPrivileged,
    ecsTaskNoPlaintextSecrets,
    logGroupRetention,
    snsTopicEncrypted,
    ecsClusterContainerInsights,
    securityGroupNoPublicIngress,
    kmsKeyEnabled,
    iamTrustSpecificPrincipals,
    ecsTaskRolesSeparate,
    s3PolicyNoPublicAllow,
];
