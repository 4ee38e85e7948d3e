import { spawnChild } from "./children";
import { createHash } from "crypto";
import { createReadStream } from "fs";
import { PassThrough, Readable } from "stream";
import { displayTable, HeadProof, readBack, readHead, tablesNotInToc } from "./archive";
import { catalogSnapshot } from "./catalog";
import { checkCodec, Codec, codecSuffix, DumpCodec, dumpCodec, Exited, testFrame, watchExit } from "./codec";
import { LifeboatError, messageOf } from "./errors";
import { dumpKey, manifestKey, setIdFor, setPrefix, Tier, tierFor } from "./layout";
import { log, markLogged, mbPerSecond, Progress, wasLogged } from "./log";
import { DatabaseEntry, INCOMPLETE_NAME, Manifest, MANIFEST_FORMAT } from "./manifest";
import { childEnv, classifyPgError, ConnSpec, conninfo, connect, describeServer, pgBin, programMajor } from "./pg";
import { Target } from "./targets";
import { StagedFile } from "./targets/target";
import { toolVersion } from "./version";

export interface BackupOptions {
    databases: string[];
    targets: Target[];
    jobs: number;
    compress?: string;
    keyFingerprint?: string;
    conn: ConnSpec;
    /** Aborts the run (SIGTERM/SIGINT): running dumps are killed and the set is rolled back. */
    signal: AbortSignal;
    now?: Date;
}

interface Preflight {
    owner: string;
    serverVersion: string;
    serverMajor: number;
}

/**
 * The cause in pg_dump's stderr: its `error:` line joined with the server's message, never the
 * `detail: Command was: COPY ...` line that follows them (which only repeats the query).
 */
export function pgDumpCause(stderr: string): string | undefined {
    const lines = stderr
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "" && !/^pg_dump: detail: Command was:/.test(l));
    const error = lines.find((l) => /^pg_dump: error:/.test(l));
    const server = lines.find((l) => /^pg_dump: detail: Error message from server:/.test(l));
    const clean = (l: string): string => l.replace(/^pg_dump: (error|detail): (Error message from server: )?/, "").replace(/\s+/g, " ");
    if (error !== undefined) {
        return server === undefined ? clean(error) : `${clean(error).replace(/\.$/, "")}: ${clean(server)}`;
    }
    const lastLine = lines.pop();
    return lastLine === undefined ? undefined : clean(lastLine);
}

/** pg_dump's stderr turned into a one-line reason naming what to check. */
function pgDumpFailure(database: string, stderr: string, code: number | null, signal: NodeJS.Signals | null, conn: ConnSpec): LifeboatError {
    if (signal !== null) {
        return new LifeboatError(
            `pg_dump of database ${JSON.stringify(database)} was killed by ${signal} mid-stream`,
            "the job's memory limit and what stopped the process; the set was rolled back",
            1,
            "pg_dump-killed",
        );
    }
    const last = pgDumpCause(stderr) ?? `exit code ${code}`;
    if (/terminating connection due to administrator command|server closed the connection|the database system is shutting down/i.test(stderr)) {
        return new LifeboatError(
            `PostgreSQL server ${describeServer(conn)} ended the session of pg_dump of ${JSON.stringify(database)} mid-dump (a restart or shutdown): ${last}`,
            "the server log and uptime; the set was rolled back, run the backup again",
            1,
            "server-restarted",
        );
    }
    if (/password authentication failed|authentication failed/i.test(stderr)) {
        return classifyPgError({ code: "28P01" }, conn, database);
    }
    if (/database ".*" does not exist/.test(stderr)) {
        return classifyPgError({ code: "3D000" }, conn, database);
    }
    if (/Connection refused|could not connect|could not translate host|timeout expired|server closed the connection/i.test(stderr)) {
        return new LifeboatError(`PostgreSQL server ${describeServer(conn)} unreachable during pg_dump of ${JSON.stringify(database)}: ${last}`, "PGHOST, PGPORT and that the server is running", 1, "server-unreachable");
    }
    return new LifeboatError(`pg_dump of database ${JSON.stringify(database)} failed: ${last}`, "the pg_dump message and the server log", 1, "pg_dump-failed");
}

