/**
 * Read-back without a second transfer: azblob (Azurite) and s3 (s3rver) prove the stored bytes
 * with the store's own checksums (per-block MD5 and the committed block list; the ETag against
 * the MD5s of what was sent) and read only the archive's head through pg_restore --list.
 */
import { readFileSync } from "fs";
import * as path from "path";
import { Readable } from "stream";
import { readBack, readHead } from "../../scripts/archive";
import { AzureBlobTarget } from "../../scripts/targets/azblob";
import { S3Target } from "../../scripts/targets/s3";
import {
    Azurite,
    cli,
    Cluster,
    digestDatabase,
    DUMP_EXT,
    removeDir,
    S3,
    s3Env,
    seedBig,
    Seeded,
    seedReferenceApp,
    startSeeded,
    tempDir,
} from "./helpers";

let servers: Seeded | undefined;
let pg: Cluster;
let azurite: Azurite;
let s3: S3;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
    servers = await startSeeded("readback", "readback", (db) => {
        seedReferenceApp(db, 800);
        // about 10 MB of dump: several 4 MiB blocks and 8 MiB parts
        seedBig(db, "big", 150000);
    });
    ({ pg, azurite, s3, env } = servers);
});

afterAll(async () => {
    await servers?.stop();
});

test("azblob and s3: the read-back proves the bytes with the store's checksums, reads only the head, and the sets restore", async () => {
    const targets = ["azblob://devstoreaccount1/readback/p", "s3://readback/p"];
    const r = await cli(["backup", "--databases", "big,main", "--target", targets.join(",")], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const reads = r.events.filter((e) => e.event === "database.read_back");
    expect(reads).toHaveLength(4);
    const big = (e: Record<string, unknown>): boolean => e.database === "big";
    const size = Number((r.events.find((e) => e.event === "database.done" && big(e)) as Record<string, unknown>).bytes);
    expect(size).toBeGreaterThan(8 * 2 ** 20); // more than one S3 part
    const blob = reads.find((e) => big(e) && String(e.target).startsWith("azblob")) as Record<string, unknown>;
    expect(blob.proof).toMatch(/^\d+ blocks, each MD5-checked by the service on Put Block, committed in order; \d+ bytes$/);
    expect(Number(/^(\d+) blocks/.exec(String(blob.proof))?.[1])).toBe(Math.ceil(size / (4 * 2 ** 20)));
    const s3Read = reads.find((e) => big(e) && String(e.target).startsWith("s3")) as Record<string, unknown>;
    // s3rver's ETag of a multipart object is the MD5 of the whole object (AWS: MD5 of the part MD5s, "-N")
    expect(s3Read.proof).toMatch(/^\d+ bytes; ETag [0-9a-f]{32}(-\d+)? is the MD5 of (the object|its part MD5s) as sent$/);
    for (const e of reads) {
        expect(Number(e.headBytes)).toBeLessThan(size);
        expect(Number(e.tables)).toBeGreaterThan(0);
    }
    for (const [i, t] of targets.entries()) {
        const into = `big_back_${i}`;
        const back = await cli(["restore", "--target", t, "--database", "big", "--into", pg.url(into)], env);
        expect(back.code).toBe(0);
        expect(await digestDatabase(pg.url(into))).toEqual(await digestDatabase(pg.url("big")));
    }
});

test("a stored object that differs from what was sent is caught by verifyStored on both stores", async () => {
    const body = Buffer.alloc(9 * 2 ** 20 + 123, 7);
    const other = Buffer.alloc(body.length, 8);
    Object.assign(process.env, s3Env(s3), { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString });
    for (const t of [new AzureBlobTarget(new URL("azblob://devstoreaccount1/readback/tamper")), new S3Target(new URL("s3://readback/tamper"))]) {
        await t.put("tamper/x.dump", Readable.from([body]), new AbortController().signal);
        await expect(t.verifyStored("tamper/x.dump", body.length)).resolves.toMatch(/bytes/);
        // the same key rewritten behind the job's back: same length, other bytes
        await t.putSmall("tamper/x.dump", other);
        await expect(t.verifyStored("tamper/x.dump", body.length)).rejects.toMatchObject({ code: "checksum-mismatch" });
        // nothing recorded for a key this process did not put: no claim, the caller reads it back whole
        await expect(t.verifyStored("tamper/never.dump", 1)).resolves.toBeUndefined();
    }
});

test("readHead reads the archive's table of contents from a prefix and refuses a truncated archive", async () => {
    const dir = tempDir("head");
    try {
        const r = await cli(["backup", "--databases", "main", "--target", `file://${dir}`], env);
        expect(r.code).toBe(0);
        const key = String((r.events.find((e) => e.event === "set.committed") as Record<string, unknown>).tier);
        const set = String((r.events.find((e) => e.event === "set.committed") as Record<string, unknown>).set);
        const bytes = readFileSync(path.join(dir, key, set, `main${DUMP_EXT}`));
        const codec = DUMP_EXT === ".dump.zst" ? "zstd" : "none";
        const ranges: number[] = [];
        const range = async (offset: number, count: number): Promise<Readable> => {
            ranges.push(count);
            return Readable.from([bytes.subarray(offset, offset + count)]);
        };
        const full = await readBack(Readable.from([bytes]), "whole", codec);
        const head = await readHead(range, bytes.length, "head", codec);
        expect(head.tables).toBe(full.tables);
        const cut = bytes.subarray(0, 300);
        await expect(readHead(async (o, c) => Readable.from([cut.subarray(o, o + c)]), cut.length, "cut", codec)).rejects.toMatchObject({ code: "archive-unreadable" });
    } finally {
        removeDir(dir);
    }
});
