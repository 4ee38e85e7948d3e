import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { POSTGRES_VERSIONS, PostgresVersion } from "../azure/postgresServer";
import { ROLE_TAG, ROLES } from "../roles";
import { checkIntRange, Problems } from "../validation";
import { knownAwsRegion } from "./regions";

/** Databases RDS for PostgreSQL reserves. */
export const RDS_RESERVED_DATABASES = ["postgres", "rdsadmin", "template0", "template1"];
/** The inputs only meaningful when an instance is created; changing them later must never replace it. */
export const RDS_CREATE_ONLY_INPUTS = ["dbName", "username"];

export interface RdsPostgresArgs {
    /** The DB instance identifier: 1-63 lowercase letters, digits and single hyphens, starting with a letter. */
    identifier: string;
    /** AWS region of the instance (and its automated backups), a literal so that policies can read it during preview. */
    region: string;
    /** Databases the dump job dumps. RDS creates the first one (`dbName`); see README for the others. */
    databases: string[];
    /** PostgreSQL major version. @default "16" */
    version?: PostgresVersion;
    /** Instance class. @default "db.t4g.medium" */
    instanceClass?: string;
    /** Storage in GiB, 20-65536 (gp3). @default 100 */
    allocatedStorageGb?: number;
    /** Upper bound of storage autoscaling in GiB, at least allocatedStorageGb. @default 2 x allocatedStorageGb */
    maxAllocatedStorageGb?: number;
    /** Days of automated backups (point-in-time recovery), 1-35. @default 35 */
    backupRetentionDays?: number;
    /** A standby in a second Availability Zone. @default false */
    multiAz?: boolean;
    /**
     * Region the automated backups are replicated to (InstanceAutomatedBackupsReplication, declared
     * with a provider in that region). Must differ from `region`. @default undefined (no replication)
     */
    backupReplicationRegion?: string;
    /** Days replicated backups are kept, 1-35. @default backupRetentionDays */
    backupReplicationRetentionDays?: number;
    /** Master user name; its password is generated and rotated by RDS in Secrets Manager. @default "lifeboat_admin" */
    administratorLogin?: string;
    /** Subnets of the DB subnet group (private subnets of the VPC). */
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** VPC of the instance's security group. */
    vpcId: pulumi.Input<string>;
    /** Security groups allowed to connect on 5432 (the dump task's). */
    clientSecurityGroupIds: pulumi.Input<string>[];
    /** Days a scheduled deletion of the KMS keys can be cancelled, 7-30. @default 30 */
    keyDeletionWindowDays?: number;
    /** Extra tags for the resources it declares (Lifeboat adds its own role tags). @default {} */
    tags?: Record<string, string>;
}