interface Dump {
    /** The stored bytes: pg_dump's archive, or the compressor's output. */
    stdout: Readable;
    /** Resolves with undefined once every process of the pipe exited 0, else with the failure. */
    exited: Promise<LifeboatError | undefined>;
    /** Every process's stderr (tail), once all exited. */
    stderr: Promise<string>;
    kill(): void;
}

/**
 * pg_dump of one database, and with a stream codec the compressor reading pg_dump's stdout
 * directly (an OS pipe between the two processes: node only sees the compressed bytes). With
 * `out` (a staged file's descriptor) the pipe's last process writes the file itself and node
 * sees no byte at all; pg_dump writing a file directly keeps the archive's data offsets.
 */
function startDump(conn: ConnSpec, database: string, codec: DumpCodec, extraArgs: string[], out?: number): Dump {
    const pgDump = spawnChild(pgBin("pg_dump"), ["--format=custom", "--no-password", ...extraArgs, ...codec.pgDumpArgs, `--dbname=${conninfo(conn, database)}`], {
        env: childEnv(conn),
        stdio: ["ignore", codec.compressor === undefined && out !== undefined ? out : "pipe", "pipe"],
    });
    const dumped = watchExit(pgDump);
    const dumpFailure = (e: Exited): LifeboatError | undefined => (e.code === 0 ? undefined : pgDumpFailure(database, e.stderr, e.code, e.signal, conn));
    if (codec.compressor === undefined) {
        return { stdout: pgDump.stdout as Readable, exited: dumped.then(dumpFailure), kill: () => pgDump.kill("SIGKILL"), stderr: dumped.then((d) => d.stderr) };
    }
    const { program, args } = codec.compressor;
    const zip = spawnChild(program, args, { stdio: [pgDump.stdout, out ?? "pipe", "pipe"] });
    // the compressor holds the pipe's read end now; node's copy would only compete for the bytes
    pgDump.stdout?.destroy();
    const zipped = watchExit(zip);
    const stderr = Promise.all([dumped, zipped]).then(([d, z]) => `${d.stderr}\n${z.stderr}`);
    const exited = Promise.all([dumped, zipped]).then(([d, z]) => {
        // pg_dump's failure first: the compressor ends a truncated input with a valid frame
        const failed = dumpFailure(d);
        if (failed !== undefined) {
            return failed;
        }
        if (z.code === 0) {
            return undefined;
        }
        const why = z.signal !== null ? `killed by ${z.signal}` : (z.stderr.trim().split("\n").pop() ?? `exit code ${z.code}`);
        return new LifeboatError(`${program} compressing the dump of ${JSON.stringify(database)} failed: ${why}`, "the zstd program, or --compress gzip", 1, "compressor-failed");
    });
    return {
        stdout: zip.stdout as Readable,
        exited,
        stderr,
        kill: () => {
            pgDump.kill("SIGKILL");
            zip.kill("SIGKILL");
        },
    };
}

const interrupted = (): LifeboatError => new LifeboatError("backup interrupted by a signal", "what stopped the job; the set was rolled back", 1, "interrupted");

interface StagedDump {
    size: number;
    sha256: string;
    tables: number;
    toc: string;
    /** What the read-back proved, for the log. */
    proof: string;
    /** When the dump had been written (the read-back started). */
    verifiedAt: number;
    head?: HeadProof;
}

/**
 * A dump whose last process writes the staged file itself, then one read-back of that file
 * before it is committed: SHA-256 of the stored bytes (the manifest's checksum, which restore
 * proves), the header and table of contents through `pg_restore --list`, and for a zstd frame
 * `zstd -t` of the whole frame beside them: its content checksum proves the stored frame
 * decompresses to exactly the bytes pg_dump wrote.
 */
