/**
 * `lifeboat prune` on a file target over a generated history: a set every day for 400 days (each
 * in the tier its date gives: monthly on the 1st, weekly on Mondays, else daily), with leftovers
 * of failed runs, checked set by set against the windows (daily 30, weekly 90, monthly 365 days;
 * and custom ones), through the real CLI.
 */
import { createHash } from "crypto";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "fs";
import * as path from "path";
import { setIdFor, tierFor } from "../../scripts/layout";
import { cleanEnv, cli, removeDir, sets, tempDir } from "./helpers";

const DAY = 86400000;
const dirs: string[] = [];

afterAll(() => dirs.forEach(removeDir));

interface Generated {
    id: string;
    tier: string;
    ageDays: number;
    complete: boolean;
}

/** A valid set: an archive and its manifest (or, for a failed run, the archive and a partial file only). */
function writeSet(root: string, at: Date, complete: boolean, marker = false): Generated {
    const id = setIdFor(at);
    const tier = tierFor(at);
    const dir = path.join(root, tier, id);
    mkdirSync(dir, { recursive: true });
    const body = Buffer.from(`PGDMP fake archive of ${id}`);
    writeFileSync(path.join(dir, "main.dump"), body);
    if (complete) {
        const manifest = {
            format: "lifeboat.manifest/1",
            set: { id, tier, createdAt: at.toISOString(), completedAt: at.toISOString(), keyFingerprint: "sha256:00112233aabbccdd", toolVersion: "0.1.0" },
            databases: [{
                name: "main", key: `${tier}/${id}/main.dump`, size: body.length, sha256: createHash("sha256").update(body).digest("hex"),
                serverVersion: "16.4", pgDumpVersion: "17", compress: "default", startedAt: at.toISOString(), endedAt: at.toISOString(), verified: true, tables: 1,
            }],
        };
        writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest));
    } else {
        writeFileSync(path.join(dir, `.audit.dump.partial-1234-abcd`), "half");
    }
    if (marker) {
        writeFileSync(path.join(dir, "INCOMPLETE"), "");
    }
    return { id, tier, ageDays: 0, complete: complete && !marker };
}

/**
 * 400 days of nightly sets, each half a day off a whole number of days from now (no set sits on
 * a window's edge, whenever the test runs), plus failed runs: one 3 days old, one with an
 * INCOMPLETE marker 5 days old, and one 2 hours old (a backup still running).
 */
function history(root: string, now: number): Generated[] {
    const out: Generated[] = [];
    for (let k = 0; k < 400; k++) {
        const at = new Date(now - k * DAY - DAY / 2);
        out.push({ ...writeSet(root, at, true), ageDays: k + 0.5 });
    }
    out.push({ ...writeSet(root, new Date(now - 3 * DAY - 3600000), false), ageDays: 3 });
    out.push({ ...writeSet(root, new Date(now - 5 * DAY - 7200000), true, true), ageDays: 5 });
    out.push({ ...writeSet(root, new Date(now - 2 * 3600000), false), ageDays: 0.08 });
    return out;
}

function onDisk(root: string): string[] {
    const out: string[] = [];
    for (const tier of ["daily", "weekly", "monthly"]) {
        if (existsSync(path.join(root, tier))) {
            out.push(...readdirSync(path.join(root, tier)).map((id) => `${tier}/${id}`));
        }
    }
    return out.sort();
}

function expectedSurvivors(all: Generated[], days: Record<string, number>): string[] {
    const newest = all.filter((s) => s.complete).map((s) => s.id).sort().pop();
    return all
        .filter((s) => (s.complete ? s.id === newest || s.ageDays <= days[s.tier] : s.ageDays <= 1))
        .map((s) => `${s.tier}/${s.id}`)
        .sort();
}

