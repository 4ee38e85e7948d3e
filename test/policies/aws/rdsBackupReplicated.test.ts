import { verdictsOf, withProp } from "../fixtures";
import { awsStack, without } from "./fixtures";

const POLICY = "rds-backup-replicated";
const I = "casework-aws-pg-instance";
const R = "casework-aws-pg-backup-replication";

describe(POLICY, () => {
    it("passes automated backups replicated to another region", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
    });

    it("reports an instance whose automated backups are not replicated", async () => {
        expect(await verdictsOf(POLICY, without(awsStack(), R))).toEqual([{
            enforcementLevel: "mandatory", name: I,
            message: 'aws:rds/instance:Instance "casework-aws-pg-instance": its automated backups are not replicated to another region, so a regional loss takes the instance and every point-in-time backup together ' +
                '(found no aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication for "casework-aws-pg"). Fix: replicate the instance\'s automated backups to another region ' +
                "(stack config lifeboat:servers[].geoRedundantBackup: true with backupReplicationRegion), as InstanceAutomatedBackupsReplication with sourceDbInstanceArn from the instance.",
        }]);
    });

    it("reports a replication into the instance's own region", async () => {
        expect(await verdictsOf(POLICY, withProp(awsStack(), R, "region", "eu-central-1"))).toEqual([{
            enforcementLevel: "mandatory", name: R,
            message: 'aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication "casework-aws-pg-backup-replication": replicates the automated backups of aws:rds/instance:Instance "casework-aws-pg-instance" into its own region ' +
                '(found region "eu-central-1", instance region "eu-central-1"). Fix: set backupReplicationRegion to a different region.',
        }]);
    });
});
