import * as pulumi from "@pulumi/pulumi";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as random from "@pulumi/random";
import { RESTORE_SOURCE_LOCATION_TAG, ROLE_TAG, ROLES } from "../roles";
import { checkIntRange, Problems } from "../validation";

export const POSTGRES_VERSIONS = ["13", "14", "15", "16", "17", "18"] as const;
export type PostgresVersion = (typeof POSTGRES_VERSIONS)[number];
export const HIGH_AVAILABILITY_MODES = ["Disabled", "SameZone", "ZoneRedundant"] as const;
export type HighAvailabilityMode = (typeof HIGH_AVAILABILITY_MODES)[number];
/** Storage sizes a Flexible Server accepts, in GiB. */
export const STORAGE_SIZES_GB = [32, 64, 128, 256, 512, 1024, 2048, 4095, 4096, 8192, 16384, 32767] as const;
/** Databases Azure reserves on every Flexible Server. */
export const RESERVED_DATABASES = ["postgres", "azure_maintenance", "azure_sys", "template0", "template1"];
/** The inputs that only matter when a server is created by a restore; ignored afterwards. */
export const RESTORE_ONLY_INPUTS = ["createMode", "sourceServerResourceId", "pointInTimeUTC"];
/**
 * What Lifeboat never changes on an adopted server: its login and password (the application's),
 * its authentication settings, and the zones Azure chose. The import keeps what Azure has.
 */
export const ADOPTION_IGNORED_INPUTS = ["administratorLogin", "administratorLoginPassword", "authConfig", "availabilityZone", "highAvailability.standbyAvailabilityZone"];
/** Settings an adopted server's config must state (copied from `az postgres flexible-server show`), so that the import matches it. */
export const ADOPTION_REQUIRED = ["version", "skuName", "storageSizeGb", "geoRedundantBackup", "highAvailability", "publicNetworkAccess"] as const;
const SERVER_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.DBforPostgreSQL\/flexibleServers\/([^/]+)$/i;

/** The parts of a Flexible Server resource ID, or undefined when it is not one. */
export function parseServerId(id: string): { subscriptionId: string; resourceGroupName: string; serverName: string } | undefined {
    const m = SERVER_ID.exec(id);
    return m === null ? undefined : { subscriptionId: m[1], resourceGroupName: m[2], serverName: m[3] };
}
export const RESTORE_CREATE_MODES = ["PointInTimeRestore", "GeoRestore", "ReviveDropped"] as const;
export type RestoreCreateMode = (typeof RESTORE_CREATE_MODES)[number];

export type SkuTier = "Burstable" | "GeneralPurpose" | "MemoryOptimized";

/** `Standard_B1ms` -> Burstable, `Standard_D2ds_v5` -> GeneralPurpose, `Standard_E4ds_v5` -> MemoryOptimized. */
export function skuTier(skuName: string): SkuTier | undefined {
    const match = /^Standard_([BDE])\d+[a-z]*(_v\d+)?$/.exec(skuName);
    switch (match?.[1]) {
        case "B":
            return "Burstable";
        case "D":
            return "GeneralPurpose";
        case "E":
            return "MemoryOptimized";
        default:
            return undefined;
    }
}

export interface PostgresServerRestore {
    /** How the server is created from a backup. */
    createMode: RestoreCreateMode;
    /** The ARM resource ID of the server whose backup is used. */
    sourceServerResourceId: string;
    /**
     * ISO 8601 UTC time: for PointInTimeRestore the moment to restore to; GeoRestore and
     * ReviveDropped need one too (the SDK: "required when createMode is PointInTimeRestore,
     * GeoRestore, or ReviveDropped"), the time of the `up` (what the az CLI sends).
     * @default undefined
     */
    pointInTimeUTC?: string;
    /**
     * The source server's region (a literal): its own backups stay there, so the field key must
     * not. Tagged on the server (`lifeboat-restore-source-location`) for the policy pack; required
     * by it for a GeoRestore. @default undefined (no tag)
     */
    sourceLocation?: string;
}

