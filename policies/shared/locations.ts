import { PolicyResource } from "@pulumi/policy";
import { knownRegion, normaliseRegion, pairOf } from "../../components/azure/regions";
import { GEO_REDUNDANT_SKUS } from "../config";
import { knownArray, knownString, read, Read } from "./read";
import { nameOf, propertyDeps, roleOf, TYPES } from "./resources";
import { RESTORE_SOURCE_LOCATION_TAG, ROLES, TARGET_LOCATION_TAG } from "../../components/roles";

export type Cloud = "azure" | "aws";

/** Where a key store or a backup store lives, as far as the policy can tell. */
export interface Place {
    resource: PolicyResource;
    cloud: Cloud;
    /** The property the region was read from, for messages. */
    property: string;
    found: Read;
    /** Normalised region name, when known. */
    region?: string;
    /** Whether copies also go to the region's pair. */
    geoRedundant: boolean;
    /** What kind of backup or key store this is, for messages. */
    what: string;
}

function place(resource: PolicyResource, cloud: Cloud, property: string, geoRedundant: boolean, what: string): Place {
    const found = read(resource.props, property);
    const value = knownString(found);
    return { resource, cloud, property, found, region: value === undefined ? undefined : normaliseRegion(value), geoRedundant, what };
}

/**
 * The field-key stores, by what they are and what they are wired to (the `lifeboat-role` tag is a
 * hint for messages only, so re-tagging or untagging cannot hide a store):
 * - every Key Vault, declared or read (an adopted vault: `.get()` shows its real location);
 * - every Secrets Manager secret, and every KMS key tagged field-key or encrypting a secret
 *   (a secret's `kmsKeyId` computed from it, or naming it).
 */
export function keyPlaces(resources: PolicyResource[]): Place[] {
    const places: Place[] = [];
    const secrets = resources.filter((r) => r.type === TYPES.secretsManagerSecret);
    for (const r of resources) {
        const tagged = roleOf(r.props) === ROLES.fieldKey;
        if (r.type === TYPES.vault) {
            // Key Vault replicates its contents to the paired region.
            places.push(place(r, "azure", "location", true, tagged ? "field-key vault" : "key vault (not tagged lifeboat-role: field-key, but any vault can hold the field key)"));
        } else if (r.type === TYPES.secretsManagerSecret) {
            places.push(place(r, "aws", "region", false, tagged ? "field-key store" : "Secrets Manager secret (not tagged lifeboat-role: field-key, but any secret can hold the field key)"));
        } else if (r.type === TYPES.kmsKey) {
            const encryptsSecret = secrets.some((s) => propertyDeps(s, "kmsKeyId").some((d) => d.urn === r.urn)
                || [knownString(read(r.props, "arn")), knownString(read(r.props, "keyId"))].some((id) => id !== undefined && id === knownString(read(s.props, "kmsKeyId"))));
            if (tagged || encryptsSecret) {
                places.push(place(r, "aws", "region", false, "field-key store"));
            }
        }
    }
    return places;
}

/** A place whose region is a tag (the restore source, a job's foreign target): missing or unknown, it is undetermined. */
function tagPlace(resource: PolicyResource, cloud: Cloud, tag: string, geoRedundant: boolean, what: string): Place {
    const found = read(resource.props, "tags", tag);
    const value = knownString(found);
    return { resource, cloud, property: `tags.${tag}`, found, region: value === undefined ? undefined : normaliseRegion(value), geoRedundant, what };
}

/** The backup target URLs a job's containers are given (`LIFEBOAT_TARGET`, comma-separated), when known. */
export function jobTargets(job: PolicyResource): string[] {
    const targets: string[] = [];
    for (const container of knownArray(read(job.props, "template", "containers")) ?? []) {
        for (const variable of knownArray(read(container.kind === "known" ? container.value : undefined, "env")) ?? []) {
            const v = variable.kind === "known" ? variable.value : undefined;
            if (knownString(read(v, "name")) === "LIFEBOAT_TARGET") {
                targets.push(...(knownString(read(v, "value")) ?? "").split(",").map((t) => t.trim()).filter((t) => t !== ""));
            }
        }
    }
    return targets;
}

