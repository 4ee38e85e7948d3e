/**
 * Codecs: the default (zstd: native with pg_dump 16+, `pg_dump -Z0 | zstd` before), gzip and none
 * by flag; the codec recorded in the manifest; sets made before codecs still restore; and the
 * by-hand restore one-liner of docs/JOB.md, run as written.
 */
import { execFileSync, spawnSync } from "child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { dumpCodec } from "../../scripts/codec";
import { dataOffsetStates } from "../../scripts/dataOffsets";
import { compressArgs, pgBin } from "../../scripts/pg";
import { cleanEnv, cli, Cluster, digestDatabase, removeDir, ROOT, seedReferenceApp, startCluster, tempDir } from "./helpers";

let pg: Cluster;
let dir: string;
let env: NodeJS.ProcessEnv;
const major = Number(/\)\s+(\d+)/.exec(spawnSync(pgBin("pg_dump"), ["--version"], { encoding: "utf8" }).stdout)?.[1]);

beforeAll(async () => {
    pg = await startCluster();
    seedReferenceApp(pg, 500);
    dir = tempDir("compress");
    env = cleanEnv(pg.env());
});

afterAll(async () => {
    await pg?.stop();
    if (dir !== undefined) removeDir(dir);
});

function archiveCompression(file: string): string {
    const r = spawnSync(pgBin("pg_restore"), ["--list", file], { encoding: "utf8" });
    return /Compression:\s*(\S+)/.exec(r.stdout)?.[1] ?? "?";
}

