import { spawn } from "child_process";
import { createHash } from "crypto";
import { Readable, Writable } from "stream";
import { Codec, spawnDecompressor } from "./codec";
import { LifeboatError } from "./errors";
import { HeadIncomplete, parseHead } from "./dataOffsets";
import { pgBin } from "./pg";

export interface ReadBack {
    size: number;
    sha256: string;
    /** TABLE entries in the archive's table of contents. */
    tables: number;
    /** The archive's table of contents as `pg_restore --list` prints it. */
    toc: string;
    /** A zstd frame's: the decompressed archive's header and TOC, every statement restore runs (see HeadProof). */
    head?: HeadProof;
}

/** Length and SHA-256 of an archive's header and table of contents, as pg_dump wrote them. */
export interface HeadProof {
    bytes: number;
    sha256: string;
}

/**
 * Collects the first bytes of a decompressed archive until its header and TOC are complete:
 * their proof, or undefined while they go on (or for an archive parseHead does not read).
 */
class HeadCollector {
    private chunks: Buffer[] = [];
    private held = 0;
    private tried = 0;
    proof: HeadProof | undefined;
    private failed = false;

    add(chunk: Buffer): void {
        if (this.proof !== undefined || this.failed) {
            return;
        }
        this.chunks.push(chunk);
        this.held += chunk.length;
        if (this.held < this.tried * 2) {
            return; // parse again once twice as much is there
        }
        const all = Buffer.concat(this.chunks, this.held);
        this.chunks = [all];
        this.tried = this.held;
        try {
            const head = parseHead(all);
            this.proof = { bytes: head.length, sha256: createHash("sha256").update(all.subarray(0, head.length)).digest("hex") };
            this.chunks = [];
        } catch (e) {
            if (!(e instanceof HeadIncomplete)) {
                this.failed = true;
                this.chunks = [];
            }
        }
    }

    /** At the end of the bytes: one last parse of what is held. */
    end(): HeadProof | undefined {
        if (this.proof === undefined && !this.failed && this.held > this.tried) {
            this.tried = 0;
            this.add(Buffer.alloc(0));
        }
        return this.proof;
    }
}

/**
 * Streams an archive through SHA-256 and into `pg_restore --list` at once: proves the bytes are
 * what was written and that they are a readable custom-format archive. pg_restore may stop
 * reading once it has the table of contents; the rest is still hashed. A zstd object is
 * decompressed by the zstd program on its way into pg_restore (node hashes the stored bytes).
 */
export async function readBack(stream: Readable, what: string, codec: Codec = "none"): Promise<ReadBack> {
    const unzip = codec === "zstd" ? spawnDecompressor() : undefined;
    const child = spawn(pgBin("pg_restore"), ["--list"], { stdio: ["pipe", "pipe", "pipe"] });
    unzip?.stderr?.resume();
    unzip?.on("error", () => undefined);
    child.stdin?.on("error", () => undefined);
    // zstd's output passes through node on its way to pg_restore: the head's proof is taken on the way
    const collector = new HeadCollector();
    if (unzip?.stdout != null && child.stdin !== null) {
        const out = unzip.stdout;
        const into = child.stdin;
        out.on("data", (d: Buffer) => {
            collector.add(d);
            if (!into.destroyed && !into.write(d)) {
                out.pause();
                into.once("drain", () => out.resume());
            }
        });
        out.on("end", () => into.end());
        out.on("error", () => into.end());
        // pg_restore stops reading after the TOC: so does zstd then (the rest is still hashed)
        into.on("close", () => out.destroy());
    }
    const input = (unzip?.stdin ?? child.stdin) as NonNullable<typeof child.stdin>;
    let toc = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => (toc += d));
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const exited = new Promise<number>((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code) => resolve(code ?? 1));
    });
    const { size, sha256 } = await hashInto(stream, input);
    const code = await exited;
    if (code !== 0) {
        throw new LifeboatError(
            `${what} is not a readable archive: ${stderr.trim().split("\n").pop() ?? `pg_restore exited ${code}`}`,
            "the stored object; it may be truncated or corrupt",
            1,
            "archive-unreadable",
        );
    }
    const head = unzip !== undefined ? collector.end() : undefined;
    return { size, sha256, tables: countTables(toc), toc, ...(head !== undefined ? { head } : {}) };
}

