/**
 * The streamed restore (scripts/streamLoad.ts) of the zstd codec's `-Z0` archive, on real
 * PostgreSQL: a table big enough to be cut across lanes, more small tables than one batch holds,
 * large objects and sequences; the restored database equals the source. And the proof comes
 * before the swap: an archive that decodes fine but is not the one the manifest names (a row
 * changed, or the end cut off) loads into the scratch database, is refused with the checksum
 * mismatch, and nothing is left: no scratch database, no target.
 */
import { execFileSync, spawnSync } from "child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { pgBin } from "../../scripts/pg";
import { cleanEnv, cli, Cluster, digestDatabase, query, removeDir, startCli, startCluster, tempDir } from "./helpers";

const major = Number(/\)\s+(\d+)/.exec(spawnSync(pgBin("pg_dump"), ["--version"], { encoding: "utf8" }).stdout)?.[1]);
// pg_dump 16+ stores its own zstd archive: nothing to stream
const streamed = major < 16 ? test : test.skip;

let pg: Cluster;
let dir: string;
let env: NodeJS.ProcessEnv;
let target: string;
let stored: string;

beforeAll(async () => {
    pg = await startCluster();
    env = cleanEnv(pg.env());
    pg.psql('CREATE DATABASE wide; CREATE DATABASE "wide copy"');
    const small = Array.from({ length: 300 }, (_, i) => `CREATE TABLE s.t${i} (id int PRIMARY KEY, v text); INSERT INTO s.t${i} SELECT g, 'row ' || g || ' of t${i}' FROM generate_series(1, ${1 + (i % 7)}) g;`).join("\n");
    pg.psql(
        `CREATE SCHEMA s;
         CREATE TABLE big (id bigint PRIMARY KEY, payload text NOT NULL, n numeric, note text);
         -- about 40 MB of rows: more than the 16 MiB past which a block is cut across lanes
         INSERT INTO big SELECT g, repeat(md5(g::text), 4), g * 1.5, CASE WHEN g % 97 = 0 THEN E'tab\\there, newline\\nhere, backslash \\\\ and ünïcødé' END FROM generate_series(1, 250000) g;
         CREATE INDEX big_payload ON big (payload);
         CREATE TABLE child (id int PRIMARY KEY, big_id bigint REFERENCES big (id));
         INSERT INTO child SELECT g, g * 3 FROM generate_series(1, 1000) g;
         CREATE SEQUENCE counter START 41; SELECT nextval('counter'), nextval('counter');
         SELECT lo_from_bytea(0, decode(repeat('ab', 50000), 'hex')) FROM generate_series(1, 3);
         ${small}`,
        "wide",
    );
    dir = tempDir("stream");
    mkdirSync(path.join(dir, "store"));
    target = `file://${path.join(dir, "store")}`;
    const b = await cli(["backup", "--databases", "wide", "--target", target], env);
    expect(b.code).toBe(0);
    const tier = readdirSync(path.join(dir, "store"))[0];
    const set = readdirSync(path.join(dir, "store", tier))[0];
    stored = path.join(dir, "store", tier, set, "wide.dump.zst");
}, 180000);

afterAll(async () => {
    await pg?.stop();
    if (dir !== undefined) removeDir(dir);
});

const restore = (into: string, t = target): ReturnType<typeof cli> => cli(["restore", "--target", t, "--database", "wide", "--into", pg.url(into), "--jobs=2", "--no-key-check"], env);

async function leftovers(prefix: string): Promise<unknown[]> {
    return query(pg.url(), "SELECT datname FROM pg_database WHERE datname LIKE $1", [`${prefix}%`]);
}

streamed("a big table cut across lanes, 300 small tables in batches, large objects and a sequence: the restored database equals the source", async () => {
    const r = await restore("wide_back");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const downloaded = r.events.find((e) => e.event === "download.done") as Record<string, number | boolean>;
    expect(downloaded).toMatchObject({ streamed: true, split: 1 });
    // big, child, 300 small tables and the large objects' block
    expect(downloaded.blocks).toBe(303);
    // two lanes for the big table, and more than one batch for the small ones
    expect(downloaded.lanes).toBeGreaterThanOrEqual(4);
    expect(await digestDatabase(pg.url("wide_back"))).toEqual(await digestDatabase(pg.url("wide")));
    expect(await query(pg.url("wide_back"), "SELECT last_value::int AS v FROM counter")).toEqual([{ v: 42 }]);
    expect(await query(pg.url("wide_back"), "SELECT count(*)::int AS n FROM pg_largeobject_metadata")).toEqual([{ n: 3 }]);
    // indexes and the foreign key came after the data
    const idx = await query(pg.url("wide_back"), "SELECT indexname FROM pg_indexes WHERE tablename = 'big' ORDER BY 1");
    expect(idx).toEqual([{ indexname: "big_payload" }, { indexname: "big_pkey" }]);
    expect(await query(pg.url("wide_back"), "SELECT conname FROM pg_constraint WHERE contype = 'f'")).toEqual([{ conname: "child_big_id_fkey" }]);
    const checked = r.events.find((e) => e.event === "restore.checked") as Record<string, number>;
    const rows = await query<{ n: number }>(pg.url("wide"), "SELECT (SELECT count(*) FROM big) + (SELECT count(*) FROM child) + " + Array.from({ length: 300 }, (_, i) => `(SELECT count(*) FROM s.t${i})`).join(" + ") + " AS n");
    expect(checked.rows).toBe(Number(rows[0].n));
}, 120000);

