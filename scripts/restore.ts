import { createHash } from "crypto";
import { createReadStream, createWriteStream, promises as fsp } from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { Transform } from "stream";
import { pipeline } from "stream/promises";
import { tocEntries } from "./archive";
import { EXIT_REFUSED, errnoCode, LifeboatError, messageOf } from "./errors";
import { log, mbPerSecond, Progress, testHold } from "./log";
import { DatabaseEntry, findSet, SetRef } from "./manifest";
import { classifyPgError, childEnv, ConnSpec, conninfo, connect, describeServer, quoteIdent, quoteLiteral, run } from "./pg";
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

/**
 * Streams a set's archive to a private temporary file (pg_restore --jobs needs a seekable file),
 * hashing as it goes, and refuses it unless size and SHA-256 match the manifest.
 */
export async function download(target: Target, set: SetRef, entry: DatabaseEntry): Promise<Downloaded> {
    const key = `${target.prefix}${entry.key}`;
    const local = target.localPath === undefined ? undefined : await target.localPath(key);
    if (local !== undefined) {
        return checkInPlace(target, set, entry, key, local);
    }
    const base = process.env.LIFEBOAT_TMPDIR ?? os.tmpdir();
    const dir = await fsp.mkdtemp(path.join(base, "lifeboat-restore-"));
    const file = path.join(dir, "archive.dump");
    const cleanup = (): Promise<void> => fsp.rm(dir, { recursive: true, force: true });
    const hash = createHash("sha256");
    let size = 0;
    const progress = new Progress("download", { [entry.name]: entry.size });
    const started = Date.now();
    try {
        const tap = new Transform({
            transform(chunk: Buffer, _enc, cb) {
                hash.update(chunk);
                size += chunk.length;
                progress.add(entry.name, chunk.length);
                cb(null, chunk);
            },
        });
        await pipeline(await target.get(key), tap, createWriteStream(file, { mode: 0o600 }));
        progress.done();
    } catch (e) {
        progress.done();
        await cleanup();
        if (e instanceof LifeboatError) {
            throw e;
        }
        if (errnoCode(e) === "ENOSPC") {
            throw new LifeboatError(`no space left in ${base} for the ${entry.size} byte archive of ${entry.name}`, "free space there or set LIFEBOAT_TMPDIR", 1, "disk-full");
        }
        throw new LifeboatError(`download of ${key} from ${target.display} failed: ${messageOf(e)}`, "the target", 1, "download-failed");
    }
    const sha256 = hash.digest("hex");
    if (size !== entry.size || sha256 !== entry.sha256) {
        await cleanup();
        throw checksumMismatch(target, key, entry, size, sha256);
    }
    log.event("download.done", { set: set.id, database: entry.name, bytes: size, seconds: (Date.now() - started) / 1000, mbPerSecond: mbPerSecond(size, Date.now() - started), sha256 });
    return { file, dir, cleanup };
}

function checksumMismatch(target: Target, key: string, entry: DatabaseEntry, size: number, sha256: string): LifeboatError {
    return new LifeboatError(
        `checksum mismatch for ${key} on ${target.display}: manifest says ${entry.size} bytes sha256 ${entry.sha256}, stored object is ${size} bytes sha256 ${sha256}; nothing was restored`,
        "the storage (corruption or tampering); restore another set",
        EXIT_REFUSED,
        "checksum-mismatch",
    );
}

/** A local (file://) archive is hashed where it lies and restored from there: no copy. */
async function checkInPlace(target: Target, set: SetRef, entry: DatabaseEntry, key: string, file: string): Promise<Downloaded> {
    const started = Date.now();
    const hash = createHash("sha256");
    let size = 0;
    const progress = new Progress("check", { [entry.name]: entry.size });
    try {
        for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
            hash.update(chunk as Buffer);
            size += (chunk as Buffer).length;
            progress.add(entry.name, (chunk as Buffer).length);
        }
    } finally {
        progress.done();
    }
    const sha256 = hash.digest("hex");
    if (size !== entry.size || sha256 !== entry.sha256) {
        throw checksumMismatch(target, key, entry, size, sha256);
    }
    log.event("download.done", { set: set.id, database: entry.name, bytes: size, seconds: (Date.now() - started) / 1000, mbPerSecond: mbPerSecond(size, Date.now() - started), sha256, inPlace: true });
    return { file, dir: path.dirname(file), cleanup: async () => undefined };
}