test("default windows: daily 30, weekly 90, monthly 365 days; leftovers after a day; list sees exactly the survivors", async () => {
    const root = tempDir("prune");
    dirs.push(root);
    const all = history(root, Date.now());
    expect(onDisk(root)).toHaveLength(403);

    const dry = await cli(["prune", "--target", `file://${root}`, "--dry-run"], cleanEnv());
    expect(dry.stderr).toBe("");
    expect(dry.code).toBe(0);
    expect(onDisk(root)).toHaveLength(403);

    const r = await cli(["prune", "--target", `file://${root}`], cleanEnv());
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const survivors = expectedSurvivors(all, { daily: 30, weekly: 90, monthly: 365 });
    expect(onDisk(root)).toEqual(survivors);
    // what survives, by tier: ~26 daily sets of the last 30 days, ~13 Mondays of 90, 12 or 13 firsts of 365
    const count = (tier: string) => survivors.filter((s) => s.startsWith(`${tier}/`)).length;
    expect(count("daily")).toBeGreaterThanOrEqual(24);
    expect(count("daily")).toBeLessThanOrEqual(31);
    expect(count("weekly")).toBeGreaterThanOrEqual(11);
    expect(count("weekly")).toBeLessThanOrEqual(13);
    expect(count("monthly")).toBeGreaterThanOrEqual(12);
    expect(count("monthly")).toBeLessThanOrEqual(13);

    const deleted = r.events.filter((e) => e.event === "prune.deleted");
    expect(dry.events.filter((e) => e.event === "prune.would_delete").map((e) => e.set)).toEqual(deleted.map((e) => e.set));
    expect(deleted.filter((e) => e.reason === "leftover").map((e) => e.ageDays)).toEqual(expect.arrayContaining([3, 5]));
    expect(deleted.filter((e) => e.reason === "leftover")).toHaveLength(2);
    expect(r.events.find((e) => e.event === "prune.done")).toMatchObject({ kept: survivors.length, deleted: 403 - survivors.length - 2, leftovers: 2, dryRun: false });
    // the running backup's folder (no manifest, 2 hours old) is still there; list never shows it
    const listed = await cli(["list", "--target", `file://${root}`, "--json"], cleanEnv());
    expect(listed.code).toBe(0);
    expect(sets(listed).map((s) => `${s.tier}/${s.set}`).sort()).toEqual(survivors.filter((s) => all.find((g) => `${g.tier}/${g.id}` === s)?.complete));

    // a second prune finds nothing more to do
    const again = await cli(["prune", "--target", `file://${root}`], cleanEnv());
    expect(again.events.filter((e) => e.event === "prune.deleted")).toEqual([]);
});

test("custom windows from LIFEBOAT_KEEP_*; the newest complete set survives even when every set has expired", async () => {
    const root = tempDir("prune-custom");
    dirs.push(root);
    const all = history(root, Date.now());
    const r = await cli(["prune", "--target", `file://${root}`, "--keep-daily-days", "7"], cleanEnv({ LIFEBOAT_KEEP_WEEKLY_DAYS: "14", LIFEBOAT_KEEP_MONTHLY_DAYS: "60" }));
    expect(r.code).toBe(0);
    expect(onDisk(root)).toEqual(expectedSurvivors(all, { daily: 7, weekly: 14, monthly: 60 }));

    const old = tempDir("prune-old");
    dirs.push(old);
    const oldSets = [300, 200, 100].map((d) => writeSet(old, new Date(Date.now() - d * DAY - DAY / 2), true));
    const r2 = await cli(["prune", "--target", `file://${old}`, "--keep-daily-days", "1", "--keep-weekly-days", "1", "--keep-monthly-days", "1"], cleanEnv());
    expect(r2.code).toBe(0);
    expect(onDisk(old)).toEqual([`${oldSets[2].tier}/${oldSets[2].id}`]);
});

test("refuses other targets and bad windows", async () => {
    const s3 = await cli(["prune", "--target", "s3://bucket/x"], cleanEnv());
    expect(s3.code).toBe(2);
    expect(s3.stderr).toContain("prune works on file:// targets only, not s3://bucket/x (check the target: blob and S3 targets are expired by the stack's lifecycle rules)");
    const bad = await cli(["prune", "--target", "file:///tmp", "--keep-daily-days", "0"], cleanEnv());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--keep-daily-days 0 is not a whole number of days from 1 to 36500");
    const missing = await cli(["prune", "--target", "file:///nonexistent/lifeboat"], cleanEnv());
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("target folder /nonexistent/lifeboat does not exist");
});
