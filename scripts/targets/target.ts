import { Readable } from "stream";
import { EXIT_FAILED, EXIT_REFUSED, LifeboatError } from "../errors";

/**
 * Where backup sets are stored. Keys are full object keys built with scripts/layout.ts
 * (they already include the target's prefix). A new target is one file implementing this.
 */
export interface Target {
    /** The target URL, safe to log. */
    readonly display: string;
    /** The prefix (normalised, "" or "a/b/") every layout key of this target starts with. */
    readonly prefix: string;
    /** Proves the target is reachable, exists and may be listed; throws a LifeboatError otherwise. */
    check(): Promise<void>;
    /**
     * Streams `body` into a new object `key` with bounded buffers; resolves with the bytes
     * stored. Exclusive where the store can say so (file: link, blob: If-None-Match *, S3:
     * IfNoneMatch *): an existing object is never replaced, the put fails with `object-exists`.
     * An interrupted put leaves no object and no staged blocks/parts it could still abort.
     */
    put(key: string, body: Readable, signal: AbortSignal): Promise<number>;
    /** Creates a small object whole, exclusively as `put` does: the manifest, the commit of a set. */
    create(key: string, data: Buffer): Promise<void>;
    /** Stores a small object whole, replacing any (the INCOMPLETE marker). */
    putSmall(key: string, data: Buffer): Promise<void>;
    /** A stream of the object's bytes. */
    get(key: string): Promise<Readable>;
    /** Every key starting with `prefix`. */
    list(prefix: string): Promise<string[]>;
    /**
     * The object's path on the local file system when the target is local (file://): restore
     * then checks and reads it in place instead of copying it to a temporary file.
     */
    localPath?(key: string): Promise<string | undefined>;
    /** Deletes `key`; a missing key is not an error. */
    delete(key: string): Promise<void>;
    /**
     * Read-back without a second transfer: proves with the store's own checksums that `key`
     * holds exactly the `size` bytes this process's put() streamed into it, and resolves with
     * what was proven (for the log), or undefined when it cannot (the backup then reads the
     * object back whole). Absent on targets where reading back costs no transfer (file://).
     */
    verifyStored?(key: string, size: number): Promise<string | undefined>;
    /**
     * After a put() that was aborted or failed (not one that lost its exclusive create): whether
     * the object now at `key` is the one that put() was committing. A commit request can reach
     * the store before the abort does; such an object is this run's, and its rollback deletes it.
     */
    ownsStored?(key: string): Promise<boolean>;
    /** `count` bytes of the object from `offset` (a ranged read: the archive's header and TOC). */
    getRange?(key: string, offset: number, count: number): Promise<Readable>;
    /**
     * A new object `key` as a local file that a child process writes itself (file://): the dump's
     * last process gets `fd` as its stdout, so no byte passes through node on its way to the
     * disk. Nothing is visible under `key` until commit(); discard() leaves nothing behind.
     * Undefined when the target cannot (then the backup streams through put()).
     */
    stage?(key: string): Promise<StagedFile | undefined>;
}

/** A staged local object (Target.stage): written by a child through `fd`, then committed or discarded. */
export interface StagedFile {
    /** The temporary file's descriptor, open for writing (a child's stdout). */
    readonly fd: number;
    /** The temporary file (read back before the commit). */
    readonly path: string;
    /** Bytes written so far (progress). */
    size(): Promise<number>;
    /** Starts the fsync (once; commit() waits for it), so it can overlap the read-back. */
    flush(): Promise<void>;
    /** fsync, then publish under the key exclusively (`object-exists` when it is taken); resolves with the size. */
    commit(): Promise<number>;
    /** Removes the temporary file (and the set's folder when this left it empty). */
    discard(): Promise<void>;
    /** The target's error for a write that failed with `e` (disk-full, target-forbidden, ...). */
    failure(e: unknown): LifeboatError;
}

/**
 * The retry budget of remote targets (docs/JOB.md): each storage request is tried up to
 * LIFEBOAT_MAX_TRIES times (default 6), waiting RETRY_BASE_MS, then twice as long each time, at
 * most RETRY_MAX_MS: 0.5 + 1 + 2 + 4 + 8 = 15.5 s of waiting, so a storage outage of about
 * 15 s is ridden out and a longer one fails the run (which is then rolled back).
 */
export const DEFAULT_TRIES = 6;
export const RETRY_BASE_MS = 500;
export const RETRY_MAX_MS = 8000;

export function maxTries(): number {
    const raw = process.env.LIFEBOAT_MAX_TRIES;
    const n = raw === undefined ? DEFAULT_TRIES : Number(raw);
    return Number.isInteger(n) && n >= 1 && n <= 20 ? n : DEFAULT_TRIES;
}

/** The wait before attempt `attempt + 1` (attempt counts from 1). */
export function retryDelayMs(attempt: number): number {
    return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempt - 1));
}

/** The error of a put or create whose key already holds an object (another run's). */
export function objectExists(key: string, display: string): LifeboatError {
    return new LifeboatError(
        `object ${key} already exists on ${display}; another backup run owns it and it was left untouched`,
        "that no other backup of the same set runs; this run was rolled back",
        EXIT_FAILED,
        "object-exists",
    );
}

/** Refuses a key that is not normalised or climbs out of the target (`..`, `.`, empty segments, backslashes). */
export function checkKey(key: string, display: string): string {
    if (key.startsWith("/") || key.includes("\\") || key.split("/").some((s) => s === "" || s === "." || s === "..")) {
        throw new LifeboatError(`object key ${JSON.stringify(key)} is not a normalised relative key on ${display}`, "the manifest: keys stay inside their set", EXIT_REFUSED, "key-unsafe");
    }
    return key;
}
