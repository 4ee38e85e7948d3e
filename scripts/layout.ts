/**
 * The object layout of backup sets: the one definition shared by the job that writes
 * the sets and by the storage components whose lifecycle rules delete them.
 *
 *   [<prefix>/]<tier>/<setId>/<database>.dump     one pg_dump custom-format archive per database
 *   [<prefix>/]<tier>/<setId>/manifest.json       written last: the set is complete only when it exists
 *
 * Lifecycle rules match `<tier>/` prefixes, so every object of a set ages out together.
 */

import { randomBytes } from "crypto";

export const TIERS = ["daily", "weekly", "monthly"] as const;
export type Tier = (typeof TIERS)[number];

export const MANIFEST_NAME = "manifest.json";
export const DUMP_SUFFIX = ".dump";

/** Default days each tier is kept (DESIGN.md: daily 30, weekly 90, monthly 365). */
export const DEFAULT_RETENTION_DAYS: Record<Tier, number> = { daily: 30, weekly: 90, monthly: 365 };

/** First of the month (UTC): monthly; a Monday (UTC): weekly; any other day: daily. */
export function tierFor(date: Date): Tier {
    if (date.getUTCDate() === 1) {
        return "monthly";
    }
    if (date.getUTCDay() === 1) {
        return "weekly";
    }
    return "daily";
}

/** Normalises a user prefix to "" or "a/b/" (no leading slash, one trailing slash). */
export function normalisePrefix(prefix: string | undefined): string {
    const trimmed = (prefix ?? "").replace(/^\/+|\/+$/g, "");
    return trimmed === "" ? "" : `${trimmed}/`;
}

/** The key prefix under which every set of a tier lives: what a lifecycle rule matches. */
export function tierPrefix(tier: Tier, prefix?: string): string {
    return `${normalisePrefix(prefix)}${tier}/`;
}

/**
 * A sortable set id unique per run: the UTC start second and 32 random bits,
 * 20261121T020000Z-7f3a9c01. Two runs in the same second never share one (DESIGN); ids of
 * older releases (no suffix) stay valid.
 */
export function setIdFor(date: Date, run: string = randomBytes(4).toString("hex")): string {
    return `${date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z")}-${run}`;
}

/** What a set id looks like: the start second, then (since ids are unique per run) 8 hex digits. */
export const SET_ID_PATTERN = /^\d{8}T\d{6}Z(?:-[0-9a-f]{8})?$/;

/**
 * Why a manifest's object key is unsafe, or undefined when it is fine: a key is relative to the
 * target's prefix, normalised (no empty, `.` or `..` segment, no backslash, no control
 * character) and inside its own set's folder, so no manifest can make restore read an object of
 * another set, another prefix, container or folder.
 */
export function unsafeSetKey(key: string, tier: Tier, setId: string): string | undefined {
    const segments = key.split("/");
    if (key.startsWith("/") || /[\\\u0000-\u001f]/.test(key) || segments.some((s) => s === "" || s === "." || s === "..")) {
        return "is not a normalised relative key";
    }
    if (!key.startsWith(setPrefix(tier, setId)) || segments.length !== 3) {
        return `is outside its set's folder ${setPrefix(tier, setId)}`;
    }
    return undefined;
}

export function setPrefix(tier: Tier, setId: string, prefix?: string): string {
    return `${tierPrefix(tier, prefix)}${setId}/`;
}

export function manifestKey(tier: Tier, setId: string, prefix?: string): string {
    return `${setPrefix(tier, setId, prefix)}${MANIFEST_NAME}`;
}

/** Database names may hold any character PostgreSQL allows: encode them for an object key. */
export function dumpKey(tier: Tier, setId: string, database: string, prefix?: string): string {
    return `${setPrefix(tier, setId, prefix)}${encodeURIComponent(database)}${DUMP_SUFFIX}`;
}

/** Parses `[prefix/]<tier>/<setId>/manifest.json`; undefined for any other key. */
export function parseManifestKey(key: string, prefix?: string): { tier: Tier; setId: string } | undefined {
    const p = normalisePrefix(prefix);
    if (!key.startsWith(p)) {
        return undefined;
    }
    const parts = key.slice(p.length).split("/");
    if (parts.length !== 3 || parts[2] !== MANIFEST_NAME) {
        return undefined;
    }
    const tier = parts[0] as Tier;
    if (!TIERS.includes(tier)) {
        return undefined;
    }
    return { tier, setId: parts[1] };
}

/**
 * Restore-test reports: `lifeboat verify` writes each run's JSON report beside the sets, so the
 * readiness report (`lifeboat report`) can plot measured restore times. Their own lifecycle rule
 * (VERIFICATIONS_DAYS) keeps them a year and a month: a register of restore tests over a year.
 *
 *   [<prefix>/]verifications/<YYYYMMDDTHHMMSSZ>-<setId>.json
 */
export const VERIFICATIONS_DIR = "verifications";
export const VERIFICATIONS_DAYS = 400;
export const VERIFICATION_FORMAT = "lifeboat.verification/1";

export function verificationsPrefix(prefix?: string): string {
    return `${normalisePrefix(prefix)}${VERIFICATIONS_DIR}/`;
}

export function verificationKey(at: Date, setId: string, prefix?: string): string {
    return `${verificationsPrefix(prefix)}${setIdFor(at)}-${setId}.json`;
}
