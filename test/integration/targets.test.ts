/**
 * The azblob (Azurite) and s3 (s3rver) targets, and one backup written to file, azblob and s3
 * at once; restore from each; target errors: unreachable, forbidden, container missing,
 * checksum mismatch on a remote object.
 */
import { createHash } from "crypto";
import { readdirSync } from "fs";
import {
    Azurite,
    blobNames,
    cli,
    Cluster,
    DUMP_EXT,
    freePort,
    query,
    removeDir,
    S3,
    s3Keys,
    Seeded,
    seedReferenceApp,
    sets,
    startSeeded,
    tempDir,
} from "./helpers";

let servers: Seeded | undefined;
let pg: Cluster;
let azurite: Azurite;
let s3: S3;
let dir: string;
let env: NodeJS.ProcessEnv;

const BLOB = "azblob://devstoreaccount1/backups/prod";
const S3URL = "s3://lifeboat/offsite";

beforeAll(async () => {
    servers = await startSeeded("lifeboat", "backups", (db) => seedReferenceApp(db, 1500), { LIFEBOAT_KEY_FINGERPRINT: "sha256:0123456789abcdef" });
    ({ pg, azurite, s3, env } = servers);
    dir = tempDir("multi");
});

afterAll(async () => {
    await servers?.stop();
    if (dir !== undefined) removeDir(dir);
});

