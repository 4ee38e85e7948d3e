import { createReadStream, createWriteStream, promises as fsp } from "fs";
import { FileHandle } from "fs/promises";
import { createHash } from "crypto";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { displayTable, hashInto, Statement, statements, summary, TableRef, tocEntries, tocTablesMissing } from "./archive";
import { applyDatabaseProperties, databaseProperties, DatabaseProperties, forDatabase } from "./databaseProperties";
import { EXIT_REFUSED, EXIT_USAGE, errnoCode, LifeboatError, messageOf } from "./errors";
import { spawnDecompressor, watchExit, zstdBin } from "./codec";
import { addDataOffsets } from "./dataOffsets";
import { GrowingFile, loadBlocks, streamFailure, streamHead } from "./streamLoad";
import { log, mbPerSecond, Progress, testHold, testStall } from "./log";
import { DatabaseEntry, findSet, SetRef } from "./manifest";
import { classifyPgError, childEnv, ConnSpec, conninfo, connect, describeServer, quoteIdent, quoteLiteral, run } from "./pg";
import { partialList, Selection, selectTables } from "./partial";
import { redact } from "./redact";
import { DroppedItem, MissingRoles, missingRoles, missingRolesReport } from "./roles";
import { Target } from "./targets";

const MAX_IDENT_BYTES = 63;

/** A UTC stamp for database names: 20261121020000. */
export function stamp(date: Date): string {
    return date.toISOString().replace(/[-:T]/g, "").replace(/\.\d{3}Z$/, "");
}

/** `<base><suffix>` cut to PostgreSQL's 63-byte identifier limit, never inside a character. */
export function databaseName(base: string, suffix: string): string {
    const room = MAX_IDENT_BYTES - Buffer.byteLength(suffix);
    let cut = base;
    while (Buffer.byteLength(cut) > room) {
        cut = Array.from(cut).slice(0, -1).join("");
    }
    return `${cut}${suffix}`;
}

/** The set's key fingerprint against LIFEBOAT_KEY_FINGERPRINT: refuse data nobody can decrypt. */
export function checkFingerprint(set: SetRef, expected: string | undefined): void {
    if (expected === undefined || expected === "") {
        return;
    }
    const recorded = set.manifest.set.keyFingerprint;
    if (recorded === null) {
        throw new LifeboatError(
            `set ${set.id} records no key fingerprint, LIFEBOAT_KEY_FINGERPRINT is ${expected}: cannot prove its data decrypts with the key in force`,
            "that the set was made with LIFEBOAT_KEY_FINGERPRINT, or unset it to restore anyway",
            EXIT_REFUSED,
            "fingerprint-mismatch",
        );
    }
    if (recorded !== expected) {
        throw new LifeboatError(
            `key fingerprint mismatch: set ${set.id} was made under key ${recorded}, LIFEBOAT_KEY_FINGERPRINT is ${expected}; its encrypted fields would not decrypt`,
            `the key version: this set needs the key whose fingerprint is ${recorded}; docs/RUNBOOK.md, "Which key a set needs", tells how to find that version (lifeboat fingerprint < key)`,
            EXIT_REFUSED,
            "fingerprint-mismatch",
        );
    }
}

/** No LIFEBOAT_KEY_FINGERPRINT: the restore cannot prove the data decrypts; said on stderr and in the log unless `--no-key-check`. */
function warnUncheckedKey(set: SetRef, opts: { keyFingerprint?: string; noKeyCheck?: boolean }): void {
    if ((opts.keyFingerprint !== undefined && opts.keyFingerprint !== "") || opts.noKeyCheck === true) {
        return;
    }
    const recorded = set.manifest.set.keyFingerprint ?? "none recorded";
    log.warn("restore.key_unchecked", { set: set.id, keyFingerprint: set.manifest.set.keyFingerprint, check: "LIFEBOAT_KEY_FINGERPRINT, or --no-key-check" });
    process.stderr.write(
        `lifeboat: warning: LIFEBOAT_KEY_FINGERPRINT is not set: nothing proves set ${set.id} (key ${recorded}) decrypts with the key in force; set it (lifeboat fingerprint < key), or pass --no-key-check\n`,
    );
}

export interface Downloaded {
    file: string;
    dir: string;
    cleanup(): Promise<void>;
}

/** A download under way: `done` settles once the whole archive is written to `file` and proven. */
interface Downloading extends Downloaded {
    /** Resolves when size and SHA-256 match the manifest and zstd decoded the whole frame; rejects with the reason otherwise. */
    done: Promise<{ size: number; sha256: string }>;
    started: number;
    /** Stops fetching and decompressing (a failed or interrupted restore). */
    stop(): void;
}

/**
 * Starts streaming a set's archive to a private temporary file, hashing as it goes. A zstd
 * object is decompressed on the way (the zstd program, on another core; node hashes the stored
 * bytes), so download, hash and decompression overlap; a local zstd object is read in place by
 * zstd while node hashes the same open file. `done` refuses the archive unless size and SHA-256
 * match the manifest.
 */
