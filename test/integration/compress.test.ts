/** --compress maps to pg_dump's own compression, validated against the installed pg_dump's version. */
import { spawnSync } from "child_process";
import { readdirSync } from "fs";
import * as path from "path";
import { compressArgs, pgBin } from "../../scripts/pg";
import { cleanEnv, cli, Cluster, removeDir, seedReferenceApp, startCluster, tempDir } from "./helpers";

let pg: Cluster;
let dir: string;

beforeAll(async () => {
    pg = await startCluster();
    seedReferenceApp(pg, 500);
    dir = tempDir("compress");
});

afterAll(async () => {
    await pg?.stop();
    if (dir !== undefined) removeDir(dir);
});

function archiveCompression(file: string): string {
    const r = spawnSync(pgBin("pg_restore"), ["--list", file], { encoding: "utf8" });
    return /Compression:\s*(\S+)/.exec(r.stdout)?.[1] ?? "?";
}

test("the installed pg_dump writes the compression asked for", async () => {
    const major = Number(/\)\s+(\d+)/.exec(spawnSync(pgBin("pg_dump"), ["--version"], { encoding: "utf8" }).stdout)?.[1]);
    const cases: Array<[string, string[]]> = major >= 16 ? [["none", ["0", "none"]], ["gzip:9", ["9", "gzip"]]] : [["none", ["0"]], ["gzip:9", ["9"]], ["1", ["1"]]];
    for (const [flag, expected] of cases) {
        const target = path.join(dir, flag.replace(/\W/g, "_"));
        require("fs").mkdirSync(target);
        const r = await cli(["backup", "--databases", "main", "--target", `file://${target}`, "--compress", flag], cleanEnv(pg.env()));
        expect(r.code).toBe(0);
        const tier = readdirSync(target)[0];
        const set = readdirSync(path.join(target, tier))[0];
        const compression = archiveCompression(path.join(target, tier, set, "main.dump"));
        expect(expected.some((e) => compression.includes(e))).toBe(true);
    }
    if (major < 16) {
        const lz4 = await cli(["backup", "--databases", "main", "--target", `file://${dir}`, "--compress", "zstd:3"], cleanEnv(pg.env()));
        expect(lz4.code).toBe(2);
        expect(lz4.stderr).toContain(`--compress zstd:3 is not supported by pg_dump ${major} (check --compress: gzip or none`);
    }
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
