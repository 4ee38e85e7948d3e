import * as pulumi from "@pulumi/pulumi";
import * as storage from "@pulumi/azure-native/storage";
import * as types from "@pulumi/azure-native/types";
import { DEFAULT_RETENTION_DAYS, Tier, TIERS, tierPrefix, VERIFICATIONS_DAYS, verificationsPrefix } from "../../scripts/layout";
import { ROLE_TAG, ROLES } from "../roles";
import { checkIntRange, checkIpRanges, Problems } from "../validation";

export const REDUNDANCIES = ["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"] as const;
export type Redundancy = (typeof REDUNDANCIES)[number];
/** Redundancies that keep a copy in the paired region. */
export const GEO_REDUNDANCIES: readonly Redundancy[] = ["GRS", "RAGRS", "GZRS", "RAGZRS"];

export type RetentionDays = Record<`${Tier}Days`, number>;

export interface BackupStorageArgs {
    resourceGroupName: pulumi.Input<string>;
    /** Storage account name: globally unique, 3-24 lowercase letters and digits. */
    accountName: string;
    /** Azure region, a literal so that policies can read it during preview. */
    location: string;
    /** Replication. GRS-class keeps a copy in the paired region. @default "GRS" */
    redundancy?: Redundancy;
    /** Days each tier of backup sets is kept before lifecycle rules delete it. @default daily 30, weekly 90, monthly 365 */
    retention?: Partial<RetentionDays>;
    /**
     * Days every blob stays immutable (WORM) after it is written, via a container
     * time-based retention policy; at most the daily retention. @default undefined (off)
     */
    immutabilityDays?: number;
    /** Container for backup sets (of the first server). @default "dumps" */
    containerName?: string;
    /**
     * Further containers, one per further server: each server's sets get a container of their
     * own, so that two servers' sets (same set ids, maybe the same database names) never mix,
     * and each container can be granted on its own. @default []
     */
    additionalContainers?: string[];
    /** Days deleted blobs and containers can be undeleted. @default 14 */
    softDeleteDays?: number;
    /**
     * Subnets (ARM IDs; each with the Microsoft.Storage service endpoint) let through a firewall
     * that then denies every other network, trusted Azure services excepted; [] admits no subnet.
     * @default undefined (the firewall admits every network; access still needs Entra authorization)
     */
    allowedSubnetIds?: pulumi.Input<string>[];
    /**
     * Public IPv4 addresses or CIDR ranges (an operator's machine or office) let through the same
     * firewall, so that `lifeboat list/verify/restore --target azblob://...` works from there.
     * Only with `allowedSubnetIds`. @default [] (none)
     */
    allowedIpRanges?: string[];
    /** Extra tags for the resources it declares (Lifeboat adds its own role tags). @default {} */
    tags?: Record<string, string>;
}

export function retentionOf(args: BackupStorageArgs): RetentionDays {
    return {
        dailyDays: args.retention?.dailyDays ?? DEFAULT_RETENTION_DAYS.daily,
        weeklyDays: args.retention?.weeklyDays ?? DEFAULT_RETENTION_DAYS.weekly,
        monthlyDays: args.retention?.monthlyDays ?? DEFAULT_RETENTION_DAYS.monthly,
    };
}

export function validateBackupStorageArgs(args: BackupStorageArgs, problems: Problems, path = "args"): void {
    if (!/^[a-z0-9]{3,24}$/.test(args.accountName)) {
        problems.add(`${path}.accountName`, args.accountName, "allowed: 3-24 lowercase letters and digits");
    }
    const redundancy = args.redundancy ?? "GRS";
    if (!(REDUNDANCIES as readonly string[]).includes(redundancy)) {
        problems.add(`${path}.redundancy`, redundancy, `allowed: one of ${REDUNDANCIES.join(", ")}`);
    }
    const retention = retentionOf(args);
    for (const tier of TIERS) {
        // Lifecycle rules accept up to 99999 days.
        checkIntRange(problems, `${path}.retention.${tier}Days`, retention[`${tier}Days`], 1, 99999);
    }
    if (retention.weeklyDays < retention.dailyDays || retention.monthlyDays < retention.weeklyDays) {
        problems.add(`${path}.retention`, retention, "allowed: dailyDays <= weeklyDays <= monthlyDays (a rarer tier is kept at least as long)");
    }
    if (args.immutabilityDays !== undefined) {
        checkIntRange(problems, `${path}.immutabilityDays`, args.immutabilityDays, 1, Math.min(retention.dailyDays, 146000));
    }
    const containers = containerNamesOf(args);
    containers.forEach((container, i) => {
        if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(container)) {
            problems.add(i === 0 ? `${path}.containerName` : `${path}.additionalContainers[${i - 1}]`, container, "allowed: 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit");
        } else if (containers.indexOf(container) !== i) {
            problems.add(`${path}.additionalContainers[${i - 1}]`, container, "allowed: each container once");
        }
    });
    checkIntRange(problems, `${path}.softDeleteDays`, args.softDeleteDays ?? 14, 1, 365);
    checkIpRanges(problems, `${path}.allowedIpRanges`, args.allowedIpRanges);
    if ((args.allowedIpRanges ?? []).length > 0 && args.allowedSubnetIds === undefined) {
        problems.add(`${path}.allowedIpRanges`, args.allowedIpRanges, "allowed: only with allowedSubnetIds (without them the firewall admits every network anyway)");
    }
}

