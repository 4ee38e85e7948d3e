/**
 * Every name the stacks derive, for all targets, in one module (imported by stacks/azure.ts,
 * aws.ts, offsite.ts and local.ts; it imports none of them). Names are a contract: a changed
 * one is a new resource in Azure or AWS. test/unit/naming.test.ts pins their values.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { LifeboatConfig } from "./config";

/** The first 8 hex digits of SHA-256: the stable suffix of a shortened or global name. */
function hash8(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 8);
}

/**
 * `name` when it fits in `max` characters; else its first `max - 9`, trailing hyphens dropped,
 * then `-` and a hash of `hashOf` (the name itself by default), so that long names stay unique and stable.
 */
export function boundedName(name: string, max: number, hashOf = name): string {
    return name.length <= max ? name : `${name.slice(0, max - 9).replace(/-+$/, "")}-${hash8(hashOf)}`;
}

/** A short, stable suffix that makes derived global names (storage account, vault, bucket) unique per org/project/stack. */
export function nameSuffix(cfg: LifeboatConfig, length = 8): string {
    return createHash("sha256").update(`${pulumi.getOrganization()}/${pulumi.getProject()}/${cfg.stack}`).digest("hex").slice(0, length);
}

/** The stack's name as lowercase letters and digits only, at most `max` of them. */
function stackSlug(stack: string, max: number): string {
    return stack.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, max) || "stack";
}

/** The stack's name as a Docker container or image name part. */
export function dockerSlug(stack: string): string {
    return stack.toLowerCase().replace(/[^a-z0-9_.-]/g, "-").replace(/^[^a-z0-9]+/, "") || "stack";
}

// ---------------------------------------------------------------- azure

export function storageAccountName(cfg: LifeboatConfig): string {
    return cfg.backupStorage.accountName ?? `lb${stackSlug(cfg.stack, 12)}${nameSuffix(cfg)}`;
}

/** The job image's registry: globally unique, 5-50 lowercase letters and digits. */
export function registryName(cfg: LifeboatConfig): string {
    return `lbcr${stackSlug(cfg.stack, 12)}${nameSuffix(cfg)}`;
}

export function vaultName(cfg: LifeboatConfig): string {
    return cfg.keyVault.name ?? `lb-${stackSlug(cfg.stack, 10)}-${nameSuffix(cfg)}`;
}

/** Container Apps job names: 2-32 characters; long ones keep a stable hash. */
export function jobName(prefix: string, serverName: string): string {
    return boundedName(`${prefix}-${serverName}`, 32);
}

export function dumpJobName(serverName: string): string {
    return jobName("dump", serverName);
}

/** The first server's sets go to `containerName`; each further server's to a container of its own (3-63 characters). */
export function containerFor(cfg: LifeboatConfig, index: number): string {
    const base = cfg.backupStorage.containerName ?? "dumps";
    return index === 0 ? base : boundedName(`${base}-${cfg.servers[index].name}`, 63);
}

// ---------------------------------------------------------------- aws

/** S3 bucket names are global: `lifeboat-<stack>-<what>-<hash of org/project/stack>`. */
export function derivedBucketName(cfg: LifeboatConfig, what: string): string {
    return `lifeboat-${stackSlug(cfg.stack, 20)}-${what}-${nameSuffix(cfg)}`;
}

/** The job image's ECR repository: `lifeboat/<stack>`. */
export function repositoryName(cfg: LifeboatConfig): string {
    return `lifeboat/${stackSlug(cfg.stack, 40)}`;
}

/** Task family and schedule names: 1-64 characters (a long one keeps a hash of the server's name). */
export function dumpTaskName(serverName: string): string {
    return boundedName(`lifeboat-dump-${serverName}`, 64, serverName);
}

// ---------------------------------------------------------------- the job image

/** Whether the stack builds the job image (no prebuilt `schedule.image`). */
export function buildsImage(cfg: LifeboatConfig): boolean {
    return cfg.schedule.image === undefined || cfg.schedule.image.trim() === "";
}

/** The tag the built image is pushed as: the stack's name (jobs run the digest, never the tag). */
export function imageTag(cfg: LifeboatConfig): string {
    return cfg.stack.replace(/[^A-Za-z0-9_.-]/g, "-").replace(/^[.-]+/, "").slice(0, 128) || "stack";
}

// ---------------------------------------------------------------- schedule

/** `26h`, `90m`, `2d` -> minutes; undefined when it is none of those. */
export function parseMaxAge(value: string): number | undefined {
    const m = /^(\d+)([mhd])$/.exec(value.trim());
    if (m === null || Number(m[1]) <= 0) {
        return undefined;
    }
    return Number(m[1]) * { m: 1, h: 60, d: 1440 }[m[2] as "m" | "h" | "d"];
}
