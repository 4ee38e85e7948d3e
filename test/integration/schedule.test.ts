/**
 * `lifeboat schedule` for real: the CLI running a cron every two seconds (the optional seconds
 * field) against a real cluster and a file target; a run held longer than the interval
 * (LIFEBOAT_TEST_HOLD_RUN_MS, as a slow backup) makes the next ticks skip, never overlap; SIGTERM
 * during a backup rolls its set back and stops cleanly; `lifeboat health` reads the status file.
 */
import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";
import { cleanEnv, cli, Cluster, removeDir, seedBig, seedReferenceApp, sets, startCli, startCluster, tempDir } from "./helpers";

let pg: Cluster;
const dirs: string[] = [];

beforeAll(async () => {
    pg = await startCluster();
    seedReferenceApp(pg, 2000);
    seedBig(pg, "big", 300000);
});

afterAll(async () => {
    await pg?.stop();
    dirs.forEach(removeDir);
});

function setFolders(root: string): string[] {
    return ["daily", "weekly", "monthly"].flatMap((tier) => (existsSync(path.join(root, tier)) ? readdirSync(path.join(root, tier)).map((id) => `${tier}/${id}`) : []));
}

test("runs on the cron, skips ticks while a run is going (never two at once), prunes, records its status; SIGTERM stops it cleanly", async () => {
    const store = tempDir("schedule");
    dirs.push(store);
    const statusFile = path.join(tempDir("schedule-status"), "status.json");
    dirs.push(path.dirname(statusFile));
    const env = cleanEnv({ ...pg.env(), LIFEBOAT_KEY_FINGERPRINT: "sha256:00112233aabbccdd", LIFEBOAT_STATUS_FILE: statusFile, LIFEBOAT_TEST_HOLD_RUN_MS: "3000" });
    const run = startCli(["schedule", "--cron", "*/2 * * * * *", "--databases", "main,audit", "--target", `file://${store}`], env);
    await run.waitFor("schedule.start");

    // before the first backup: healthy (waiting), as long as the max age allows
    const early = await cli(["health", "--max-age", "26h"], env);
    expect(early.code).toBe(0);

    // wait for two complete runs; each holds its slot 3 s while ticks come every 2 s
    const started = Date.now();
    while (run.child.exitCode === null && Date.now() - started < 60000) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const status = existsSync(statusFile) ? (JSON.parse(readFileSync(statusFile, "utf8")) as { lastRun?: { ok?: boolean }; skipped: number }) : undefined;
        if (status?.lastRun?.ok === true && status.skipped >= 2) {
            break;
        }
    }
    const healthy = await cli(["health", "--max-age", "26h"], env);
    expect(healthy.stderr).toBe("");
    expect(healthy.code).toBe(0);
    expect(healthy.events[0]).toMatchObject({ event: "health.ok" });

    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(r.code).toBe(0);

    // every stdout line is one JSON event
    expect(r.stdout.trim().split("\n").every((l) => l.startsWith("{") && JSON.parse(l) !== undefined)).toBe(true);
    const names = r.events.map((e) => String(e.event));
    expect(names[0]).toBe("schedule.start");
    expect(names[names.length - 1]).toBe("schedule.stopped");
    expect(names.filter((n) => n === "schedule.skipped").length).toBeGreaterThanOrEqual(2);
    expect(r.events.find((e) => e.event === "schedule.skipped")).toMatchObject({ level: "warn", reason: "the previous backup is still running" });
    // never two at once: every run is done before the next starts
    let open = 0;
    for (const n of names) {
        if (n === "schedule.run") {
            open++;
            expect(open).toBe(1);
        } else if (n === "schedule.done") {
            open--;
        }
    }
    // the backups' own events pass through; each successful run committed one set and pruned
    const committed = r.events.filter((e) => e.event === "set.committed").map((e) => e.set);
    const doneOk = r.events.filter((e) => e.event === "schedule.done" && e.ok === true);
    expect(doneOk.length).toBeGreaterThanOrEqual(1);
    expect(doneOk.map((e) => e.set)).toEqual(committed.slice(0, doneOk.length));
    // a run stopped by the signal while it held its slot is not pruned after
    const pruned = r.events.filter((e) => e.event === "prune.done").length;
    expect(pruned).toBeGreaterThanOrEqual(1);
    expect(pruned).toBeLessThanOrEqual(doneOk.length);
    const listed = await cli(["list", "--target", `file://${store}`, "--json"], env);
    expect(sets(listed).map((s) => s.set).sort()).toEqual([...committed].sort());

    const status = JSON.parse(readFileSync(statusFile, "utf8"));
    expect(status).toMatchObject({ format: "lifeboat.status/1", cron: "*/2 * * * * *", stopped: true, running: null, lastSuccess: { set: committed[committed.length - 1] } });
    expect(status.skipped).toBeGreaterThanOrEqual(2);

    // stopped: the health check fails
    const after = await cli(["health", "--max-age", "26h"], env);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain("unhealthy: the schedule");
});

test("SIGTERM during a backup: the set is rolled back, the run recorded as failed, the schedule exits 0", async () => {
    const store = tempDir("schedule-term");
    dirs.push(store);
    const statusFile = path.join(store, ".status.json");
    const env = cleanEnv({ ...pg.env(), LIFEBOAT_STATUS_FILE: statusFile });
    const run = startCli(["schedule", "--cron", "* * * * * *", "--databases", "big", "--target", `file://${store}`, "--jobs", "1"], env);
    await run.waitFor("database.start");
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(r.code).toBe(0);
    const names = r.events.map((e) => e.event);
    expect(names).toContain("set.rolled_back");
    expect(names).not.toContain("set.committed");
    expect(r.events.find((e) => e.event === "schedule.done")).toMatchObject({ ok: false });
    expect(names[names.length - 1]).toBe("schedule.stopped");
    // nothing of the interrupted set is left
    expect(setFolders(store)).toEqual([]);
    const status = JSON.parse(readFileSync(statusFile, "utf8"));
    expect(status.lastRun).toMatchObject({ ok: false });
    expect(status.lastRun.reason).toContain("interrupted");
});

test("a failing backup makes the health check fail with its reason; a bad cron is refused", async () => {
    const store = tempDir("schedule-fail");
    dirs.push(store);
    const statusFile = path.join(store, ".status.json");
    const env = cleanEnv({ ...pg.env(), LIFEBOAT_STATUS_FILE: statusFile });
    const run = startCli(["schedule", "--cron", "* * * * * *", "--databases", "nope", "--target", `file://${store}`], env);
    await run.waitFor("schedule.done");
    const h = await cli(["health"], env);
    expect(h.code).toBe(1);
    expect(h.stderr).toContain("unhealthy: the last run");
    expect(h.stderr).toContain("database \"nope\" does not exist");
    run.child.kill("SIGTERM");
    expect((await run.done).code).toBe(0);

    const bad = await cli(["schedule", "--cron", "0 2 * *", "--databases", "main", "--target", `file://${store}`], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--cron \"0 2 * *\" is not a cron expression: a cron expression has 5 fields");
});