async function dumpStaged(staged: StagedFile, start: () => Dump, release: () => void, codec: Codec, what: string, signal: AbortSignal, onProgress: (n: number) => void): Promise<StagedDump> {
    const dump = start();
    const onAbort = (): void => dump.kill();
    signal.addEventListener("abort", onAbort, { once: true });
    let seen = 0;
    const progress = async (): Promise<void> => {
        const n = await staged.size().catch(() => seen);
        if (n > seen) {
            onProgress(n - seen);
            seen = n;
        }
    };
    const poll = setInterval(() => void progress(), 250);
    let failure: LifeboatError | undefined;
    try {
        failure = await dump.exited;
    } finally {
        clearInterval(poll);
        signal.removeEventListener("abort", onAbort);
        release();
    }
    if (failure !== undefined) {
        const full = /(No space left on device|Disk quota exceeded)/i.exec(await dump.stderr);
        throw full === null ? failure : staged.failure(Object.assign(new Error(full[1]), { code: /quota/i.test(full[1]) ? "EDQUOT" : "ENOSPC" }));
    }
    await progress();
    const verifiedAt = Date.now();
    // the fsync runs beside the read-back (commit waits for it); a failure surfaces there
    staged.flush().catch(() => undefined);
    const [back, frame] = await Promise.all([readBack(createReadStream(staged.path, { highWaterMark: 1 << 20 }), what, codec), codec === "zstd" ? testFrame(staged.path) : undefined]);
    if (frame !== undefined && frame.code !== 0) {
        throw new LifeboatError(`${what} is not a valid zstd frame: ${frame.stderr.trim().split("\n").pop() ?? `zstd -t exited ${frame.code}`}`, "the zstd program and the target's storage; the set was rolled back", 1, "archive-unreadable");
    }
    const proof = codec === "zstd" ? "sha256 of the stored file; zstd -t: the whole frame and its content checksum; header and TOC by pg_restore --list" : "sha256 of the stored file, written by pg_dump itself; header and TOC by pg_restore --list";
    return { size: back.size, sha256: back.sha256, tables: back.tables, toc: back.toc, proof, verifiedAt, head: back.head };
}

async function preflight(conn: ConnSpec, database: string): Promise<Preflight> {
    const client = await connect(conn, database);
    try {
        const r = await client.query<{ v: string; n: string; o: string }>(
            "SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n, pg_get_userbyid(datdba) AS o FROM pg_database WHERE datname = current_database()",
        );
        return { owner: r.rows[0].o, serverVersion: r.rows[0].v, serverMajor: Math.floor(Number(r.rows[0].n) / 10000) };
    } catch (e) {
        throw classifyPgError(e, conn, database);
    } finally {
        await client.end().catch(() => undefined);
    }
}

/** Runs `fn` over `items` with at most `limit` at once; the first failure aborts the rest. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array<R>(items.length);
    let next = 0;
    let failed: unknown;
    const worker = async (): Promise<void> => {
        while (failed === undefined && next < items.length) {
            const i = next++;
            try {
                results[i] = await fn(items[i]);
            } catch (e) {
                if (failed === undefined) {
                    failed = e;
                }
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    if (failed !== undefined) {
        throw failed;
    }
    return results;
}

/**
 * One backup set: every database dumped with `pg_dump --format=custom`, streamed through
 * SHA-256 into every target, read back and listed by pg_restore, then the manifest written last.
 * On any failure every object this run wrote is deleted (or the set marked INCOMPLETE).
 */
