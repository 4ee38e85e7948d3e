/**
 * Every failure gives a one-line reason naming what to check, a non-zero exit, and no set that
 * looks complete: server unreachable, authentication failed, database missing, disk full on a
 * file target, pg_dump killed mid-stream, and interrupted uploads (s3 multipart and block blob).
 */
import { spawnSync } from "child_process";
import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";
import {
    Azurite,
    blobNames,
    cli,
    Cluster,
    DUMP_EXT,
    freePort,
    removeDir,
    Result,
    S3,
    s3Keys,
    seedBig,
    Seeded,
    seedReferenceApp,
    sets,
    startCli,
    startSeeded,
    tempDir,
} from "./helpers";
import { Proxy, startProxy, viaPort } from "./faultkit";

let servers: Seeded | undefined;
let pg: Cluster;
let azurite: Azurite;
let s3: S3;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
    servers = await startSeeded("jobs", "backups", (db) => {
        seedReferenceApp(db, 500);
        seedBig(db, "big", 400000);
    });
    ({ pg, azurite, s3, env } = servers);
});

afterAll(async () => {
    await servers?.stop();
});

/** Every file under `dir` (dump objects, manifests, temporary partials), relative. */
function filesUnder(dir: string): string[] {
    if (!existsSync(dir)) return [];
    const out: string[] = [];
    const walk = (d: string): void => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else out.push(path.relative(dir, p));
        }
    };
    walk(dir);
    return out;
}

function oneLine(r: Result): string {
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    return lines[0];
}

async function expectNoSet(target: string): Promise<void> {
    const l = await cli(["list", "--target", target, "--json"], env);
    expect(l.code).toBe(0);
    expect(sets(l)).toEqual([]);
}

test("server unreachable", async () => {
    const dir = tempDir("e-unreach");
    try {
        const closed = await freePort();
        const r = await cli(["backup", "--databases", "main", "--target", `file://${dir}`], { ...env, PGPORT: String(closed) });
        expect(r.code).toBe(1);
        expect(oneLine(r)).toMatch(new RegExp(`^lifeboat: error: PostgreSQL server 127\\.0\\.0\\.1:${closed} unreachable: .*\\(check PGHOST, PGPORT, that the server is running and the firewall\\)$`));
        expect(filesUnder(dir)).toEqual([]);
    } finally {
        removeDir(dir);
    }
});