/**
 * Reads `stream` to its end through SHA-256, writing every chunk into `sink` while it stays open
 * (a reader that stops early, as pg_restore --list or a failing decompressor, is not an error:
 * the whole stream is still hashed). `onChunk` sees each chunk (progress). Ends `sink`.
 */
export async function hashInto(stream: Readable, sink: Writable | undefined, onChunk?: (n: number) => void): Promise<{ size: number; sha256: string }> {
    let open = sink !== undefined;
    const closed = (): void => {
        open = false;
    };
    sink?.on("error", closed);
    sink?.on("close", closed);
    const hash = createHash("sha256");
    let size = 0;
    try {
        for await (const c of stream) {
            const chunk = Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array);
            hash.update(chunk);
            size += chunk.length;
            onChunk?.(chunk.length);
            if (open && sink !== undefined && !sink.write(chunk)) {
                await new Promise<void>((resolve) => {
                    const done = (): void => {
                        sink.off("drain", done);
                        sink.off("close", done);
                        resolve();
                    };
                    sink.on("drain", done);
                    sink.on("close", done);
                });
            }
        }
    } finally {
        if (open) {
            sink?.end();
        }
    }
    return { size, sha256: hash.digest("hex") };
}

/**
 * Proves the stored archive's header and table of contents are readable without reading it
 * whole: ranged reads from the start into (zstd and) `pg_restore --list`, 1 MiB first, four
 * times more each time pg_restore needs more, the whole object at worst.
 */
export async function readHead(range: (offset: number, count: number) => Promise<Readable>, size: number, what: string, codec: Codec): Promise<{ tables: number; toc: string; bytesRead: number; head?: HeadProof }> {
    for (let count = Math.min(size, 1 << 20); ; count = Math.min(size, count * 4)) {
        try {
            const back = await readBack(await range(0, count), what, codec);
            if (codec === "zstd" && back.head === undefined && count < size) {
                continue; // pg_restore read its TOC, the proof needs its very last byte too: read more
            }
            return { tables: back.tables, toc: back.toc, bytesRead: count, head: back.head };
        } catch (e) {
            if (count >= size || !(e instanceof LifeboatError) || e.code !== "archive-unreadable") {
                throw e;
            }
        }
    }
}

/** The TABLE entries of a `pg_restore --list` table of contents (not TABLE DATA, not TABLE ATTACH). */
export function countTables(toc: string): number {
    return tocEntries(toc).filter((e) => e.type === "TABLE").length;
}

/** pg_class: the catalog of a TOC entry that is a table, view, sequence or index. */
const PG_CLASS = 1259;

export interface TocEntry {
    /** The entry's dump id (the first number of the line). */
    id: number;
    /** The catalog the object lives in (1259 for pg_class), 0 for entries of no catalog (TABLE DATA, ACL, COMMENT...). */
    tableoid: number;
    /** The object's OID; for TABLE DATA, the table's. */
    oid: number;
    /** `TABLE`, `TABLE DATA`, `SEQUENCE SET`, ... as far as it can be told apart from the rest (see tocEntries). */
    type: string;
    /** `schema name owner` as pg_restore prints them: unquoted, space-separated, so never split on spaces. */
    rest: string;
    /** The whole line, for a `--use-list` file. */
    line: string;
}

/**
 * Reads `pg_restore --list` lines: `215; 1259 16386 TABLE public t owner`. pg_restore prints
 * schema, name and owner unquoted, separated by single spaces, so a name with a space cannot be
 * split back out of a line; nothing here tries. The type is told apart by the catalog: a TABLE
 * entry is in pg_class (1259), while TABLE DATA (`0 <table oid>`) and TABLE ATTACH (`0 0`) are in
 * none, so a table named `ATTACH` or `DATA` is never mistaken for one of them.
 */
