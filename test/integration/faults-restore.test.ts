/**
 * Signals during a restore, on a real PostgreSQL: SIGTERM before the swap leaves the original
 * live and drops the scratch database; SIGTERM while pg_restore runs kills it; SIGKILL or a
 * second SIGTERM never orphans pg_restore, and the scratch database left behind is reported by
 * the next run and removed by one command; two restores into one database; the key-check warning.
 * Moments are hit through log events, the LIFEBOAT_TEST_HOLD_AT hook and the process table.
 */
import { spawnSync } from "child_process";
import { cleanEnv, cli, Cluster, digestDatabase, query, removeDir, Result, Running, seedBig, seedReferenceApp, startCli, startCluster, tempDir } from "./helpers";

let pg: Cluster;
let dir: string;
let env: NodeJS.ProcessEnv;
let target: string;

beforeAll(async () => {
    pg = await startCluster();
    seedReferenceApp(pg, 300);
    seedBig(pg, "big", 300000);
    dir = tempDir("faults-restore");
    target = `file://${dir}`;
    env = cleanEnv({ ...pg.env(), LIFEBOAT_KEY_FINGERPRINT: "sha256:0123456789abcdef" });
    const r = await cli(["backup", "--databases", "main,big", "--target", target], env);
    expect(r.code).toBe(0);
});

afterAll(async () => {
    await pg?.stop();
    if (dir !== undefined) removeDir(dir);
});

async function databases(): Promise<string[]> {
    return (await query<{ datname: string }>(pg.url("postgres"), "SELECT datname FROM pg_database ORDER BY datname")).map((r) => r.datname);
}