test("authentication failed, and the password is never printed", async () => {
    const dir = tempDir("e-auth");
    try {
        const r = await cli(["backup", "--databases", "main", "--target", `file://${dir}`], { ...env, PGPASSWORD: "not-the-password-123" });
        expect(r.code).toBe(1);
        expect(oneLine(r)).toMatch(/^lifeboat: error: authentication failed for user postgres on 127\.0\.0\.1:\d+ \(check PGUSER and PGPASSWORD/);
        expect(r.stdout + r.stderr).not.toContain("not-the-password-123");
        const into = await cli(["restore", "--target", `file://${dir}`, "--database", "main", "--into", pg.url("main", "postgres", "wrong-pw-456")], env);
        expect(into.code).toBe(1);
        expect(into.stdout + into.stderr).not.toContain("wrong-pw-456");
        expect(filesUnder(dir)).toEqual([]);
    } finally {
        removeDir(dir);
    }
});

test("no password given while the server asks for one", async () => {
    const dir = tempDir("e-nopw");
    try {
        const noPassword = { ...env };
        delete noPassword.PGPASSWORD;
        const r = await cli(["backup", "--databases", "main", "--target", `file://${dir}`], { ...noPassword, PGPASSFILE: "/nonexistent" });
        expect(r.code).toBe(1);
        expect(oneLine(r)).toMatch(/^lifeboat: error: no password given for user postgres on 127\.0\.0\.1:\d+, and the server asks for one \(check PGPASSWORD/);
        expect(filesUnder(dir)).toEqual([]);
    } finally {
        removeDir(dir);
    }
});

test("database missing: no set, nothing left behind", async () => {
    const dir = tempDir("e-missing");
    try {
        const r = await cli(["backup", "--databases", "main,no_such_db", "--target", `file://${dir}`], env);
        expect(r.code).toBe(1);
        expect(oneLine(r)).toMatch(/^lifeboat: error: database "no_such_db" does not exist on 127\.0\.0\.1:\d+ \(check --databases and the server\)$/);
        expect(filesUnder(dir)).toEqual([]);
        await expectNoSet(`file://${dir}`);
    } finally {
        removeDir(dir);
    }
});

test("disk full on a file target: the set is rolled back and the partial file removed", async () => {
    const dir = tempDir("e-full");
    const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", dir]).status === 0;
    try {
        const r = await cli(
            ["backup", "--databases", "audit,big", "--target", `file://${dir}`],
            // where a tmpfs cannot be mounted (unprivileged containers) the file target's fault hook fails writes with ENOSPC
            mounted ? env : { ...env, LIFEBOAT_FAULT_ENOSPC_AFTER_BYTES: String(2 * 1024 * 1024) },
        );
        expect(r.code).toBe(1);
        expect(oneLine(r)).toBe(`lifeboat: error: no space left on device writing ${r.events[0].tier}/${r.events[0].set}/big${DUMP_EXT} on file://${dir}; the set was rolled back (check free space on the target's file system)`);
        expect(r.events.find((e) => e.event === "backup.failed")).toMatchObject({ code: "disk-full" });
        expect(r.events.find((e) => e.event === "set.rolled_back")).toBeDefined();
        expect(filesUnder(dir)).toEqual([]);
        await expectNoSet(`file://${dir}`);
    } finally {
        if (mounted) spawnSync("umount", [dir]);
        removeDir(dir);
    }
});

function childPids(pid: number, name: string): number[] {
    const r = spawnSync("pgrep", ["-P", String(pid), "-x", name], { encoding: "utf8" });
    return r.stdout
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map(Number);
}

async function waitForChild(pid: number, name: string): Promise<number> {
    for (let i = 0; i < 100; i++) {
        const pids = childPids(pid, name);
        if (pids.length > 0) return pids[0];
        await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${name} child of ${pid}`);
}

test("pg_dump killed mid-stream: non-zero exit, one-line reason, every object of the set deleted", async () => {
    const dir = tempDir("e-killed");
    try {
        const run = startCli(["backup", "--databases", "audit,big", "--target", `file://${dir}`, "--target", "s3://jobs/killed", "--jobs", "1"], env);
        await run.waitFor("database.done"); // audit is stored, big is streaming
        const dump = await waitForChild(run.child.pid as number, "pg_dump");
        // mid-stream: pg_dump has written its first bytes (a fixed delay outlived the whole dump)
        while (Number(/^wchar: (\d+)$/m.exec(readFileSync(`/proc/${dump}/io`, "utf8"))?.[1] ?? 0) === 0) {
            await new Promise((r) => setTimeout(r, 5));
        }
        process.kill(dump, "SIGKILL");
        const r = await run.done;
        expect(r.code).toBe(1);
        expect(oneLine(r)).toBe('lifeboat: error: pg_dump of database "big" was killed by SIGKILL mid-stream (check the job\'s memory limit and what stopped the process; the set was rolled back)');
        expect(r.events.some((e) => e.event === "set.committed")).toBe(false);
        expect(filesUnder(dir)).toEqual([]);
        expect(await s3Keys(s3, "killed/")).toEqual([]);
        await expectNoSet(`file://${dir}`);
        await expectNoSet("s3://jobs/killed");
    } finally {
        removeDir(dir);
    }
});

describe.each([
    ["s3 multipart", "s3://jobs/interrupted", async () => s3Keys(s3, "interrupted/")],
    ["block blob", "azblob://devstoreaccount1/backups/interrupted", async () => (await blobNames(azurite, "backups")).filter((n) => n.startsWith("interrupted/"))],
])("interrupted upload (%s)", (_name, target, keys) => {
    const azure = target.startsWith("azblob:");
    /** The job's environment through a proxy in front of the store, which sees every request. */
    async function throughProxy(): Promise<{ proxy: Proxy; env: NodeJS.ProcessEnv }> {
        const proxy = await startProxy(azure ? azurite.port : s3.port);
        const e = azure ? { ...env, AZURE_STORAGE_CONNECTION_STRING: viaPort(azurite.connectionString, proxy.port) } : { ...env, AWS_ENDPOINT_URL: `http://127.0.0.1:${proxy.port}` };
        return { proxy, env: e };
    }
    // the first block / part on its way: the upload is under way and cannot have committed yet
    const firstChunk = azure ? /blockid=/ : /partNumber=/;

    test("SIGTERM mid-upload rolls the set back: exit 1, nothing stored, nothing listed", async () => {
        const { proxy, env: through } = await throughProxy();
        const run = startCli(["backup", "--databases", "big", "--target", target], through);
        await proxy.waitFor(firstChunk, 1);
        run.child.kill("SIGTERM");
        const r = await run.done;
        await proxy.close();
        expect(r.code).toBe(1);
        expect(r.stderr).toContain("SIGTERM received, stopping and rolling back");
        expect(r.stderr).toContain("lifeboat: error: backup interrupted by a signal");
        expect(r.events.find((e) => e.event === "backup.failed")).toMatchObject({ code: "interrupted" });
        expect(r.events.find((e) => e.event === "set.rolled_back")).toBeDefined();
        expect(await keys()).toEqual([]);
        await expectNoSet(target);
    });

    test("SIGTERM while the store commits the dump (its answer never arrives): the rollback still deletes the object", async () => {
        const { proxy, env: through } = await throughProxy();
        // the store commits the object, the job never hears of it: then the signal
        const committed = proxy.withhold(azure ? /^PUT .*comp=blocklist/ : /^POST .*uploadId=/);
        const run = startCli(["backup", "--databases", "big", "--target", target], through);
        await committed;
        expect((await keys()).filter((k) => k.endsWith(DUMP_EXT))).toHaveLength(1);
        run.child.kill("SIGTERM");
        const r = await run.done;
        await proxy.close();
        expect(r.code).toBe(1);
        expect(r.events.find((e) => e.event === "backup.failed")).toMatchObject({ code: "interrupted" });
        expect(r.events.find((e) => e.event === "set.rolled_back")).toMatchObject({ deleted: 1 });
        expect(await keys()).toEqual([]);
        await expectNoSet(target);
    });

    test("SIGKILL mid-upload leaves no manifest and no set; the next backup succeeds", async () => {
        const { proxy, env: through } = await throughProxy();
        const run = startCli(["backup", "--databases", "big", "--target", target], through);
        await proxy.waitFor(firstChunk, 1);
        run.child.kill("SIGKILL");
        const r = await run.done;
        await proxy.close();
        expect(r.signal).toBe("SIGKILL");
        expect(r.events.some((e) => e.event === "set.committed")).toBe(false);
        // the staged blocks / multipart parts are never committed into an object
        expect((await keys()).filter((k) => k.endsWith("manifest.json"))).toEqual([]);
        expect(await keys()).toEqual([]);
        await expectNoSet(target);
        const again = await cli(["backup", "--databases", "audit", "--target", target], env);
        expect(again.code).toBe(0);
        const l = sets(await cli(["list", "--target", target, "--json"], env));
        expect(l).toHaveLength(1);
        expect((l[0].databases as Array<{ name: string }>).map((d) => d.name)).toEqual(["audit"]);
    });
});