export function tocEntries(toc: string): TocEntry[] {
    const out: TocEntry[] = [];
    for (const raw of toc.split("\n")) {
        const m = /^(\d+); (\d+) (\d+) (.*)$/.exec(raw.replace(/\r$/, ""));
        if (m === null) {
            continue;
        }
        const tableoid = Number(m[2]);
        const body = m[4];
        let type = body.split(" ")[0] ?? "";
        for (const two of ["TABLE DATA", "TABLE ATTACH", "SEQUENCE SET", "SEQUENCE OWNED BY", "INDEX ATTACH", "FK CONSTRAINT", "DEFAULT ACL", "MATERIALIZED VIEW DATA", "MATERIALIZED VIEW", "FOREIGN TABLE", "EVENT TRIGGER", "ROW SECURITY", "LARGE OBJECT", "BLOB METADATA", "DATABASE PROPERTIES"]) {
            if (body.startsWith(`${two} `)) {
                type = two;
                break;
            }
        }
        if (tableoid === PG_CLASS && body.startsWith("TABLE ")) {
            type = "TABLE";
        } else if (tableoid !== 0 && (type === "TABLE DATA" || type === "TABLE ATTACH")) {
            type = "TABLE";
        }
        out.push({ id: Number(m[1]), tableoid, oid: Number(m[3]), type, rest: body.slice(type.length + 1), line: raw });
    }
    return out;
}

/** How pg_restore --list prints a name: newlines and carriage returns become spaces. */
function listed(name: string): string {
    return name.replace(/[\r\n]/g, " ");
}

/** Does a TOC entry's `schema name owner` text name this table (whatever its owner)? */
export function entryNames(entry: TocEntry, schema: string, name: string): boolean {
    const prefix = `${listed(schema)} ${listed(name)}`;
    return entry.rest === prefix || entry.rest.startsWith(`${prefix} `);
}

export interface TableRef {
    schema: string;
    name: string;
}

/** schema.table for a person: each part double-quoted where SQL would need it. */
export function displayTable(t: TableRef): string {
    const q = (x: string): string => (/^[a-z_][a-z0-9_$]*$/.test(x) ? x : `"${x.replace(/"/g, '""')}"`);
    return `${q(t.schema)}.${q(t.name)}`;
}

/**
 * The archive's tables that `present` lacks, for archives whose manifest records no table list:
 * a TOC TABLE entry counts as present when some table of `present` prints as its line does.
 * Returns the TOC text of each entry not found (`schema name owner`).
 */
export function tocTablesMissing(toc: string, present: TableRef[]): string[] {
    return tocEntries(toc)
        .filter((e) => e.type === "TABLE")
        .filter((e) => !present.some((t) => entryNames(e, t.schema, t.name)))
        .map((e) => e.rest);
}

/** The tables of `expected` (the source catalog's, by OID) that the archive's TOC has no TABLE entry for. */
export function tablesNotInToc(toc: string, expected: Array<TableRef & { oid: number }>): Array<TableRef & { oid: number }> {
    const oids = new Set(tocEntries(toc).filter((e) => e.type === "TABLE").map((e) => e.oid));
    return expected.filter((t) => !oids.has(t.oid));
}

// ---------------------------------------------------------------------------------------------
// The archive's SQL, as `pg_restore --schema-only --create --file=-` prints it, read statement by
// statement with PostgreSQL's lexical rules (quoted identifiers, strings, dollar quotes, comments,
// psql meta-commands), so no name with a space, quote, dot or keyword in it can be misread.

export interface Token {
    /** word: a bare identifier or keyword (value lowercased); ident: a quoted identifier (value unquoted); string; number; op. */
    kind: "word" | "ident" | "string" | "number" | "op";
    value: string;
    start: number;
    end: number;
}

export interface Statement {
    text: string;
    tokens: Token[];
}

