/**
 * scripts/dataOffsets.ts: an archive pg_dump wrote into a pipe (the zstd codec's `pg_dump -Z0 |`)
 * has no data offsets; restore writes them into its decompressed copy so pg_restore --jobs seeks
 * to each table's data. Anything it does not patch is left byte for byte as it was.
 */
import { spawnSync } from "child_process";
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { addDataOffsets, dataOffsetStates } from "../../scripts/dataOffsets";
import { pgBin } from "../../scripts/pg";
import { cleanEnv, Cluster, digestDatabase, removeDir, seedReferenceApp, startCluster, tempDir } from "./helpers";

let pg: Cluster;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
    pg = await startCluster();
    seedReferenceApp(pg, 300);
    // large objects are a block of their own (BLK_BLOBS): one per object, each in chunks
    pg.psql("SELECT lo_from_bytea(0, decode(repeat('ab', 300000), 'hex')), lo_from_bytea(0, 'small')", "main");
    dir = tempDir("offsets");
    env = cleanEnv(pg.env());
});

afterAll(async () => {
    await pg?.stop();
    if (dir !== undefined) removeDir(dir);
});

/** pg_dump's custom archive of `main`, written to a pipe (stdout) and saved as `name`. */
function dumpThroughPipe(name: string, compress: string): string {
    const r = spawnSync(pgBin("pg_dump"), ["--format=custom", `--compress=${compress}`, "--no-password", `--dbname=${pg.url("main")}`], { env, maxBuffer: 1 << 30 });
    expect(r.status).toBe(0);
    const file = path.join(dir, name);
    writeFileSync(file, r.stdout);
    return file;
}

test("a -Z0 archive from a pipe gets the offsets of every data entry, and restores with --jobs", async () => {
    const file = dumpThroughPipe("piped.dump", "0");
    const before = await dataOffsetStates(file);
    expect(before?.set).toBe(0);
    expect(before?.notSet).toBeGreaterThan(0);
    const listed = spawnSync(pgBin("pg_restore"), ["--list", file], { encoding: "utf8" }).stdout;
    expect(await addDataOffsets(file)).toBe(before?.notSet);
    expect(await dataOffsetStates(file)).toEqual({ set: before?.notSet, notSet: 0 });
    expect(spawnSync(pgBin("pg_restore"), ["--list", file], { encoding: "utf8" }).stdout).toBe(listed);
    // a second pass finds nothing to do
    expect(await addDataOffsets(file)).toBe(0);
    pg.psql('CREATE DATABASE "from_patched"');
    const r = spawnSync(pgBin("pg_restore"), ["--jobs=2", "--no-password", `--dbname=${pg.url("from_patched")}`, file], { env, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(await digestDatabase(pg.url("from_patched"))).toEqual(await digestDatabase(pg.url("main")));
    const largeObjects = "SELECT count(*) || ' ' || sum(length(lo_get(oid))) FROM pg_largeobject_metadata";
    expect(pg.psql(largeObjects, "from_patched")).toBe(pg.psql(largeObjects, "main"));
});

test("archives it does not patch are left unchanged: compressed, already seekable, truncated, not an archive", async () => {
    const gzipPiped = dumpThroughPipe("gzip-piped.dump", "6");
    const seekable = path.join(dir, "seekable.dump");
    expect(spawnSync(pgBin("pg_dump"), ["--format=custom", "--compress=0", "--no-password", "-f", seekable, `--dbname=${pg.url("main")}`], { env }).status).toBe(0);
    expect((await dataOffsetStates(seekable))?.notSet).toBe(0);
    const truncated = path.join(dir, "truncated.dump");
    const whole = readFileSync(dumpThroughPipe("to-truncate.dump", "0"));
    writeFileSync(truncated, whole.subarray(0, whole.length - 100));
    const other = path.join(dir, "other.bin");
    writeFileSync(other, "PGDMP but not really an archive");
    for (const file of [gzipPiped, seekable, truncated, other]) {
        const bytes = readFileSync(file);
        expect(await addDataOffsets(file)).toBe(0);
        expect(readFileSync(file).equals(bytes)).toBe(true);
    }
});
