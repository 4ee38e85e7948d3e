/**
 * What a person sees at a terminal: the CLI run on a pseudo-terminal (tmux), its screen read
 * back. Progress bars per database and a summary table for backup, restore and verify; the
 * --force notice before and after; no JSON lines. Off a terminal the JSON lines stay (every
 * other integration test reads them).
 */
import { spawnSync } from "child_process";
import { existsSync, writeFileSync } from "fs";
import * as path from "path";
import { CLI, cleanEnv, Cluster, DUMP_EXT, removeDir, seedReferenceApp, startCluster, tempDir } from "./helpers";

let pg: Cluster;
let store: string;
let work: string;
const socket = `lifeboat-test-${process.pid}`;

function tmux(args: string[], env?: NodeJS.ProcessEnv): string {
    const r = spawnSync("tmux", ["-L", socket, ...args], { encoding: "utf8", env: env ?? process.env });
    if (r.status !== 0) {
        throw new Error(`tmux ${args.join(" ")}: ${r.stderr}`);
    }
    return r.stdout;
}

/** Runs the CLI with `args` in a 160x60 tmux window; resolves with the screen once it exits. */
async function onTerminal(name: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ screen: string; code: number }> {
    const done = path.join(work, `${name}.exit`);
    const script = path.join(work, `${name}.sh`);
    const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    writeFileSync(script, `${quoted}\necho $? > '${done}'\nsleep 600\n`);
    tmux(["new-session", "-d", "-x", "160", "-y", "60", "-s", name, "bash", script], env);
    for (let i = 0; i < 1200 && !existsSync(done); i++) {
        await new Promise((r) => setTimeout(r, 100));
    }
    const screen = tmux(["capture-pane", "-p", "-J", "-t", name, "-S", "-", "-E", "-"]);
    // a fresh server per run: a tmux server hands every session the environment it started with
    tmux(["kill-server"]);
    return { screen, code: Number(require("fs").readFileSync(done, "utf8")) };
}

beforeAll(async () => {
    pg = await startCluster();
    seedReferenceApp(pg, 3000);
    store = tempDir("terminal-target");
    work = tempDir("terminal-work");
});

afterAll(async () => {
    spawnSync("tmux", ["-L", socket, "kill-server"]);
    await pg?.stop();
    if (store !== undefined) removeDir(store);
    if (work !== undefined) removeDir(work);
});

test("backup on a terminal draws a bar per database, then the summary table; no JSON lines", async () => {
    const env = cleanEnv({ ...pg.env(), LIFEBOAT_KEY_FINGERPRINT: "sha256:00112233aabbccdd" });
    const { screen, code } = await onTerminal("backup", ["backup", "--databases", "main,audit", "--target", `file://${store}`], env);
    expect([code, screen]).toEqual([0, expect.any(String)]);
    expect(screen).toMatch(/^backup set \d{8}T\d{6}Z\S* \((daily|weekly|monthly)\) of main, audit to file:\/\//m);
    for (const db of ["main", "audit"]) {
        expect(screen).toMatch(new RegExp(`^backup ${db} +\\[#{24}\\] 100% +[\\d.]+ (B|KiB|MiB) / [\\d.]+ (B|KiB|MiB) +[\\d.]+ (B|KiB|MiB)/s +elapsed [\\d.]+ s +ETA done$`, "m"));
        expect(screen).toMatch(new RegExp(`^${db} +[\\d.]+ (B|KiB|MiB) +[\\d.]+ s +ok \\(sha256 [0-9a-f]{12}\\) +file://${store}/\\w+/\\d{8}T\\d{6}Z\\S*/${db}${DUMP_EXT.replace(/\./g, "\\.")}$`, "m"));
    }
    expect(screen).toMatch(/committed in [\d.]+ s: [\d.]+ (KiB|MiB), key sha256:00112233aabbccdd/);
    expect(screen).toMatch(/^DATABASE +SIZE +TIME +CHECKSUM +WHERE$/m);
    expect(screen).not.toContain('{"time"');
});

test("restore --force says before that it terminates the sessions, and again in the summary", async () => {
    const env = cleanEnv(pg.env());
    const { screen, code } = await onTerminal("restore", ["restore", "--target", `file://${store}`, "--database", "main", "--into", pg.url("main"), "--force"], env);
    expect([code, screen]).toEqual([0, expect.any(String)]);
    const before = screen.indexOf('--force: every session connected to database "main"');
    const started = screen.indexOf('restore of "main" from set');
    expect(before).toBeGreaterThanOrEqual(0);
    expect(before).toBeLessThan(started);
    expect(screen).toMatch(/^(check|download) main +\[#{24}\] 100% /m);
    expect(screen).toMatch(/^DATABASE +SIZE +TIME +CHECKSUM +WHERE +TABLES +ROWS$/m);
    expect(screen).toMatch(/^main +[\d.]+ (KiB|MiB) +[\d.]+ s +ok \(size and sha256 as in the manifest\) +database "main" on 127\.0\.0\.1:\d+ +2 +3001$/m);
    expect(screen).toContain('--force: sessions connected to "main" were terminated for the swap');
    expect(screen).toMatch(/the database it replaced is kept as "main__lifeboat_saved_\d{14}"/);
});

test("verify on a terminal prints the restore test's table in place of its JSON report", async () => {
    const { screen, code } = await onTerminal("verify", ["verify", "--target", `file://${store}`, "--scratch", pg.url()], cleanEnv(pg.env()));
    expect([code, screen]).toEqual([0, expect.any(String)]);
    expect(screen).toMatch(/^restore test of set \d{8}T\d{6}Z\S* \(\w+, taken [^)]+\): PASSED in [\d.]+ s \(the measured restore time\)$/m);
    expect(screen).toMatch(/^main +[\d.]+ (KiB|MiB) +[\d.]+ s +ok +restored, checked, dropped +2 +3001$/m);
    expect(screen).toMatch(/^audit +[\d.]+ (B|KiB|MiB) +[\d.]+ s +ok +restored, checked, dropped +1 +1500$/m);
    expect(screen).not.toContain('"event":"verify.report"');
});

test("--log-format json keeps the JSON lines on a terminal; a bad --before is a clear usage error", async () => {
    const json = await onTerminal("json", ["--log-format", "json", "list", "--target", `file://${store}`, "--json"], cleanEnv());
    expect(json.code).toBe(0);
    expect(json.screen).toMatch(/^\{"target":"file:\/\/.*"set":"\d{8}T\d{6}Z/m);
    const bad = await onTerminal("before", ["restore", "--target", `file://${store}`, "--database", "main", "--into", pg.url("x"), "--before", "14:30"], cleanEnv(pg.env()));
    expect(bad.code).toBe(2);
    expect(bad.screen).toContain('lifeboat: error: --before "14:30" is not a time (check --before: a date and time with its zone: 2026-11-21T14:30Z (UTC) or 2026-11-21T14:30+01:00)');
});