export async function backup(opts: BackupOptions): Promise<Manifest> {
    const { databases, targets, conn } = opts;
    if (databases.length === 0) {
        throw new LifeboatError("no databases given", "--databases or LIFEBOAT_DATABASES", 2, "usage");
    }
    if (targets.length === 0) {
        throw new LifeboatError("no target given", "--target or LIFEBOAT_TARGET", 2, "usage");
    }
    // everything that can fail before a byte is written, at once: tools, targets, databases;
    // the zstd program is tried beside them, its failure only counts when the codec needs it
    const zstdChecked = checkCodec("zstd").then(
        () => undefined,
        (e: unknown) => e,
    );
    const [pgDumpMajor, , , preflights] = await Promise.all([
        programMajor("pg_dump"),
        programMajor("pg_restore"),
        Promise.all(targets.map((t) => t.check())),
        Promise.all(databases.map((db) => preflight(conn, db))),
    ]);
    const codec = dumpCodec(opts.compress, pgDumpMajor);
    const zstdMissing = codec.codec === "zstd" ? await zstdChecked : undefined;
    if (zstdMissing !== undefined) {
        throw zstdMissing;
    }
    const servers = new Map<string, Preflight>();
    databases.forEach((db, i) => {
        const p = preflights[i];
        if (p.serverMajor > pgDumpMajor) {
            throw new LifeboatError(
                `pg_dump ${pgDumpMajor} cannot dump server version ${p.serverVersion}`,
                `the client tools: install postgresql-client-${p.serverMajor} or newer`,
                1,
                "tools-too-old",
            );
        }
        servers.set(db, p);
    });

    const { now, tier, id } = runIdentity(opts.now);
    await refuseTakenSet(targets, tier, id);

    const written = new Map<Target, Set<string>>(targets.map((t) => [t, new Set<string>()]));
    // puts that failed after they may have committed: the rollback asks the target whose they are
    const uncertain = new Map<Target, Set<string>>(targets.map((t) => [t, new Set<string>()]));
    const started = Date.now();
    const controller = new AbortController();
    const onOuterAbort = (): void => controller.abort();
    opts.signal.addEventListener("abort", onOuterAbort, { once: true });
    const progress = new Progress("backup");
    log.event("backup.start", { set: id, tier, databases, targets: targets.map((t) => t.display), jobs: opts.jobs, compress: codec.compress, codec: codec.codec, pgDumpVersion: pgDumpMajor });

    const dumpOne = async (database: string): Promise<DatabaseEntry> => {
        const startedAt = new Date();
        const keys = new Map(targets.map((t) => [t, `${dumpKey(tier, id, database, t.prefix)}${codecSuffix(codec.codec)}`]));
        log.event("database.start", { set: id, database });
        // the table list the manifest records, read in the snapshot pg_dump dumps
        const catalog = await catalogSnapshot(conn, database);
        const snapshotArgs = catalog.snapshot === undefined ? [] : [`--snapshot=${catalog.snapshot}`];
        const lacksTables = (toc: string, t: Target, key: string): void => {
            const lacking = tablesNotInToc(toc, catalog.tables);
            if (lacking.length > 0) {
                throw new LifeboatError(
                    `archive ${key} on ${t.display} lacks ${lacking.length} table(s) of database ${JSON.stringify(database)}: ${lacking.map(displayTable).join(", ")}`,
                    "the pg_dump version and the role's privileges on those tables; the set was rolled back",
                    1,
                    "archive-incomplete",
                );
            }
        };
        // one local target: the dump's last process writes the file itself (no byte through node)
        const only = targets.length === 1 ? targets[0] : undefined;
        const staged = only?.stage === undefined ? undefined : await only.stage(keys.get(only) as string);
        if (only !== undefined && staged !== undefined) {
            const key = keys.get(only) as string;
            let stored: StagedDump;
            try {
                stored = await dumpStaged(staged, () => startDump(conn, database, codec, snapshotArgs, staged.fd), () => void catalog.release(), codec.codec, `${only.display} ${key}`, controller.signal, (n) => progress.add(database, n));
                lacksTables(stored.toc, only, key);
            } catch (e) {
                await staged.discard();
                throw opts.signal.aborted || controller.signal.aborted ? interrupted() : e;
            }
            await staged.commit();
            written.get(only)?.add(key);
            log.event("database.read_back", { set: id, database, target: only.display, proof: stored.proof, tables: stored.tables });
            return entryOf(database, startedAt, stored.size, stored.sha256, stored.tables, stored.verifiedAt, catalog.tables, stored.head);
        }
        const dump = startDump(conn, database, codec, snapshotArgs);
        void dump.exited.then(() => catalog.release());
        const stdout = dump.stdout;
        const hash = createHash("sha256");
        let bytes = 0;
        const branches = targets.map(() => new PassThrough({ highWaterMark: 1 << 20 }));
        // A branch destroyed before its upload has attached (a signal right at the start) must
        // not crash the process: the failure is handled through `stopped` and the upload's result.
        for (const b of branches) {
            b.on("error", () => undefined);
        }
        let stopped: unknown;
        const stop = (e: unknown): void => {
            if (stopped !== undefined) {
                return;
            }
            stopped = e;
            dump.kill();
            for (const b of branches) {
                b.destroy(e instanceof Error ? e : new Error(String(e)));
            }
        };
        const onAbort = (): void => stop(interrupted());
        controller.signal.addEventListener("abort", onAbort, { once: true });
        stdout.on("data", (chunk: Buffer) => {
            hash.update(chunk);
            bytes += chunk.length;
            progress.add(database, chunk.length);
        });
        // the uploads end only once pg_dump has exited 0: a truncated archive is never committed
        for (const b of branches) {
            stdout.pipe(b, { end: false });
        }
        const exited = dump.exited;
        void exited.then((failure) => {
            if (stopped !== undefined) {
                return;
            }
            if (failure === undefined) {
                for (const b of branches) {
                    b.end();
                }
            } else {
                stop(failure);
            }
        });
        const uploads = targets.map((t, i) =>
            t.put(keys.get(t) as string, branches[i], controller.signal).then(
                // only an object this run stored is ever deleted by its rollback
                (n) => {
                    written.get(t)?.add(keys.get(t) as string);
                    return n;
                },
                (e: unknown) => {
                    // aborted or failed with every byte sent: the commit may have reached the store
                    if (!(e instanceof LifeboatError && e.code === "object-exists")) {
                        uncertain.get(t)?.add(keys.get(t) as string);
                    }
                    stop(e);
                    throw e;
                },
            ),
        );
        const [exit, ...puts] = await Promise.allSettled([exited, ...uploads]);
        controller.signal.removeEventListener("abort", onAbort);
        if (stopped instanceof LifeboatError) {
            throw stopped;
        }
        if (exit.status === "fulfilled" && exit.value !== undefined && stopped === undefined) {
            throw exit.value;
        }
        const rejected = puts.find((p) => p.status === "rejected");
        if (rejected !== undefined || stopped !== undefined) {
            if (opts.signal.aborted) {
                // the signal reached the upload before the stop handler ran: say what really happened
                throw interrupted();
            }
            const reason = stopped ?? (rejected as PromiseRejectedResult).reason;
            if (reason instanceof LifeboatError) {
                throw reason;
            }
            throw new LifeboatError(`upload of ${JSON.stringify(database)} failed: ${messageOf(reason)}`, "the target", 1, "upload-failed");
        }
        const sha256 = hash.digest("hex");
        const uploadedAt = Date.now();
        let tables = 0;
        let headProof: HeadProof | undefined;
        await Promise.all(
            targets.map(async (t) => {
                const key = keys.get(t) as string;
                // the store's own checksums where it has them: no second transfer of the archive
                const proof = t.verifyStored === undefined || t.getRange === undefined ? undefined : await t.verifyStored(key, bytes);
                let back: { tables: number; toc: string; head?: HeadProof };
                if (proof !== undefined && t.getRange !== undefined) {
                    const head = await readHead((offset, count) => (t.getRange as NonNullable<Target["getRange"]>).call(t, key, offset, count), bytes, `${t.display} ${key}`, codec.codec);
                    log.event("database.read_back", { set: id, database, target: t.display, proof, headBytes: head.bytesRead, tables: head.tables });
                    back = head;
                } else {
                    const whole = await readBack(await t.get(key), `${t.display} ${key}`, codec.codec);
                    if (whole.sha256 !== sha256 || whole.size !== bytes) {
                        throw new LifeboatError(
                            `checksum mismatch reading back ${key} from ${t.display}: stored ${whole.size} bytes sha256 ${whole.sha256}, dumped ${bytes} bytes sha256 ${sha256}`,
                            "the target's storage; the set was rolled back",
                            1,
                            "checksum-mismatch",
                        );
                    }
                    back = whole;
                }
                tables = back.tables;
                headProof ??= back.head;
                lacksTables(back.toc, t, key);
            }),
        );
        return entryOf(database, startedAt, bytes, sha256, tables, uploadedAt, catalog.tables, headProof);
    };

    /** The manifest's entry of a database dumped, stored and read back; logs database.done. */
    const entryOf = (database: string, startedAt: Date, bytes: number, sha256: string, tables: number, uploadedAt: number, tableList: DatabaseEntry["tableList"], head: HeadProof | undefined): DatabaseEntry => {
        const endedAt = new Date();
        const ms = endedAt.getTime() - startedAt.getTime();
        log.event("database.done", {
            set: id,
            database,
            bytes,
            seconds: ms / 1000,
            mbPerSecond: mbPerSecond(bytes, ms),
            verifySeconds: (endedAt.getTime() - uploadedAt) / 1000,
            tables,
            sha256,
        });
        const server = servers.get(database) as Preflight;
        return {
            name: database,
            key: `${dumpKey(tier, id, database)}${codecSuffix(codec.codec)}`,
            size: bytes,
            sha256,
            serverVersion: server.serverVersion,
            pgDumpVersion: String(pgDumpMajor),
            compress: codec.compress,
            codec: codec.codec,
            startedAt: startedAt.toISOString(),
            endedAt: endedAt.toISOString(),
            verified: true,
            owner: server.owner,
            tables,
            tableList,
            ...(head !== undefined ? { head } : {}),
        };
    };

    try {
        const entries = await pool(databases, Math.max(1, opts.jobs), async (db) => {
            if (controller.signal.aborted) {
                throw interrupted();
            }
            try {
                return await dumpOne(db);
            } catch (e) {
                // one database failed: stop the others now rather than after their dumps finish
                controller.abort();
                throw e;
            }
        });
        progress.done();
        const manifest: Manifest = {
            format: MANIFEST_FORMAT,
            set: {
                id,
                tier,
                createdAt: now.toISOString(),
                completedAt: new Date().toISOString(),
                keyFingerprint: opts.keyFingerprint ?? null,
                toolVersion: toolVersion(),
            },
            databases: entries,
        };
        const body = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
        if (controller.signal.aborted) {
            throw interrupted();
        }
        await Promise.all(
            targets.map(async (t) => {
                // the commit: an exclusive create, so a set another run committed is never replaced
                const key = manifestKey(tier, id, t.prefix);
                await t.create(key, body);
                written.get(t)?.add(key);
            }),
        );
        const totalBytes = entries.reduce((a, e) => a + e.size, 0);
        log.event("set.committed", {
            set: id,
            tier,
            databases: entries.map((e) => ({ name: e.name, bytes: e.size, sha256: e.sha256, key: e.key })),
            bytes: totalBytes,
            seconds: (Date.now() - started) / 1000,
            targets: targets.map((t) => t.display),
            keyFingerprint: opts.keyFingerprint ?? null,
        });
        return manifest;
    } catch (e) {
        progress.done();
        controller.abort();
        const err = withRollbackNote(e instanceof LifeboatError ? e : new LifeboatError(`backup failed: ${messageOf(e)}`, "the log above", 1, "failed"));
        logFailure(err, id);
        await rollback(id, tier, written, uncertain);
        throw err;
    } finally {
        opts.signal.removeEventListener("abort", onOuterAbort);
    }
}