/** Backs `main` up into a fresh folder; the set's folder and its manifest. */
async function backupTo(name: string, extra: string[] = []): Promise<{ folder: string; manifest: Record<string, any>; target: string }> {
    const target = path.join(dir, name);
    mkdirSync(target);
    const r = await cli(["backup", "--databases", "main", "--target", `file://${target}`, ...extra], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const tier = readdirSync(target)[0];
    const folder = path.join(target, tier, readdirSync(path.join(target, tier))[0]);
    return { folder, manifest: JSON.parse(readFileSync(path.join(folder, "manifest.json"), "utf8")), target: `file://${target}` };
}

async function restoreAndCompare(target: string, into: string): Promise<Array<Record<string, any>>> {
    const r = await cli(["restore", "--target", target, "--database", "main", "--into", pg.url(into), "--jobs=2", "--no-key-check"], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await digestDatabase(pg.url(into))).toEqual(await digestDatabase(pg.url("main")));
    return r.events;
}

test("the default codec: zstd, recorded in the manifest, the set restores", async () => {
    const { folder, manifest, target } = await backupTo("default");
    const entry = manifest.databases[0];
    if (major >= 16) {
        expect(entry).toMatchObject({ codec: "none", compress: "zstd:3", key: expect.stringMatching(/main\.dump$/) });
        expect(archiveCompression(path.join(folder, "main.dump"))).toContain("zstd");
    } else {
        expect(entry).toMatchObject({ codec: "zstd", compress: "zstd:3", key: expect.stringMatching(/\/main\.dump\.zst$/) });
        const stored = readFileSync(path.join(folder, "main.dump.zst"));
        expect(stored.subarray(0, 4).toString("hex")).toBe("28b52ffd");
        const archive = execFileSync("zstd", ["-d", "-c", "-q"], { input: stored, maxBuffer: 1 << 30 });
        expect(archive.subarray(0, 5).toString()).toBe("PGDMP");
        expect(readdirSync(folder).sort()).toEqual(["main.dump.zst", "manifest.json"]);
    }
    const events = await restoreAndCompare(target, "from_default");
    // pg_dump 15 wrote into zstd's pipe: restore loaded the blocks while zstd decompressed them (scripts/streamLoad.ts)
    const downloaded = events.find((e) => e.event === "download.done") as Record<string, unknown>;
    if (major >= 16) {
        expect(downloaded).toMatchObject({ inPlace: true, offsets: 0 });
    } else {
        expect(downloaded).toMatchObject({ inPlace: true, streamed: true });
        expect(downloaded.blocks).toBeGreaterThan(0);
    }
});

test("one file target: zstd writes the stored file itself (no byte through node), and the read-back proves the whole frame", async () => {
    if (major >= 16) {
        return;
    }
    const calls = path.join(dir, "zstd-calls.log");
    const wrapper = path.join(dir, "zstd-wrapper");
    // records each call's arguments and where its stdout goes, then runs the real zstd
    writeFileSync(wrapper, `#!/bin/sh\necho "$* -> $(readlink /proc/$$/fd/1)" >> ${calls}\nexec zstd "$@"\n`, { mode: 0o755 });
    const target = path.join(dir, "direct");
    mkdirSync(target);
    const r = await cli(["backup", "--databases", "main", "--target", `file://${target}`], { ...env, LIFEBOAT_ZSTD: wrapper });
    expect(r.code).toBe(0);
    const lines = readFileSync(calls, "utf8").trim().split("\n");
    const compress = lines.filter((l) => l.startsWith("-3 -T1"));
    expect(compress).toHaveLength(1);
    expect(compress[0]).toMatch(new RegExp(`-> ${target}/daily/[^/]+/\\.main\\.dump\\.zst\\.partial-\\d+-[0-9a-f]{8}$`));
    expect(lines.filter((l) => /^-t -q .*\.partial-/.test(l))).toHaveLength(1);
    expect(r.events.find((e) => e.event === "database.read_back")).toMatchObject({ proof: expect.stringContaining("zstd -t") });
});

test("the documented by-hand restore (docs/JOB.md) restores a default set with PostgreSQL's tools and zstd", async () => {
    const { folder, manifest } = await backupTo("by-hand");
    const doc = readFileSync(path.join(ROOT, "docs", "JOB.md"), "utf8");
    const line = /^zstd -dq main\.dump\.zst .*$/m.exec(doc)?.[0];
    expect(line).toBeDefined();
    const work = tempDir("by-hand-copy");
    try {
        cpSync(folder, work, { recursive: true });
        if (manifest.databases[0].codec === "none") {
            // pg_dump 16+: the object is pg_dump's own archive; the one-liner's pg_restore half applies
            writeFileSync(path.join(work, "main.dump.zst"), execFileSync("zstd", ["-q", "-c"], { input: readFileSync(path.join(folder, "main.dump")) }));
        }
        const r = spawnSync("bash", ["-c", line as string], { cwd: work, env: { ...env, PATH: `${path.dirname(pgBin("pg_restore"))}:${process.env.PATH}` }, encoding: "utf8" });
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        expect(await digestDatabase(pg.url("restored"))).toEqual(await digestDatabase(pg.url("main")));
    } finally {
        removeDir(work);
    }
});

test("gzip and none by flag: pg_dump's own archive, codec none, and it restores", async () => {
    const gzip = await backupTo("gzip", ["--compress", "gzip:6"]);
    expect(gzip.manifest.databases[0]).toMatchObject({ codec: "none", compress: major >= 16 ? "gzip:6" : "gzip:6", key: expect.stringMatching(/\/main\.dump$/) });
    expect(readFileSync(path.join(gzip.folder, "main.dump")).subarray(0, 5).toString()).toBe("PGDMP");
    expect(archiveCompression(path.join(gzip.folder, "main.dump"))).toMatch(/6|gzip/);
    // pg_dump wrote the file itself (seekable): the archive keeps its data offsets
    expect(await dataOffsetStates(path.join(gzip.folder, "main.dump"))).toMatchObject({ notSet: 0, set: expect.any(Number) });
    expect((await dataOffsetStates(path.join(gzip.folder, "main.dump")))?.set).toBeGreaterThan(0);
    await restoreAndCompare(gzip.target, "from_gzip");
    const none = await backupTo("none", ["--compress", "none"]);
    expect(none.manifest.databases[0]).toMatchObject({ codec: "none", compress: "none" });
    expect(archiveCompression(path.join(none.folder, "main.dump"))).toMatch(/^(0|none)$/);
});

test("a set made before codecs (no codec field, compress default) still lists and restores", async () => {
    const old = await backupTo("old", ["--compress", "gzip"]);
    const file = path.join(old.folder, "manifest.json");
    const manifest = JSON.parse(readFileSync(file, "utf8"));
    for (const d of manifest.databases) {
        delete d.codec;
        d.compress = "default";
    }
    writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
    const listed = await cli(["list", "--target", old.target, "--json"], env);
    expect(listed.code).toBe(0);
    await restoreAndCompare(old.target, "from_old");
});

test("the installed pg_dump writes the compression asked for", async () => {
    const cases: Array<[string, string[]]> = major >= 16 ? [["none", ["0", "none"]], ["gzip:9", ["9", "gzip"]]] : [["none", ["0"]], ["gzip:9", ["9"]], ["1", ["1"]]];
    for (const [flag, expected] of cases) {
        const { folder } = await backupTo(`flag-${flag.replace(/\W/g, "_")}`, ["--compress", flag]);
        const compression = archiveCompression(path.join(folder, "main.dump"));
        expect(expected.some((e) => compression.includes(e))).toBe(true);
    }
    if (major < 16) {
        const lz4 = await cli(["backup", "--databases", "main", "--target", `file://${dir}`, "--compress", "lz4:3"], env);
        expect(lz4.code).toBe(2);
        expect(lz4.stderr).toContain(`--compress lz4:3 is not supported by pg_dump ${major} (check --compress: gzip, zstd or none`);
    }
});

test("zstd missing: the backup stops before writing, naming the program and the way out", async () => {
    const target = path.join(dir, "no-zstd");
    mkdirSync(target);
    const r = await cli(["backup", "--databases", "main", "--target", `file://${target}`], { ...env, LIFEBOAT_ZSTD: "/nonexistent/zstd" });
    if (major >= 16) {
        expect(r.code).toBe(0);
        return;
    }
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("/nonexistent/zstd not found: the zstd codec (the default with pg_dump 15 and older) needs it");
    expect(r.stderr).toContain("--compress gzip");
    expect(readdirSync(target, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())).toEqual([]);
});

test("a failing compressor rolls the set back: no truncated archive is ever committed", async () => {
    if (major >= 16) {
        return;
    }
    const target = path.join(dir, "bad-zstd");
    mkdirSync(target);
    const fake = path.join(dir, "fake-zstd");
    // answers --version, reads the whole dump, writes a little and fails as a broken compressor would
    writeFileSync(fake, '#!/bin/sh\n[ "$1" = "--version" ] && exit 0\ncat >/dev/null; printf partial; exit 3\n', { mode: 0o755 });
    const r = await cli(["backup", "--databases", "main", "--target", `file://${target}`], { ...env, LIFEBOAT_ZSTD: fake });
    expect(r.code).toBe(1);
    expect(r.events.find((e) => e.event === "backup.failed")).toMatchObject({ code: "compressor-failed" });
    expect(readdirSync(target, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())).toEqual([]);
});

test("a backup loads no manifest schema library (zod): only commands that read manifests pay for loading it", () => {
    // the built job, as `lifeboat backup` loads it: the CLI and its backup path
    const probe = `require(${JSON.stringify(path.join(ROOT, "dist", "scripts", "backup.js"))}); require(${JSON.stringify(path.join(ROOT, "dist", "scripts", "verifications.js"))});
        const loaded = () => Object.keys(require.cache).some((k) => k.includes("/node_modules/zod/"));
        const before = loaded();
        require(${JSON.stringify(path.join(ROOT, "dist", "scripts", "manifest.js"))}).manifestSchemas();
        console.log(JSON.stringify({ before, after: loaded() }));`;
    const r = spawnSync(process.execPath, ["-e", probe], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ before: false, after: true });
});

