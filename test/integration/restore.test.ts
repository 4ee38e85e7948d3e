/**
 * backup, list, restore, verify, freshness and fingerprint against a real PostgreSQL cluster,
 * through the file target: both databases in one set, odd database names, large objects,
 * owners and grants (the append-only audit table), restore into a database with data.
 */
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { fingerprintKey } from "../../scripts/fingerprint";
import { cleanEnv, cli, Cluster, query, removeDir, seedReferenceApp, sets, startCluster, tempDir } from "./helpers";

const FP = "sha256:00112233aabbccdd";
let pg: Cluster;
let store: string;
let target: string;
let env: NodeJS.ProcessEnv;
let setId: string;

beforeAll(async () => {
    pg = await startCluster();
    seedReferenceApp(pg, 3000);
    store = tempDir("file-target");
    target = `file://${store}`;
    env = cleanEnv({ ...pg.env(), LIFEBOAT_KEY_FINGERPRINT: FP });
    const r = await cli(["backup", "--databases", "main,audit", "--target", target], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    setId = String(r.events.find((e) => e.event === "set.committed")?.set);
});

afterAll(async () => {
    await pg?.stop();
    if (store !== undefined) removeDir(store);
});

test("one set holds both databases, with a manifest written last and events on stdout", async () => {
    const manifestPath = path.join(store, readdirTier(), setId, "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    expect(manifest.format).toBe("lifeboat.manifest/1");
    expect(manifest.set.keyFingerprint).toBe(FP);
    expect(manifest.set.id).toBe(setId);
    expect(manifest.databases.map((d: { name: string }) => d.name).sort()).toEqual(["audit", "main"]);
    for (const d of manifest.databases) {
        const bytes = readFileSync(path.join(store, d.key));
        expect(bytes.length).toBe(d.size);
        expect(require("crypto").createHash("sha256").update(bytes).digest("hex")).toBe(d.sha256);
        // a custom archive, or a zstd frame (magic 28 b5 2f fd) of one with the default codec before pg_dump 16
        const archive = d.codec === "zstd" ? require("child_process").execFileSync("zstd", ["-d", "-c", "-q"], { input: bytes, maxBuffer: 1 << 30 }) : bytes;
        expect(d.codec === "zstd" ? bytes.subarray(0, 4).toString("hex") : "28b52ffd").toBe("28b52ffd");
        expect(archive.subarray(0, 5).toString()).toBe("PGDMP");
        expect(d.serverVersion).toMatch(/^\d+/);
        expect(d.verified).toBe(true);
    }
    const r = await cli(["list", "--target", target, "--json"], env);
    expect(r.code).toBe(0);
    const listed = sets(r);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ set: setId, keyFingerprint: FP, verified: true });
    const table = await cli(["list", "--target", target], env);
    expect(table.stdout).toContain(setId);
    expect(table.stdout).toMatch(/ main +[\d.]+ (B|KiB|MiB) +yes/);
    expect(table.stdout).toMatch(/ audit +[\d.]+ (B|KiB|MiB) +yes/);
});

function readdirTier(): string {
    return require("fs").readdirSync(store)[0] as string;
}

