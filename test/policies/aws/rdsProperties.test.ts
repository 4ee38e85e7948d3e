import { verdictsOf, withProp } from "../fixtures";
import { awsStack } from "./fixtures";

const I = "casework-aws-pg-instance";
const T = 'aws:rds/instance:Instance "casework-aws-pg-instance"';

describe("rds-backup-retention", () => {
    const POLICY = "rds-backup-retention";
    it("passes 35 days", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
    });
    it("reports fewer days than the minimum", async () => {
        expect(await verdictsOf(POLICY, withProp(awsStack(), I, "backupRetentionPeriod", 7))).toEqual([{
            enforcementLevel: "mandatory", name: I,
            message: `${T}: keeps automated backups for fewer than 14 days (found 7). Fix: set backupRetentionPeriod to at least 14 (stack config lifeboat:servers[].backupRetentionDays, 1-35), or lower the policy's minimumDays.`,
        }]);
    });
    it("reports an unset retention as RDS's 1 day", async () => {
        expect(await verdictsOf(POLICY, withProp(awsStack(), I, "backupRetentionPeriod", undefined))).toEqual([{
            enforcementLevel: "mandatory", name: I,
            message: `${T}: keeps automated backups for fewer than 14 days (RDS keeps 1 when it is not set) (found not set). Fix: set backupRetentionPeriod to at least 14 (stack config lifeboat:servers[].backupRetentionDays, 1-35), or lower the policy's minimumDays.`,
        }]);
    });
    it("follows the configured minimum", async () => {
        expect(await verdictsOf(POLICY, withProp(awsStack(), I, "backupRetentionPeriod", 7), { [POLICY]: { minimumDays: 7 } })).toEqual([]);
    });
});

describe("rds-deletion-protection", () => {
    const POLICY = "rds-deletion-protection";
    it("passes deletion protection on", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
    });
    it("reports it off", async () => {
        expect(await verdictsOf(POLICY, withProp(awsStack(), I, "deletionProtection", false))).toEqual([{
            enforcementLevel: "mandatory", name: I,
            message: `${T}: deletion protection is off, so one API call deletes the database (found false). Fix: set deletionProtection to true.`,
        }]);
    });
});

describe("rds-storage-encrypted", () => {
    const POLICY = "rds-storage-encrypted";
    it("passes encrypted storage", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
    });
    it("reports unset (RDS's default: unencrypted)", async () => {
        expect(await verdictsOf(POLICY, withProp(awsStack(), I, "storageEncrypted", undefined))).toEqual([{
            enforcementLevel: "mandatory", name: I,
            message: `${T}: storage encryption is off, so the database, its backups and snapshots are stored unencrypted (found not set). Fix: set storageEncrypted to true with kmsKeyId (a customer-managed KMS key); an existing instance needs a new, encrypted copy.`,
        }]);
    });
});

describe("rds-not-publicly-accessible", () => {
    const POLICY = "rds-not-publicly-accessible";
    it("passes a private instance", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
    });
    it("reports a public one", async () => {
        expect(await verdictsOf(POLICY, withProp(awsStack(), I, "publiclyAccessible", true))).toEqual([{
            enforcementLevel: "mandatory", name: I,
            message: `${T}: the instance is publicly accessible, so it has an address on the internet (found true). Fix: set publiclyAccessible to false and reach it from inside the VPC.`,
        }]);
    });
});

describe("rds-multi-az", () => {
    const POLICY = "rds-multi-az";
    it("passes Multi-AZ", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
    });
    it("reports a single-AZ instance (advisory)", async () => {
        expect(await verdictsOf(POLICY, withProp(awsStack(), I, "multiAz", false))).toEqual([{
            enforcementLevel: "advisory", name: I,
            message: `${T}: the instance has no standby in another Availability Zone, so one zone's outage stops it until a restore (found false). Fix: set multiAz to true (stack config lifeboat:servers[].highAvailability: ZoneRedundant).`,
        }]);
    });
});

describe("rds-backup-replication-encrypted", () => {
    const POLICY = "rds-backup-replication-encrypted";
    const R = "casework-aws-pg-backup-replication";
    it("passes a replication with a KMS key", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
    });
    it("reports one without", async () => {
        expect(await verdictsOf(POLICY, withProp(awsStack(), R, "kmsKeyId", undefined))).toEqual([{
            enforcementLevel: "mandatory", name: R,
            message: `aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication "${R}": the replicated automated backups name no KMS key, so an encrypted instance's backups cannot be replicated and an unencrypted one's stay unencrypted (found not set). Fix: set kmsKeyId to the ARN of a KMS key in the destination region.`,
        }]);
    });
    it("reports an unknown key as undetermined", async () => {
        const [verdict] = await verdictsOf(POLICY, withProp(awsStack(), R, "kmsKeyId", "04da6b54-80e4-46f7-96ec-b56ff0331ba9"));
        expect(verdict.message).toContain("cannot be determined, and a mandatory policy never passes by not knowing");
    });
});
