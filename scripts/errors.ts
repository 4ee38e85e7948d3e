/**
 * Errors the CLI reports as one line on stderr: what went wrong and what to check.
 * Exit codes: 0 done, 1 failed, 2 invalid usage, 3 refused by a safety check
 * (non-empty target, checksum or fingerprint mismatch, stale backups for freshness is 1).
 */

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_REFUSED = 3;

export class LifeboatError extends Error {
    constructor(
        message: string,
        readonly check: string | undefined = undefined,
        readonly exitCode: number = EXIT_FAILED,
        readonly code: string = "failed",
    ) {
        super(message);
        this.name = "LifeboatError";
    }

    /** The one line printed on stderr. */
    line(): string {
        return this.check === undefined ? this.message : `${this.message} (check ${this.check})`;
    }
}

export function isLifeboatError(e: unknown): e is LifeboatError {
    return e instanceof LifeboatError;
}

/** The node error code (ENOSPC, ECONNREFUSED, ...) of an error or its cause, if any. */
export function errnoCode(e: unknown): string | undefined {
    let cur: unknown = e;
    for (let i = 0; i < 5 && cur !== undefined && cur !== null; i++) {
        const code = (cur as { code?: unknown }).code;
        if (typeof code === "string") {
            return code;
        }
        cur = (cur as { cause?: unknown }).cause;
    }
    return undefined;
}

export function messageOf(e: unknown): string {
    if (e instanceof Error) {
        return e.message.split("\n")[0];
    }
    return String(e);
}

// EPIPE: the peer closed the connection while a request body was still being written (a store killed mid-upload)
const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "EPIPE", "EHOSTUNREACH", "ENETUNREACH"]);

export function isNetworkError(e: unknown): boolean {
    const code = errnoCode(e);
    if (code !== undefined && NETWORK_CODES.has(code)) {
        return true;
    }
    // AggregateError from happy-eyeballs connects
    const errors = (e as { errors?: unknown[] }).errors;
    return Array.isArray(errors) && errors.some((x) => isNetworkError(x));
}