/** Splits SQL into statements and tokens. Meta-commands (`\connect`, `\restrict`) and comments are dropped. */
export function statements(sql: string): Statement[] {
    const out: Statement[] = [];
    let tokens: Token[] = [];
    let stmtStart = -1;
    let i = 0;
    const n = sql.length;
    const push = (t: Token): void => {
        if (stmtStart < 0) {
            stmtStart = t.start;
        }
        tokens.push(t);
    };
    while (i < n) {
        const c = sql[i];
        if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f") {
            i++;
        } else if (c === "-" && sql[i + 1] === "-") {
            while (i < n && sql[i] !== "\n") i++;
        } else if (c === "/" && sql[i + 1] === "*") {
            let depth = 1;
            i += 2;
            while (i < n && depth > 0) {
                if (sql[i] === "/" && sql[i + 1] === "*") {
                    depth++;
                    i += 2;
                } else if (sql[i] === "*" && sql[i + 1] === "/") {
                    depth--;
                    i += 2;
                } else {
                    i++;
                }
            }
        } else if (c === "\\" && tokens.length === 0) {
            while (i < n && sql[i] !== "\n") i++;
        } else if (c === ";") {
            if (tokens.length > 0) {
                out.push({ text: sql.slice(stmtStart, i), tokens: tokens.map((t) => ({ ...t, start: t.start - stmtStart, end: t.end - stmtStart })) });
            }
            tokens = [];
            stmtStart = -1;
            i++;
        } else if (c === "'" || ((c === "E" || c === "e") && sql[i + 1] === "'")) {
            const escapes = c !== "'";
            const q = readQuoted(sql, escapes ? i + 1 : i, escapes);
            push({ kind: "string", value: q.value, start: i, end: q.end });
            i = q.end;
        } else if (c === '"') {
            const q = readQuoted(sql, i, false);
            push({ kind: "ident", value: q.value, start: i, end: q.end });
            i = q.end;
        } else if (c === "$" && /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.test(sql.slice(i, i + 64))) {
            const tag = (/^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 64)) as RegExpExecArray)[0];
            const start = i;
            const close = sql.indexOf(tag, i + tag.length);
            i = close < 0 ? n : close + tag.length;
            push({ kind: "string", value: sql.slice(start + tag.length, close < 0 ? n : close), start, end: i });
        } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
            const start = i;
            while (i < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[i])) i++;
            push({ kind: "word", value: sql.slice(start, i).toLowerCase(), start, end: i });
        } else if (/[0-9]/.test(c)) {
            const start = i;
            while (i < n && /[0-9.eE_]/.test(sql[i])) i++;
            push({ kind: "number", value: sql.slice(start, i), start, end: i });
        } else {
            const start = i++;
            push({ kind: "op", value: c, start, end: i });
        }
    }
    if (tokens.length > 0) {
        out.push({ text: sql.slice(stmtStart), tokens: tokens.map((t) => ({ ...t, start: t.start - stmtStart, end: t.end - stmtStart })) });
    }
    return out;
}

/**
 * A quoted token from its opening quote at `open` (`'` string or `"` identifier): a doubled
 * quote stands for one, and with `escapes` (an `E'...'` string) a backslash takes the next
 * character as it is. Returns the value and the index after the closing quote.
 */
function readQuoted(sql: string, open: number, escapes: boolean): { value: string; end: number } {
    const quote = sql[open];
    let i = open + 1;
    let value = "";
    while (i < sql.length) {
        if (escapes && sql[i] === "\\") {
            value += sql[i + 1] ?? "";
            i += 2;
        } else if (sql[i] === quote && sql[i + 1] === quote) {
            value += quote;
            i += 2;
        } else if (sql[i] === quote) {
            return { value, end: i + 1 };
        } else {
            value += sql[i++];
        }
    }
    return { value, end: i };
}

/** The name a word or quoted-identifier token stands for (bare words fold to lower case). */
function nameOf(t: Token | undefined): string | undefined {
    return t !== undefined && (t.kind === "word" || t.kind === "ident") ? t.value : undefined;
}

const isWord = (t: Token | undefined, ...words: string[]): boolean => t !== undefined && t.kind === "word" && words.includes(t.value);

/** Not roles: PUBLIC and the role keywords a grant or policy may name. */
const NOT_ROLES = new Set(["public", "current_user", "session_user", "current_role"]);

/** Role names in a comma-separated list starting at token `from`, up to a word in `stop`. */
function roleList(tokens: Token[], from: number, stop: string[]): string[] {
    const roles: string[] = [];
    for (let i = from; i < tokens.length; i++) {
        const t = tokens[i];
        if (t.kind === "word" && stop.includes(t.value)) {
            break;
        }
        if (t.kind === "op" && t.value === ",") {
            continue;
        }
        if (t.kind === "word" && t.value === "group") {
            continue; // GRANT .. TO GROUP g (a reserved word: a role named group is always quoted)
        }
        if ((t.kind === "word" && !NOT_ROLES.has(t.value)) || t.kind === "ident") {
            roles.push(t.value);
        } else if (t.kind !== "word") {
            break;
        }
    }
    return roles;
}

export type RoleUse = "ownership" | "grant" | "revoke" | "policy" | "default privileges" | "database setting" | "user mapping" | "session";

export interface RoleReference {
    use: RoleUse;
    roles: string[];
}