export function validateRdsPostgresArgs(args: RdsPostgresArgs, problems: Problems, path = "args"): void {
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(args.identifier) || args.identifier.includes("--") || args.identifier.endsWith("-")) {
        problems.add(`${path}.name`, args.identifier, "allowed: 1-63 lowercase letters, digits and single hyphens, starting with a letter, not ending with a hyphen (the RDS instance identifier)");
    }
    if (knownAwsRegion(args.region) === undefined) {
        problems.add(`${path}.location`, args.region, "allowed: an AWS region code such as eu-central-1");
    }
    const version = args.version ?? "16";
    if (!(POSTGRES_VERSIONS as readonly string[]).includes(version)) {
        problems.add(`${path}.version`, version, `allowed: one of ${POSTGRES_VERSIONS.join(", ")}`);
    }
    const instanceClass = args.instanceClass ?? "db.t4g.medium";
    if (!/^db\.[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(instanceClass)) {
        problems.add(`${path}.sku`, instanceClass, "allowed: an RDS instance class such as db.t4g.medium, db.m7g.large or db.r7g.xlarge");
    }
    const storage = args.allocatedStorageGb ?? 100;
    checkIntRange(problems, `${path}.storageSizeGb`, storage, 20, 65536);
    if (args.maxAllocatedStorageGb !== undefined) {
        checkIntRange(problems, `${path}.maxStorageSizeGb`, args.maxAllocatedStorageGb, Math.max(20, storage), 65536);
    }
    const retention = args.backupRetentionDays ?? 35;
    checkIntRange(problems, `${path}.backupRetentionDays`, retention, 1, 35);
    if (args.backupReplicationRegion !== undefined) {
        const target = knownAwsRegion(args.backupReplicationRegion);
        if (target === undefined) {
            problems.add(`${path}.backupReplicationRegion`, args.backupReplicationRegion, "allowed: an AWS region code such as eu-west-1");
        } else if (target === knownAwsRegion(args.region)) {
            problems.add(`${path}.backupReplicationRegion`, args.backupReplicationRegion, `allowed: a region other than the instance's (${args.region}): a replica in the same region survives no regional loss`);
        }
    }
    if (args.backupReplicationRetentionDays !== undefined) {
        checkIntRange(problems, `${path}.backupReplicationRetentionDays`, args.backupReplicationRetentionDays, 1, 35);
    }
    const login = args.administratorLogin ?? "lifeboat_admin";
    if (!/^[a-z][a-z0-9_]{0,62}$/i.test(login) || /^(admin|administrator|root|guest|public|postgres|rdsadmin)$/i.test(login) || /^(pg_|rds)/i.test(login)) {
        problems.add(`${path}.administratorLogin`, login, "allowed: 1-63 letters, digits and underscores starting with a letter, not a reserved name (admin, postgres, rdsadmin, root, rds*, pg_*)");
    }
    if (args.databases.length === 0) {
        problems.add(`${path}.databases`, args.databases, "allowed: at least one database name");
    }
    const seen = new Set<string>();
    args.databases.forEach((db, i) => {
        if (typeof db !== "string" || !/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(db)) {
            problems.add(`${path}.databases[${i}]`, db, "allowed: 1-63 letters, digits and _, starting with a letter (RDS database names)");
        } else if (RDS_RESERVED_DATABASES.includes(db.toLowerCase())) {
            problems.add(`${path}.databases[${i}]`, db, `allowed: any name but the reserved ${RDS_RESERVED_DATABASES.join(", ")}`);
        } else if (seen.has(db)) {
            problems.add(`${path}.databases[${i}]`, db, "allowed: each database once");
        }
        seen.add(db);
    });
    checkIntRange(problems, `${path}.keyDeletionWindowDays`, args.keyDeletionWindowDays ?? 30, 7, 30);
}

function keyInputs(args: RdsPostgresArgs, region: string, what: string): aws.kms.KeyArgs {
    return {
        region,
        description: `Lifeboat: encrypts ${what} of RDS instance ${args.identifier}`,
        enableKeyRotation: true,
        deletionWindowInDays: args.keyDeletionWindowDays ?? 30,
        tags: { ...args.tags, [ROLE_TAG]: ROLES.database },
    };
}

/** The rds.Instance inputs, as a pure function of the args (tested directly). */
export function rdsInstanceInputs(args: RdsPostgresArgs, ids: { kmsKeyArn: pulumi.Input<string>; subnetGroupName: pulumi.Input<string>; securityGroupId: pulumi.Input<string> }): aws.rds.InstanceArgs {
    const storage = args.allocatedStorageGb ?? 100;
    return {
        identifier: args.identifier,
        region: args.region,
        engine: "postgres",
        engineVersion: args.version ?? "16",
        autoMinorVersionUpgrade: true,
        instanceClass: args.instanceClass ?? "db.t4g.medium",
        allocatedStorage: storage,
        maxAllocatedStorage: args.maxAllocatedStorageGb ?? storage * 2,
        storageType: "gp3",
        storageEncrypted: true,
        kmsKeyId: ids.kmsKeyArn,
        backupRetentionPeriod: args.backupRetentionDays ?? 35,
        copyTagsToSnapshot: true,
        deletionProtection: true,
        // Automated backups outlive the instance: a deleted instance can still be restored.
        deleteAutomatedBackups: false,
        skipFinalSnapshot: false,
        finalSnapshotIdentifier: `${args.identifier}-final`,
        multiAz: args.multiAz ?? false,
        publiclyAccessible: false,
        dbSubnetGroupName: ids.subnetGroupName,
        vpcSecurityGroupIds: [ids.securityGroupId],
        dbName: args.databases[0],
        username: args.administratorLogin ?? "lifeboat_admin",
        // RDS generates and rotates the password in Secrets Manager: it is never in Pulumi state.
        manageMasterUserPassword: true,
        masterUserSecretKmsKeyId: ids.kmsKeyArn,
        enabledCloudwatchLogsExports: ["postgresql"],
        tags: { ...args.tags, [ROLE_TAG]: ROLES.database },
    };
}