test("one backup writes the same set to file, azblob and s3; each lists it and restores from it", async () => {
    const r = await cli(["backup", "--databases", "main,audit", "--target", `file://${dir}`, "--target", BLOB, "--target", S3URL, "--jobs", "2"], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const committed = r.events.find((e) => e.event === "set.committed") as Record<string, unknown>;
    const id = committed.set as string;
    expect(committed.targets).toEqual([`file://${dir}`, BLOB, S3URL]);

    const listings = await Promise.all([`file://${dir}`, BLOB, S3URL].map(async (t) => sets(await cli(["list", "--target", t, "--json"], env))));
    for (const l of listings) {
        expect(l).toHaveLength(1);
        expect(l[0].set).toBe(id);
    }
    const shas = listings.map((l) => (l[0].databases as Array<{ name: string; sha256: string }>).map((d) => `${d.name}:${d.sha256}`).sort().join());
    expect(new Set(shas).size).toBe(1);

    // the tier folder carries the lifecycle tier under the target's prefix
    const blobs = await blobNames(azurite, "backups");
    expect(blobs.sort()).toEqual([`prod/${committed.tier}/${id}/audit${DUMP_EXT}`, `prod/${committed.tier}/${id}/main${DUMP_EXT}`, `prod/${committed.tier}/${id}/manifest.json`]);
    const keys = await s3Keys(s3, "offsite/");
    expect(keys.sort()).toEqual([`offsite/${committed.tier}/${id}/audit${DUMP_EXT}`, `offsite/${committed.tier}/${id}/main${DUMP_EXT}`, `offsite/${committed.tier}/${id}/manifest.json`]);
    expect(readdirSync(dir)).toEqual([committed.tier]);

    for (const [t, into] of [
        [BLOB, "from_blob"],
        [S3URL, "from_s3"],
    ]) {
        const rr = await cli(["restore", "--target", t, "--set", id, "--database", "main", "--into", pg.url(into)], env);
        expect(rr.stderr).toBe("");
        expect(rr.code).toBe(0);
        // the remote read-back recorded the head's proof (ranged reads): the rows loaded while the object downloaded
        if (DUMP_EXT === ".dump.zst") {
            expect(rr.events.find((e) => e.event === "download.done")).toMatchObject({ streamed: true });
        }
        const a = await query<{ h: string }>(pg.url("main"), "SELECT md5(string_agg(id || title || ssn_encrypted, ',' ORDER BY id)) AS h FROM cases");
        const b = await query<{ h: string }>(pg.url(into), "SELECT md5(string_agg(id || title || ssn_encrypted, ',' ORDER BY id)) AS h FROM cases");
        expect(b[0].h).toBe(a[0].h);
    }
    const v = await cli(["verify", "--target", S3URL, "--scratch", pg.url()], env);
    expect(v.code).toBe(0);
    expect(v.events[v.events.length - 1]).toMatchObject({ event: "verify.report", set: id, ok: true });
    const f = await cli(["freshness", "--target", `${BLOB},${S3URL}`, "--max-age", "1h"], env);
    expect(f.code).toBe(0);
    expect(f.events.filter((e) => e.event === "freshness.ok")).toHaveLength(2);
});

test("the connection string's account key never appears in output", async () => {
    const r = await cli(["backup", "--databases", "nosuchdb", "--target", BLOB], env);
    expect(r.code).toBe(1);
    const key = /AccountKey=([^;]+)/.exec(azurite.connectionString)?.[1] as string;
    expect(r.stdout + r.stderr).not.toContain(key);
    expect(r.stdout + r.stderr).not.toContain(pg.password);
});

test("a missing container or bucket is named, with what to check, and nothing is written", async () => {
    const blob = await cli(["backup", "--databases", "main", "--target", "azblob://devstoreaccount1/nosuch"], env);
    expect(blob.code).toBe(1);
    expect(blob.stderr.trim()).toBe("lifeboat: error: container nosuch does not exist in storage account devstoreaccount1 (check the container name; lifeboat does not create containers)");
    const bucket = await cli(["backup", "--databases", "main", "--target", "s3://nosuch-bucket"], env);
    expect(bucket.code).toBe(1);
    expect(bucket.stderr.trim()).toBe("lifeboat: error: bucket nosuch-bucket does not exist (check the bucket name and region; lifeboat does not create buckets)");
    const folder = await cli(["backup", "--databases", "main", "--target", "file:///nonexistent/lifeboat"], env);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toContain("target folder /nonexistent/lifeboat does not exist");
    expect(blob.events.some((e) => e.event === "backup.start")).toBe(false);
});

test("an unreachable blob store or S3 endpoint fails fast with a one-line reason", async () => {
    const closed = await freePort();
    const blob = await cli(["backup", "--databases", "main", "--target", BLOB], {
        ...env,
        AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString.replace(`:${azurite.port}/`, `:${closed}/`),
    });
    expect(blob.code).toBe(1);
    expect(blob.stderr).toMatch(/^lifeboat: error: blob storage for azblob:\/\/devstoreaccount1\/backups\/prod unreachable while listing the container: .*\(check the account name, the network path and the blob endpoint\)\n$/);
    const s3r = await cli(["list", "--target", S3URL], { ...env, AWS_ENDPOINT_URL: `http://127.0.0.1:${closed}` });
    expect(s3r.code).toBe(1);
    expect(s3r.stderr).toMatch(/^lifeboat: error: S3 endpoint for s3:\/\/lifeboat\/offsite unreachable while listing: .*\(check AWS_ENDPOINT_URL, AWS_REGION and the network path\)\n$/);
});

test("wrong credentials are reported as forbidden", async () => {
    const blob = await cli(["list", "--target", BLOB], {
        ...env,
        AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString.replace(/AccountKey=[^;]+/, `AccountKey=${Buffer.from("wrong key wrong key wrong key!!").toString("base64")}`),
    });
    expect(blob.code).toBe(1);
    expect(blob.stderr).toMatch(/access to azblob:\/\/devstoreaccount1\/backups\/prod forbidden while listing \(.*\) \(check the job identity's role on the container/);
    const s3r = await cli(["backup", "--databases", "main", "--target", S3URL], { ...env, AWS_ACCESS_KEY_ID: "WRONG", AWS_SECRET_ACCESS_KEY: "wrong-secret-value" });
    expect(s3r.code).toBe(1);
    expect(s3r.stderr).toMatch(/access to s3:\/\/lifeboat\/offsite forbidden while listing the bucket \(InvalidAccessKeyId\)/);
    expect(s3r.stdout + s3r.stderr).not.toContain("wrong-secret-value");
});

test("a tampered blob is refused by restore (checksum mismatch): nothing swapped in, no scratch database left", async () => {
    const b = await cli(["backup", "--databases", "audit", "--target", "azblob://devstoreaccount1/backups/tamper"], env);
    expect(b.code).toBe(0);
    const committed = b.events.find((e) => e.event === "set.committed") as Record<string, unknown>;
    const { BlobServiceClient } = await import("@azure/storage-blob");
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient("backups");
    const name = `tamper/${committed.tier}/${committed.set}/audit${DUMP_EXT}`;
    const original = await container.getBlobClient(name).downloadToBuffer();
    const tampered = Buffer.from(original);
    tampered[Math.floor(tampered.length / 2)] ^= 0x01;
    expect(createHash("sha256").update(tampered).digest("hex")).not.toBe(createHash("sha256").update(original).digest("hex"));
    await container.getBlockBlobClient(name).upload(tampered, tampered.length);
    const r = await cli(["restore", "--target", "azblob://devstoreaccount1/backups/tamper", "--database", "audit", "--into", pg.url("tamper_check")], env);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("checksum mismatch for tamper/");
    expect(await query(pg.url(), "SELECT datname FROM pg_database WHERE datname LIKE 'tamper_check%'")).toEqual([]);
});

test("every flag has a LIFEBOAT_* variable: a backup and a restore configured by the environment alone", async () => {
    const other = tempDir("env-only");
    try {
        const b = await cli(["backup"], { ...env, LIFEBOAT_DATABASES: "audit", LIFEBOAT_TARGET: `file://${other},${S3URL}/env`, LIFEBOAT_JOBS: "1", LIFEBOAT_COMPRESS: "gzip:1" });
        expect(b.code).toBe(0);
        expect(b.events[0]).toMatchObject({ event: "backup.start", databases: ["audit"], targets: [`file://${other}`, `${S3URL}/env`], jobs: 1, compress: "gzip:1" });
        const r = await cli(["restore"], { ...env, LIFEBOAT_TARGET: `${S3URL}/env`, LIFEBOAT_SET: "latest", LIFEBOAT_DATABASE: "audit", LIFEBOAT_INTO: pg.url("audit_from_env") });
        expect(r.code).toBe(0);
        const n = await query<{ n: number }>(pg.url("audit_from_env"), "SELECT count(*)::int AS n FROM audit_log");
        expect(n[0].n).toBe(750);
    } finally {
        removeDir(other);
    }
});

test("odd database names survive the object keys of azblob and s3", async () => {
    const odd = `naïve "quoted" 100% db`;
    pg.psql(`CREATE DATABASE "naïve ""quoted"" 100% db";`);
    await query(pg.url(odd), "CREATE TABLE t (v text); INSERT INTO t VALUES ('ok')");
    const blob = "azblob://devstoreaccount1/backups/odd";
    const b = await cli(["backup", "--databases", odd, "--target", blob, "--target", `${S3URL}/odd`], env);
    expect(b.stderr).toBe("");
    expect(b.code).toBe(0);
    for (const [t, into] of [
        [blob, `${odd} from blob`],
        [`${S3URL}/odd`, `${odd} from s3`],
    ]) {
        const r = await cli(["restore", "--target", t, "--database", odd, "--into", pg.url(into)], env);
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(await query(pg.url(into), "SELECT v FROM t")).toEqual([{ v: "ok" }]);
    }
});
