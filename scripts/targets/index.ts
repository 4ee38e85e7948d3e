import { LifeboatError } from "../errors";
import { redact } from "../redact";
import { Target } from "./target";

export { Target } from "./target";

/** The target a URL names: file:///dir, azblob://ACCOUNT/CONTAINER[/prefix], s3://BUCKET[/prefix]. */
export function openTarget(raw: string): Target {
    // checked before parsing: a file: URL with user:password@ does not even parse as a URL
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(raw)) {
        throw credentialsInUrl(raw);
    }
    let url: URL;
    try {
        url = new URL(raw);
    } catch {
        throw new LifeboatError(`target ${redact(raw)} is not a URL`, "--target: file:///dir, azblob://ACCOUNT/CONTAINER[/prefix] or s3://BUCKET[/prefix]", 2, "usage");
    }
    if (url.username !== "" || url.password !== "" || url.search !== "") {
        throw credentialsInUrl(raw);
    }
    switch (url.protocol) {
        // loaded on demand: each cloud SDK costs a few hundred milliseconds and tens of MB to load
        case "file:":
            return new (require("./file") as typeof import("./file")).FileTarget(url);
        case "azblob:":
            return new (require("./azblob") as typeof import("./azblob")).AzureBlobTarget(url);
        case "s3:":
            return new (require("./s3") as typeof import("./s3")).S3Target(url);
        default:
            throw new LifeboatError(`target scheme ${url.protocol} is not supported`, "--target: file://, azblob:// or s3://", 2, "usage");
    }
}

function credentialsInUrl(raw: string): LifeboatError {
    return new LifeboatError(
        `target ${redact(raw)} carries credentials or a query`,
        "--target: credentials come from the environment (managed identity, AZURE_STORAGE_CONNECTION_STRING, the AWS chain), never the URL",
        2,
        "usage",
    );
}

/** Splits --target values and LIFEBOAT_TARGET (comma-separated) into distinct URLs. */
export function targetUrls(values: string[]): string[] {
    const out: string[] = [];
    for (const v of values) {
        for (const part of v.split(",")) {
            const t = part.trim();
            if (t !== "" && !out.includes(t)) {
                out.push(t);
            }
        }
    }
    return out;
}
