/**
 * `lifeboat prune`: retention for a file target, which has no lifecycle rules of its own (blob
 * and S3 targets are expired by the stack's lifecycle rules, per tier prefix). The same windows:
 * a complete set of tier T is deleted once it is older than T's days; the newest complete set is
 * never deleted, whatever its age; leftovers of failed runs (no manifest, or an INCOMPLETE
 * marker) are deleted once older than a day, so a backup still running is never touched.
 * A set's age is that of its id, the UTC time its backup started (scripts/layout.ts).
 */
import { promises as fsp } from "fs";
import * as path from "path";
import { EXIT_USAGE, LifeboatError, messageOf } from "./errors";
import { DEFAULT_RETENTION_DAYS, MANIFEST_NAME, Tier, TIERS } from "./layout";
import { log } from "./log";
import { INCOMPLETE_NAME } from "./manifest";
import { FileTarget } from "./targets/file";
import { Target } from "./targets";

export type Retention = Record<Tier, number>;

const DAY = 86400000;
const SET_ID = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z(?:-[0-9a-f]{8})?$/;

/** The UTC start time a set id names, or undefined for a folder that is no set. */
export function setTime(id: string): Date | undefined {
    const m = SET_ID.exec(id);
    if (m === null) {
        return undefined;
    }
    const t = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
    return Number.isNaN(t.getTime()) || t.toISOString().slice(0, 19).replace(/[-:]/g, "") !== id.slice(0, 15) ? undefined : t;
}

export function retentionFrom(days: Partial<Retention>): Retention {
    const r = { ...DEFAULT_RETENTION_DAYS, ...Object.fromEntries(Object.entries(days).filter(([, v]) => v !== undefined)) } as Retention;
    for (const tier of TIERS) {
        if (!Number.isInteger(r[tier]) || r[tier] < 1 || r[tier] > 36500) {
            throw new LifeboatError(`--keep-${tier}-days ${r[tier]} is not a whole number of days from 1 to 36500`, `--keep-${tier}-days / LIFEBOAT_KEEP_${tier.toUpperCase()}_DAYS`, EXIT_USAGE, "usage");
        }
    }
    return r;
}

export interface SetOnDisk {
    tier: Tier;
    id: string;
    time: Date;
    complete: boolean;
    dir: string;
}

export type Decision = { set: SetOnDisk; action: "keep"; reason: "newest" | "within-retention" | "recent-leftover" } | { set: SetOnDisk; action: "delete"; reason: "expired" | "leftover"; ageDays: number };

/** Every set folder of a file target: `<tier>/<setId>/`, complete when its manifest exists and no INCOMPLETE marker does. */
export async function scanSets(root: string): Promise<SetOnDisk[]> {
    const out: SetOnDisk[] = [];
    for (const tier of TIERS) {
        const tierDir = path.join(root, tier);
        let ids: string[];
        try {
            ids = (await fsp.readdir(tierDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code === "ENOENT") {
                continue;
            }
            throw e;
        }
        for (const id of ids) {
            const time = setTime(id);
            if (time === undefined) {
                log.warn("prune.unknown_folder", { folder: `${tier}/${id}`, reason: "not a set id (YYYYMMDDTHHMMSSZ): left alone" });
                continue;
            }
            const dir = path.join(tierDir, id);
            const names = await fsp.readdir(dir);
            out.push({ tier, id, time, dir, complete: names.includes(MANIFEST_NAME) && !names.includes(INCOMPLETE_NAME) });
        }
    }
    return out.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** What prune does with each set (pure: tested directly). */
export function decide(sets: SetOnDisk[], retention: Retention, now: Date, leftoverAfterMs = DAY): Decision[] {
    const newest = sets.filter((s) => s.complete).reduce<SetOnDisk | undefined>((a, s) => (a === undefined || s.id > a.id ? s : a), undefined);
    return sets.map((set): Decision => {
        const age = now.getTime() - set.time.getTime();
        const ageDays = Math.floor((age / DAY) * 10) / 10;
        if (!set.complete) {
            return age > leftoverAfterMs ? { set, action: "delete", reason: "leftover", ageDays } : { set, action: "keep", reason: "recent-leftover" };
        }
        if (set === newest) {
            return { set, action: "keep", reason: "newest" };
        }
        return age > retention[set.tier] * DAY ? { set, action: "delete", reason: "expired", ageDays } : { set, action: "keep", reason: "within-retention" };
    });
}

async function sizeOf(dir: string): Promise<number> {
    let total = 0;
    for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        total += e.isDirectory() ? await sizeOf(p) : (await fsp.lstat(p)).size;
    }
    return total;
}

export interface PruneReport {
    target: string;
    kept: string[];
    deleted: Array<{ set: string; tier: Tier; reason: string; ageDays: number; bytes: number }>;
    bytes: number;
    dryRun: boolean;
}

export interface PruneOptions {
    target: Target;
    retention: Retention;
    now?: Date;
    dryRun?: boolean;
}

/**
 * Deletes what `decide` says, a set at a time: the manifest first (the set stops being complete
 * at once, so no reader restores a half-deleted set; an interrupted prune leaves a leftover that
 * the next one removes), then the folder with everything in it, partial files included.
 */
export async function prune(opts: PruneOptions): Promise<PruneReport> {
    if (!(opts.target instanceof FileTarget)) {
        throw new LifeboatError(`prune works on file:// targets only, not ${opts.target.display}`,
            "the target: blob and S3 targets are expired by the stack's lifecycle rules", EXIT_USAGE, "usage");
    }
    const target = opts.target;
    await target.check();
    const now = opts.now ?? new Date();
    const dryRun = opts.dryRun ?? false;
    const report: PruneReport = { target: target.display, kept: [], deleted: [], bytes: 0, dryRun };
    for (const d of decide(await scanSets(target.root), opts.retention, now)) {
        if (d.action === "keep") {
            report.kept.push(d.set.id);
            continue;
        }
        const bytes = await sizeOf(d.set.dir);
        const fields = { target: target.display, set: d.set.id, tier: d.set.tier, reason: d.reason, ageDays: d.ageDays, bytes };
        if (!dryRun) {
            try {
                await fsp.rm(path.join(d.set.dir, MANIFEST_NAME), { force: true });
                await fsp.rm(d.set.dir, { recursive: true, force: true });
            } catch (e) {
                throw new LifeboatError(`prune could not delete ${d.set.tier}/${d.set.id} on ${target.display}: ${messageOf(e)}`, "that the job's user may delete in the folder", 1, "prune-failed");
            }
        }
        log.event(dryRun ? "prune.would_delete" : "prune.deleted", fields);
        report.deleted.push({ set: d.set.id, tier: d.set.tier, reason: d.reason, ageDays: d.ageDays, bytes });
        report.bytes += bytes;
    }
    log.event("prune.done", {
        target: target.display, kept: report.kept.length, deleted: report.deleted.filter((x) => x.reason === "expired").length,
        leftovers: report.deleted.filter((x) => x.reason === "leftover").length, bytes: report.bytes, dryRun,
        retention: opts.retention,
    });
    return report;
}
