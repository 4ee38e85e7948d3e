import { spawn } from "child_process";
import { createHash } from "crypto";
import { Readable } from "stream";
import { LifeboatError } from "./errors";
import { pgBin } from "./pg";

export interface ReadBack {
    size: number;
    sha256: string;
    /** TABLE entries in the archive's table of contents. */
    tables: number;
    /** The archive's table of contents as `pg_restore --list` prints it. */
    toc: string;
}

/**
 * Streams an archive through SHA-256 and into `pg_restore --list` at once: proves the bytes are
 * what was written and that they are a readable custom-format archive. pg_restore may stop
 * reading once it has the table of contents; the rest is still hashed.
 */
export async function readBack(stream: Readable, what: string): Promise<ReadBack> {
    const child = spawn(pgBin("pg_restore"), ["--list"], { stdio: ["pipe", "pipe", "pipe"] });
    let toc = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (toc += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const exited = new Promise<number>((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code) => resolve(code ?? 1));
    });
    let stdinOpen = true;
    child.stdin.on("error", () => {
        stdinOpen = false;
    });
    child.stdin.on("close", () => {
        stdinOpen = false;
    });
    const hash = createHash("sha256");
    let size = 0;
    try {
        for await (const c of stream) {
            const chunk = Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array);
            hash.update(chunk);
            size += chunk.length;
            if (stdinOpen && !child.stdin.write(chunk)) {
                await new Promise<void>((resolve) => {
                    const done = (): void => {
                        child.stdin.off("drain", done);
                        child.stdin.off("close", done);
                        resolve();
                    };
                    child.stdin.on("drain", done);
                    child.stdin.on("close", done);
                });
            }
        }
    } finally {
        if (stdinOpen) {
            child.stdin.end();
        }
    }
    const code = await exited;
    if (code !== 0) {
        throw new LifeboatError(
            `${what} is not a readable archive: ${stderr.trim().split("\n").pop() ?? `pg_restore exited ${code}`}`,
            "the stored object; it may be truncated or corrupt",
            1,
            "archive-unreadable",
        );
    }
    return { size, sha256: hash.digest("hex"), tables: countTables(toc), toc };
}

/** The TABLE entries of a `pg_restore --list` table of contents. */
export function countTables(toc: string): number {
    return tocEntries(toc).filter((e) => e.type === "TABLE").length;
}

export interface TocEntry {
    type: string;
    schema: string;
    name: string;
    owner: string;
}

/** Parses `pg_restore --list` lines: `215; 1259 16386 TABLE public t owner`. */
export function tocEntries(toc: string): TocEntry[] {
    const out: TocEntry[] = [];
    const types = ["TABLE DATA", "TABLE", "DATABASE", "SCHEMA", "ACL", "SEQUENCE", "VIEW", "MATERIALIZED VIEW", "BLOB", "BLOBS", "LARGE OBJECT", "FUNCTION", "INDEX", "TYPE", "EXTENSION"];
    for (const line of toc.split("\n")) {
        const m = /^\d+;\s+\d+\s+\d+\s+(.*)$/.exec(line.trim());
        if (m === null) {
            continue;
        }
        const rest = m[1];
        const type = types.find((t) => rest.startsWith(`${t} `));
        if (type === undefined) {
            continue;
        }
        const words = rest.slice(type.length + 1).split(" ");
        const owner = words.length >= 2 ? words[words.length - 1] : "";
        out.push({ type, schema: words[0] ?? "", name: words.slice(1, -1).join(" "), owner });
    }
    return out;
}