export interface PostgresServerArgs {
    /** The resource group the server lives in. */
    resourceGroupName: pulumi.Input<string>;
    /** The server's name: also its DNS name, so globally unique, 3-63 lowercase letters, digits and hyphens. */
    serverName: string;
    /** Azure region, a literal so that policies can read it during preview. */
    location: string;
    /** The Entra tenant, for Entra authentication. */
    tenantId: pulumi.Input<string>;
    /** Database names to create. */
    databases: string[];
    /** PostgreSQL major version. @default "16" */
    version?: PostgresVersion;
    /** SKU name; the tier is derived from it. @default "Standard_D2ds_v5" */
    skuName?: string;
    /** Storage in GiB, one of STORAGE_SIZES_GB. @default 128 */
    storageSizeGb?: number;
    /** Grow storage automatically when it runs low. @default true */
    storageAutoGrow?: boolean;
    /** Days of point-in-time backups, 7-35. @default 35 */
    backupRetentionDays?: number;
    /**
     * Copy backups to the paired region. Azure only lets this be chosen when the server is
     * created: changing it later would need a new server, which this component refuses
     * (the server is protected and the property marked replace-on-change, so `pulumi up` stops
     * with an error instead of replacing the database). @default true
     */
    geoRedundantBackup?: boolean;
    /** High availability. Burstable servers support only Disabled. @default "Disabled" */
    highAvailability?: HighAvailabilityMode;
    /** `password`: an admin login with a generated password (kept secret); `entra`: Entra ID only. @default "password" */
    authentication?: "password" | "entra";
    /** Admin login name for password authentication. @default "lifeboat_admin" */
    administratorLogin?: string;
    /** Allow access from public networks (firewall rules still apply). @default false */
    publicNetworkAccess?: boolean;
    /**
     * An adopted server's VNet integration (private access), as `az postgres flexible-server show`
     * reports it under `network`: Azure fixes both at creation, so the import must state them. Only
     * with existingServerId and publicNetworkAccess false. @default undefined (public access
     * networking, which the jobs reach through a private endpoint)
     */
    network?: PostgresServerVnetIntegration;
    /** Create the server from a backup instead of empty. @default undefined (a new, empty server) */
    restore?: PostgresServerRestore;
    /**
     * The server was created by a restore in an earlier `up` (the stack's `restore.mode:
     * restored`). Its databases came with the backup and are not declared (as in the restore
     * itself: a Database create, or an `import` of one that does not exist yet, would fail);
     * the admin password, which the restore create could not set, is sent now. @default false
     */
    restored?: boolean;
    /**
     * Adopt this existing Flexible Server (its resource ID) with Pulumi `import` instead of
     * creating one: its databases are imported too, it stays protected, and its login,
     * password and authentication are never changed (ADOPTION_IGNORED_INPUTS). The settings in
     * ADOPTION_REQUIRED must be given as the server has them, or the import's first update would
     * change them; geoRedundantBackup can never change (the policy pack reports a server without it).
     * `serverName`, `resourceGroupName` and `location` must be the server's. @default undefined (a new server)
     */
    existingServerId?: string;
    /** The adopted server's admin password (secret; the dump job logs in with it), never set on the server. Required with existingServerId and password authentication. @default undefined */
    administratorPassword?: pulumi.Input<string>;
    /** Extra tags for the resources it declares (Lifeboat adds its own role tags). @default {} */
    tags?: Record<string, string>;
}