async function startDownload(target: Target, entry: DatabaseEntry, key: string, local: string | undefined): Promise<Downloading> {
    const base = process.env.LIFEBOAT_TMPDIR ?? os.tmpdir();
    const dir = await fsp.mkdtemp(path.join(base, "lifeboat-restore-"));
    const file = path.join(dir, "archive.dump");
    const cleanup = (): Promise<void> => fsp.rm(dir, { recursive: true, force: true });
    const progress = new Progress("download", { [entry.name]: entry.size });
    const started = Date.now();
    const stops: Array<() => void> = [];
    let stopped = false;
    const stop = (): void => {
        stopped = true;
        for (const s of stops) {
            s();
        }
    };
    // zstd's output exists before this returns: a reader of the growing file may open it at once
    const zstdOut = entry.codec === "zstd" ? await fsp.open(file, "wx", 0o600) : undefined;
    const fetch = async (): Promise<{ size: number; sha256: string; unzipFailed?: string }> => {
        const onChunk = (n: number): void => progress.add(entry.name, n);
        if (entry.codec === "zstd") {
            // a local frame: zstd reads the open file itself while node hashes the same inode
            // beside it (positioned reads, so the two never share an offset): no byte is piped;
            // a remote one: node feeds zstd the bytes it hashes
            const out = zstdOut as FileHandle;
            const handle = local !== undefined ? await fsp.open(local, "r").catch(async (e: unknown) => {
                await out.close();
                throw e;
            }) : undefined;
            try {
                const source = handle !== undefined ? createReadStream("", { fd: handle.fd, start: 0, autoClose: false, highWaterMark: 1 << 20 }) : await target.get(key);
                const unzip = spawnDecompressor(out.fd, handle?.fd);
                source.on("error", () => undefined); // hashInto reports it; a stop's destroy may come after the end
                stops.push(() => {
                    source.destroy();
                    unzip.kill("SIGKILL");
                });
                if (stopped) {
                    stop();
                }
                const exited = watchExit(unzip);
                const got = await hashInto(source, handle !== undefined ? undefined : (unzip.stdin ?? undefined), onChunk);
                const e = await exited;
                return { ...got, unzipFailed: e.code !== 0 ? (e.stderr.trim().split("\n").pop() ?? `${zstdBin()} exited ${e.code}`) : undefined };
            } finally {
                stops.length = 0;
                await out.close();
                await handle?.close();
            }
        }
        const source = local !== undefined ? createReadStream(local, { highWaterMark: 1 << 20 }) : await target.get(key);
        source.on("error", () => undefined);
        stops.push(() => source.destroy(new Error("stopped")));
        const out = createWriteStream(file, { mode: 0o600, highWaterMark: 1 << 20 });
        const written = new Promise<void>((resolve, reject) => {
            out.on("error", reject);
            out.on("finish", resolve);
        });
        const got = await hashInto(source, out, onChunk);
        await written;
        return got;
    };
    const done = fetch().then(
        ({ size, sha256, unzipFailed }) => {
            progress.done();
            if (size !== entry.size || sha256 !== entry.sha256) {
                throw checksumMismatch(target, key, entry, size, sha256);
            }
            if (unzipFailed !== undefined) {
                const full = /No space left/i.test(unzipFailed);
                throw new LifeboatError(
                    `${full ? `no space left in ${base} for the decompressed archive of ${entry.name}` : `cannot decompress ${key} (checksum matched)`}: ${unzipFailed}`,
                    full ? "free space there or set LIFEBOAT_TMPDIR (the decompressed archive is several times the stored size)" : "the zstd program (LIFEBOAT_ZSTD)",
                    1,
                    full ? "disk-full" : "archive-unreadable",
                );
            }
            return { size, sha256 };
        },
        (e: unknown) => {
            progress.done();
            if (e instanceof LifeboatError) {
                throw e;
            }
            if (errnoCode(e) === "ENOSPC") {
                throw new LifeboatError(`no space left in ${base} for the ${entry.size} byte archive of ${entry.name}`, "free space there or set LIFEBOAT_TMPDIR", 1, "disk-full");
            }
            throw new LifeboatError(`download of ${key} from ${target.display} failed: ${messageOf(e)}`, "the target", 1, "download-failed");
        },
    );
    done.catch(() => undefined); // awaited by the caller; never an unhandled rejection meanwhile
    return { file, dir, cleanup, done, started, stop };
}

/**
 * Streams a set's archive to a private temporary file (pg_restore --jobs needs a seekable file)
 * and proves it against the manifest before this returns: no SQL of an unproven archive reaches
 * the server on this path. The decompressed archive then gets the data offsets pg_dump could not
 * write into a pipe (scripts/dataOffsets.ts). A local uncompressed archive is checked in place.
 */
export async function download(target: Target, set: SetRef, entry: DatabaseEntry): Promise<Downloaded> {
    const key = `${target.prefix}${entry.key}`;
    const local = target.localPath === undefined ? undefined : await target.localPath(key);
    if (local !== undefined && entry.codec === "none") {
        return checkInPlace(target, set, entry, key, local);
    }
    const dl = await startDownload(target, entry, key, local);
    let size: number;
    let sha256: string;
    try {
        ({ size, sha256 } = await dl.done);
    } catch (e) {
        await dl.cleanup();
        throw e;
    }
    // the proven archive, written by pg_dump to a pipe: its data offsets, so pg_restore --jobs seeks instead of walking every row's block
    const offsets = entry.codec === "zstd" ? await addDataOffsets(dl.file) : 0;
    const ms = Date.now() - dl.started;
    log.event("download.done", { set: set.id, database: entry.name, bytes: size, seconds: ms / 1000, mbPerSecond: mbPerSecond(size, ms), sha256, codec: entry.codec, inPlace: local !== undefined, offsets });
    return dl;
}

/** The stored object (or, with `head`, its decompressed header and TOC) is not what the manifest says (`expected`). */
function checksumMismatch(target: Target, key: string, expected: { size: number; sha256: string }, size: number, sha256: string, head = false): LifeboatError {
    const of = head ? `the header and table of contents of ${key}` : key;
    return new LifeboatError(
        `checksum mismatch for ${of} on ${target.display}: manifest says ${expected.size} bytes sha256 ${expected.sha256}, ${head ? "the archive's are" : "stored object is"} ${size} bytes sha256 ${sha256}; nothing was restored`,
        "the storage (corruption or tampering); restore another set",
        EXIT_REFUSED,
        "checksum-mismatch",
    );
}

/** A local (file://) archive is hashed where it lies and restored from there: no copy. */
async function checkInPlace(target: Target, set: SetRef, entry: DatabaseEntry, key: string, file: string): Promise<Downloaded> {
    const started = Date.now();
    const progress = new Progress("check", { [entry.name]: entry.size });
    let got: { size: number; sha256: string };
    try {
        got = await hashInto(createReadStream(file, { highWaterMark: 1 << 20 }), undefined, (n) => progress.add(entry.name, n));
    } finally {
        progress.done();
    }
    const { size, sha256 } = got;
    if (size !== entry.size || sha256 !== entry.sha256) {
        throw checksumMismatch(target, key, entry, size, sha256);
    }
    log.event("download.done", { set: set.id, database: entry.name, bytes: size, seconds: (Date.now() - started) / 1000, mbPerSecond: mbPerSecond(size, Date.now() - started), sha256, inPlace: true });
    return { file, dir: path.dirname(file), cleanup: async () => undefined };
}

/**
 * The archive's SQL without its data, database-level statements and large objects' owners,
 * grants and comments included (`--schema-only` leaves those out): every statement pg_restore
 * would run but COPY. `toc` is the archive's `pg_restore --list --create`.
 */