export function containerNamesOf(args: BackupStorageArgs): string[] {
    return [args.containerName ?? "dumps", ...(args.additionalContainers ?? [])];
}

/** Azure's limit on `prefixMatch` entries in one lifecycle rule. */
export const MAX_PREFIXES_PER_RULE = 10;

type RuleActions = types.input.storage.ManagementPolicyActionArgs;

/**
 * One rule, or several when there are more than 10 prefixes (`lifeboat-daily`,
 * `lifeboat-daily-2`, ...): Azure takes at most 10 per rule. The first keeps the name it always had.
 */
function splitRule(name: string, prefixes: string[], actions: RuleActions): types.input.storage.ManagementPolicyRuleArgs[] {
    const rules: types.input.storage.ManagementPolicyRuleArgs[] = [];
    for (let i = 0; i < prefixes.length; i += MAX_PREFIXES_PER_RULE) {
        rules.push({
            name: i === 0 ? name : `${name}-${i / MAX_PREFIXES_PER_RULE + 1}`,
            enabled: true,
            type: "Lifecycle",
            definition: { filters: { blobTypes: ["blockBlob"], prefixMatch: prefixes.slice(i, i + MAX_PREFIXES_PER_RULE) }, actions },
        });
    }
    return rules;
}

/**
 * One delete rule per tier, matching the object layout the job writes (scripts/layout.ts) in
 * every container, and one for the restore-test reports; each split at 10 prefixes.
 */
export function lifecycleRules(containerNames: string[], retention: RetentionDays): types.input.storage.ManagementPolicyRuleArgs[] {
    return [
        ...TIERS.flatMap((tier) => splitRule(`lifeboat-${tier}`, containerNames.map((c) => `${c}/${tierPrefix(tier)}`), {
            baseBlob: { delete: { daysAfterModificationGreaterThan: retention[`${tier}Days`] } },
            version: { delete: { daysAfterCreationGreaterThan: retention[`${tier}Days`] } },
            snapshot: { delete: { daysAfterCreationGreaterThan: retention[`${tier}Days`] } },
        })),
        // The restore-test reports `lifeboat verify` writes (scripts/layout.ts), kept VERIFICATIONS_DAYS.
        ...splitRule("lifeboat-verifications", containerNames.map((c) => `${c}/${verificationsPrefix()}`), {
            baseBlob: { delete: { daysAfterModificationGreaterThan: VERIFICATIONS_DAYS } },
            version: { delete: { daysAfterCreationGreaterThan: VERIFICATIONS_DAYS } },
        }),
    ];
}

export function storageAccountInputs(args: BackupStorageArgs): storage.StorageAccountArgs {
    return {
        resourceGroupName: args.resourceGroupName,
        accountName: args.accountName,
        location: args.location,
        kind: "StorageV2",
        sku: { name: `Standard_${args.redundancy ?? "GRS"}` },
        accessTier: "Cool",
        minimumTlsVersion: "TLS1_2",
        enableHttpsTrafficOnly: true,
        allowBlobPublicAccess: false,
        allowSharedKeyAccess: false,
        allowCrossTenantReplication: false,
        defaultToOAuthAuthentication: true,
        publicNetworkAccess: "Enabled",
        networkRuleSet: args.allowedSubnetIds === undefined
            ? { defaultAction: "Allow", bypass: "AzureServices" }
            : {
                defaultAction: "Deny",
                bypass: "AzureServices",
                virtualNetworkRules: args.allowedSubnetIds.map((id) => ({ virtualNetworkResourceId: id, action: "Allow" })),
                ...((args.allowedIpRanges ?? []).length === 0 ? {} : {
                    ipRules: (args.allowedIpRanges ?? []).map((range) => ({ iPAddressOrRange: range, action: "Allow" as const })),
                }),
            },
        encryption: {
            keySource: "Microsoft.Storage",
            requireInfrastructureEncryption: true,
            services: { blob: { enabled: true, keyType: "Account" } },
        },
        tags: { ...args.tags, [ROLE_TAG]: ROLES.backups },
    };
}

