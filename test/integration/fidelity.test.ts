/**
 * Restore fidelity: the corpus (test/fidelity/corpus.sql, every kind of object pg_dump writes,
 * names that break naive parsers) backed up to file, azblob and s3 at once, restored from each
 * into another cluster and compared with the original by the fidelity checker; verify ok; a
 * cluster lacking one role refused with every item that would be dropped; an empty target closed
 * to writes until the swap; partial recovery and the runbook's copy-back recipe.
 */
import { spawnSync } from "child_process";
import { cpSync, readdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { fidelity, Fidelity } from "./fidelityCheck";
import { cleanEnv, cli, Cluster, createContainer, query, removeDir, ROOT, s3Env, Servers, startCli, startCluster, startServers, tempDir } from "./helpers";

const CORPUS = readFileSync(path.join(ROOT, "test", "fidelity", "corpus.sql"), "utf8");
const ROLES = readFileSync(path.join(ROOT, "test", "fidelity", "roles.sql"), "utf8");
const BLOB = "azblob://devstoreaccount1/fidelity";
const S3URL = "s3://fidelity/sets";
const FP = "sha256:0f1de1170f1de117";

let servers: Servers | undefined;
let source: Cluster;
let dest: Cluster | undefined;
let dir: string;
let env: NodeJS.ProcessEnv;
let destEnv: NodeJS.ProcessEnv;
let original: Fidelity;
let setId: string;

beforeAll(async () => {
    const [s, d] = await Promise.allSettled([startServers("fidelity"), startCluster()]);
    if (s.status === "fulfilled") servers = s.value;
    if (d.status === "fulfilled") dest = d.value;
    if (s.status === "rejected" || d.status === "rejected") {
        throw s.status === "rejected" ? s.reason : (d as PromiseRejectedResult).reason;
    }
    source = servers!.pg;
    const other = dest as Cluster;
    for (const pg of [source, other]) {
        pg.psql(ROLES);
    }
    source.psql("CREATE DATABASE corpus OWNER corpus_owner");
    source.psql(CORPUS, "corpus");
    await createContainer(servers!.azurite, "fidelity");
    dir = tempDir("fidelity");
    const stores = { ...s3Env(servers!.s3), AZURE_STORAGE_CONNECTION_STRING: servers!.azurite.connectionString };
    // the set records the key's fingerprint and every restore checks it (no warning on stderr)
    env = cleanEnv({ ...source.env(), ...stores, LIFEBOAT_KEY_FINGERPRINT: FP });
    destEnv = cleanEnv({ ...other.env(), ...stores, LIFEBOAT_KEY_FINGERPRINT: FP });
    original = await fidelity(source, "corpus");
});

afterAll(async () => {
    await Promise.all([servers?.stop(), dest?.stop()]);
    if (dir !== undefined) removeDir(dir);
});

function manifestPath(root: string): string {
    const tier = readdirSync(root)[0];
    return path.join(root, tier, setId, "manifest.json");
}

test("the corpus really has what the checker compares", () => {
    expect(Object.keys(original.rows).length).toBeGreaterThan(25);
    expect(original.rows['"app"."payment_2022_eu"']).toMatchObject({ n: 486 });
    expect(original.rows['"app"."not_populated"']).toBe("not populated");
    expect(original.largeObjects).toHaveLength(3);
    expect(original.rls.length).toBeGreaterThan(3);
    expect(original.database).toMatchObject({ owner: "corpus_owner", datconnlimit: 40 });
    expect(original.database.settings).toHaveLength(3);
    expect(original.schema).toContain("ATTACH PARTITION");
    expect(original.schema).toContain("REVOKE CONNECT,TEMPORARY ON DATABASE corpus FROM PUBLIC;");
});

test("backup writes one set to file, azblob and s3, the manifest listing every table of the source catalog, partitions included", async () => {
    const r = await cli(["backup", "--databases", "corpus", "--target", `file://${dir}`, "--target", BLOB, "--target", S3URL], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    setId = String(r.events.find((e) => e.event === "set.committed")?.set);
    const entry = JSON.parse(readFileSync(manifestPath(dir), "utf8")).databases[0];
    const names = (entry.tableList as Array<{ schema: string; name: string }>).map((t) => `${t.schema}.${t.name}`);
    expect(names).toEqual(expect.arrayContaining(['Sales Data.Orders "2024"', "Sales Data.ledger 2026", "app.payment_2022_other", "public.TABLE ATTACH", "public.t_team", "Ünïcødé.Tëst tàble ☃", "a.b.x.y", "user.select"]));
    const tables = await query<{ n: number }>(source.url("corpus"), "SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE relkind IN ('r','p') AND nspname NOT IN ('pg_catalog','information_schema')");
    expect(entry.tableList).toHaveLength(tables[0].n);
    expect(entry.tables).toBe(tables[0].n);
    expect(entry.verified).toBe(true);
});

test.each([
    ["file", () => `file://${dir}`],
    ["azblob", () => BLOB],
    ["s3", () => S3URL],
])("restore from %s into another cluster brings the corpus back identical", async (_name, url) => {
    const other = dest as Cluster;
    const r = await cli(["restore", "--target", url(), "--set", setId, "--database", "corpus", "--into", other.url("corpus")], destEnv);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.events.find((e) => e.event === "restore.done")).toMatchObject({ savedAs: null, missingRoles: [], dropped: 0, largeObjects: 3 });
    const restored = await fidelity(other, "corpus");
    expect(restored.schema).toBe(original.schema);
    expect(restored).toEqual(original);
    other.psql("DROP DATABASE corpus");
});

test("verify reports ok", async () => {
    const r = await cli(["verify", "--target", S3URL, "--set", setId, "--scratch", (dest as Cluster).url()], destEnv);
    expect(r.code).toBe(0);
    const report = r.events.find((e) => e.event === "verify.report") as Record<string, unknown>;
    expect(report.ok).toBe(true);
    expect((report.databases as Array<Record<string, unknown>>)[0]).toMatchObject({ name: "corpus", ok: true, missingRoles: [], dropped: 0 });
});

test("a set whose manifest has no table list (made before it was recorded) still restores and verifies: the TOC is read without splitting names", async () => {
    const old = tempDir("fidelity-old");
    try {
        cpSync(dir, old, { recursive: true });
        const m = JSON.parse(readFileSync(manifestPath(old), "utf8"));
        delete m.databases[0].tableList;
        writeFileSync(manifestPath(old), JSON.stringify(m));
        const r = await cli(["verify", "--target", `file://${old}`, "--scratch", (dest as Cluster).url()], destEnv);
        expect(r.code).toBe(0);
        expect((r.events.find((e) => e.event === "verify.report") as Record<string, unknown>).ok).toBe(true);
    } finally {
        removeDir(old);
    }
});

test("an empty target is closed to connections while the restore runs: a write meanwhile is refused, never lost", async () => {
    const other = dest as Cluster;
    other.psql("CREATE DATABASE landing");
    const run = startCli(["restore", "--target", `file://${dir}`, "--set", setId, "--database", "corpus", "--into", other.url("landing")], destEnv);
    await run.waitFor("restore.target_closed");
    run.child.kill("SIGSTOP");
    try {
        const state = await query<{ datallowconn: boolean }>(other.url(), "SELECT datallowconn FROM pg_database WHERE datname = 'landing'");
        expect(state).toEqual([{ datallowconn: false }]);
        await expect(query(other.url("landing"), "CREATE TABLE written_meanwhile (v int); INSERT INTO written_meanwhile SELECT generate_series(1, 500)")).rejects.toThrow(/not currently accepting connections/);
    } finally {
        run.child.kill("SIGCONT");
    }
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(r.events.find((e) => e.event === "restore.done")).toMatchObject({ into: "landing", savedAs: null });
    expect(await query(other.url(), "SELECT datallowconn FROM pg_database WHERE datname = 'landing'")).toEqual([{ datallowconn: true }]);
    expect(await query<{ n: number }>(other.url("landing"), "SELECT count(*)::int AS n FROM app.person")).toEqual([{ n: 1201 }]);
    other.psql("DROP DATABASE landing");
});

test("a cluster lacking one role: restore refuses, listing every item that would be dropped and the CREATE ROLE that avoids it", async () => {
    const other = dest as Cluster;
    other.psql("DROP ROLE reader");
    try {
        const r = await cli(["restore", "--target", `file://${dir}`, "--set", setId, "--database", "corpus", "--into", other.url("corpus")], destEnv);
        expect(r.code).toBe(3);
        const err = r.stderr;
        expect(err).toContain(`refusing: restoring "corpus" on 127.0.0.1:${other.port} would drop`);
        expect(err).toContain("role(s) reader do not exist there");
        for (const item of [
            "policy (reader): CREATE POLICY doc_read ON app.doc FOR SELECT TO reader",
            "grant (reader): GRANT SELECT ON TABLE app.doc TO reader",
            "grant (reader): GRANT SELECT(id) ON TABLE app.person TO reader",
            "grant (reader): GRANT USAGE ON SCHEMA app TO reader",
            "grant (reader): GRANT SELECT ON LARGE OBJECT 424242 TO reader",
            "default privileges (reader): ALTER DEFAULT PRIVILEGES FOR ROLE corpus_owner IN SCHEMA app GRANT SELECT ON TABLES TO reader",
            "grant (reader): GRANT CONNECT ON DATABASE corpus TO reader",
            "database setting (reader): ALTER ROLE reader IN DATABASE corpus SET work_mem TO '8MB'",
            "user mapping (reader): CREATE USER MAPPING FOR reader SERVER elsewhere",
            '  CREATE ROLE "reader";',
        ]) {
            expect(err).toContain(item);
        }
        const listed = r.events.find((e) => e.event === "restore.missing_roles") as Record<string, unknown>;
        const dropped = listed.dropped as Array<{ use: string }>;
        expect(new Set(dropped.map((d) => d.use))).toEqual(new Set(["policy", "grant", "default privileges", "database setting", "user mapping"]));
        expect(err.trim().split("\n").pop()).toMatch(new RegExp(`^lifeboat: error: restore of "corpus" would drop the ${dropped.length} item\\(s\\) listed above because role\\(s\\) reader do not exist`));
        expect(await query(other.url(), "SELECT datname FROM pg_database WHERE datname LIKE 'corpus%'")).toEqual([]);

        const allowed = await cli(["restore", "--target", `file://${dir}`, "--set", setId, "--database", "corpus", "--into", other.url("corpus"), "--allow-missing-roles"], destEnv);
        expect(allowed.code).toBe(0);
        expect(allowed.stderr).toContain("warning: restored \"corpus\"");
        expect(allowed.events.find((e) => e.event === "restore.done")).toMatchObject({ missingRoles: ["reader"], dropped: dropped.length });
        const policies = await query(other.url("corpus"), "SELECT policyname FROM pg_policies ORDER BY 1");
        expect(policies).toEqual([{ policyname: "doc_owner" }, { policyname: "doc_write" }]);
        other.psql("DROP DATABASE corpus");
    } finally {
        other.psql("CREATE ROLE reader");
    }
});

test("partial recovery: --table and --schema restore only those tables' rows (partitions with their parent) into a new database only", async () => {
    const args = ["restore", "--target", `file://${dir}`, "--set", setId, "--database", "corpus", "--into", source.url("recovery")];
    const r = await cli([...args, "--table", "app.person", "--table", '"Sales Data"."Orders ""2024"""', "--table", "app.payment", "--schema", '"a.b"'], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const done = r.events.find((e) => e.event === "restore.done") as Record<string, unknown>;
    expect(done.partial).toEqual(expect.arrayContaining(["app.person", '"Sales Data"."Orders ""2024"""', "app.payment_2022_eu", '"a.b"."x.y"']));
    const counts = await query<{ person: number; orders: number; payment: number; xy: number; doc: number }>(
        source.url("recovery"),
        `SELECT (SELECT count(*)::int FROM app.person) AS person, (SELECT count(*)::int FROM "Sales Data"."Orders ""2024""") AS orders,
                (SELECT count(*)::int FROM app.payment) AS payment, (SELECT count(*)::int FROM "a.b"."x.y") AS xy, (SELECT count(*)::int FROM app.doc) AS doc`,
    );
    expect(counts).toEqual([{ person: 1201, orders: 250, payment: 3000, xy: 2, doc: 0 }]);

    const exists = await cli([...args, "--table", "app.person"], env);
    expect(exists.code).toBe(3);
    expect(exists.stderr).toContain('database "recovery" already exists');
    const forced = await cli([...args, "--table", "app.person", "--force"], env);
    expect(forced.code).toBe(2);
    const unknown = await cli(["restore", "--target", `file://${dir}`, "--database", "corpus", "--into", source.url("recovery2"), "--table", "app.nope"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('the archive of "corpus" has no app.nope');
    const bare = await cli(["restore", "--target", `file://${dir}`, "--database", "corpus", "--into", source.url("recovery2"), "--table", "person"], env);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("--table person is not schema.table");
});

test("the runbook's copy-back recipe puts deleted rows back, generated columns recomputed", async () => {
    const runbook = readFileSync(path.join(ROOT, "docs", "RUNBOOK.md"), "utf8");
    const recipe = /<!-- copy-back recipe -->\s*```sh\n([\s\S]*?)```/.exec(runbook)?.[1];
    expect(recipe).toBeDefined();
    const live = source.url("corpus");
    const before = (await fidelity(source, "corpus")).rows['"app"."person"'];
    // a staff member deletes client records by mistake
    await query(live, "DELETE FROM app.person WHERE mood = 'sad'");
    expect((await fidelity(source, "corpus")).rows['"app"."person"']).not.toEqual(before);
    // the recovery database of the previous test holds app.person as the set has it
    const r = spawnSync("bash", ["-euo", "pipefail", "-c", recipe as string], {
        encoding: "utf8",
        env: { ...cleanEnv(), LIVE: live, RECOVERY: source.url("recovery"), TABLE: "app.person", WHERE: "mood = 'sad'" },
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect((await fidelity(source, "corpus")).rows['"app"."person"']).toEqual(before);
});