export function databaseResourceId(subscriptionId: string, resourceGroupName: string, serverName: string, database: string): string {
    return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${serverName}/databases/${database}`;
}

/** The subscription of an ARM resource ID, or undefined. */
export function subscriptionOf(resourceId: string): string | undefined {
    return /^\/subscriptions\/([^/]+)\//i.exec(resourceId)?.[1];
}

/** Validates the args; every problem is reported at once, with its property path. */
/** A Flexible Server integrated into its own VNet: its delegated subnet and its private DNS zone (ARM IDs). */
export interface PostgresServerVnetIntegration {
    delegatedSubnetResourceId: string;
    privateDnsZoneArmResourceId: string;
}

const SUBNET_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)\/subnets\/([^/]+)$/i;
const PRIVATE_DNS_ZONE_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/privateDnsZones\/([^/]+)$/i;

/** The VNet of a delegated subnet's ID, and its group; undefined when it is not a subnet ID. */
export function parseSubnetId(id: string): { vnetId: string; resourceGroupName: string; vnetName: string } | undefined {
    const m = SUBNET_ID.exec(id);
    return m === null ? undefined : { vnetId: id.replace(/\/subnets\/[^/]+$/i, ""), resourceGroupName: m[2], vnetName: m[3] };
}

/** A private DNS zone's group and name from its ID; undefined when it is not one. */
export function parsePrivateDnsZoneId(id: string): { resourceGroupName: string; zoneName: string } | undefined {
    const m = PRIVATE_DNS_ZONE_ID.exec(id);
    return m === null ? undefined : { resourceGroupName: m[2], zoneName: m[3] };
}

export function validatePostgresServerArgs(args: PostgresServerArgs, problems: Problems, path = "args"): void {
    if (!/^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/.test(args.serverName)) {
        problems.add(`${path}.name`, args.serverName, "allowed: 3-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen");
    }
    const version = args.version ?? "16";
    if (!(POSTGRES_VERSIONS as readonly string[]).includes(version)) {
        problems.add(`${path}.version`, version, `allowed: one of ${POSTGRES_VERSIONS.join(", ")}`);
    }
    const skuName = args.skuName ?? "Standard_D2ds_v5";
    const tier = skuTier(skuName);
    if (tier === undefined) {
        problems.add(`${path}.sku`, skuName, "allowed: a Flexible Server SKU name such as Standard_B1ms (Burstable), Standard_D2ds_v5 (GeneralPurpose) or Standard_E4ds_v5 (MemoryOptimized)");
    }
    const storage = args.storageSizeGb ?? 128;
    if (!(STORAGE_SIZES_GB as readonly number[]).includes(storage)) {
        problems.add(`${path}.storageSizeGb`, storage, `allowed: one of ${STORAGE_SIZES_GB.join(", ")}`);
    }
    checkIntRange(problems, `${path}.backupRetentionDays`, args.backupRetentionDays ?? 35, 7, 35);
    const ha = args.highAvailability ?? "Disabled";
    if (!(HIGH_AVAILABILITY_MODES as readonly string[]).includes(ha)) {
        problems.add(`${path}.highAvailability`, ha, `allowed: one of ${HIGH_AVAILABILITY_MODES.join(", ")}`);
    } else if (tier === "Burstable" && ha !== "Disabled") {
        problems.add(`${path}.highAvailability`, ha, `allowed: only Disabled on a Burstable SKU (${skuName}); choose a GeneralPurpose or MemoryOptimized SKU for high availability`);
    }
    const auth = args.authentication ?? "password";
    if (auth !== "password" && auth !== "entra") {
        problems.add(`${path}.authentication`, auth, "allowed: password or entra");
    }
    const login = args.administratorLogin ?? "lifeboat_admin";
    if (!/^[a-z_][a-z0-9_]{0,62}$/i.test(login) || /^(azure_superuser|azure_pg_admin|admin|administrator|root|guest|public)$/i.test(login) || /^pg_/i.test(login)) {
        problems.add(`${path}.administratorLogin`, login, "allowed: 1-63 letters, digits and underscores, not a reserved name (admin, administrator, root, guest, public, azure_*, pg_*)");
    }
    if (args.databases.length === 0) {
        problems.add(`${path}.databases`, args.databases, "allowed: at least one database name");
    }
    const seen = new Set<string>();
    args.databases.forEach((db, i) => {
        if (typeof db !== "string" || !/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/.test(db)) {
            problems.add(`${path}.databases[${i}]`, db, "allowed: 1-63 characters, letters, digits, _, $ and -, starting with a letter or _");
        } else if (RESERVED_DATABASES.includes(db.toLowerCase())) {
            problems.add(`${path}.databases[${i}]`, db, `allowed: any name but the reserved ${RESERVED_DATABASES.join(", ")}`);
        } else if (seen.has(db)) {
            problems.add(`${path}.databases[${i}]`, db, "allowed: each database once");
        }
        seen.add(db);
    });
    if (args.existingServerId !== undefined) {
        const id = parseServerId(args.existingServerId);
        if (id === undefined) {
            problems.add(`${path}.existingServerId`, args.existingServerId, "allowed: a Flexible Server resource ID, /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.DBforPostgreSQL/flexibleServers/<name> (`az postgres flexible-server show --query id`)");
        } else if (id.serverName !== args.serverName) {
            problems.add(`${path}.name`, args.serverName, `allowed: the adopted server's own name, ${id.serverName} (the last part of existingServerId)`);
        }
        for (const key of ADOPTION_REQUIRED) {
            if (args[key] === undefined) {
                problems.add(`${path}.${key === "skuName" ? "sku" : key}`, undefined, `required with existingServerId: the server's current value (docs/EXISTING-AZURE.md: what to copy from \`az postgres flexible-server show\`), or the import's first update would change it`);
            }
        }
        if ((args.authentication ?? "password") === "password" && (args.administratorLogin === undefined || args.administratorPassword === undefined)) {
            problems.add(`${path}.administratorLogin`, args.administratorLogin, "required with existingServerId: the server's admin login and its password (the dump job logs in with them; Lifeboat never changes them)");
        }
        if (args.restore !== undefined) {
            problems.add(`${path}.restore`, args.restore.createMode, "allowed: no restore with existingServerId (an adopted server exists already)");
        }
    }
    if (args.network !== undefined) {
        const n = args.network;
        if (args.existingServerId === undefined) {
            problems.add(`${path}.network`, n, "allowed: only with existingServerId (an adopted VNet-integrated server); a server the stack creates has public access networking and a private endpoint");
        }
        if (parseSubnetId(n.delegatedSubnetResourceId ?? "") === undefined) {
            problems.add(`${path}.network.delegatedSubnetResourceId`, n.delegatedSubnetResourceId, "allowed: a subnet resource ID, /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet> (`az postgres flexible-server show --query network.delegatedSubnetResourceId`)");
        }
        if (parsePrivateDnsZoneId(n.privateDnsZoneArmResourceId ?? "") === undefined) {
            problems.add(`${path}.network.privateDnsZoneArmResourceId`, n.privateDnsZoneArmResourceId, "allowed: a private DNS zone resource ID, /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/privateDnsZones/<zone> (`az postgres flexible-server show --query network.privateDnsZoneArmResourceId`)");
        }
        if (args.publicNetworkAccess === true) {
            problems.add(`${path}.publicNetworkAccess`, true, "allowed: false with network (a VNet-integrated server has no public access)");
        }
    }
    if (args.restore !== undefined && args.restored === true) {
        problems.add(`${path}.restored`, true, "allowed: only without restore (a server is restored once; later runs say restored)");
    }
    if (args.restore !== undefined) {
        const r = args.restore;
        if (!(RESTORE_CREATE_MODES as readonly string[]).includes(r.createMode)) {
            problems.add(`${path}.restore.createMode`, r.createMode, `allowed: one of ${RESTORE_CREATE_MODES.join(", ")}`);
        }
        if (!/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.DBforPostgreSQL\/flexibleServers\/[^/]+$/i.test(r.sourceServerResourceId ?? "")) {
            problems.add(`${path}.restore.sourceServerResourceId`, r.sourceServerResourceId, "allowed: a Flexible Server resource ID, /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.DBforPostgreSQL/flexibleServers/<name>");
        }
        if (r.pointInTimeUTC === undefined) {
            problems.add(`${path}.restore.pointInTimeUTC`, r.pointInTimeUTC, `required for ${r.createMode}: an ISO 8601 UTC time such as 2026-11-20T13:45:00Z (for GeoRestore and ReviveDropped, the current time)`);
        }
    }
}

