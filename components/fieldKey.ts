import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/** A Fernet key: 32 bytes, URL-safe base64 with padding (44 characters). */
export function isFernetKey(key: string): boolean {
    const trimmed = key.trim();
    return /^[A-Za-z0-9_-]{43}=$/.test(trimmed) && Buffer.from(trimmed, "base64url").length === 32;
}

/** Standard base64 (what random.RandomBytes gives) to the URL-safe alphabet Fernet uses. */
export function toUrlSafeBase64(b64: string): string {
    return b64.replace(/\+/g, "-").replace(/\//g, "_");
}

/**
 * The field key a component stores: the one given, or a Fernet key generated once by
 * random.RandomBytes (`<name>-bytes`, protected and retained: never regenerated). Always a secret.
 * Shared by the Azure vault and the AWS secret, so both clouds make the same kind of key.
 */
export function fieldKeyOf(name: string, given: pulumi.Input<string> | undefined, opts: pulumi.CustomResourceOptions): { key: pulumi.Output<string>; generator?: random.RandomBytes } {
    if (given !== undefined) {
        return { key: pulumi.secret(pulumi.output(given)) };
    }
    const generator = new random.RandomBytes(`${name}-bytes`, { length: 32 }, { ...opts, protect: true, retainOnDelete: true });
    return { key: pulumi.secret(generator.base64.apply(toUrlSafeBase64)), generator };
}