/**
 * An RDS for PostgreSQL instance: encrypted with its own rotating KMS key, private, protected from
 * deletion, automated backups kept up to 35 days (and after the instance is deleted), a final
 * snapshot on delete, and its automated backups replicated to a second region.
 */
export class RdsPostgres extends pulumi.ComponentResource {
    public readonly kmsKey: aws.kms.Key;
    public readonly subnetGroup: aws.rds.SubnetGroup;
    public readonly securityGroup: aws.ec2.SecurityGroup;
    public readonly instance: aws.rds.Instance;
    public readonly replicationProvider: aws.Provider | undefined;
    public readonly replicationKey: aws.kms.Key | undefined;
    public readonly replication: aws.rds.InstanceAutomatedBackupsReplication | undefined;
    public readonly identifier: string;
    public readonly administratorLogin: string;
    /** The instance's host name. */
    public readonly address: pulumi.Output<string>;
    /** ARN of the RDS-managed secret holding the master password (JSON with `username` and `password`). */
    public readonly masterUserSecretArn: pulumi.Output<string>;

    constructor(name: string, args: RdsPostgresArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("lifeboat:aws:RdsPostgres", name, {}, opts);
        const problems = new Problems();
        validateRdsPostgresArgs(args, problems);
        problems.throwIfAny(`RdsPostgres ${name}`);

        this.identifier = args.identifier;
        this.administratorLogin = args.administratorLogin ?? "lifeboat_admin";
        const tags = { ...args.tags, [ROLE_TAG]: ROLES.database };
        this.kmsKey = new aws.kms.Key(`${name}-key`, keyInputs(args, args.region, "the storage, backups and master password"), { parent: this, protect: true });
        this.subnetGroup = new aws.rds.SubnetGroup(`${name}-subnets`, {
            region: args.region,
            name: `${args.identifier}-subnets`,
            description: `Lifeboat: subnets of ${args.identifier}`,
            subnetIds: args.subnetIds,
            tags,
        }, { parent: this });
        this.securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, {
            region: args.region,
            vpcId: args.vpcId,
            description: `Lifeboat: PostgreSQL ${args.identifier}, reachable only from its clients`,
            ingress: [{ protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: args.clientSecurityGroupIds, description: "PostgreSQL from the dump task" }],
            egress: [],
            tags,
        }, { parent: this });
        this.instance = new aws.rds.Instance(`${name}-instance`, rdsInstanceInputs(args, {
            kmsKeyArn: this.kmsKey.arn,
            subnetGroupName: this.subnetGroup.name,
            securityGroupId: this.securityGroup.id,
        }), { parent: this, protect: true, ignoreChanges: RDS_CREATE_ONLY_INPUTS });
        this.address = this.instance.address;
        this.masterUserSecretArn = this.instance.masterUserSecrets.apply((s) => s?.[0]?.secretArn ?? "");

        if (args.backupReplicationRegion !== undefined) {
            const region = knownAwsRegion(args.backupReplicationRegion) ?? args.backupReplicationRegion;
            this.replicationProvider = new aws.Provider(`${name}-replication-provider`, { region }, { parent: this });
            const inRegion = { parent: this, provider: this.replicationProvider };
            this.replicationKey = new aws.kms.Key(`${name}-replication-key`, keyInputs(args, region, "the replicated automated backups"), { ...inRegion, protect: true });
            this.replication = new aws.rds.InstanceAutomatedBackupsReplication(`${name}-backup-replication`, {
                region,
                sourceDbInstanceArn: this.instance.arn,
                kmsKeyId: this.replicationKey.arn,
                retentionPeriod: args.backupReplicationRetentionDays ?? args.backupRetentionDays ?? 35,
            }, { ...inRegion, protect: true });
        }
        this.registerOutputs({ address: this.address, identifier: this.identifier });
    }
}