/** Roles an archive names (owners, grantees), from its schema-only SQL. */
export async function rolesInArchive(file: string): Promise<string[]> {
    const r = await run("pg_restore", ["--schema-only", "--file=-", file], process.env);
    if (r.code !== 0) {
        throw new LifeboatError(`cannot read the archive's schema: ${r.stderr.trim().split("\n").pop() ?? ""}`, "the archive", 1, "archive-unreadable");
    }
    const roles = new Set<string>();
    const ident = String.raw`("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
    const patterns = [new RegExp(String.raw`OWNER TO ${ident};`, "g"), new RegExp(String.raw`^(?:GRANT|REVOKE) .* (?:TO|FROM) ${ident}(?: WITH GRANT OPTION)?;`, "gm"), new RegExp(String.raw`^SET SESSION AUTHORIZATION ${ident};`, "gm")];
    for (const p of patterns) {
        for (const m of r.stdout.matchAll(p)) {
            const raw = m[1];
            const name = raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw.toLowerCase();
            if (name !== "PUBLIC" && name.toLowerCase() !== "public") {
                roles.add(name);
            }
        }
    }
    return [...roles].sort();
}

async function missingRoles(client: Client, roles: string[]): Promise<string[]> {
    if (roles.length === 0) {
        return [];
    }
    const r = await client.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[])", [roles]);
    const present = new Set(r.rows.map((x) => x.rolname));
    return roles.filter((x) => !present.has(x));
}

export interface Check {
    tables: number;
    rows: number;
    largeObjects: number;
}

/** Every table of the archive is present in `database`; counts its rows. */
async function checkDatabase(spec: ConnSpec, database: string, archiveTables: Array<{ schema: string; name: string }>): Promise<Check> {
    const client = await connect(spec, database);
    try {
        const r = await client.query<{ schema: string; name: string }>(
            "SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%'",
        );
        const present = new Set(r.rows.map((x) => `${x.schema}.${x.name}`));
        const missing = archiveTables.filter((t) => !present.has(`${t.schema}.${t.name}`));
        if (missing.length > 0) {
            throw new LifeboatError(`restored database lacks ${missing.length} table(s) of the archive: ${missing.slice(0, 5).map((t) => `${t.schema}.${t.name}`).join(", ")}`, "the pg_restore messages above", 1, "check-failed");
        }
        let rows = 0;
        for (const t of r.rows) {
            const c = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ONLY ${quoteIdent(t.schema)}.${quoteIdent(t.name)}`);
            rows += Number(c.rows[0].n);
        }
        const lo = await client.query<{ n: string }>("SELECT count(*) AS n FROM pg_largeobject_metadata");
        return { tables: r.rows.length, rows, largeObjects: Number(lo.rows[0].n) };
    } finally {
        await client.end().catch(() => undefined);
    }
}

