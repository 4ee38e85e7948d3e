import { Readable } from "stream";

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
    /** Streams `body` into `key` with bounded buffers; resolves with the bytes stored. */
    put(key: string, body: Readable, signal: AbortSignal): Promise<number>;
    /** Stores a small object whole (the manifest, markers). */
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
}

/** Retry attempts for remote targets (LIFEBOAT_MAX_TRIES, default 4). */
export function maxTries(): number {
    const raw = process.env.LIFEBOAT_MAX_TRIES;
    const n = raw === undefined ? 4 : Number(raw);
    return Number.isInteger(n) && n >= 1 && n <= 20 ? n : 4;
}
