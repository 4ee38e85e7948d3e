/**
 * Fernet (https://github.com/fernet/spec), the format the reference application encrypts
 * fields with: version 0x80, 64-bit timestamp, 128-bit IV, AES-128-CBC with PKCS#7 padding,
 * HMAC-SHA256 over all of it; the key is 32 bytes, URL-safe base64: signing key then
 * encryption key. Lifeboat never needs the key to back up; the drill uses this to prove that
 * restored fields still decrypt with the recovered key.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from "crypto";

function keyParts(key: string): { signing: Buffer; encryption: Buffer } {
    const raw = Buffer.from(key.trim(), "base64url");
    if (raw.length !== 32) {
        throw new Error("a Fernet key is 32 bytes in URL-safe base64");
    }
    return { signing: raw.subarray(0, 16), encryption: raw.subarray(16) };
}

export function fernetEncrypt(key: string, plaintext: string, options: { iv?: Buffer; time?: Date } = {}): string {
    const { signing, encryption } = keyParts(key);
    const iv = options.iv ?? randomBytes(16);
    const seconds = BigInt(Math.floor((options.time ?? new Date()).getTime() / 1000));
    const header = Buffer.alloc(9);
    header[0] = 0x80;
    header.writeBigUInt64BE(seconds, 1);
    const cipher = createCipheriv("aes-128-cbc", encryption, iv);
    const body = Buffer.concat([header, iv, cipher.update(plaintext, "utf8"), cipher.final()]);
    const mac = createHmac("sha256", signing).update(body).digest();
    return Buffer.concat([body, mac]).toString("base64url") + "=".repeat((4 - (Math.ceil(((body.length + 32) * 4) / 3) % 4)) % 4);
}

/** Decrypts a token; throws when it was not made with this key or was altered. */
export function fernetDecrypt(key: string, token: string): string {
    const { signing, encryption } = keyParts(key);
    const data = Buffer.from(token.trim(), "base64url");
    if (data.length < 1 + 8 + 16 + 16 + 32 || data[0] !== 0x80) {
        throw new Error("not a Fernet token");
    }
    const body = data.subarray(0, data.length - 32);
    const mac = data.subarray(data.length - 32);
    if (!timingSafeEqual(mac, createHmac("sha256", signing).update(body).digest())) {
        throw new Error("the token was not made with this key (HMAC mismatch)");
    }
    const decipher = createDecipheriv("aes-128-cbc", encryption, body.subarray(9, 25));
    return Buffer.concat([decipher.update(body.subarray(25)), decipher.final()]).toString("utf8");
}