async function scratchLeft(): Promise<string[]> {
    return (await databases()).filter((d) => d.includes("__lifeboat_restore_"));
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** The pg_restore child of the CLI, once it runs (polled from the process table). */
async function pgRestoreOf(run: Running): Promise<number> {
    for (;;) {
        const r = spawnSync("pgrep", ["-P", String(run.child.pid), "-x", "pg_restore"], { encoding: "utf8" });
        const pid = Number(r.stdout.trim().split("\n")[0]);
        if (pid > 0) return pid;
        if (run.child.exitCode !== null) throw new Error("the CLI exited before pg_restore ran");
        await new Promise((res) => setTimeout(res, 20));
    }
}

async function gone(pid: number): Promise<void> {
    while (alive(pid)) {
        await new Promise((res) => setTimeout(res, 20));
    }
}

function lastEvent(r: Result): Record<string, unknown> {
    return r.events[r.events.length - 1];
}

const restoreArgs = (database: string, into: string, ...more: string[]): string[] => ["restore", "--target", target, "--database", database, "--into", pg.url(into), ...more];

test("SIGTERM before the swap: the original stays live and unchanged, the scratch database is dropped, the last line says so", async () => {
    const first = await cli(restoreArgs("main", "sig_swap"), env);
    expect(first.code).toBe(0);
    const before = await digestDatabase(pg.url("sig_swap"));
    await query(pg.url("sig_swap"), "INSERT INTO cases VALUES (999999, 'added after the restore', 'x', date '2026-01-01')");
    const changed = await digestDatabase(pg.url("sig_swap"));
    expect(changed).not.toEqual(before);
    const run = startCli(restoreArgs("main", "sig_swap", "--force"), { ...env, LIFEBOAT_TEST_HOLD_AT: "restore.swap" });
    await run.waitFor("test.hold");
    expect(await scratchLeft()).toHaveLength(1);
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(r.code).toBe(1);
    expect(r.events.some((e) => e.event === "restore.done")).toBe(false);
    expect(lastEvent(r)).toMatchObject({ event: "restore.failed", level: "error", code: "interrupted" });
    expect(r.stderr.trim().split("\n").pop()).toBe(
        'lifeboat: error: restore of "sig_swap" interrupted by a signal before the swap: "sig_swap" is unchanged and live, the scratch database was dropped (check what stopped the job; run the restore again)',
    );
    expect(await digestDatabase(pg.url("sig_swap"))).toEqual(changed);
    expect(await scratchLeft()).toEqual([]);
    expect((await databases()).filter((d) => d.startsWith("sig_swap__lifeboat_saved_"))).toEqual([]);
});

test("SIGTERM while pg_restore runs: pg_restore is killed, the scratch database dropped, exit 1", async () => {
    const run = startCli(restoreArgs("big", "sig_term"), env);
    await run.waitFor("restore.scratch");
    const child = await pgRestoreOf(run);
    run.child.kill("SIGTERM");
    const r = await run.done;
    await gone(child);
    expect(r.code).toBe(1);
    expect(lastEvent(r)).toMatchObject({ event: "restore.failed", code: "interrupted" });
    // named by the database restored into, not by the archive's database
    expect(r.stderr).toContain('lifeboat: error: restore of "sig_term" interrupted by a signal before the swap');
    expect(await scratchLeft()).toEqual([]);
    expect(await databases()).not.toContain("sig_term");
});

test("SIGTERM inside the swap's transaction: the swap completes, exit 0, the last line is restore.done and says so", async () => {
    const first = await cli(restoreArgs("main", "sig_commit"), env);
    expect(first.code).toBe(0);
    const restored = await digestDatabase(pg.url("sig_commit"));
    await query(pg.url("sig_commit"), "INSERT INTO cases VALUES (999998, 'added after the restore', 'x', date '2026-01-01')");
    const run = startCli(restoreArgs("main", "sig_commit", "--force"), { ...env, LIFEBOAT_TEST_HOLD_AT: "restore.swap.commit" });
    await run.waitFor("test.hold");
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(r.code).toBe(0);
    const done = lastEvent(r);
    expect(done).toMatchObject({ event: "restore.done", into: "sig_commit", signal: "received during the swap, which completed" });
    expect(r.events.some((e) => e.level === "error")).toBe(false);
    // the name holds the restored data; what it held before is kept under savedAs
    expect(await digestDatabase(pg.url("sig_commit"))).toEqual(restored);
    const saved = done.savedAs as string;
    expect(saved).toMatch(/^sig_commit__lifeboat_saved_\d{14}$/);
    expect(await databases()).toContain(saved);
    expect(await scratchLeft()).toEqual([]);
});

test("a second SIGTERM while the first one's rollback runs stops at once: no child left, the scratch database reported next time", async () => {
    const into = "second_term";
    const run = startCli(restoreArgs("big", into), { ...env, LIFEBOAT_TEST_HOLD_AT: "restore.rollback" });
    await run.waitFor("restore.scratch");
    const child = await pgRestoreOf(run);
    run.child.kill("SIGTERM");
    await run.waitFor("test.hold");
    // the first signal killed pg_restore; the rollback is stalled before its DROP DATABASE
    await gone(child);
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(r.code).toBe(143);
    expect(r.stderr).toContain("lifeboat: SIGTERM received, stopping and rolling back");
    expect(r.stderr.trim().split("\n").pop()).toBe("lifeboat: second SIGTERM: stopped at once; leftover scratch databases are reported by the next run (lifeboat cleanup)");
    expect(spawnSync("pgrep", ["-P", String(run.child.pid)], { encoding: "utf8" }).stdout.trim()).toBe("");
    const left = await scratchLeft();
    expect(left).toEqual([expect.stringMatching(new RegExp(`^${into}__lifeboat_restore_\\d{14}$`))]);
    const clean = await cli(["cleanup", "--into", pg.url()], env);
    expect(clean.code).toBe(0);
    expect(clean.events.find((e) => e.event === "cleanup.done")).toMatchObject({ dropped: 1 });
    expect(await scratchLeft()).toEqual([]);
    expect(await databases()).not.toContain(into);
});

describe("SIGKILL while pg_restore runs", () => {
    test("pg_restore dies with the job; the next run reports the scratch database; one command removes it", async () => {
        const into = "killed";
        const run = startCli(restoreArgs("big", into), env);
        await run.waitFor("restore.scratch");
        const child = await pgRestoreOf(run);
        run.child.kill("SIGKILL");
        const r = await run.done;
        expect(r.signal).toBe("SIGKILL");
        await gone(child);
        const left = await scratchLeft();
        expect(left).toHaveLength(1);
        expect(left[0]).toMatch(new RegExp(`^${into}__lifeboat_restore_\\d{14}$`));

        const next = await cli(restoreArgs("main", `after_${into}`), env);
        expect(next.code).toBe(0);
        const report = next.events.find((e) => e.event === "restore.leftovers") as Record<string, unknown>;
        expect(report).toMatchObject({ level: "warn", databases: left });
        expect(next.stderr).toContain(`remove them with: lifeboat cleanup --into postgres://postgres@127.0.0.1:${pg.port}/`);

        const clean = await cli(["cleanup", "--into", pg.url()], env);
        expect(clean.code).toBe(0);
        expect(clean.events.find((e) => e.event === "cleanup.done")).toMatchObject({ dropped: 1 });
        expect(await scratchLeft()).toEqual([]);
    });
});

test("two restores into one database at once: the second refuses with a clear error, the first completes", async () => {
    const first = startCli(restoreArgs("main", "twice"), { ...env, LIFEBOAT_TEST_HOLD_AT: "restore.swap" });
    await first.waitFor("test.hold");
    const second = await cli(restoreArgs("main", "twice"), env);
    expect(second.code).toBe(1);
    expect(second.stderr.trim().split("\n").pop()).toMatch(/^lifeboat: error: another restore into "twice" on 127\.0\.0\.1:\d+ is running; refusing to start a second one \(check /);
    expect(second.stderr).not.toContain("duplicate key");
    expect(second.events.find((e) => e.level === "error")).toMatchObject({ event: "restore.failed", code: "restore-running" });
    // a running restore's scratch database is no leftover
    expect(second.events.some((e) => e.event === "restore.leftovers")).toBe(false);
    const clean = await cli(["cleanup", "--into", pg.url()], env);
    expect(clean.events.find((e) => e.event === "cleanup.done")).toMatchObject({ dropped: 0 });
    first.child.kill("SIGTERM");
    expect((await first.done).code).toBe(1);
    expect(await scratchLeft()).toEqual([]);
});

test("restore without LIFEBOAT_KEY_FINGERPRINT warns on stderr and in the log, unless --no-key-check", async () => {
    const noKey = { ...env };
    delete noKey.LIFEBOAT_KEY_FINGERPRINT;
    const warned = await cli(restoreArgs("main", "nokey_a"), noKey);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(/^lifeboat: warning: LIFEBOAT_KEY_FINGERPRINT is not set: nothing proves set \S+ \(key sha256:0123456789abcdef\) decrypts with the key in force; set it \(lifeboat fingerprint < key\), or pass --no-key-check\n$/);
    expect(warned.events.find((e) => e.event === "restore.key_unchecked")).toMatchObject({ level: "warn" });
    const quiet = await cli(restoreArgs("main", "nokey_b", "--no-key-check"), noKey);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe("");
    expect(quiet.events.some((e) => e.event === "restore.key_unchecked")).toBe(false);
});
