/**
 * How a database's archive is compressed and stored: the codec of a backup.
 *
 * - pg_dump 16 and newer compress custom-format archives with zstd natively: the stored object
 *   is pg_dump's own archive (`codec: "none"`, `compress: "zstd:3"`), restorable with pg_restore alone.
 * - pg_dump 15 and older only have gzip, which costs three quarters of a backup and runs on
 *   pg_dump's own core: by default the archive is dumped uncompressed (`-Z0`) and piped, process
 *   to process, through the `zstd` program on the second core (`codec: "zstd"`). The stored
 *   object is a standard zstd frame of a custom archive, named `<db>.dump.zst`:
 *   `zstd -d main.dump.zst && pg_restore -j 2 -d DB main.dump` restores it by hand.
 * - `--compress gzip[:N]`, `N` (0-9) or `none` keep pg_dump's own compression (`codec: "none"`).
 */
import { ChildProcess, execFile, spawn } from "child_process";
import { promisify } from "util";
import { errnoCode, LifeboatError } from "./errors";
import { compressArgs } from "./pg";

const execFileP = promisify(execFile);

export type Codec = "none" | "zstd";
export const CODECS = ["none", "zstd"] as const;

/** The file name suffix of a codec's objects, after `.dump`. */
export function codecSuffix(codec: Codec): string {
    return codec === "zstd" ? ".zst" : "";
}

export interface DumpCodec {
    /** pg_dump's own --compress argument(s). */
    pgDumpArgs: string[];
    /** The stream codec around pg_dump's output. */
    codec: Codec;
    /** The compression as recorded in the manifest: `zstd:3`, `gzip:6`, `none`, `default`. */
    compress: string;
    /** The compressor program and its arguments when the codec is not `none`. */
    compressor?: { program: string; args: string[] };
}

const ZSTD_DEFAULT_LEVEL = 3;

/** The zstd program: LIFEBOAT_ZSTD, else `zstd` on the PATH. */
export function zstdBin(): string {
    const fromEnv = process.env.LIFEBOAT_ZSTD;
    return fromEnv !== undefined && fromEnv !== "" ? fromEnv : "zstd";
}

/**
 * The codec for `--compress` with the installed pg_dump's major version. Undefined is the fast
 * default: native zstd with pg_dump 16+, pg_dump `-Z0` piped through the zstd program before.
 */
export function dumpCodec(flag: string | undefined, pgDumpMajor: number): DumpCodec {
    const value = (flag ?? "").trim().toLowerCase();
    if (value === "" || value === "default") {
        return pgDumpMajor >= 16
            ? { pgDumpArgs: [`--compress=zstd:${ZSTD_DEFAULT_LEVEL}`], codec: "none", compress: `zstd:${ZSTD_DEFAULT_LEVEL}` }
            : zstdStream(ZSTD_DEFAULT_LEVEL);
    }
    const zstd = /^zstd(?::(\d{1,2}))?$/.exec(value);
    if (zstd !== null && pgDumpMajor < 16) {
        const level = zstd[1] === undefined ? ZSTD_DEFAULT_LEVEL : Number(zstd[1]);
        if (level < 1 || level > 19) {
            throw new LifeboatError(`--compress ${flag} is not supported: zstd levels are 1-19`, "--compress: zstd[:1-19], gzip[:0-9], a level 0-9 or none", 2, "usage");
        }
        return zstdStream(level);
    }
    const args = compressArgs(flag, pgDumpMajor);
    const m = /^--compress=(.*)$/.exec(args[0] ?? "");
    const spec = m?.[1] ?? "";
    const compress = spec === "0" ? "none" : /^\d$/.test(spec) ? `gzip:${spec}` : spec;
    return { pgDumpArgs: args, codec: "none", compress };
}

function zstdStream(level: number): DumpCodec {
    // -T1: one compression thread beside zstd's reader, i.e. the core pg_dump does not use;
    // the frame carries zstd's content checksum (on by default), which `zstd -d` checks.
    return { pgDumpArgs: ["--compress=0"], codec: "zstd", compress: `zstd:${level}`, compressor: { program: zstdBin(), args: [`-${level}`, "-T1", "-q", "-c"] } };
}

/** Proves the codec's program runs before any byte is written. */
export async function checkCodec(codec: Codec): Promise<void> {
    if (codec === "none") {
        return;
    }
    try {
        await execFileP(zstdBin(), ["--version"]);
    } catch (e) {
        const why = errnoCode(e) === "ENOENT" ? "not found" : "does not run";
        throw new LifeboatError(
            `${zstdBin()} ${why}: the zstd codec (the default with pg_dump 15 and older) needs it`,
            "install zstd (Debian: apt-get install zstd), set LIFEBOAT_ZSTD, or pass --compress gzip",
            1,
            "tools-missing",
        );
    }
}

/** A child that exits with its code, signal and the tail of its stderr. */
export interface Exited {
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: string;
}

export function watchExit(child: ChildProcess): Promise<Exited> {
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
        stderr = (stderr + d).slice(-8192);
    });
    return new Promise((resolve) => {
        child.on("error", (e) => resolve({ code: 127, signal: null, stderr: `${stderr}\n${e.message}` }));
        child.on("close", (code, signal) => resolve({ code, signal, stderr }));
    });
}

/** `zstd -d` reading stdin (a pipe, or the open file `input`): into the open file `output`, or to a pipe when none is given. */
export function spawnDecompressor(output?: number, input?: number): ChildProcess {
    return spawn(zstdBin(), ["-d", "-q", "-c"], { stdio: [input ?? "pipe", output ?? "pipe", "pipe"] });
}

/** `zstd -t` of a stored file: every block decoded and the frame's content checksum compared, nothing written. */
export function testFrame(file: string): Promise<Exited> {
    return watchExit(spawn(zstdBin(), ["-t", "-q", file], { stdio: ["ignore", "ignore", "pipe"] }));
}
