import { createHash } from "crypto";

/** Hex characters of the SHA-256 digest kept in a fingerprint (64 bits: identifies, never reveals). */
export const FINGERPRINT_HEX_CHARS = 16;

/**
 * The fingerprint of a field encryption key: `sha256:` and the first 16 hex characters of the
 * SHA-256 of the key's UTF-8 bytes, after trimming surrounding whitespace (a trailing newline
 * from `echo` or a secret file must not change it). Pure, no I/O: the Pulumi components import it
 * to compute the value they pass to the job as LIFEBOAT_KEY_FINGERPRINT.
 */
export function fingerprintKey(key: string): string {
    const trimmed = key.trim();
    if (trimmed === "") {
        throw new Error("cannot fingerprint an empty key");
    }
    const digest = createHash("sha256").update(trimmed, "utf8").digest("hex");
    return `sha256:${digest.slice(0, FINGERPRINT_HEX_CHARS)}`;
}

/** True when `value` has the shape fingerprintKey returns. */
export function isFingerprint(value: string): boolean {
    return new RegExp(`^sha256:[0-9a-f]{${FINGERPRINT_HEX_CHARS}}$`).test(value);
}
