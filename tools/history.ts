/**
 * A made-up backup history written straight into a file target: manifests, placeholder
 * archives and restore-test reports, laid out as the job writes them (scripts/layout.ts). For
 * the tests of `list` and `report`, and for the report's sample screenshot (tools/reportSample.ts).
 * Nothing here is a backup: the archives are placeholders, the sizes are those the manifests claim.
 */
import { createHash } from "crypto";
import { mkdirSync, writeFileSync } from "fs";
import * as path from "path";
import { dumpKey, manifestKey, setIdFor, tierFor, VERIFICATION_FORMAT, verificationKey } from "../scripts/layout";
import { Manifest, MANIFEST_FORMAT } from "../scripts/manifest";

export interface HistorySet {
    at: Date;
    /** Bytes per database. */
    sizes: Record<string, number>;
    keyFingerprint: string | null;
    /** Restore tests of this set: when, seconds per database, pass or fail. */
    verifications?: Array<{ at: Date; seconds: number; ok: boolean }>;
}

export interface HistoryOptions {
    now: Date;
    days: number;
    /** Days back (0 = the newest) with no set: a missed schedule. */
    missing?: number[];
    /** Days back from which every dump of `shrinkDatabase` is this fraction of its size. */
    shrink?: { daysBack: number; database: string; factor: number };
    /** Days back at which the key changed (sets from then on carry `newKey`). */
    rotate?: { daysBack: number; oldKey: string; newKey: string };
    /** Restore tests every this many days (0 = none); `failing` days back fail. */
    verifyEvery?: number;
    failing?: number[];
}

const DAY = 86400000;

/** A daily history at 02:00 UTC, newest first: main grows slowly, audit steadily. */
export function makeHistory(o: HistoryOptions): HistorySet[] {
    const out: HistorySet[] = [];
    const today = Date.UTC(o.now.getUTCFullYear(), o.now.getUTCMonth(), o.now.getUTCDate(), 2, 0, 0);
    const newest = today <= o.now.getTime() ? today : today - DAY;
    for (let back = 0; back < o.days; back++) {
        if (o.missing?.includes(back) === true) {
            continue;
        }
        const at = new Date(newest - back * DAY);
        const age = o.days - back;
        const sizes: Record<string, number> = { main: Math.round(180e6 + age * 1.3e6 + (back % 3) * 2e5), audit: Math.round(40e6 + age * 0.6e6) };
        if (o.shrink !== undefined && back <= o.shrink.daysBack) {
            sizes[o.shrink.database] = Math.round(sizes[o.shrink.database] * o.shrink.factor);
        }
        const keyFingerprint = o.rotate === undefined ? "sha256:00112233aabbccdd" : back <= o.rotate.daysBack ? o.rotate.newKey : o.rotate.oldKey;
        const verifications = o.verifyEvery !== undefined && o.verifyEvery > 0 && back % o.verifyEvery === 0
            ? [{ at: new Date(at.getTime() + 2 * 3600000), seconds: 40 + age * 0.4, ok: o.failing?.includes(back) !== true }]
            : undefined;
        out.push({ at, sizes, keyFingerprint, verifications });
    }
    return out;
}

/** A history's set id: the time, and a run suffix derived from it (the same on both targets). */
export function historySetId(at: Date): string {
    return setIdFor(at, createHash("sha256").update(at.toISOString()).digest("hex").slice(0, 8));
}

function manifestOf(s: HistorySet): Manifest {
    const id = historySetId(s.at);
    const tier = tierFor(s.at);
    return {
        format: MANIFEST_FORMAT,
        set: { id, tier, createdAt: s.at.toISOString(), completedAt: new Date(s.at.getTime() + 95000).toISOString(), keyFingerprint: s.keyFingerprint, toolVersion: "0.1.0" },
        databases: Object.entries(s.sizes).map(([name, size]) => ({
            name,
            key: dumpKey(tier, id, name),
            size,
            sha256: createHash("sha256").update(`${id}/${name}`).digest("hex"),
            serverVersion: "16.4",
            pgDumpVersion: "16",
            compress: "default",
            codec: "none",
            startedAt: s.at.toISOString(),
            endedAt: new Date(s.at.getTime() + 90000).toISOString(),
            verified: true,
            owner: "casework",
            tables: name === "main" ? 42 : 3,
        })),
    };
}

/** Writes `sets` into the folder of a file:// target (which must exist); `skip` leaves those set ids out. */
export function writeHistory(root: string, sets: HistorySet[], skip: string[] = []): void {
    for (const s of sets) {
        const m = manifestOf(s);
        if (skip.includes(m.set.id)) {
            continue;
        }
        for (const d of m.databases) {
            mkdirSync(path.dirname(path.join(root, d.key)), { recursive: true });
            writeFileSync(path.join(root, d.key), "PGDMP placeholder\n");
        }
        writeFileSync(path.join(root, manifestKey(m.set.tier, m.set.id)), `${JSON.stringify(m, null, 2)}\n`);
        for (const v of s.verifications ?? []) {
            const key = path.join(root, verificationKey(v.at, m.set.id));
            mkdirSync(path.dirname(key), { recursive: true });
            // a failed run fails on its first database; the others pass
            const databases = m.databases.map((d, i) => {
                const ok = v.ok || i > 0;
                return { name: d.name, tables: d.tables, rows: 1000, largeObjects: 0, seconds: v.seconds / m.databases.length, ok, ...(ok ? {} : { error: `pg_restore of ${d.name} failed: No space left on device` }) };
            });
            writeFileSync(key, `${JSON.stringify({ format: VERIFICATION_FORMAT, verifiedAt: v.at.toISOString(), set: m.set.id, tier: m.set.tier, createdAt: m.set.createdAt, databases, totalSeconds: v.seconds, ok: v.ok })}\n`);
        }
    }
}