/**
 * A storage account for backup sets: GRS-class, private, TLS 1.2, no shared keys, soft delete
 * and versioning on, one private container, and lifecycle rules that age each tier out.
 */
export class BackupStorage extends pulumi.ComponentResource {
    public readonly account: storage.StorageAccount;
    public readonly blobService: storage.BlobServiceProperties;
    /** The first server's container. */
    public readonly container: storage.BlobContainer;
    /** Every container, in the order of containerNamesOf(args). */
    public readonly containers: storage.BlobContainer[];
    public readonly lifecycle: storage.ManagementPolicy;
    public readonly immutability: storage.BlobContainerImmutabilityPolicy | undefined;
    public readonly immutabilities: storage.BlobContainerImmutabilityPolicy[] = [];
    public readonly accountName: string;
    public readonly containerName: string;
    public readonly containerNames: string[];
    /** Where the first server's job writes: azblob://ACCOUNT/CONTAINER. */
    public readonly targetUrl: string;

    constructor(name: string, args: BackupStorageArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("lifeboat:azure:BackupStorage", name, {}, opts);
        const problems = new Problems();
        validateBackupStorageArgs(args, problems);
        problems.throwIfAny(`BackupStorage ${name}`);

        this.accountName = args.accountName;
        this.containerNames = containerNamesOf(args);
        this.containerName = this.containerNames[0];
        this.targetUrl = this.targetUrlOf(this.containerName);
        const softDeleteDays = args.softDeleteDays ?? 14;

        this.account = new storage.StorageAccount(`${name}-account`, storageAccountInputs(args), { parent: this, protect: true });
        const after = { parent: this, dependsOn: [this.account] };
        this.blobService = new storage.BlobServiceProperties(`${name}-blob-service`, {
            resourceGroupName: args.resourceGroupName,
            accountName: args.accountName,
            blobServicesName: "default",
            deleteRetentionPolicy: { enabled: true, days: softDeleteDays },
            containerDeleteRetentionPolicy: { enabled: true, days: softDeleteDays },
            isVersioningEnabled: true,
        }, after);
        // The first container keeps the logical name it always had; renaming it would replace it.
        this.containers = this.containerNames.map((containerName, i) => new storage.BlobContainer(i === 0 ? `${name}-container` : `${name}-container-${containerName}`, {
            resourceGroupName: args.resourceGroupName,
            accountName: args.accountName,
            containerName,
            publicAccess: "None",
        }, { ...after, protect: true }));
        this.container = this.containers[0];
        this.lifecycle = new storage.ManagementPolicy(`${name}-lifecycle`, {
            resourceGroupName: args.resourceGroupName,
            accountName: args.accountName,
            managementPolicyName: "default",
            policy: { rules: lifecycleRules(this.containerNames, retentionOf(args)) },
        }, after);
        if (args.immutabilityDays !== undefined) {
            const days = args.immutabilityDays;
            this.immutabilities = this.containerNames.map((containerName, i) => new storage.BlobContainerImmutabilityPolicy(i === 0 ? `${name}-immutability` : `${name}-immutability-${containerName}`, {
                resourceGroupName: args.resourceGroupName,
                accountName: args.accountName,
                containerName,
                immutabilityPolicyName: "default",
                immutabilityPeriodSinceCreationInDays: days,
                allowProtectedAppendWrites: false,
            }, { parent: this, dependsOn: [this.containers[i]] }));
            this.immutability = this.immutabilities[0];
        }
        this.registerOutputs({ accountName: this.accountName, containerNames: this.containerNames });
    }

    /** The job's target URL for one of the containers. */
    targetUrlOf(containerName: string): string {
        return `azblob://${this.accountName}/${containerName}`;
    }
}
