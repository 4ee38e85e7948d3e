import { LifeboatError } from "./errors";
import { log } from "./log";
import { listSets, SetRef } from "./manifest";
import { Target } from "./targets";

const UNITS: Record<string, number> = { s: 1000, m: 60000, h: 3600000, d: 86400000, w: 604800000 };

/** Parses `26h`, `90m`, `2d`, `1d12h` into milliseconds. */
export function parseDuration(text: string): number {
    const value = text.trim().toLowerCase();
    const re = /(\d+(?:\.\d+)?)([smhdw])/g;
    let total = 0;
    let consumed = "";
    for (const m of value.matchAll(re)) {
        total += Number(m[1]) * UNITS[m[2]];
        consumed += m[0];
    }
    if (value === "" || consumed !== value || total <= 0) {
        throw new LifeboatError(`--max-age ${text} is not a duration`, "--max-age: a number and a unit, e.g. 26h, 90m, 2d", 2, "usage");
    }
    return total;
}

/** An age for people: 45m, 31h, 3d 4h. */
export function formatAge(ms: number): string {
    const minutes = Math.floor(ms / 60000);
    if (minutes < 90) {
        return `${minutes}m`;
    }
    const hours = Math.floor(ms / 3600000);
    if (hours < 72) {
        return `${hours}h`;
    }
    const days = Math.floor(hours / 24);
    return `${days}d ${hours % 24}h`;
}

export interface FreshnessResult {
    target: string;
    set: string;
    createdAt: string;
    ageSeconds: number;
    maxAgeSeconds: number;
}

/** How far a set's createdAt may lie ahead of this host's clock (clock skew between hosts). */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * The newest set whose createdAt is a valid time not in the future (beyond MAX_CLOCK_SKEW_MS):
 * a wrong clock or a forged manifest can never make a target look fresh. Each set skipped is
 * logged as a warning.
 */
function trustedNewest(target: Target, sets: SetRef[], now: Date): SetRef | undefined {
    for (const s of sets) {
        const at = Date.parse(s.manifest.set.createdAt);
        if (Number.isFinite(at) && at - now.getTime() <= MAX_CLOCK_SKEW_MS) {
            return s;
        }
        log.warn("freshness.untrusted_set", {
            target: target.display,
            set: s.id,
            createdAt: s.manifest.set.createdAt,
            reason: Number.isFinite(at) ? `createdAt is ${formatAge(at - now.getTime())} in the future` : "createdAt is not a time",
        });
    }
    return undefined;
}

/** Throws (exit 1) when the newest complete set on `target` is older than `maxAge`, or none exists. */
export async function freshness(target: Target, maxAge: string, now: Date = new Date()): Promise<FreshnessResult> {
    const limit = parseDuration(maxAge);
    const sets = await listSets(target);
    if (sets.length === 0) {
        throw new LifeboatError(`no complete backup set on ${target.display} (max ${maxAge})`, "that the backup job runs and succeeds", 1, "stale");
    }
    const newest = trustedNewest(target, sets, now);
    if (newest === undefined) {
        throw new LifeboatError(
            `no complete backup set on ${target.display} has a believable time: every createdAt is in the future or invalid (max ${maxAge})`,
            "the clock of the backup job and of this host, and who can write manifests to the target",
            1,
            "stale",
        );
    }
    const age = now.getTime() - Date.parse(newest.manifest.set.createdAt);
    if (age > limit) {
        throw new LifeboatError(
            `newest complete set ${newest.id} on ${target.display} is ${formatAge(age)} old (max ${maxAge})`,
            "the backup job's recent runs and its log",
            1,
            "stale",
        );
    }
    return { target: target.display, set: newest.id, createdAt: newest.manifest.set.createdAt, ageSeconds: Math.round(age / 1000), maxAgeSeconds: Math.round(limit / 1000) };
}
