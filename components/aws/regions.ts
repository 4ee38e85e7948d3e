import { sameMetroTable } from "../metros";

/**
 * AWS commercial regions (the `aws` partition). Region codes are compared case- and
 * space-insensitively (`EU-Central-1` is `eu-central-1`). AWS has no region pairs: a resource
 * stays in its region unless something copies it, so Lifeboat declares every copy (backup
 * replication, the off-site bucket) explicitly, each with its own literal region.
 *
 * A region missing here is an error in the stack config: add it in the change that first uses it.
 */
export const AWS_REGIONS = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    "af-south-1",
    "ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
    "ca-central-1", "ca-west-1",
    "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1",
    "il-central-1",
    "me-south-1", "me-central-1",
    "mx-central-1",
    "sa-east-1",
] as const;

export type AwsRegion = (typeof AWS_REGIONS)[number];

/** Lower case, no spaces: how region codes are compared. */
export function normaliseAwsRegion(region: string): string {
    return region.toLowerCase().replace(/\s+/g, "");
}

/** The canonical code of a known region, or undefined. */
export function knownAwsRegion(region: string): AwsRegion | undefined {
    const n = normaliseAwsRegion(region);
    return AWS_REGIONS.find((r) => r === n);
}

/** A few known regions that look like the given one (same geography first), for error messages. */
export function suggestAwsRegions(region: string, count = 3): string[] {
    const geo = normaliseAwsRegion(region).split("-")[0];
    const same = AWS_REGIONS.filter((r) => r.startsWith(`${geo}-`));
    return [...same, ...AWS_REGIONS.filter((r) => !same.includes(r))].slice(0, count);
}

/** The ARN partition of a region (only the commercial partition is supported). */
export const AWS_PARTITION = "aws";

/**
 * AWS regions and the Azure regions in the same metropolitan area, derived from the metro of every
 * region of both clouds (components/metros.ts, with its sources). Different clouds are different
 * operators and accounts, but one flood, fire or power loss can take both: a field key and backups
 * that share a metro area are reported by key-separate-from-backups (advisory; mandatory in strict mode).
 */
export const SAME_METRO_AZURE: Readonly<Partial<Record<AwsRegion, readonly string[]>>> = sameMetroTable();

/** Whether an AWS region and an Azure region (normalised names) share a metropolitan area. */
export function sameMetro(awsRegion: string, azureRegion: string): boolean {
    const aws = knownAwsRegion(awsRegion);
    const azure = azureRegion.toLowerCase().replace(/\s+/g, "");
    return aws !== undefined && (SAME_METRO_AZURE[aws] ?? []).includes(azure);
}