function autoGrows(args: PostgresServerArgs): boolean {
    return args.storageAutoGrow ?? true;
}

/**
 * Inputs ignored after creation: the restore-only ones, and with auto-grow the storage size
 * (the service grows the disk; sending the configured size again would be refused as a shrink).
 */
export function serverIgnoreChanges(args: PostgresServerArgs): string[] {
    return [...RESTORE_ONLY_INPUTS, ...(autoGrows(args) ? ["storage.storageSizeGB"] : [])];
}

/** The Server resource inputs, as a pure function of the args (tested directly). */
export function serverInputs(args: PostgresServerArgs, password: pulumi.Input<string> | undefined): dbforpostgresql.ServerArgs {
    const skuName = args.skuName ?? "Standard_D2ds_v5";
    const auth = args.authentication ?? "password";
    return {
        resourceGroupName: args.resourceGroupName,
        serverName: args.serverName,
        location: args.location,
        version: args.version ?? "16",
        sku: { name: skuName, tier: skuTier(skuName) ?? "GeneralPurpose" },
        storage: { storageSizeGB: args.storageSizeGb ?? 128, autoGrow: autoGrows(args) ? "Enabled" : "Disabled" },
        // Both set explicitly: the SDK silently defaults geoRedundantBackup to Disabled.
        backup: {
            backupRetentionDays: args.backupRetentionDays ?? 35,
            geoRedundantBackup: (args.geoRedundantBackup ?? true) ? "Enabled" : "Disabled",
        },
        highAvailability: { mode: args.highAvailability ?? "Disabled" },
        authConfig: {
            activeDirectoryAuth: "Enabled",
            passwordAuth: auth === "password" ? "Enabled" : "Disabled",
            tenantId: args.tenantId,
        },
        administratorLogin: auth === "password" ? (args.administratorLogin ?? "lifeboat_admin") : undefined,
        // A restore create keeps the source's password whatever is sent, and Pulumi would then see
        // no diff and never send this one: it is sent from the next run (restored) on, as an update.
        administratorLoginPassword: auth === "password" && args.restore === undefined ? password : undefined,
        network: {
            publicNetworkAccess: (args.publicNetworkAccess ?? false) ? "Enabled" : "Disabled",
            // An adopted VNet-integrated server's own subnet and zone: the import matches them, nothing moves.
            ...(args.network === undefined ? {} : { delegatedSubnetResourceId: args.network.delegatedSubnetResourceId, privateDnsZoneArmResourceId: args.network.privateDnsZoneArmResourceId }),
        },
        createMode: args.restore?.createMode,
        sourceServerResourceId: args.restore?.sourceServerResourceId,
        pointInTimeUTC: args.restore?.pointInTimeUTC,
        tags: {
            ...args.tags,
            [ROLE_TAG]: ROLES.database,
            ...(args.restore?.sourceLocation === undefined ? {} : { [RESTORE_SOURCE_LOCATION_TAG]: args.restore.sourceLocation }),
        },
    };
}