/**
 * This run's identity: its start time, tier and a set id unique per run (scripts/layout.ts).
 * Test hooks, never set in a job: LIFEBOAT_TEST_CLOCK (an ISO time) fixes the clock, so two runs
 * start "in the same second"; LIFEBOAT_TEST_RUN_TOKEN (8 hex digits) fixes the random part, so
 * two runs collide on one id and the exclusive commit is what keeps them apart.
 */
export function runIdentity(fixed: Date | undefined, env: NodeJS.ProcessEnv = process.env): { now: Date; tier: Tier; id: string } {
    const clock = env.LIFEBOAT_TEST_CLOCK;
    const now = fixed ?? (clock !== undefined && clock !== "" ? new Date(clock) : new Date());
    const token = env.LIFEBOAT_TEST_RUN_TOKEN;
    const id = token !== undefined && /^[0-9a-f]{8}$/.test(token) ? setIdFor(now, token) : setIdFor(now);
    return { now, tier: tierFor(now), id };
}

/** A set id already holding objects on a target belongs to another run: refuse before writing anything. */
async function refuseTakenSet(targets: Target[], tier: Tier, id: string): Promise<void> {
    const taken = await Promise.all(targets.map(async (t) => ((await t.list(setPrefix(tier, id, t.prefix))).length > 0 ? t.display : undefined)));
    const where = taken.filter((x): x is string => x !== undefined);
    if (where.length > 0) {
        throw new LifeboatError(`set ${id} already exists on ${where.join(", ")}`, "that no other backup of the same set runs; nothing was written", 1, "set-exists");
    }
}

