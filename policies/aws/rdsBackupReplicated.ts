import { StackValidationPolicy } from "@pulumi/policy";
import { normaliseAwsRegion } from "../../components/aws/regions";
import { knownString, read, show } from "../shared/read";
import { appliesToTypes } from "../shared/policy";
import { label, propertyDeps, TYPES, undetermined, violation } from "../shared/resources";

const FIX = "replicate the instance's automated backups to another region (stack config lifeboat:servers[].geoRedundantBackup: true with backupReplicationRegion), as InstanceAutomatedBackupsReplication with sourceDbInstanceArn from the instance.";

/**
 * The AWS counterpart of postgres-geo-redundant-backup: every RDS instance's automated backups are
 * replicated to another region (`InstanceAutomatedBackupsReplication`), so a regional loss leaves a
 * point-in-time restore (AWS has no region pairs: nothing is copied unless declared).
 */
export const rdsBackupReplicated: StackValidationPolicy = {
    name: "rds-backup-replicated",
    description: "Every RDS instance replicates its automated backups to another region (the AWS counterpart of postgres-geo-redundant-backup).",
    enforcementLevel: "mandatory",
    validateStack: appliesToTypes((args, reportViolation) => {
        const instances = args.resources.filter((r) => r.type === TYPES.rdsInstance);
        if (instances.length === 0) {
            args.notApplicable(`no ${TYPES.rdsInstance} in the stack`);
        }
        const replications = args.resources.filter((r) => r.type === TYPES.rdsBackupReplication);
        for (const instance of instances) {
            const identifier = knownString(read(instance.props, "identifier"));
            const arn = knownString(read(instance.props, "arn"));
            const mine = replications.filter((rep) => {
                if (propertyDeps(rep, "sourceDbInstanceArn").some((d) => d.urn === instance.urn)) {
                    return true;
                }
                const source = knownString(read(rep.props, "sourceDbInstanceArn"));
                return source !== undefined && ((arn !== undefined && source === arn) || (identifier !== undefined && source.endsWith(`:db:${identifier}`)));
            });
            if (mine.length === 0) {
                reportViolation(violation(instance, "its automated backups are not replicated to another region, so a regional loss takes the instance and every point-in-time backup together",
                    `no ${TYPES.rdsBackupReplication} for ${identifier === undefined ? "this instance" : JSON.stringify(identifier)}`, FIX), instance.urn);
                continue;
            }
            const home = read(instance.props, "region");
            for (const rep of mine) {
                const there = read(rep.props, "region");
                if (there.kind !== "known") {
                    reportViolation(undetermined(rep, "the region the automated backups are replicated to", there, "region"), rep.urn);
                } else if (home.kind === "known" && typeof home.value === "string" && typeof there.value === "string" && normaliseAwsRegion(home.value) === normaliseAwsRegion(there.value)) {
                    reportViolation(violation(rep, `replicates the automated backups of ${label(instance)} into its own region`, `region ${show(there)}, instance region ${show(home)}`,
                        "set backupReplicationRegion to a different region."), rep.urn);
                }
            }
        }
    }, [TYPES.rdsInstance]),
};