test("codecs per pg_dump version", () => {
    expect(dumpCodec(undefined, 15)).toMatchObject({ codec: "zstd", compress: "zstd:3", pgDumpArgs: ["--compress=0"], compressor: { args: ["-3", "-T1", "-q", "-c"] } });
    expect(dumpCodec("zstd:9", 15)).toMatchObject({ codec: "zstd", compress: "zstd:9" });
    expect(() => dumpCodec("zstd:20", 15)).toThrow(/zstd levels are 1-19/);
    expect(dumpCodec(undefined, 17)).toEqual({ codec: "none", compress: "zstd:3", pgDumpArgs: ["--compress=zstd:3"] });
    expect(dumpCodec("zstd:9", 16)).toEqual({ codec: "none", compress: "zstd:9", pgDumpArgs: ["--compress=zstd:9"] });
    expect(dumpCodec("gzip", 15)).toEqual({ codec: "none", compress: "gzip:6", pgDumpArgs: ["--compress=6"] });
    expect(dumpCodec("5", 15)).toEqual({ codec: "none", compress: "gzip:5", pgDumpArgs: ["--compress=5"] });
    expect(dumpCodec("none", 15)).toEqual({ codec: "none", compress: "none", pgDumpArgs: ["--compress=0"] });
    expect(() => dumpCodec("lz4", 15)).toThrow(/not supported by pg_dump 15/);
});

test("compressArgs: methods and levels per pg_dump version", () => {
    expect(compressArgs(undefined, 15)).toEqual([]);
    expect(compressArgs("gzip", 15)).toEqual(["--compress=6"]);
    expect(compressArgs("gzip:9", 15)).toEqual(["--compress=9"]);
    expect(compressArgs("none", 15)).toEqual(["--compress=0"]);
    expect(() => compressArgs("lz4", 15)).toThrow(/not supported by pg_dump 15/);
    expect(() => compressArgs("gzip:12", 15)).toThrow(/not supported/);
    expect(compressArgs("zstd:19", 17)).toEqual(["--compress=zstd:19"]);
    expect(compressArgs("lz4", 16)).toEqual(["--compress=lz4"]);
    expect(compressArgs("5", 17)).toEqual(["--compress=5"]);
    expect(() => compressArgs("zstd:23", 17)).toThrow(/not supported/);
    expect(() => compressArgs("brotli", 17)).toThrow(expect.objectContaining({ check: "--compress: gzip, lz4, zstd or none, with an optional :level, or a level 0-9" }));
});