test("restore refuses a non-empty database without --force and leaves it untouched", async () => {
    const before = await query(pg.url("main"), "SELECT count(*)::int AS n FROM cases");
    const r = await cli(["restore", "--target", target, "--set", setId, "--database", "main", "--into", pg.url("main")], env);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/database "main" on 127\.0\.0\.1:\d+ is not empty .*refusing to overwrite it \(check --force/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(await query(pg.url("main"), "SELECT count(*)::int AS n FROM cases")).toEqual(before);
    const dbs = await query<{ datname: string }>(pg.url(), "SELECT datname FROM pg_database WHERE datname LIKE '%lifeboat%'");
    expect(dbs).toEqual([]);
});

test("restore --force swaps the backup in and keeps the old database as a dated safety copy", async () => {
    await query(pg.url("main"), "INSERT INTO cases VALUES (999999, 'written after the backup', 'x', now())");
    const r = await cli(["restore", "--target", target, "--set", "latest", "--database", "main", "--into", pg.url("main"), "--force"], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const done = r.events.find((e) => e.event === "restore.done") as Record<string, unknown>;
    expect(done.savedAs).toMatch(/^main__lifeboat_saved_\d{14}$/);
    expect(done.tables).toBe(2);
    expect(done.largeObjects).toBe(1);
    const restored = await query<{ n: number }>(pg.url("main"), "SELECT count(*)::int AS n FROM cases WHERE id = 999999");
    expect(restored[0].n).toBe(0);
    const saved = await query<{ n: number }>(pg.url(String(done.savedAs)), "SELECT count(*)::int AS n FROM cases WHERE id = 999999");
    expect(saved[0].n).toBe(1);
    const lo = await query<{ t: string }>(pg.url("main"), "SELECT convert_from(lo_get(blob), 'UTF8') AS t FROM documents WHERE id = 1");
    expect(lo[0].t).toBe("scanned consent form");
    const rows = await query<{ n: number; enc: string }>(pg.url("main"), "SELECT count(*)::int AS n, min(ssn_encrypted) AS enc FROM cases");
    expect(rows[0].n).toBe(3000);
    expect(rows[0].enc.startsWith("gAAAAAB")).toBe(true);
    await query(pg.url(), `DROP DATABASE "${String(done.savedAs)}"`);
});

test("the restored audit table stays append-only for the app role, owned by its owner", async () => {
    const r = await cli(["restore", "--target", target, "--database", "audit", "--into", pg.url("audit_restored")], env);
    expect(r.code).toBe(0);
    const owner = await query<{ o: string }>(pg.url("audit_restored"), "SELECT tableowner AS o FROM pg_tables WHERE tablename = 'audit_log'");
    expect(owner[0].o).toBe("audit_owner");
    const dbOwner = await query<{ o: string }>(pg.url(), "SELECT pg_get_userbyid(datdba) AS o FROM pg_database WHERE datname = 'audit_restored'");
    expect(dbOwner[0].o).toBe("audit_owner");
    const app = pg.url("audit_restored", "app", "app-password");
    await query(app, "INSERT INTO audit_log (actor, action) VALUES ('app', 'restored')");
    await expect(query(app, "UPDATE audit_log SET action = 'tampered'")).rejects.toThrow(/permission denied/);
    await expect(query(app, "DELETE FROM audit_log")).rejects.toThrow(/permission denied/);
    const n = await query<{ n: number }>(pg.url("audit_restored"), "SELECT count(*)::int AS n FROM audit_log");
    expect(n[0].n).toBe(1501);
});

test("verify restores every database into scratch databases, reports tables, rows and the RTO, and drops them", async () => {
    const r = await cli(["verify", "--target", target, "--set", "latest", "--scratch", pg.url()], env);
    expect(r.code).toBe(0);
    const report = r.events[r.events.length - 1];
    expect(report.event).toBe("verify.report");
    expect(report.set).toBe(setId);
    expect(report.ok).toBe(true);
    expect(report.totalSeconds).toBeGreaterThan(0);
    const dbs = report.databases as Array<Record<string, unknown>>;
    expect(dbs.find((d) => d.name === "main")).toMatchObject({ tables: 2, rows: 3001, ok: true });
    expect(dbs.find((d) => d.name === "audit")).toMatchObject({ tables: 1, rows: 1500, ok: true });
    const left = await query(pg.url(), "SELECT datname FROM pg_database WHERE datname LIKE 'lifeboat_verify%'");
    expect(left).toEqual([]);
    // the run's report is stored in the target, for `lifeboat report`'s restore-test history
    const recorded = r.events.find((e) => e.event === "verify.recorded") as Record<string, unknown>;
    expect(String(recorded.key)).toMatch(new RegExp(`^verifications/\\d{8}T\\d{6}Z(-[0-9a-f]{8})?-${setId}\\.json$`));
    const stored = JSON.parse(readFileSync(path.join(store, String(recorded.key)), "utf8"));
    expect(stored).toMatchObject({ format: "lifeboat.verification/1", set: setId, ok: true, totalSeconds: report.totalSeconds });
});

test("restore refuses a set made under another key, before touching any database", async () => {
    const r = await cli(["restore", "--target", target, "--database", "main", "--into", pg.url("fp_check")], { ...env, LIFEBOAT_KEY_FINGERPRINT: "sha256:ffffffffffffffff" });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`key fingerprint mismatch: set ${setId} was made under key ${FP}`);
    expect(r.stderr).toContain(`this set needs the key whose fingerprint is ${FP}; docs/RUNBOOK.md, "Which key a set needs", tells how to find that version`);
    expect(await query(pg.url(), "SELECT 1 FROM pg_database WHERE datname LIKE 'fp_check%'")).toEqual([]);
});

test("restore refuses a corrupted archive (checksum mismatch): nothing swapped in, no scratch database left", async () => {
    const copy = tempDir("corrupt");
    try {
        require("fs").cpSync(store, copy, { recursive: true });
        const manifest = JSON.parse(readFileSync(path.join(copy, readdirTier(), setId, "manifest.json"), "utf8"));
        const entry = manifest.databases.find((d: { name: string }) => d.name === "main");
        const file = path.join(copy, entry.key);
        const bytes = readFileSync(file);
        bytes[bytes.length - 100] ^= 0xff;
        writeFileSync(file, bytes);
        const r = await cli(["restore", "--target", `file://${copy}`, "--database", "main", "--into", pg.url("corrupt_check")], env);
        expect(r.code).toBe(3);
        expect(r.stderr).toMatch(/checksum mismatch for .*main\.dump.*nothing was restored/);
        expect(await query(pg.url(), "SELECT 1 FROM pg_database WHERE datname LIKE 'corrupt_check%'")).toEqual([]);
    } finally {
        removeDir(copy);
    }
});

test("freshness passes for a new set, fails with its age for an old one, and fails when there is none", async () => {
    const ok = await cli(["freshness", "--target", target, "--max-age", "26h"], env);
    expect(ok.code).toBe(0);
    expect(ok.events[0]).toMatchObject({ event: "freshness.ok", set: setId });

    const old = tempDir("old");
    try {
        require("fs").cpSync(store, old, { recursive: true });
        const mpath = path.join(old, readdirTier(), setId, "manifest.json");
        const m = JSON.parse(readFileSync(mpath, "utf8"));
        m.set.createdAt = new Date(Date.now() - 31 * 3600 * 1000 - 60000).toISOString();
        writeFileSync(mpath, JSON.stringify(m));
        const stale = await cli(["freshness", "--target", `file://${old}`, "--max-age", "26h"], env);
        expect(stale.code).toBe(1);
        expect(stale.stderr).toContain(`newest complete set ${setId} on file://${old} is 31h old (max 26h)`);
        const minutes = await cli(["freshness", "--target", `file://${old}`, "--max-age", "2d"], env);
        expect(minutes.code).toBe(0);
    } finally {
        removeDir(old);
    }
    const empty = tempDir("empty");
    try {
        const none = await cli(["freshness", "--target", `file://${empty}`, "--max-age", "90m"], env);
        expect(none.code).toBe(1);
        expect(none.stderr).toContain("no complete backup set on");
        const bad = await cli(["freshness", "--target", `file://${empty}`, "--max-age", "soon"], env);
        expect(bad.code).toBe(2);
        expect(bad.stderr).toContain("--max-age soon is not a duration");
    } finally {
        removeDir(empty);
    }
});

test("odd database names (spaces, quotes, unicode) round-trip through backup, list and restore", async () => {
    const odd = `we'ird "db" näme 名`;
    pg.psql(`CREATE DATABASE "we'ird ""db"" näme 名";`);
    await query(pg.url(odd), "CREATE TABLE t (v text); INSERT INTO t VALUES ('ü'), ('x')");
    const dir = tempDir("odd");
    try {
        const b = await cli(["backup", "--databases", odd, "--target", `file://${dir}`], env);
        expect(b.code).toBe(0);
        const listed = sets(await cli(["list", "--target", `file://${dir}`, "--json"], env));
        expect((listed[0].databases as Array<{ name: string }>)[0].name).toBe(odd);
        const into = `${odd} restored`;
        const r = await cli(["restore", "--target", `file://${dir}`, "--database", odd, "--into", pg.url(into)], env);
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(await query(pg.url(into), "SELECT v FROM t ORDER BY v")).toEqual([{ v: "x" }, { v: "ü" }]);
    } finally {
        removeDir(dir);
    }
});

test("restore refuses when roles are missing on the new server, naming them and what they would lose; --allow-missing-roles restores anyway", async () => {
    const other = await startCluster();
    try {
        const refused = await cli(["restore", "--target", target, "--database", "audit", "--into", other.url("audit")], cleanEnv({ ...other.env() }));
        expect(refused.code).toBe(3);
        expect(refused.stderr).toContain("role(s) app, audit_owner do not exist");
        expect(refused.stderr).toContain("ownership (audit_owner): ALTER TABLE public.audit_log OWNER TO audit_owner");
        expect(refused.stderr).toContain(`CREATE ROLE "app";\n  CREATE ROLE "audit_owner";`);
        expect(await query(other.url(), "SELECT datname FROM pg_database WHERE datname LIKE 'audit%'")).toEqual([]);
        const r = await cli(["restore", "--target", target, "--database", "audit", "--into", other.url("audit"), "--allow-missing-roles"], cleanEnv({ ...other.env() }));
        expect(r.code).toBe(0);
        expect(r.stderr).toContain("role(s) app, audit_owner do not exist");
        const done = r.events.find((e) => e.event === "restore.done") as Record<string, unknown>;
        expect(done.missingRoles).toEqual(["app", "audit_owner"]);
        const n = await query<{ n: number }>(other.url("audit"), "SELECT count(*)::int AS n FROM audit_log");
        expect(n[0].n).toBe(1500);

        // with the roles created, owners and grants come back: the table is append-only again
        other.psql("CREATE ROLE app LOGIN PASSWORD 'app-password'; CREATE ROLE audit_owner NOLOGIN;");
        const again = await cli(["restore", "--target", target, "--database", "audit", "--into", other.url("audit"), "--force", "--no-key-check"], cleanEnv({ ...other.env() }));
        expect(again.code).toBe(0);
        expect(again.stderr).toBe("");
        const app = other.url("audit", "app", "app-password");
        await query(app, "INSERT INTO audit_log (actor, action) VALUES ('app', 'after dr')");
        await expect(query(app, "UPDATE audit_log SET actor = 'x'")).rejects.toThrow(/permission denied/);
    } finally {
        await other.stop();
    }
});

test("fingerprint prints sha256: and 16 hex characters of the trimmed key, the same as the shared function", async () => {
    const key = "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE=";
    const r = await cli(["fingerprint"], cleanEnv(), `${key}\n`);
    expect(r.code).toBe(0);
    const expected = `sha256:${require("crypto").createHash("sha256").update(key).digest("hex").slice(0, 16)}`;
    expect(r.stdout.trim()).toBe(expected);
    expect(fingerprintKey(key)).toBe(expected);
    expect(r.stdout + r.stderr).not.toContain(key);
    const empty = await cli(["fingerprint"], cleanEnv(), "\n");
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("no key on stdin");
});

test("--version, --help and flag validation", async () => {
    const v = await cli(["--version"], cleanEnv());
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")).version);
    const h = await cli(["backup", "--help"], cleanEnv());
    expect(h.code).toBe(0);
    expect(h.stdout).toContain("--databases");
    expect(h.stdout).toContain("LIFEBOAT_DATABASES");
    const missing = await cli(["restore", "--target", target], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--database");
    const badCompress = await cli(["backup", "--databases", "main", "--target", target, "--compress", "brotli"], env);
    expect(badCompress.code).toBe(2);
    expect(badCompress.stderr).toMatch(/--compress brotli is not supported by pg_dump \d+/);
    const badJobs = await cli(["backup", "--databases", "main", "--target", target, "--jobs", "0"], env);
    expect(badJobs.code).toBe(2);
});

test("list shows sets newest first and never a set marked INCOMPLETE or without a manifest; restore picks an older set by id", async () => {
    const dir = tempDir("many");
    try {
        const first = await cli(["backup", "--databases", "audit", "--target", `file://${dir}`], env);
        expect(first.code).toBe(0);
        const firstId = String(first.events.find((e) => e.event === "set.committed")?.set);
        await query(pg.url("audit"), "SET ROLE audit_owner; INSERT INTO audit_log (actor, action) VALUES ('late', 'after first set')");
        const second = await cli(["backup", "--databases", "audit", "--target", `file://${dir}`], env);
        expect(second.code).toBe(0);
        const secondId = String(second.events.find((e) => e.event === "set.committed")?.set);
        // two runs in one second: the ids share the second and differ in their random part; list
        // orders by createdAt (milliseconds), not by the id's text
        expect(secondId).not.toBe(firstId);
        const tier = require("fs").readdirSync(dir)[0] as string;
        // leftovers of a failed run: objects without a manifest, and a set whose cleanup failed
        require("fs").mkdirSync(path.join(dir, tier, "20000101T000000Z"));
        writeFileSync(path.join(dir, tier, "20000101T000000Z", "audit.dump"), "partial");
        require("fs").cpSync(path.join(dir, tier, firstId), path.join(dir, tier, "20000102T000000Z"), { recursive: true });
        writeFileSync(path.join(dir, tier, "20000102T000000Z", "INCOMPLETE"), "cleanup failed");
        const listed = sets(await cli(["list", "--target", `file://${dir}`, "--json"], env));
        expect(listed.map((s) => s.set)).toEqual([secondId, firstId]);
        const r = await cli(["restore", "--target", `file://${dir}`, "--set", firstId, "--database", "audit", "--into", pg.url("audit_first")], env);
        expect(r.code).toBe(0);
        const n = await query<{ n: number }>(pg.url("audit_first"), "SELECT count(*)::int AS n FROM audit_log WHERE actor = 'late'");
        expect(n[0].n).toBe(0);
        const missing = await cli(["restore", "--target", `file://${dir}`, "--set", "20000102T000000Z", "--database", "audit", "--into", pg.url("audit_x")], env);
        expect(missing.code).toBe(1);
        expect(missing.stderr).toContain("no complete backup set 20000102T000000Z");
    } finally {
        removeDir(dir);
    }
});

test("verify of a corrupted set reports ok: false, exits 1 and leaves no scratch database", async () => {
    const copy = tempDir("verify-corrupt");
    try {
        require("fs").cpSync(store, copy, { recursive: true });
        const manifest = JSON.parse(readFileSync(path.join(copy, readdirTier(), setId, "manifest.json"), "utf8"));
        const entry = manifest.databases.find((d: { name: string }) => d.name === "audit");
        writeFileSync(path.join(copy, entry.key), "PGDMP truncated");
        const r = await cli(["verify", "--target", `file://${copy}`, "--scratch", pg.url()], env);
        expect(r.code).toBe(1);
        const report = r.events.find((e) => e.event === "verify.report") as Record<string, unknown>;
        expect(report.ok).toBe(false);
        const dbs = report.databases as Array<Record<string, unknown>>;
        expect(dbs.find((d) => d.name === "main")).toMatchObject({ ok: true, tables: 2 });
        expect(dbs.find((d) => d.name === "audit")).toMatchObject({ ok: false });
        expect(String(dbs.find((d) => d.name === "audit")?.error)).toContain("checksum mismatch");
        expect(r.stderr).toMatch(/^lifeboat: error: verify of set \S+ failed for audit: checksum mismatch/);
        expect(await query(pg.url(), "SELECT datname FROM pg_database WHERE datname LIKE 'lifeboat_verify%'")).toEqual([]);
    } finally {
        removeDir(copy);
    }
});

test("a set whose manifest is unreadable is skipped with a warning; latest falls back to the newest valid set", async () => {
    const copy = tempDir("bad-manifest");
    try {
        require("fs").cpSync(store, copy, { recursive: true });
        const tier = readdirTier();
        require("fs").cpSync(path.join(copy, tier, setId), path.join(copy, tier, "29991231T000000Z"), { recursive: true });
        writeFileSync(path.join(copy, tier, "29991231T000000Z", "manifest.json"), "{ not json");
        const l = await cli(["list", "--target", `file://${copy}`, "--json"], env);
        expect(l.code).toBe(0);
        expect(l.events.find((e) => e.event === "set.invalid")).toMatchObject({ set: "29991231T000000Z" });
        expect(l.events.filter((e) => e.set !== undefined && e.event === undefined).map((e) => e.set)).toEqual([setId]);
        const r = await cli(["restore", "--target", `file://${copy}`, "--database", "audit", "--into", pg.url("audit_fallback")], env);
        expect(r.code).toBe(0);
        expect(r.events.find((e) => e.event === "restore.done")).toMatchObject({ set: setId });
    } finally {
        removeDir(copy);
    }
});