/** The number of user relations and large objects: a database with none counts as empty. */
async function objectCount(spec: ConnSpec, database: string): Promise<number> {
    const client = await connect(spec, database);
    try {
        const r = await client.query<{ n: string }>(
            "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%') + (SELECT count(*) FROM pg_largeobject_metadata) AS n",
        );
        return Number(r.rows[0].n);
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

export interface ScratchResult extends Check {
    missingRoles: string[];
    seconds: number;
}

/**
 * Creates `scratch`, restores the archive into it with pg_restore (owners and grants kept where
 * the roles exist) and checks it. The caller drops or swaps it; on failure it is dropped here.
 */
export async function restoreIntoScratch(admin: Client, spec: ConnSpec, file: string, scratch: string, jobs: number, label: string, dbOwner: string | undefined, signal?: AbortSignal): Promise<ScratchResult> {
    const started = Date.now();
    const [list, archiveRoles] = await Promise.all([run("pg_restore", ["--list", file], process.env), rolesInArchive(file)]);
    if (list.code !== 0) {
        throw new LifeboatError(`archive of ${label} is unreadable: ${list.stderr.trim().split("\n").pop() ?? ""}`, "the stored object", 1, "archive-unreadable");
    }
    const toc = tocEntries(list.stdout);
    const archiveTables = toc.filter((e) => e.type === "TABLE").map((e) => ({ schema: e.schema, name: e.name }));
    const encoding = /Encoding:\s*(\S+)/.exec(list.stdout)?.[1];
    const roles = [...new Set([...archiveRoles, ...(dbOwner !== undefined && dbOwner !== "" ? [dbOwner] : [])])].sort();
    const missing = await missingRoles(admin, roles);
    if (missing.length > 0) {
        const commands = missing.map((r) => `CREATE ROLE ${quoteIdent(r)};`);
        log.warn("restore.missing_roles", { database: label, roles: missing, commands });
        process.stderr.write(
            `lifeboat: warning: role(s) ${missing.join(", ")} do not exist on ${describeServer(spec)}; objects they own are owned by the restoring user and their grants are skipped. Create them first to keep owners and grants: ${commands.join(" ")}\n`,
        );
    }
    const ownerClause = dbOwner !== undefined && dbOwner !== "" && !missing.includes(dbOwner) ? ` OWNER ${quoteIdent(dbOwner)}` : "";
    const encodingClause = encoding !== undefined ? ` ENCODING ${quoteLiteral(encoding)}` : "";
    stopIfAborted(signal, label);
    await holdScratch(admin, scratch);
    try {
        await admin.query(`CREATE DATABASE ${quoteIdent(scratch)} TEMPLATE template0${encodingClause}${ownerClause}`);
    } catch (e) {
        throw classifyPgError(e, spec, scratch);
    }
    try {
        const args = ["--no-password", `--dbname=${conninfo(spec, scratch)}`, `--jobs=${Math.max(1, jobs)}`, file];
        log.event("restore.scratch", { database: label, scratch });
        const r = await run("pg_restore", args, childEnv(spec), undefined, signal);
        stopIfAborted(signal, label);
        if (r.code !== 0) {
            const errors = r.stderr.split("\n").filter((l) => /error:|ERROR:/.test(l));
            const real = errors.filter((l) => !/role ".*" does not exist/.test(l) && !/^pg_restore: error: could not execute query: ERROR:\s*$/.test(l) && !/errors ignored on restore/.test(l));
            const onlyRoles = errors.length > 0 && errors.every((l) => /role ".*" does not exist|errors ignored on restore|could not execute query/.test(l)) && missing.length > 0;
            if (!onlyRoles || real.some((l) => !/could not execute query/.test(l))) {
                const first = (real[0] ?? errors[0] ?? r.stderr.trim().split("\n").pop() ?? `exit ${r.code}`).replace(/^pg_restore: (error: )?/, "");
                throw new LifeboatError(`pg_restore of ${label} failed: ${first}`, "the pg_restore message, free space and the role's privileges", 1, "pg_restore-failed");
            }
        }
        const check = await checkDatabase(spec, scratch, archiveTables);
        return { ...check, missingRoles: missing, seconds: (Date.now() - started) / 1000 };
    } catch (e) {
        await dropDatabase(admin, scratch).catch(() => undefined);
        throw e;
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
    seconds: number;
}

/**
 * Restores one database of a set: checks fingerprint and checksum before touching any
 * database, restores into a scratch database, checks it, then swaps it in with two renames in
 * one transaction. The old database, when it held anything, is kept as `<name>__lifeboat_saved_<stamp>`.
 */
export async function restore(opts: RestoreOptions): Promise<RestoreResult> {
    const started = Date.now();
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
    });

    const admin = await connectAdmin(spec);
    let dl: Downloaded | undefined;
    try {
        await lockRestoreInto(admin, spec, into);
        await reportLeftovers(admin, spec, opts.into);
        const exists = await databaseExists(admin, into);
        const objects = exists ? await objectCount(spec, into) : 0;
        if (objects > 0 && !opts.force) {
            throw new LifeboatError(
                `database ${JSON.stringify(into)} on ${describeServer(spec)} is not empty (${objects} objects); refusing to overwrite it`,
                "--force to restore anyway (the old database is kept as a dated safety copy), or another --into database",
                EXIT_REFUSED,
                "target-not-empty",
            );
        }
        stopIfAborted(opts.signal, into);
        dl = await download(opts.target, set, entry);
        stopIfAborted(opts.signal, into);
        const now = opts.now ?? new Date();
        const scratch = databaseName(into, `__lifeboat_restore_${stamp(now)}`);
        const result = await restoreIntoScratch(admin, spec, dl.file, scratch, opts.jobs, entry.name, entry.owner, opts.signal);
        log.event("restore.checked", { set: set.id, database: entry.name, scratch, tables: result.tables, rows: result.rows, largeObjects: result.largeObjects });
        await testHold("restore.swap", opts.signal);

        let savedAs: string | null = null;
        try {
            const stillExists = await databaseExists(admin, into);
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
                    stopIfAborted(opts.signal, into);
                    await admin.query("BEGIN");
                    if (savedAs !== null) {
                        await admin.query(`ALTER DATABASE ${quoteIdent(into)} RENAME TO ${quoteIdent(savedAs)}`);
                    }
                    await admin.query(`ALTER DATABASE ${quoteIdent(scratch)} RENAME TO ${quoteIdent(into)}`);
                    await admin.query("COMMIT");
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
        if (savedAs !== null && objects === 0) {
            // the old database was empty: nothing worth keeping
            await dropDatabase(admin, savedAs).catch(() => undefined);
            savedAs = null;
        }
        const res: RestoreResult = {
            set: set.id,
            database: entry.name,
            into,
            savedAs,
            tables: result.tables,
            rows: result.rows,
            largeObjects: result.largeObjects,
            missingRoles: result.missingRoles,
            seconds: (Date.now() - started) / 1000,
        };
        // a signal that came during the swap's transaction changed nothing: the restore is done
        log.event("restore.done", { ...res, ...(opts.signal?.aborted === true ? { signal: "received during the swap, which completed" } : {}) });
        return res;
    } finally {
        await dl?.cleanup().catch(() => undefined);
        await admin.end().catch(() => undefined);
    }
}

export interface VerifyReport {
    set: string;
    tier: string;
    createdAt: string;
    databases: Array<{ name: string; tables: number; rows: number; largeObjects: number; seconds: number; ok: boolean; error?: string }>;
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
                dl = await download(opts.target, set, entry);
                const r = await restoreIntoScratch(admin, spec, dl.file, scratch, opts.jobs, entry.name, entry.owner, opts.signal);
                await dropDatabase(admin, scratch);
                const row = { name: entry.name, tables: r.tables, rows: r.rows, largeObjects: r.largeObjects, seconds: (Date.now() - dbStarted) / 1000, ok: true };
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