/** The roles a statement of pg_dump's output names, and what for; undefined when it names none. */
export function roleReference(s: Statement): RoleReference | undefined {
    const t = s.tokens;
    const first = t[0];
    if (first === undefined || first.kind !== "word") {
        return undefined;
    }
    const at = (word: string, from = 0): number => t.findIndex((x, i) => i >= from && x.kind === "word" && x.value === word);
    if (first.value === "alter" && isWord(t[1], "default") && isWord(t[2], "privileges")) {
        const roles: string[] = [];
        if (isWord(t[3], "for") && isWord(t[4], "role", "user")) {
            roles.push(...roleList(t, 5, ["in", "grant", "revoke"]));
        }
        const grant = at("grant", 3);
        const revoke = at("revoke", 3);
        if (grant >= 0) {
            const to = at("to", grant);
            roles.push(...(to >= 0 ? roleList(t, to + 1, ["with", "granted"]) : []));
        } else if (revoke >= 0) {
            const from = at("from", revoke);
            roles.push(...(from >= 0 ? roleList(t, from + 1, ["cascade", "restrict", "granted"]) : []));
        }
        return { use: "default privileges", roles };
    }
    if (first.value === "alter" && isWord(t[1], "role", "user") && isWord(t[3], "in") && isWord(t[4], "database")) {
        return { use: "database setting", roles: roleList(t, 2, ["in"]) };
    }
    if (first.value === "alter") {
        const owner = t.findIndex((x, i) => isWord(x, "owner") && isWord(t[i + 1], "to"));
        if (owner >= 0) {
            return { use: "ownership", roles: roleList(t, owner + 2, []).slice(0, 1) };
        }
        return undefined;
    }
    if (first.value === "grant") {
        const to = at("to");
        const roles = to >= 0 ? roleList(t, to + 1, ["with", "granted"]) : [];
        const by = t.findIndex((x, i) => isWord(x, "granted") && isWord(t[i + 1], "by"));
        return { use: "grant", roles: [...roles, ...(by >= 0 ? roleList(t, by + 2, []) : [])] };
    }
    if (first.value === "revoke") {
        const from = at("from");
        return { use: "revoke", roles: from >= 0 ? roleList(t, from + 1, ["cascade", "restrict", "granted"]) : [] };
    }
    if (first.value === "create" && isWord(t[1], "policy")) {
        const to = t.findIndex((x, i) => i > 3 && isWord(x, "to"));
        return { use: "policy", roles: to >= 0 ? roleList(t, to + 1, ["using", "with"]) : [] };
    }
    if (first.value === "create" && isWord(t[1], "user") && isWord(t[2], "mapping") && isWord(t[3], "for")) {
        return { use: "user mapping", roles: roleList(t, 4, ["server"]) };
    }
    if (first.value === "set" && isWord(t[1], "session") && isWord(t[2], "authorization")) {
        return { use: "session", roles: roleList(t, 3, []) };
    }
    if (first.value === "set" && isWord(t[1], "role")) {
        return { use: "session", roles: roleList(t, 2, []) };
    }
    return undefined;
}

/**
 * Where a database-level statement (ALTER DATABASE, ALTER ROLE .. IN DATABASE, GRANT/REVOKE
 * .. ON DATABASE, COMMENT ON DATABASE, CREATE DATABASE) names its database: the token index,
 * or -1 for any other statement.
 */
export function databaseNameToken(s: Statement): number {
    const t = s.tokens;
    if (isWord(t[0], "alter", "create") && isWord(t[1], "database")) {
        return 2;
    }
    if (isWord(t[0], "alter") && isWord(t[1], "role", "user") && isWord(t[3], "in") && isWord(t[4], "database")) {
        return 5;
    }
    if (isWord(t[0], "grant", "revoke", "comment", "security")) {
        const on = t.findIndex((x, i) => isWord(x, "on") && isWord(t[i + 1], "database"));
        if (on >= 0) {
            return on + 2;
        }
    }
    return -1;
}

/** The statement with its database name replaced by `name` (already quoted). */
export function renameDatabase(s: Statement, index: number, quotedName: string): string {
    const t = s.tokens[index];
    return `${s.text.slice(0, t.start)}${quotedName}${s.text.slice(t.end)}`;
}

/** The name token's value (the database the statement is about). */
export function databaseNamed(s: Statement, index: number): string | undefined {
    return nameOf(s.tokens[index]);
}

/** One line of a statement for a report: whitespace collapsed, cut at 200 characters. */
export function summary(s: Statement): string {
    const line = s.text.replace(/\s+/g, " ").trim();
    return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