/** Storage failures say that the set was rolled back (which target and object the target's message names). */
function withRollbackNote(err: LifeboatError): LifeboatError {
    if (!["target-unreachable", "target-forbidden", "target", "disk-full", "upload-failed"].includes(err.code) || /rolled back/.test(err.line())) {
        return err;
    }
    return new LifeboatError(`${err.message}; the set was rolled back`, err.check, err.exitCode, err.code);
}

/** The one JSON error event of a failed backup (the alerts match it), logged once. */
function logFailure(err: LifeboatError, id: string | undefined): LifeboatError {
    if (!wasLogged(err)) {
        log.error("backup.failed", { ...(id === undefined ? {} : { set: id }), code: err.code, reason: err.line() });
        markLogged(err);
    }
    return err;
}

/** Deletes what a failed run wrote (manifest first); where that fails, marks the set INCOMPLETE. */
async function rollback(id: string, tier: Tier, written: Map<Target, Set<string>>, uncertain: Map<Target, Set<string>>): Promise<void> {
    for (const [target, confirmed] of written) {
        const keys = new Set(confirmed);
        for (const key of uncertain.get(target) ?? []) {
            // a commit that reached the store although the put failed: this run's object
            if (!keys.has(key) && target.ownsStored !== undefined && (await target.ownsStored(key).catch(() => false))) {
                keys.add(key);
            }
        }
        const ordered = [...keys].sort((a, b) => (a.endsWith("manifest.json") ? -1 : b.endsWith("manifest.json") ? 1 : 0));
        const failures: string[] = [];
        for (const key of ordered) {
            try {
                await target.delete(key);
            } catch (e) {
                failures.push(`${key}: ${messageOf(e)}`);
            }
        }
        if (failures.length === 0) {
            log.event("set.rolled_back", { set: id, target: target.display, deleted: ordered.length });
            continue;
        }
        try {
            await target.putSmall(`${setPrefix(tier, id, target.prefix)}${INCOMPLETE_NAME}`, Buffer.from(`set ${id} failed; objects could not be deleted:\n${failures.join("\n")}\n`));
            log.warn("set.marked_incomplete", { set: id, target: target.display, leftover: failures.length });
        } catch (e) {
            log.warn("set.cleanup_failed", { set: id, target: target.display, leftover: failures.length, reason: messageOf(e) });
        }
    }
}
