import { createHash } from "crypto";

/**
 * The fingerprint of a field encryption key: `sha256:` and the first 16 hex digits of the
 * SHA-256 of the key as written (surrounding white space ignored). Short, stable, and safe to
 * print, store in manifests and stack outputs: it identifies a key without revealing it.
 * The Pulumi components and the `lifeboat` CLI both use this one function.
 */
export function fingerprintKey(key: string): string {
    const trimmed = key.trim();
    if (trimmed === "") {
        throw new Error("cannot fingerprint an empty key");
    }
    return `sha256:${createHash("sha256").update(trimmed, "utf8").digest("hex").slice(0, 16)}`;
}