streamed("the decompressed archive is freed once every block is in and proven: before the swap only the head is left", async () => {
    const tmp = tempDir("stream-tmp");
    const run = startCli(["restore", "--target", target, "--database", "wide", "--into", pg.url("freed_into"), "--jobs=2", "--no-key-check"], { ...env, LIFEBOAT_TMPDIR: tmp, LIFEBOAT_TEST_HOLD_AT: "restore.swap" });
    try {
        await run.waitFor("test.hold");
        // post-data and the check are through; the swap waits: the restore's own folder holds the head, not the archive
        const [own] = readdirSync(tmp).filter((d) => d.startsWith("lifeboat-restore-"));
        const left = readdirSync(path.join(tmp, own));
        expect(left).toContain("head.dump");
        expect(left).not.toContain("archive.dump");
        run.child.kill("SIGTERM");
        expect((await run.done).code).toBe(1);
        expect(await leftovers("freed_into")).toEqual([]);
    } finally {
        run.child.kill("SIGKILL");
        removeDir(tmp);
    }
}, 120000);

streamed("the manifest records the proof of the archive's header and TOC; a changed TOC is refused before any statement runs", async () => {
    const manifest = JSON.parse(readFileSync(path.join(path.dirname(stored), "manifest.json"), "utf8"));
    const entry = manifest.databases[0];
    expect(entry.head).toEqual({ bytes: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const t = replaced("toc", (archive) => {
        // the index definition, a statement of the TOC: same length, another column
        const at = archive.indexOf(Buffer.from("USING btree (payload)"));
        expect(at).toBeGreaterThan(0);
        expect(at).toBeLessThan(entry.head.bytes);
        const out = Buffer.from(archive);
        out.write("USING btree (note)   ", at);
        return out;
    });
    const r = await restore("toc_into", t);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/checksum mismatch for the header and table of contents of .*wide\.dump\.zst.*nothing was restored/);
    // no scratch database was made: not one statement of the changed TOC reached the server
    expect(r.events.some((e) => e.event === "restore.scratch")).toBe(false);
    expect(await leftovers("toc_into")).toEqual([]);
}, 120000);

streamed("a set made before the head proof was recorded is proven whole first, then restored with pg_restore --jobs", async () => {
    const copy = path.join(dir, "old");
    execFileSync("cp", ["-a", path.join(dir, "store"), copy]);
    const mpath = path.join(path.dirname(stored.replace(path.join(dir, "store"), copy)), "manifest.json");
    const manifest = JSON.parse(readFileSync(mpath, "utf8"));
    delete manifest.databases[0].head;
    writeFileSync(mpath, JSON.stringify(manifest));
    const r = await restore("old_into", `file://${copy}`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const downloaded = r.events.find((e) => e.event === "download.done") as Record<string, unknown>;
    expect(downloaded.streamed).toBeUndefined();
    expect(downloaded.offsets).toBeGreaterThan(0);
    expect(await digestDatabase(pg.url("old_into"))).toEqual(await digestDatabase(pg.url("wide")));
}, 120000);

/** The stored frame replaced by `edit` of its decompressed archive, compressed again: zstd decodes it, its checksum is not the manifest's. */
function replaced(name: string, edit: (archive: Buffer) => Buffer): string {
    const copy = path.join(dir, name);
    execFileSync("cp", ["-a", path.join(dir, "store"), copy]);
    const file = stored.replace(path.join(dir, "store"), copy);
    const archive = execFileSync("zstd", ["-d", "-c", "-q", file], { maxBuffer: 1 << 30 });
    writeFileSync(file, execFileSync("zstd", ["-3", "-c", "-q"], { input: edit(archive), maxBuffer: 1 << 30 }));
    return `file://${copy}`;
}

streamed("a row changed in the big table's rows: loaded, refused by the checksum before the swap, nothing left", async () => {
    const t = replaced("changed", (archive) => {
        // a row is one chunk: its length field's last byte (0), then the row's text
        const at = archive.indexOf(Buffer.concat([Buffer.from([0]), Buffer.from("200000\t")]));
        expect(at).toBeGreaterThan(0);
        const out = Buffer.from(archive);
        out[at + 1] = "9".charCodeAt(0); // id 200000 becomes 900000: a valid row, unique, and wrong
        return out;
    });
    const r = await restore("changed_into", t);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/checksum mismatch for .*wide\.dump\.zst.*nothing was restored/);
    expect(r.events.some((e) => e.event === "restore.scratch")).toBe(true);
    expect(await leftovers("changed_into")).toEqual([]);
}, 120000);

streamed("the archive cut off inside the big table's block: refused by the checksum, nothing left", async () => {
    const t = replaced("cut", (archive) => archive.subarray(0, Math.floor(archive.length * 0.6)));
    const r = await restore("cut_into", t);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("checksum mismatch for");
    expect(await leftovers("cut_into")).toEqual([]);
    // the source is untouched and the next restore of the good set works
    expect((await restore("wide copy")).code).toBe(0);
}, 120000);