/**
 * The places a job reads or writes backups that the stack does not declare (another stack's
 * account or bucket, as a dump restore reads): their region is the job's `lifeboat-target-location` tag.
 */
function foreignTargets(job: PolicyResource, resources: PolicyResource[]): Place[] {
    const accounts = new Set(resources.filter((r) => r.type === TYPES.storageAccount).map((r) => knownString(nameOf(r, "accountName"))));
    const buckets = new Set(resources.filter((r) => r.type === TYPES.s3Bucket || r.type === TYPES.s3BucketV2).map((r) => knownString(nameOf(r, "bucket"))));
    const places: Place[] = [];
    for (const target of jobTargets(job)) {
        const azblob = /^azblob:\/\/([^/]+)/.exec(target);
        const s3 = /^s3:\/\/([^/]+)/.exec(target);
        if (azblob !== null && !accounts.has(azblob[1])) {
            // Any account may be geo-redundant: its pair counts unless the region says otherwise.
            places.push(tagPlace(job, "azure", TARGET_LOCATION_TAG, true, `job's backup target ${target} (an account the stack does not declare)`));
        } else if (s3 !== null && !buckets.has(s3[1])) {
            places.push(tagPlace(job, "aws", TARGET_LOCATION_TAG, false, `job's backup target ${target} (a bucket the stack does not declare)`));
        }
    }
    return places;
}

/**
 * Every place that holds backups, by type: Flexible Servers, storage accounts, RDS instances and
 * their backup replicas, S3 buckets. A tag naming another role does not exempt a storage account
 * or a bucket: the pack cannot tell from a tag what the jobs will write there.
 */
export function backupPlaces(resources: PolicyResource[]): Place[] {
    const places: Place[] = [];
    for (const r of resources) {
        if (r.type === TYPES.postgresServer) {
            const geo = read(r.props, "backup", "geoRedundantBackup");
            places.push(place(r, "azure", "location", geo.kind !== "known" || geo.value === "Enabled", "Flexible Server holding point-in-time backups"));
            // A geo-restore's source keeps its own backups in its region (copied into its pair).
            if (knownString(read(r.props, "createMode")) === "GeoRestore" || read(r.props, "tags", RESTORE_SOURCE_LOCATION_TAG).kind !== "missing") {
                places.push(tagPlace(r, "azure", RESTORE_SOURCE_LOCATION_TAG, true, "geo-restore's source server, whose own backups stay in its region"));
            }
        } else if (r.type === TYPES.storageAccount) {
            const sku = knownString(read(r.props, "sku", "name"));
            const geo = sku === undefined || (GEO_REDUNDANT_SKUS as readonly string[]).includes(sku);
            places.push(place(r, "azure", "location", geo, "backup storage account"));
        } else if (r.type === TYPES.rdsInstance) {
            places.push(place(r, "aws", "region", false, "RDS instance holding automated backups"));
        } else if (r.type === TYPES.rdsBackupReplication) {
            places.push(place(r, "aws", "region", false, "replica of RDS automated backups"));
        } else if (r.type === TYPES.s3Bucket || r.type === TYPES.s3BucketV2) {
            places.push(place(r, "aws", "region", false, "off-site backup bucket"));
        } else if (r.type === TYPES.containerAppJob) {
            places.push(...foreignTargets(r, resources));
        }
    }
    return places;
}

/** The regions a place's data lives in: its own, and its pair when geo-redundant (Azure only). */
export function regionsOf(p: Place): string[] {
    if (p.region === undefined) {
        return [];
    }
    const regions = [p.region];
    if (p.cloud === "azure" && p.geoRedundant) {
        const pair = pairOf(p.region);
        if (pair !== undefined) {
            regions.push(pair);
        }
    }
    return regions;
}

export function isKnownAzureRegion(region: string): boolean {
    return knownRegion(region) !== undefined;
}
