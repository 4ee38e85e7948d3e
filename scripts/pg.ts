import { execFile, execFileSync } from "child_process";
import { spawnChild } from "./children";
import { existsSync, readdirSync, readFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import type { ConnectionOptions } from "tls";
import { Client } from "pg";
import { promisify } from "util";
import { errnoCode, isNetworkError, LifeboatError, messageOf } from "./errors";
import { registerSecret } from "./redact";

const execFileP = promisify(execFile);

/**
 * Where the PostgreSQL client programs are: LIFEBOAT_PG_BINDIR, else the newest
 * /usr/lib/postgresql/<major>/bin (Debian/PGDG layout; pg_dump must be at least the server's
 * major version, so the newest wins), else the folder `pg_config --bindir` names, else PATH.
 */
let cachedBinDir: string | undefined;
export function pgBinDir(): string {
    if (cachedBinDir !== undefined) {
        return cachedBinDir;
    }
    const fromEnv = process.env.LIFEBOAT_PG_BINDIR;
    if (fromEnv !== undefined && fromEnv !== "") {
        cachedBinDir = fromEnv;
        return fromEnv;
    }
    const root = "/usr/lib/postgresql";
    if (existsSync(root)) {
        const majors = readdirSync(root)
            .filter((d) => /^\d+(\.\d+)?$/.test(d) && existsSync(path.join(root, d, "bin", "pg_dump")))
            .sort((a, b) => Number(b) - Number(a));
        if (majors.length > 0) {
            cachedBinDir = path.join(root, majors[0], "bin");
            return cachedBinDir;
        }
    }
    try {
        const out = execFileSync("pg_config", ["--bindir"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
        const dir = out.trim();
        if (dir !== "" && existsSync(path.join(dir, "pg_dump"))) {
            cachedBinDir = dir;
            return dir;
        }
    } catch {
        // no pg_config
    }
    cachedBinDir = "";
    return "";
}

/** The path of a PostgreSQL program (pg_dump, pg_restore, initdb, ...). */
export function pgBin(name: string): string {
    const dir = pgBinDir();
    return dir === "" ? name : path.join(dir, name);
}

/** The major version of a PostgreSQL program, e.g. 15 for "pg_dump (PostgreSQL) 15.18". */
export async function programMajor(name: string): Promise<number> {
    try {
        const { stdout } = await execFileP(pgBin(name), ["--version"]);
        const m = /\)\s+(\d+)(?:\.(\d+))?/.exec(stdout);
        if (m === null) {
            throw new Error(`unexpected version output: ${stdout.trim()}`);
        }
        return Number(m[1]);
    } catch (e) {
        if (errnoCode(e) === "ENOENT") {
            throw new LifeboatError(`${name} not found`, "that the PostgreSQL client tools are installed (or set LIFEBOAT_PG_BINDIR)", 1, "tools-missing");
        }
        throw e;
    }
}

/**
 * Maps --compress to pg_dump's own --compress. pg_dump 16+: `gzip|lz4|zstd|none[:level]` or a
 * level 0-9 (gzip); pg_dump 15 and older: gzip only, `gzip[:level]`, `none` or a level 0-9.
 * Undefined keeps pg_dump's default (gzip for the custom format).
 */
export function compressArgs(flag: string | undefined, pgDumpMajor: number): string[] {
    if (flag === undefined || flag === "") {
        return [];
    }
    const value = flag.trim().toLowerCase();
    const allowed = pgDumpMajor >= 16 ? "gzip, lz4, zstd or none, with an optional :level, or a level 0-9" : "gzip, zstd or none, with an optional :level (gzip 0-9, zstd 1-19), or a level 0-9 (lz4 needs pg_dump 16+)";
    const bad = (): never => {
        throw new LifeboatError(`--compress ${flag} is not supported by pg_dump ${pgDumpMajor}`, `--compress: ${allowed}`, 2, "usage");
    };
    if (/^\d$/.test(value)) {
        return [`--compress=${value}`];
    }
    const m = /^(gzip|lz4|zstd|none)(?::(\d{1,2}))?$/.exec(value);
    if (m === null) {
        return bad();
    }
    const [, method, level] = m;
    if (method === "none") {
        return level === undefined || level === "0" ? ["--compress=0"] : bad();
    }
    if (pgDumpMajor < 16) {
        if (method !== "gzip") {
            return bad();
        }
        if (level !== undefined && Number(level) > 9) {
            return bad();
        }
        return [`--compress=${level ?? "6"}`];
    }
    const max = method === "gzip" ? 9 : method === "lz4" ? 12 : 22;
    if (level !== undefined && (Number(level) < 1 || Number(level) > max)) {
        return bad();
    }
    return [`--compress=${method}${level === undefined ? "" : `:${level}`}`];
}

/** A PostgreSQL connection: libpq's PG* variables, optionally overridden by a postgres:// URL. */
export interface ConnSpec {
    host?: string;
    port?: number;
    user?: string;
    password?: string;
    sslmode?: string;
    /** The root certificate(s) for sslmode verify-ca/verify-full (libpq's sslrootcert). */
    sslrootcert?: string;
    /** The database the URL names, if any. */
    database?: string;
}

export function connFromEnv(env: NodeJS.ProcessEnv = process.env): ConnSpec {
    return {
        host: env.PGHOST,
        port: env.PGPORT === undefined ? undefined : Number(env.PGPORT),
        user: env.PGUSER,
        password: env.PGPASSWORD,
        sslmode: env.PGSSLMODE,
        sslrootcert: env.PGSSLROOTCERT,
        database: env.PGDATABASE,
    };
}

/** postgres://user:password@host:port/database?sslmode=...&host=/socket/dir; unset parts fall back to PG* variables. */
export function connFromUrl(raw: string, flag: string): ConnSpec {
    let url: URL;
    try {
        url = new URL(raw);
    } catch {
        throw new LifeboatError(`${flag} is not a URL`, `${flag}: postgres://USER@HOST:PORT/DATABASE`, 2, "usage");
    }
    if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
        throw new LifeboatError(`${flag} must be a postgres:// URL, got ${url.protocol}`, `${flag}: postgres://USER@HOST:PORT/DATABASE`, 2, "usage");
    }
    const env = connFromEnv();
    const password = url.password !== "" ? decodeURIComponent(url.password) : env.password;
    registerSecret(password);
    const queryHost = url.searchParams.get("host");
    const dbPath = decodeURIComponent(url.pathname.replace(/^\//, ""));
    return {
        host: queryHost ?? (url.hostname !== "" ? url.hostname.replace(/^\[|\]$/g, "") : env.host),
        port: url.port !== "" ? Number(url.port) : (url.searchParams.get("port") !== null ? Number(url.searchParams.get("port")) : env.port),
        user: url.username !== "" ? decodeURIComponent(url.username) : env.user,
        password,
        sslmode: url.searchParams.get("sslmode") ?? env.sslmode,
        sslrootcert: url.searchParams.get("sslrootcert") ?? env.sslrootcert,
        database: dbPath === "" ? undefined : dbPath,
    };
}

/** Where a spec points, for messages (no password). */
export function describeServer(spec: ConnSpec): string {
    return `${spec.host ?? "localhost"}:${spec.port ?? 5432}`;
}

/** Quotes a value for a libpq conninfo string. */
function conninfoValue(v: string): string {
    return `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** A conninfo string for a database (no password: that travels in PGPASSWORD). */
export function conninfo(spec: ConnSpec, database: string): string {
    const parts = [`dbname=${conninfoValue(database)}`];
    if (spec.host !== undefined) parts.push(`host=${conninfoValue(spec.host)}`);
    if (spec.port !== undefined) parts.push(`port=${spec.port}`);
    if (spec.user !== undefined) parts.push(`user=${conninfoValue(spec.user)}`);
    if (spec.sslmode !== undefined) parts.push(`sslmode=${conninfoValue(spec.sslmode)}`);
    if (spec.sslrootcert !== undefined) parts.push(`sslrootcert=${conninfoValue(spec.sslrootcert)}`);
    return parts.join(" ");
}

/** The environment for a client program: the caller's, with the spec's password. */
export function childEnv(spec: ConnSpec): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (spec.password !== undefined) {
        env.PGPASSWORD = spec.password;
    }
    return env;
}

export function quoteIdent(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
    return `'${value.replace(/'/g, "''")}'`;
}

/** Turns a connection error into a one-line reason naming what to check. */
export function classifyPgError(e: unknown, spec: ConnSpec, database: string): LifeboatError {
    if (e instanceof LifeboatError) {
        return e;
    }
    const code = (e as { code?: string }).code;
    const where = describeServer(spec);
    if (code === "28P01" || code === "28000") {
        return new LifeboatError(
            `authentication failed for user ${spec.user ?? "(default)"} on ${where}`,
            "PGUSER and PGPASSWORD (or the user and password of the URL) and pg_hba.conf",
            1,
            "auth-failed",
        );
    }
    if (/client password must be a string|no password supplied|password authentication/i.test(messageOf(e))) {
        return new LifeboatError(
            `no password given for user ${spec.user ?? "(default)"} on ${where}, and the server asks for one`,
            "PGPASSWORD (or the password of the URL, or ~/.pgpass)",
            1,
            "auth-failed",
        );
    }
    if (code === "3D000") {
        return new LifeboatError(`database ${JSON.stringify(database)} does not exist on ${where}`, "--databases and the server", 1, "database-missing");
    }
    const sslmode = spec.sslmode === undefined || spec.sslmode === "" ? "prefer" : spec.sslmode;
    if (/does not support SSL/i.test(messageOf(e))) {
        return new LifeboatError(`PostgreSQL server ${where} does not support SSL, and sslmode ${sslmode} requires it`, "PGSSLMODE (prefer or disable for a server without SSL) or the server's ssl setting", 1, "ssl");
    }
    if ((code === undefined && /certificate|altnames|SSL|TLS/i.test(messageOf(e))) || /^(ERR_TLS_|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_)/.test(code ?? "")) {
        return new LifeboatError(`the SSL certificate of PostgreSQL server ${where} is not accepted (sslmode ${sslmode}): ${messageOf(e)}`, "PGSSLROOTCERT (the CA that signed the server's certificate) and, for verify-full, that PGHOST is a name in the certificate", 1, "ssl");
    }
    if (isNetworkError(e) || code === "ENOENT" || /timeout|ECONNREFUSED|connect/i.test(messageOf(e))) {
        return new LifeboatError(`PostgreSQL server ${where} unreachable: ${messageOf(e)}`, "PGHOST, PGPORT, that the server is running and the firewall", 1, "server-unreachable");
    }
    if (code === "42501") {
        return new LifeboatError(`permission denied on ${where}: ${messageOf(e)}`, "the role's privileges", 1, "permission");
    }
    return new LifeboatError(`PostgreSQL ${where} (${database}): ${messageOf(e)}`, "the server log", 1, "postgres");
}

/** libpq's sslmode values, weakest first. */
export const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** node-postgres' `ssl`: false for plain text, else the TLS options. */
export type PgSsl = false | ConnectionOptions;

/** The root certificate file libpq reads: sslrootcert, else ~/.postgresql/root.crt. */
export function rootCertFile(spec: ConnSpec): string {
    if (spec.sslrootcert !== undefined && spec.sslrootcert !== "") {
        return spec.sslrootcert;
    }
    const home = process.env.HOME !== undefined && process.env.HOME !== "" ? process.env.HOME : os.homedir();
    return path.join(home, ".postgresql", "root.crt");
}

/**
 * The connection attempts libpq makes for an sslmode, in order (libpq's own semantics):
 * disable: plain; allow: plain, then SSL if the server refuses plain; prefer (libpq's default):
 * SSL without verification, then plain if the server has no SSL or refuses the SSL connection;
 * require: SSL without verification (verify-ca when a root certificate file exists, as libpq
 * does); verify-ca: SSL with the chain checked against the root certificate; verify-full: that
 * and the host name in the certificate. A Unix socket never uses SSL (libpq ignores sslmode).
 */
export function sslAttempts(spec: ConnSpec): PgSsl[] {
    const mode = spec.sslmode === undefined || spec.sslmode === "" ? "prefer" : spec.sslmode;
    if (!(SSL_MODES as readonly string[]).includes(mode)) {
        throw new LifeboatError(`sslmode ${JSON.stringify(mode)} is not a libpq sslmode`, `PGSSLMODE (or sslmode= in the URL): one of ${SSL_MODES.join(", ")}`, 2, "usage");
    }
    if (spec.host !== undefined && spec.host.startsWith("/")) {
        return [false];
    }
    const unverified: ConnectionOptions = { rejectUnauthorized: false };
    const root = rootCertFile(spec);
    const verified = (checkHost: boolean): ConnectionOptions => {
        let ca: Buffer;
        try {
            ca = readFileSync(root);
        } catch (e) {
            throw new LifeboatError(
                `sslmode ${mode}: root certificate file ${root} ${errnoCode(e) === "ENOENT" ? "does not exist" : `cannot be read (${messageOf(e)})`}`,
                "PGSSLROOTCERT (or sslrootcert= in the URL): the CA that signed the server's certificate; or sslmode require to skip verification",
                1,
                "ssl",
            );
        }
        return checkHost ? { ca, rejectUnauthorized: true } : { ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    };
    switch (mode as SslMode) {
        case "disable":
            return [false];
        case "allow":
            return [false, unverified];
        case "prefer":
            return [unverified, false];
        case "require":
            return [existsSync(root) ? verified(false) : unverified];
        case "verify-ca":
            return [verified(false)];
        case "verify-full":
            return [verified(true)];
    }
}

/** A failure worth the next attempt: the server answered (no SSL, or an error), rather than not being there. */
function retryable(e: unknown): boolean {
    return !isNetworkError(e) && !/timeout/i.test(messageOf(e));
}

/** Connects with node-postgres as libpq would for the spec's sslmode, mapping failures to one-line reasons. */
export async function connect(spec: ConnSpec, database: string): Promise<Client> {
    const attempts = sslAttempts(spec);
    let last: unknown;
    for (const [i, ssl] of attempts.entries()) {
        const client = new Client({
            host: spec.host,
            port: spec.port,
            user: spec.user,
            password: spec.password,
            database,
            ssl,
            connectionTimeoutMillis: 15000,
            application_name: "lifeboat",
        });
        client.on("error", () => undefined);
        try {
            await client.connect();
            return client;
        } catch (e) {
            await client.end().catch(() => undefined);
            last = e;
            if (i === attempts.length - 1 || !retryable(e)) {
                break;
            }
        }
    }
    throw classifyPgError(last, spec, database);
}

/**
 * Runs a client program to completion, collecting stderr; rejects with its last stderr line.
 * The program dies with the job (scripts/children.ts) and is killed when `signal` aborts.
 */
export function run(program: string, args: string[], env: NodeJS.ProcessEnv, input?: NodeJS.ReadableStream, signal?: AbortSignal): Promise<{ stdout: string; stderr: string; code: number }> {
    return new Promise((resolve, reject) => {
        const child = spawnChild(pgBin(program), args, { env, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] }, signal);
        let stdout = "";
        let stderr = "";
        child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code, signal) => resolve({ stdout, stderr, code: code ?? (signal !== null ? 128 : 1) }));
        if (input !== undefined && child.stdin !== null) {
            child.stdin.on("error", () => undefined);
            input.pipe(child.stdin);
        }
    });
}
