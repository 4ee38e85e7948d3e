import { PolicyResource } from "@pulumi/policy";
import { knownRegion, normaliseRegion, pairOf } from "../../components/azure/regions";
import { GEO_REDUNDANT_SKUS } from "../config";
import { knownString, read, Read } from "./read";
import { roleOf, TYPES } from "./resources";
import { ROLES } from "../../components/roles";

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

/** A role tag other than `expected` marks a resource that is not Lifeboat's backup or key store. */
function hasOtherRole(resource: PolicyResource, expected: string): boolean {
    const role = roleOf(resource.props);
    return role !== undefined && role !== expected;
}

/** The field-key stores: vaults (and AWS secrets or KMS keys) tagged lifeboat-role=field-key. */
export function keyPlaces(resources: PolicyResource[]): Place[] {
    const places: Place[] = [];
    for (const r of resources) {
        if (roleOf(r.props) !== ROLES.fieldKey) {
            continue;
        }
        if (r.type === TYPES.vault) {
            // Key Vault replicates its contents to the paired region.
            places.push(place(r, "azure", "location", true, "field-key vault"));
        } else if (r.type === TYPES.secretsManagerSecret || r.type === TYPES.kmsKey) {
            places.push(place(r, "aws", "region", false, "field-key store"));
        }
    }
    return places;
}

/** Every place that holds backups: Flexible Servers, backup storage accounts, RDS instances and their backup replicas, S3 buckets. */
export function backupPlaces(resources: PolicyResource[]): Place[] {
    const places: Place[] = [];
    for (const r of resources) {
        if (r.type === TYPES.postgresServer) {
            const geo = read(r.props, "backup", "geoRedundantBackup");
            places.push(place(r, "azure", "location", geo.kind !== "known" || geo.value === "Enabled", "Flexible Server holding point-in-time backups"));
        } else if (r.type === TYPES.storageAccount && !hasOtherRole(r, ROLES.backups)) {
            const sku = knownString(read(r.props, "sku", "name"));
            const geo = sku === undefined || (GEO_REDUNDANT_SKUS as readonly string[]).includes(sku);
            places.push(place(r, "azure", "location", geo, "backup storage account"));
        } else if (r.type === TYPES.rdsInstance) {
            places.push(place(r, "aws", "region", false, "RDS instance holding automated backups"));
        } else if (r.type === TYPES.rdsBackupReplication) {
            places.push(place(r, "aws", "region", false, "replica of RDS automated backups"));
        } else if ((r.type === TYPES.s3Bucket || r.type === TYPES.s3BucketV2) && !hasOtherRole(r, ROLES.backups)) {
            places.push(place(r, "aws", "region", false, "off-site backup bucket"));
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