/**
 * A PostgreSQL Flexible Server with explicit backup settings and its databases.
 * The server is protected: `pulumi destroy` and replacements stop with an error.
 */
export class PostgresServer extends pulumi.ComponentResource {
    public readonly server: dbforpostgresql.Server;
    public readonly databases: dbforpostgresql.Database[];
    /** The server's host name. */
    public readonly fqdn: pulumi.Output<string>;
    public readonly serverName: string;
    public readonly administratorLogin: string | undefined;
    /** The generated admin password (secret); undefined with Entra-only authentication. */
    public readonly administratorPassword: pulumi.Output<string> | undefined;

    constructor(name: string, args: PostgresServerArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("lifeboat:azure:PostgresServer", name, {}, opts);
        const problems = new Problems();
        validatePostgresServerArgs(args, problems);
        problems.throwIfAny(`PostgresServer ${name}`);

        const auth = args.authentication ?? "password";
        const adopted = args.existingServerId === undefined ? undefined : parseServerId(args.existingServerId);
        if (adopted !== undefined) {
            // The application's own login: used by the dump job, never set or rotated here.
            this.administratorPassword = auth === "password" ? pulumi.secret(pulumi.output(args.administratorPassword ?? "")) : undefined;
            this.administratorLogin = auth === "password" ? args.administratorLogin : undefined;
        } else if (auth === "password") {
            const password = new random.RandomPassword(`${name}-admin-password`, {
                length: 32,
                special: true,
                // Characters that survive connection strings and shells unquoted.
                overrideSpecial: "-_.~!",
                minLower: 2,
                minUpper: 2,
                minNumeric: 2,
                minSpecial: 1,
            }, { parent: this });
            this.administratorPassword = pulumi.secret(password.result);
            this.administratorLogin = args.administratorLogin ?? "lifeboat_admin";
        }

        this.serverName = args.serverName;
        this.server = new dbforpostgresql.Server(`${name}-server`, serverInputs(args, adopted === undefined ? this.administratorPassword : undefined), {
            parent: this,
            protect: true,
            import: args.existingServerId,
            // A restored server keeps its creation inputs in state; changing them must never replace it.
            ignoreChanges: adopted === undefined ? serverIgnoreChanges(args) : [...serverIgnoreChanges(args), ...ADOPTION_IGNORED_INPUTS],
            // Geo-redundancy is fixed at creation: a change needs a new server, which `protect` refuses.
            replaceOnChanges: ["backup.geoRedundantBackup"],
            additionalSecretOutputs: ["administratorLoginPassword"],
        });
        this.fqdn = this.server.fullyQualifiedDomainName;

        // A restored server brings its databases: none is declared (see `restored`); an adopted one's are imported.
        const adopt = adopted === undefined ? undefined : { subscriptionId: adopted.subscriptionId, resourceGroupName: adopted.resourceGroupName };
        const declared = args.restore === undefined && args.restored !== true ? args.databases : [];
        this.databases = declared.map((db) => new dbforpostgresql.Database(`${name}-${db}`, {
            resourceGroupName: args.resourceGroupName,
            // The literal name, with an explicit dependency, so that the value is known during preview.
            serverName: args.serverName,
            databaseName: db,
            charset: "UTF8",
            collation: "en_US.utf8",
        }, {
            parent: this,
            dependsOn: [this.server],
            protect: true,
            import: adopt === undefined ? undefined : databaseResourceId(adopt.subscriptionId, adopt.resourceGroupName, args.serverName, db),
            // An adopted database keeps the charset and collation it was created with (creation-only).
            ignoreChanges: adopt === undefined ? undefined : ["charset", "collation"],
        }));

        this.registerOutputs({ fqdn: this.fqdn, databases: args.databases });
    }
}