export async function archiveSql(file: string, toc: string): Promise<Statement[]> {
    const dir = await fsp.mkdtemp(path.join(process.env.LIFEBOAT_TMPDIR ?? os.tmpdir(), "lifeboat-sql-"));
    try {
        const listFile = path.join(dir, "schema.list");
        const lines = tocEntries(toc).filter((e) => e.type !== "TABLE DATA" && e.type !== "BLOBS");
        await fsp.writeFile(listFile, `${lines.map((e) => e.line).join("\n")}\n`, { mode: 0o600 });
        const r = await run("pg_restore", ["--create", `--use-list=${listFile}`, "--file=-", file], process.env);
        if (r.code !== 0) {
            throw new LifeboatError(`cannot read the archive's schema: ${r.stderr.trim().split("\n").pop() ?? ""}`, "the archive", 1, "archive-unreadable");
        }
        return statements(r.stdout);
    } finally {
        await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
}

export interface Check {
    tables: number;
    rows: number;
    largeObjects: number;
}

/** What the restored database must hold: the manifest's table list (taken from the source catalog), else the archive's TOC. */
export type ExpectedTables = { tableList: TableRef[] } | { toc: string };

/** The expected tables `present` lacks, as names a person can read. */
export function lackingTables(expected: ExpectedTables, present: TableRef[]): string[] {
    if ("tableList" in expected) {
        const have = new Set(present.map((t) => JSON.stringify([t.schema, t.name])));
        return expected.tableList.filter((t) => !have.has(JSON.stringify([t.schema, t.name]))).map(displayTable);
    }
    return tocTablesMissing(expected.toc, present);
}

/** Every expected table is present in `database`; counts the rows of `counted` (default: every table). */
async function checkDatabase(spec: ConnSpec, database: string, expected: ExpectedTables, counted?: TableRef[], jobs = 1): Promise<Check> {
    const client = await connect(spec, database);
    try {
        const r = await client.query<{ schema: string; name: string }>(
            "SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%'",
        );
        const missing = lackingTables(expected, r.rows);
        if (missing.length > 0) {
            throw new LifeboatError(
                `restored database lacks ${missing.length} table(s) of the archive: ${missing.join(", ")}`,
                "pg_restore's messages in the restore.pg_restore log line",
                1,
                "check-failed",
            );
        }
        const tables = counted ?? r.rows;
        const rows = await countRows(spec, database, client, jobs, tables);
        const lo = await client.query<{ n: string }>("SELECT count(*) AS n FROM pg_largeobject_metadata");
        return { tables: tables.length, rows, largeObjects: Number(lo.rows[0].n) };
    } finally {
        await client.end().catch(() => undefined);
    }
}

/**
 * The exact row count of each table (`count(*)`, no estimate), on up to `jobs` connections at once.
 */
async function countRows(spec: ConnSpec, database: string, first: Client, jobs: number, refs: TableRef[]): Promise<number> {
    const tables = refs.map((t) => `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`);
    let next = 0;
    let rows = 0;
    const worker = async (client: Client): Promise<void> => {
        while (next < tables.length) {
            const t = tables[next++];
            const c = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ONLY ${t}`);
            rows += Number(c.rows[0].n);
        }
    };
    const extra = await Promise.all(Array.from({ length: Math.max(0, Math.min(jobs, tables.length) - 1) }, () => connect(spec, database)));
    try {
        await Promise.all([first, ...extra].map(worker));
    } finally {
        await Promise.all(extra.map((c) => c.end().catch(() => undefined)));
    }
    return rows;
}

/** The number of user relations and large objects: a database with none counts as empty. */
async function countObjects(client: Client): Promise<number> {
    const r = await client.query<{ n: string }>(
        "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%') + (SELECT count(*) FROM pg_largeobject_metadata) AS n",
    );
    return Number(r.rows[0].n);
}

async function objectCount(spec: ConnSpec, database: string): Promise<number> {
    const client = await connect(spec, database);
    try {
        return await countObjects(client);
    } finally {
        await client.end().catch(() => undefined);
    }
}

async function terminate(admin: Client, database: string): Promise<void> {
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [database]);
}

async function databaseExists(admin: Client, database: string): Promise<boolean> {
    const r = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    return r.rowCount === 1;
}

async function dropDatabase(admin: Client, database: string): Promise<void> {
    await terminate(admin, database);
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)}`);
}

/** A signal stops a restore (or a verify) before anything irreversible: the original stays live. */
function stopIfAborted(signal: AbortSignal | undefined, database: string): void {
    if (signal?.aborted === true) {
        throw new LifeboatError(
            `restore of ${JSON.stringify(database)} interrupted by a signal before the swap: ${JSON.stringify(database)} is unchanged and live, the scratch database was dropped`,
            "what stopped the job; run the restore again",
            1,
            "interrupted",
        );
    }
}

/** Advisory-lock keys (pg_try_advisory_lock(int, int)): one restore per target database, and the scratch databases of live runs. */
const LOCK_RESTORE = "lifeboat.restore";
const LOCK_SCRATCH = "lifeboat.scratch";

/** One restore at a time into a database: a second one refuses instead of colliding on the scratch name. The lock ends with the session. */
async function lockRestoreInto(admin: Client, spec: ConnSpec, into: string): Promise<void> {
    const r = await admin.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS ok", [LOCK_RESTORE, into]);
    if (r.rows[0]?.ok !== true) {
        throw new LifeboatError(
            `another restore into ${JSON.stringify(into)} on ${describeServer(spec)} is running; refusing to start a second one`,
            "pg_stat_activity (application_name lifeboat) and wait for it to finish",
            1,
            "restore-running",
        );
    }
}

/** Marks `scratch` as a live run's (until the session ends), so `lifeboat cleanup` and the leftover report leave it alone. */
async function holdScratch(admin: Client, scratch: string): Promise<void> {
    await admin.query("SELECT pg_advisory_lock(hashtext($1), hashtext($2))", [LOCK_SCRATCH, scratch]);
}

/** Scratch databases of restores and verifies that were killed: no live run holds them. */
export async function leftoverScratch(admin: Client): Promise<string[]> {
    const r = await admin.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname ~ '__lifeboat_restore_[0-9]{14}$' OR datname ~ '^lifeboat_verify_.*_[0-9]{14}$' ORDER BY datname",
    );
    const out: string[] = [];
    for (const { datname } of r.rows) {
        const held = await admin.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS ok", [LOCK_SCRATCH, datname]);
        if (held.rows[0]?.ok === true) {
            await admin.query("SELECT pg_advisory_unlock(hashtext($1), hashtext($2))", [LOCK_SCRATCH, datname]);
            out.push(datname);
        }
    }
    return out;
}

/** The command that removes them, for the report. */
function cleanupCommand(server: ConnSpec): string {
    return `lifeboat cleanup --into postgres://${server.user ?? "USER"}@${server.host ?? "localhost"}:${server.port ?? 5432}/`;
}

/** Reports leftovers of killed runs on the server: a warning on stderr and in the log, with the one command that removes them. */
async function reportLeftovers(admin: Client, spec: ConnSpec, server: ConnSpec): Promise<void> {
    const left = await leftoverScratch(admin);
    if (left.length === 0) {
        return;
    }
    const command = cleanupCommand(server);
    log.warn("restore.leftovers", { server: describeServer(spec), databases: left, remove: command });
    process.stderr.write(`lifeboat: warning: ${left.length} scratch database(s) of an interrupted restore or verify remain on ${describeServer(spec)}: ${left.join(", ")}; remove them with: ${command}\n`);
}

/** `lifeboat cleanup`: drops every leftover scratch database no live run holds. */
export async function cleanup(server: ConnSpec): Promise<string[]> {
    const spec: ConnSpec = { ...server, database: undefined };
    const admin = await connectAdmin(spec);
    try {
        const dropped: string[] = [];
        for (const name of await leftoverScratch(admin)) {
            const held = await admin.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS ok", [LOCK_SCRATCH, name]);
            if (held.rows[0]?.ok !== true) {
                continue; // a run started using it meanwhile
            }
            await dropDatabase(admin, name);
            await admin.query("SELECT pg_advisory_unlock(hashtext($1), hashtext($2))", [LOCK_SCRATCH, name]);
            dropped.push(name);
            log.event("cleanup.dropped", { server: describeServer(spec), database: name });
        }
        log.event("cleanup.done", { server: describeServer(spec), dropped: dropped.length });
        return dropped;
    } finally {
        await admin.end().catch(() => undefined);
    }
}

/** Connects to the server's maintenance database (postgres, else template1). */
export async function connectAdmin(spec: ConnSpec): Promise<Client> {
    try {
        return await connect(spec, "postgres");
    } catch (e) {
        if (e instanceof LifeboatError && e.code === "database-missing") {
            return connect(spec, "template1");
        }
        throw e;
    }
}

export interface ScratchOptions {
    /** Restore even when a missing role makes pg_restore drop owners, grants, policies... (listed either way). */
    allowMissingRoles: boolean;
    /** The manifest's table list, when the set records one. */
    tableList?: TableRef[];
    /** A partial restore: only these tables' rows, no owners or grants (see partial.ts). */
    partial?: Selection;
    /** SIGTERM/SIGINT: stops before the swap, the scratch database dropped. */
    signal?: AbortSignal;
}

export interface ScratchResult extends Check {
    missingRoles: string[];
    /** What pg_restore dropped because of them. */
    dropped: DroppedItem[];
    /** Database-level properties applied (owner, grants, settings, comment). */
    databaseProperties: number;
    seconds: number;
    /** The pg_restore run alone (the rest is the check and the database's properties). */
    pgRestoreSeconds: number;
}

/** CREATE DATABASE as the archive has it (template, encoding, locale), for `scratch`; where the server lacks that locale, template0 with the archive's encoding. */
async function createScratch(admin: Client, spec: ConnSpec, scratch: string, props: DatabaseProperties, encoding: string | undefined, label: string): Promise<void> {
    if (props.create !== undefined) {
        try {
            await admin.query(forDatabase(props.create, scratch));
            return;
        } catch (e) {
            if ((e as { code?: string }).code === "42P04") {
                throw classifyPgError(e, spec, scratch);
            }
            log.warn("restore.locale_fallback", { database: label, statement: summary(props.create), reason: messageOf(e) });
        }
    }
    const encodingClause = encoding !== undefined ? ` ENCODING ${quoteLiteral(encoding)}` : "";
    try {
        await admin.query(`CREATE DATABASE ${quoteIdent(scratch)} TEMPLATE template0${encodingClause}`);
    } catch (e) {
        throw classifyPgError(e, spec, scratch);
    }
}

/** Lists what missing roles would drop; refuses unless allowed. */
async function refuseMissingRoles(admin: Client, spec: ConnSpec, sql: Statement[], label: string, allow: boolean): Promise<MissingRoles> {
    const roles = await missingRoles(admin, sql);
    if (roles.dropped.length === 0) {
        return roles;
    }
    const refused = !allow;
    log.warn("restore.missing_roles", { database: label, roles: roles.missing, commands: roles.commands, dropped: roles.dropped, refused });
    process.stderr.write(redact(missingRolesReport(label, describeServer(spec), roles, refused)));
    if (refused) {
        throw new LifeboatError(
            `restore of ${JSON.stringify(label)} would drop the ${roles.dropped.length} item(s) listed above because role(s) ${roles.missing.join(", ")} do not exist on ${describeServer(spec)}; nothing was restored`,
            `create them first (${roles.commands.join(" ")}), or --allow-missing-roles to restore without them`,
            EXIT_REFUSED,
            "roles-missing",
        );
    }
    return roles;
}

interface Prepared {
    /** `pg_restore --list --create` of the archive. */
    toc: string;
    props: DatabaseProperties;
    roles: MissingRoles;
}

/**
 * What every restore does before pg_restore: reads the archive's TOC and SQL (from `file`, whole
 * or its head alone), refuses missing roles unless allowed, creates `scratch` as the archive has
 * it (held for this run) and says so (`restore.scratch`).
 */
async function prepareScratch(admin: Client, spec: ConnSpec, file: string, scratch: string, label: string, opts: ScratchOptions): Promise<Prepared> {
    const list = await run("pg_restore", ["--list", "--create", file], process.env);
    if (list.code !== 0) {
        throw new LifeboatError(`archive of ${label} is unreadable: ${list.stderr.trim().split("\n").pop() ?? ""}`, "the stored object", 1, "archive-unreadable");
    }
    const sql = await archiveSql(file, list.stdout);
    const encoding = /Encoding:\s*(\S+)/.exec(list.stdout)?.[1];
    const props = databaseProperties(sql);
    // a partial restore keeps no owners or grants: no role can be missing for it
    const roles: MissingRoles = opts.partial === undefined ? await refuseMissingRoles(admin, spec, sql, label, opts.allowMissingRoles) : { named: [], missing: [], dropped: [], commands: [] };
    stopIfAborted(opts.signal, label);
    await holdScratch(admin, scratch);
    await createScratch(admin, spec, scratch, props, encoding, label);
    log.event("restore.scratch", { database: label, scratch });
    return { toc: list.stdout, props, roles };
}

/** Refuses the restore when pg_restore's runs failed for anything but the roles known to be missing. */
function judgeRuns(runs: Array<{ code: number; stderr: string }>, missing: string[], label: string): void {
    const stderr = runs.map((r) => r.stderr.trim()).filter((t) => t !== "").join("\n");
    if (stderr !== "") {
        log.event("restore.pg_restore", { database: label, exitCode: Math.max(...runs.map((r) => r.code)), messages: stderr.split("\n").slice(-40) });
    }
    for (const r of runs.filter((x) => x.code !== 0)) {
        const errors = r.stderr.split("\n").filter((l) => /error:|ERROR:/.test(l));
        const real = errors.filter((l) => !/role ".*" does not exist/.test(l) && !/^pg_restore: error: could not execute query: ERROR:\s*$/.test(l) && !/errors ignored on restore/.test(l));
        const onlyRoles = errors.length > 0 && errors.every((l) => /role ".*" does not exist|errors ignored on restore|could not execute query/.test(l)) && missing.length > 0;
        if (!onlyRoles || real.some((l) => !/could not execute query/.test(l))) {
            const first = (real[0] ?? errors[0] ?? r.stderr.trim().split("\n").pop() ?? `exit ${r.code}`).replace(/^pg_restore: (error: )?/, "");
            throw new LifeboatError(`pg_restore of ${label} failed: ${first}`, "the pg_restore message, free space and the role's privileges", 1, "pg_restore-failed");
        }
    }
}

/** After pg_restore: the tables and rows checked, the database-level properties applied. */
async function finishScratch(admin: Client, spec: ConnSpec, scratch: string, jobs: number, label: string, prep: Prepared, dbOwner: string | undefined, opts: ScratchOptions): Promise<Check & { databaseProperties: number }> {
    const expected: ExpectedTables = opts.partial !== undefined ? { tableList: opts.partial.tables } : opts.tableList !== undefined ? { tableList: opts.tableList } : { toc: prep.toc };
    const check = await checkDatabase(spec, scratch, expected, opts.partial?.tables, jobs);
    let applied = 0;
    if (opts.partial === undefined) {
        applied = await applyDatabaseProperties(admin, prep.props, scratch, prep.roles.missing, label);
        if (applied === 0 && dbOwner !== undefined && dbOwner !== "" && !prep.roles.missing.includes(dbOwner)) {
            // an archive without database entries (not pg_dump's): the owner the manifest records
            await admin.query(`ALTER DATABASE ${quoteIdent(scratch)} OWNER TO ${quoteIdent(dbOwner)}`);
        }
    }
    return { ...check, databaseProperties: applied };
}

/**
 * Creates `scratch`, restores the archive into it with pg_restore (owners and grants kept where
 * the roles exist), checks it and applies the database-level properties. The caller drops or
 * swaps it; on failure it is dropped here.
 */
export async function restoreIntoScratch(admin: Client, spec: ConnSpec, file: string, scratch: string, jobs: number, label: string, dbOwner: string | undefined, opts: ScratchOptions): Promise<ScratchResult> {
    const started = Date.now();
    const prep = await prepareScratch(admin, spec, file, scratch, label, opts);
    let listDir: string | undefined;
    try {
        const args = ["--no-password", `--dbname=${conninfo(spec, scratch)}`, `--jobs=${Math.max(1, jobs)}`];
        if (opts.partial !== undefined) {
            const preData = await run("pg_restore", ["--list", "--section=pre-data", file], process.env);
            listDir = await fsp.mkdtemp(path.join(process.env.LIFEBOAT_TMPDIR ?? os.tmpdir(), "lifeboat-list-"));
            const listFile = path.join(listDir, "restore.list");
            await fsp.writeFile(listFile, partialList(preData.stdout, prep.toc, opts.partial), { mode: 0o600 });
            args.push("--no-owner", "--no-privileges", `--use-list=${listFile}`);
        }
        const loadStarted = Date.now();
        const r = await run("pg_restore", [...args, file], childEnv(spec), undefined, opts.signal);
        const pgRestoreSeconds = (Date.now() - loadStarted) / 1000;
        stopIfAborted(opts.signal, label);
        judgeRuns([r], prep.roles.missing, label);
        const done = await finishScratch(admin, spec, scratch, jobs, label, prep, dbOwner, opts);
        return { ...done, missingRoles: prep.roles.missing, dropped: prep.roles.dropped, seconds: (Date.now() - started) / 1000, pgRestoreSeconds };
    } catch (e) {
        if (opts.signal?.aborted === true) {
            await testStall("restore.rollback");
        }
        await dropDatabase(admin, scratch).catch(() => undefined);
        throw e;
    } finally {
        if (listDir !== undefined) {
            await fsp.rm(listDir, { recursive: true, force: true }).catch(() => undefined);
        }
    }
}

/** Entry types pg_restore restores after everything else (its ACL and post-ACL passes). */
const LATE_TYPES = new Set(["ACL", "ACL LANGUAGE", "DEFAULT ACL", "EVENT TRIGGER"]);

/**
 * The zstd codec's archive (`pg_dump -Z0 | zstd`), restored while it downloads: as soon as its
 * header and TOC are decompressed, the scratch database is created and the pre-data section
 * restored from them; each table's data is loaded as its bytes arrive, a big table's on `jobs`
 * connections (scripts/streamLoad.ts); once every block is in and the checksum is proven, the
 * rest (sequence values, indexes, constraints, triggers, ACLs) is restored with pg_restore
 * --jobs from the head. Nothing is swapped in before the proof: a mismatch drops the scratch
 * database. Undefined (and nothing done) when the archive cannot be streamed: the caller
 * downloads it whole.
 */
async function streamIntoScratch(admin: Client, spec: ConnSpec, target: Target, set: SetRef, entry: DatabaseEntry, scratch: string, jobs: number, label: string, opts: ScratchOptions): Promise<(ScratchResult & { dl: Downloaded }) | undefined> {
    const started = Date.now();
    const key = `${target.prefix}${entry.key}`;
    const local = target.localPath === undefined ? undefined : await target.localPath(key);
    const dl = await startDownload(target, entry, key, local);
    const handle = await fsp.open(dl.file, "r");
    const growing = new GrowingFile(handle, dl.done, opts.signal);
    // when the download, hash and decompression were through (the rows load on after that)
    const downloadMs = dl.done.then(
        () => Date.now() - dl.started,
        () => NaN,
    );
    let created = false;
    try {
        const head = await streamHead(growing);
        if (head === undefined) {
            dl.stop();
            await dl.done.catch(() => undefined);
            await dl.cleanup();
            return undefined;
        }
        const headFile = path.join(dl.dir, "head.dump");
        const headBytes = await growing.exact(0, head.length);
        // every statement pg_restore will run is in these bytes: proven before any reaches the server
        const proof = entry.head as NonNullable<DatabaseEntry["head"]>;
        const headSha = createHash("sha256").update(headBytes).digest("hex");
        if (head.length !== proof.bytes || headSha !== proof.sha256) {
            throw checksumMismatch(target, key, { size: proof.bytes, sha256: proof.sha256 }, head.length, headSha, true);
        }
        await fsp.writeFile(headFile, headBytes, { mode: 0o600 });
        const prep = await prepareScratch(admin, spec, headFile, scratch, label, opts);
        created = true;
        const sections = await Promise.all(["pre-data", "data", "post-data"].map((s) => run("pg_restore", ["--list", `--section=${s}`, headFile], process.env)));
        const [pre, data, post] = sections.map((r) => new Set(tocEntries(r.stdout).map((e) => e.id)));
        const toc = tocEntries(prep.toc);
        const lines = new Map(toc.map((e) => [e.id, e.line]));
        // what pg_restore restores last stays last, with whatever depends on it
        const late = new Set(head.entries.filter((e) => pre.has(e.dumpId) && LATE_TYPES.has(e.desc)).map((e) => e.dumpId));
        for (let grew = true; grew; ) {
            grew = false;
            for (const e of head.entries) {
                if (pre.has(e.dumpId) && !late.has(e.dumpId) && e.deps.some((d) => late.has(d))) {
                    late.add(e.dumpId);
                    grew = true;
                }
            }
        }
        const listOf = async (name: string, ids: number[]): Promise<string> => {
            const f = path.join(dl.dir, name);
            await fsp.writeFile(f, `${ids.map((id) => lines.get(id) ?? `${id};`).join("\n")}\n`, { mode: 0o600 });
            return f;
        };
        const order = toc.map((e) => e.id);
        const args = ["--no-password", `--dbname=${conninfo(spec, scratch)}`];
        const env = childEnv(spec);
        const loadStarted = Date.now();
        const runs: Array<{ code: number; stderr: string }> = [];
        runs.push(await run("pg_restore", [...args, `--use-list=${await listOf("pre.list", order.filter((id) => pre.has(id) && !late.has(id)))}`, headFile], env, undefined, opts.signal));
        stopIfAborted(opts.signal, label);
        judgeRuns(runs, prep.roles.missing, label);
        const load = await loadBlocks(growing, head, headBytes, { args, env, jobs, dir: dl.dir, lines, signal: opts.signal });
        stopIfAborted(opts.signal, label);
        runs.push(...load.runs);
        judgeRuns(load.runs, prep.roles.missing, label);
        const { size, sha256 } = await dl.done;
        const ms = await downloadMs;
        // seconds: the download, hash and decompression; loadSeconds: the rows, which went on beside and after them
        log.event("download.done", { set: set.id, database: entry.name, bytes: size, seconds: ms / 1000, mbPerSecond: mbPerSecond(size, ms), sha256, codec: entry.codec, inPlace: local !== undefined, streamed: true, blocks: load.loaded.size, split: load.split, lanes: load.lanes, loadSeconds: (Date.now() - loadStarted) / 1000 });
        const rest = order.filter((id) => late.has(id) || post.has(id) || (data.has(id) && !load.loaded.has(id)));
        // the rest restores from the head alone: the decompressed archive (several times the
        // stored size) is freed beside it, not after the swap (2.2 s for a 4 GB database)
        await handle.close().catch(() => undefined);
        const freed = fsp.rm(dl.file, { force: true }).catch(() => undefined);
        const after = await run("pg_restore", [...args, `--jobs=${Math.max(1, jobs)}`, `--use-list=${await listOf("post.list", rest)}`, headFile], env, undefined, opts.signal);
        await freed;
        const pgRestoreSeconds = (Date.now() - loadStarted) / 1000;
        stopIfAborted(opts.signal, label);
        judgeRuns([after], prep.roles.missing, label);
        const done = await finishScratch(admin, spec, scratch, jobs, label, prep, entry.owner, opts);
        return { ...done, missingRoles: prep.roles.missing, dropped: prep.roles.dropped, seconds: (Date.now() - started) / 1000, pgRestoreSeconds, dl };
    } catch (e) {
        dl.stop();
        // a load that failed on bad bytes: the archive's own proof says why, when it fails
        const proof = opts.signal?.aborted === true || (e instanceof LifeboatError && e.code !== "pg_restore-failed" && e.code !== "archive-unreadable") ? undefined : await dl.done.then(() => undefined, (err: unknown) => err);
        if (opts.signal?.aborted === true && created) {
            await testStall("restore.rollback");
        }
        if (created) {
            await dropDatabase(admin, scratch).catch(() => undefined);
        }
        await dl.done.catch(() => undefined);
        await dl.cleanup().catch(() => undefined);
        stopIfAborted(opts.signal, label);
        if (proof !== undefined) {
            throw proof;
        }
        throw e instanceof LifeboatError ? e : streamFailure(e, label);
    } finally {
        await handle.close().catch(() => undefined);
    }
}

export interface RestoreOptions {
    target: Target;
    set: string;
    database: string;
    into: ConnSpec;
    force: boolean;
    keyFingerprint?: string;
    /** `--no-key-check`: restore without LIFEBOAT_KEY_FINGERPRINT and without the warning. */
    noKeyCheck?: boolean;
    jobs: number;
    now?: Date;
    /** The newest set taken before this instant (with `set: "latest"`). */
    before?: Date;
    /** SIGTERM/SIGINT: before the swap, the restore stops and the original stays live. */
    signal?: AbortSignal;
    /** Restore although missing roles make it drop owners, grants, policies (listed either way). */
    allowMissingRoles?: boolean;
    /** Partial recovery into a new database: these tables' rows only. */
    tables?: TableRef[];
    /** Partial recovery into a new database: every table of these schemas. */
    schemas?: string[];
}

export interface RestoreResult {
    set: string;
    database: string;
    into: string;
    savedAs: string | null;
    tables: number;
    rows: number;
    largeObjects: number;
    missingRoles: string[];
    /** Items dropped because of missing roles (with --allow-missing-roles). */
    dropped: number;
    databaseProperties: number;
    /** The tables restored by a partial restore (--table/--schema). */
    partial?: string[];
    seconds: number;
}

/** The target database while a restore runs: how much it held, and whether connections to it are blocked. */
export interface TargetGuard {
    existed: boolean;
    objects: number;
    /** Proven empty while no session could connect: replaced, then dropped. */
    blocked: boolean;
    /** The swap happened: the name now belongs to the restored database. */
    swapped: boolean;
    release(): Promise<void>;
}

/**
 * The target's emptiness, checked so that no write can slip in before the swap: an empty target
 * is closed to new connections (ALLOW_CONNECTIONS false), its sessions ended, and counted again;
 * still empty, it stays closed until the restored database replaces it. A non-empty one (with
 * --force) stays open and is kept as the saved copy, so writes made meanwhile land there.
 */
async function guardTarget(admin: Client, spec: ConnSpec, into: string, force: boolean, partial: boolean): Promise<TargetGuard> {
    const guard: TargetGuard = { existed: false, objects: 0, blocked: false, swapped: false, release: async () => undefined };
    if (!(await databaseExists(admin, into))) {
        return guard;
    }
    guard.existed = true;
    if (partial) {
        throw new LifeboatError(
            `database ${JSON.stringify(into)} already exists on ${describeServer(spec)}; a partial restore (--table/--schema) goes into a new database only`,
            "--into: name a database that does not exist, then copy rows back (docs/RUNBOOK.md)",
            EXIT_REFUSED,
            "target-exists",
        );
    }
    guard.objects = await objectCount(spec, into);
    const q = quoteIdent(into);
    const unblock = async (): Promise<void> => {
        if (guard.blocked && !guard.swapped) {
            guard.blocked = false;
            await admin.query(`ALTER DATABASE ${q} WITH ALLOW_CONNECTIONS true`).catch((e: unknown) => log.error("restore.unblock_failed", { database: into, reason: messageOf(e), fix: `ALTER DATABASE ${q} WITH ALLOW_CONNECTIONS true` }));
        }
    };
    guard.release = unblock;
    if (guard.objects === 0) {
        const checker = await connect(spec, into);
        try {
            try {
                await admin.query(`ALTER DATABASE ${q} WITH ALLOW_CONNECTIONS false`);
            } catch (e) {
                throw new LifeboatError(`cannot close database ${JSON.stringify(into)} to new connections for the restore: ${messageOf(e)}`, "that the restoring role owns the database (or is a member of its owner)", 1, "target-block-failed");
            }
            guard.blocked = true;
            const pid = (await checker.query<{ p: number }>("SELECT pg_backend_pid() AS p")).rows[0].p;
            await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND pid <> $2", [into, pid]);
            guard.objects = await countObjects(checker);
        } catch (e) {
            await unblock();
            throw e;
        } finally {
            await checker.end().catch(() => undefined);
        }
        if (guard.objects > 0) {
            await unblock();
        } else {
            log.event("restore.target_closed", { database: into, reason: "empty: closed to new connections until the restored database replaces it" });
        }
    }
    if (guard.objects > 0 && !force) {
        throw new LifeboatError(
            `database ${JSON.stringify(into)} on ${describeServer(spec)} is not empty (${guard.objects} objects); refusing to overwrite it`,
            "--force to restore anyway (the old database is kept as a dated safety copy), or another --into database",
            EXIT_REFUSED,
            "target-not-empty",
        );
    }
    return guard;
}

/**
 * Swaps `scratch` in as `into` with two renames in one transaction. Whatever held the name is
 * kept as the saved copy, unless it was proven empty with connections closed.
 */
async function swapIn(admin: Client, into: string, scratch: string, guard: TargetGuard, now: Date, partial: boolean, signal?: AbortSignal): Promise<string | null> {
    let savedAs: string | null = null;
    try {
        const stillExists = await databaseExists(admin, into);
        if (stillExists && partial) {
            throw new Error(`database ${JSON.stringify(into)} was created while the partial restore ran`);
        }
        if (stillExists) {
            savedAs = databaseName(into, `__lifeboat_saved_${stamp(now)}`);
        }
        for (let attempt = 1; ; attempt++) {
            try {
                if (stillExists) {
                    await terminate(admin, into);
                }
                await terminate(admin, scratch);
                // the last moment a signal stops the restore: from BEGIN on, the swap is one step
                stopIfAborted(signal, into);
                await admin.query("BEGIN");
                if (savedAs !== null) {
                    await admin.query(`ALTER DATABASE ${quoteIdent(into)} RENAME TO ${quoteIdent(savedAs)}`);
                }
                await admin.query(`ALTER DATABASE ${quoteIdent(scratch)} RENAME TO ${quoteIdent(into)}`);
                await testHold("restore.swap.commit", signal);
                await admin.query("COMMIT");
                guard.swapped = true;
                break;
            } catch (e) {
                await admin.query("ROLLBACK").catch(() => undefined);
                if (attempt >= 5 || (e as { code?: string }).code !== "55006") {
                    throw e;
                }
                await new Promise((r) => setTimeout(r, 200 * attempt));
            }
        }
    } catch (e) {
        await dropDatabase(admin, scratch).catch(() => undefined);
        if (e instanceof LifeboatError && e.code === "interrupted") {
            throw e;
        }
        throw new LifeboatError(`could not swap the restored database in as ${JSON.stringify(into)}: ${messageOf(e)}; ${JSON.stringify(into)} is unchanged`, "sessions holding the database and the role's CREATEDB/ownership", 1, "swap-failed");
    }
    if (savedAs !== null && guard.blocked) {
        // proven empty while nobody could connect: nothing worth keeping
        await dropDatabase(admin, savedAs).catch(() => undefined);
        savedAs = null;
    }
    return savedAs;
}

/**
 * Restores one database of a set: checks fingerprint and checksum before touching any
 * database, restores into a scratch database, checks it, then swaps it in with two renames in
 * one transaction. The old database, when it held anything, is kept as `<name>__lifeboat_saved_<stamp>`.
 */
export async function restore(opts: RestoreOptions): Promise<RestoreResult> {
    const started = Date.now();
    const partial = (opts.tables?.length ?? 0) + (opts.schemas?.length ?? 0) > 0;
    if (partial && opts.force) {
        throw new LifeboatError("--force cannot be combined with --table/--schema: a partial restore goes into a new database only", "--force, --table, --schema", EXIT_USAGE, "usage");
    }
    const set = await findSet(opts.target, opts.set, { database: opts.database, before: opts.before });
    const entry = set.manifest.databases.find((d) => d.name === opts.database);
    if (entry === undefined) {
        throw new LifeboatError(
            `set ${set.id} has no database ${JSON.stringify(opts.database)}; it has ${set.manifest.databases.map((d) => JSON.stringify(d.name)).join(", ")}`,
            "--database",
            1,
            "database-not-in-set",
        );
    }
    checkFingerprint(set, opts.keyFingerprint);
    warnUncheckedKey(set, opts);
    const into = opts.into.database ?? entry.name;
    const spec: ConnSpec = { ...opts.into, database: undefined };
    log.event("restore.start", {
        set: set.id,
        database: entry.name,
        into,
        server: describeServer(spec),
        force: opts.force,
        keyFingerprint: set.manifest.set.keyFingerprint,
        keyFingerprintChecked: opts.keyFingerprint !== undefined && opts.keyFingerprint !== "",
        ...(partial ? { tables: (opts.tables ?? []).map(displayTable), schemas: opts.schemas ?? [] } : {}),
    });

    const admin = await connectAdmin(spec);
    let dl: Downloaded | undefined;
    let guard: TargetGuard | undefined;
    try {
        await lockRestoreInto(admin, spec, into);
        await reportLeftovers(admin, spec, opts.into);
        guard = await guardTarget(admin, spec, into, opts.force, partial);
        stopIfAborted(opts.signal, into);
        const now = opts.now ?? new Date();
        const scratch = databaseName(into, `__lifeboat_restore_${stamp(now)}`);
        // the interruption is told of the database restored into, not the archive's name
        const intoTold = (e: unknown): never => {
            stopIfAborted(opts.signal, into);
            throw e;
        };
        const scratchOpts: ScratchOptions = { allowMissingRoles: opts.allowMissingRoles === true, tableList: entry.tableList, signal: opts.signal };
        const streamed = !partial && entry.codec === "zstd" && entry.head !== undefined ? await streamIntoScratch(admin, spec, opts.target, set, entry, scratch, opts.jobs, entry.name, scratchOpts).catch(intoTold) : undefined;
        let selection: Selection | undefined;
        let result: ScratchResult;
        if (streamed !== undefined) {
            dl = streamed.dl;
            result = streamed;
        } else {
            dl = await download(opts.target, set, entry);
            stopIfAborted(opts.signal, into);
            if (partial) {
                const list = await run("pg_restore", ["--list", dl.file], process.env);
                selection = selectTables(entry, list.stdout, opts.tables ?? [], opts.schemas ?? []);
            }
            result = await restoreIntoScratch(admin, spec, dl.file, scratch, opts.jobs, entry.name, entry.owner, { ...scratchOpts, partial: selection }).catch(intoTold);
        }
        log.event("restore.checked", { set: set.id, database: entry.name, scratch, tables: result.tables, rows: result.rows, largeObjects: result.largeObjects, databaseProperties: result.databaseProperties, pgRestoreSeconds: result.pgRestoreSeconds });
        await testHold("restore.swap", opts.signal);
        const savedAs = await swapIn(admin, into, scratch, guard, now, partial, opts.signal);
        const res: RestoreResult = {
            set: set.id,
            database: entry.name,
            into,
            savedAs,
            tables: result.tables,
            rows: result.rows,
            largeObjects: result.largeObjects,
            missingRoles: result.missingRoles,
            dropped: result.dropped.length,
            databaseProperties: result.databaseProperties,
            ...(selection !== undefined ? { partial: selection.tables.map(displayTable) } : {}),
            seconds: (Date.now() - started) / 1000,
        };
        // a signal that came during the swap's transaction changed nothing: the restore is done
        log.event("restore.done", { ...res, ...(opts.signal?.aborted === true ? { signal: "received during the swap, which completed" } : {}) });
        return res;
    } finally {
        await guard?.release();
        await dl?.cleanup().catch(() => undefined);
        await admin.end().catch(() => undefined);
    }
}

export interface VerifyReport {
    set: string;
    tier: string;
    createdAt: string;
    databases: Array<{ name: string; tables: number; rows: number; largeObjects: number; seconds: number; ok: boolean; missingRoles?: string[]; dropped?: number; error?: string }>;
    totalSeconds: number;
    ok: boolean;
}

/** A restore test: every database of the set into a scratch database, checked, then dropped. */
export async function verify(opts: { target: Target; set: string; before?: Date; scratch: ConnSpec; keyFingerprint?: string; jobs: number; signal?: AbortSignal }): Promise<VerifyReport> {
    const started = Date.now();
    const set = await findSet(opts.target, opts.set, { before: opts.before });
    checkFingerprint(set, opts.keyFingerprint);
    const spec: ConnSpec = { ...opts.scratch, database: undefined };
    log.event("verify.start", { set: set.id, databases: set.manifest.databases.map((d) => d.name), server: describeServer(spec) });
    const admin = await connectAdmin(spec);
    await reportLeftovers(admin, spec, opts.scratch).catch(async (e: unknown) => {
        await admin.end().catch(() => undefined);
        throw e;
    });
    const report: VerifyReport = { set: set.id, tier: set.tier, createdAt: set.manifest.set.createdAt, databases: [], totalSeconds: 0, ok: true };
    try {
        for (const entry of set.manifest.databases) {
            const dbStarted = Date.now();
            const scratch = databaseName(`lifeboat_verify_${entry.name}`, `_${stamp(new Date())}`);
            let dl: Downloaded | undefined;
            try {
                // a restore test lists what missing roles would drop, and goes on: the scratch server may lack the app's roles
                const scratchOpts: ScratchOptions = { allowMissingRoles: true, tableList: entry.tableList, signal: opts.signal };
                const streamed = entry.codec === "zstd" && entry.head !== undefined ? await streamIntoScratch(admin, spec, opts.target, set, entry, scratch, opts.jobs, entry.name, scratchOpts) : undefined;
                dl = streamed?.dl ?? (await download(opts.target, set, entry));
                const r = streamed ?? (await restoreIntoScratch(admin, spec, dl.file, scratch, opts.jobs, entry.name, entry.owner, scratchOpts));
                await dropDatabase(admin, scratch);
                const row = { name: entry.name, tables: r.tables, rows: r.rows, largeObjects: r.largeObjects, seconds: (Date.now() - dbStarted) / 1000, ok: true, missingRoles: r.missingRoles, dropped: r.dropped.length };
                report.databases.push(row);
                log.event("verify.database", { set: set.id, ...row });
            } catch (e) {
                if (e instanceof LifeboatError && (e.code === "server-unreachable" || e.code === "auth-failed" || e.code === "interrupted")) {
                    throw e;
                }
                const error = e instanceof LifeboatError ? e.line() : messageOf(e);
                report.databases.push({ name: entry.name, tables: 0, rows: 0, largeObjects: 0, seconds: (Date.now() - dbStarted) / 1000, ok: false, error });
                report.ok = false;
                log.warn("verify.database_failed", { set: set.id, database: entry.name, reason: error });
            } finally {
                await dl?.cleanup().catch(() => undefined);
            }
        }
    } finally {
        await admin.end().catch(() => undefined);
    }
    report.totalSeconds = (Date.now() - started) / 1000;
    return report;
}
