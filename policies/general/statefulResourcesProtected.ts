import { ResourceValidationPolicy } from "@pulumi/policy";
import { forTypes } from "../shared/policy";
import { TYPES, violation } from "../shared/resources";

/** What cannot be recreated: the databases and their servers, the key's vault and secret, the backups. */
export const STATEFUL_TYPES: readonly string[] = [
    TYPES.postgresServer,
    TYPES.postgresDatabase,
    TYPES.vault,
    TYPES.vaultSecret,
    TYPES.storageAccount,
    TYPES.blobContainer,
    TYPES.rdsInstance,
    TYPES.s3Bucket,
    TYPES.s3BucketV2,
    TYPES.kmsKey,
    TYPES.secretsManagerSecret,
];

/** Azure Policy 0b60c0b2 in spirit, for every stateful resource: no `pulumi destroy` or replacement takes them. */
export const statefulResourcesProtected: ResourceValidationPolicy = {
    name: "stateful-resources-protected",
    description:
        "Stateful resources (database servers and databases, the field-key vault and secret, backup storage and containers, " +
        "buckets, keys) have the protect resource option, so no destroy or replacement can delete them.",
    enforcementLevel: "mandatory",
    validateResource: forTypes(STATEFUL_TYPES, (args, reportViolation) => {
        if (args.opts.protect !== true) {
            reportViolation(violation(args, "the resource is not protected, so `pulumi destroy` or a replacement would delete it and its data",
                `protect ${String(args.opts.protect ?? false)}`, "declare it with the resource option { protect: true }."));
        }
    }),
};
