import { createHash } from "crypto";
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { Readable } from "stream";
import { LifeboatError, isNetworkError, messageOf } from "../errors";
import { normalisePrefix } from "../layout";
import { checkKey, maxTries, objectExists, retryDelayMs, Target } from "./target";
import { uploadExclusive } from "./s3upload";

/** Part size of multipart uploads; at most PART_SIZE * QUEUE parts are buffered per object. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE = 4;

/**
 * `s3://BUCKET[/prefix]`: Amazon S3 or an S3-compatible store. Credentials come from the AWS
 * SDK's own chain (environment, web identity, ECS task role, instance profile, profiles), or,
 * when LIFEBOAT_AWS_ROLE_ARN is set, from the Azure managed identity by web identity;
 * AWS_ENDPOINT_URL points at another store (path-style addressing is then used). Uploads are
 * multipart: an interrupted upload is aborted and leaves no object.
 */
export class S3Target implements Target {
    readonly prefix: string;
    readonly display: string;
    private readonly bucket: string;
    private readonly client: S3Client;

    constructor(url: URL) {
        this.bucket = url.host;
        if (this.bucket === "") {
            throw new LifeboatError(`s3 target ${url.href} needs a bucket`, "the URL: s3://BUCKET[/prefix]", 2, "usage");
        }
        this.prefix = normalisePrefix(decodeURIComponent(url.pathname));
        this.display = `s3://${this.bucket}${this.prefix === "" ? "" : `/${this.prefix.replace(/\/$/, "")}`}`;
        const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
        const config: S3ClientConfig = {
            region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
            retryStrategy: retryBudget(maxTries()),
        };
        if (endpoint !== undefined && endpoint !== "") {
            config.endpoint = endpoint;
            config.forcePathStyle = true;
            // S3-compatible stores often reject the newer default checksum headers
            config.requestChecksumCalculation = "WHEN_REQUIRED";
            config.responseChecksumValidation = "WHEN_REQUIRED";
        }
        // A job in Azure writing the off-site copy: its managed identity's Entra token is exchanged
        // at STS for the role the stack declared (scripts/awsWebIdentity.ts); else the SDK's chain.
        const roleArn = process.env.LIFEBOAT_AWS_ROLE_ARN;
        if (roleArn !== undefined && roleArn !== "") {
            const { webIdentityFromEnv } = require("../awsWebIdentity") as typeof import("../awsWebIdentity");
            config.credentials = webIdentityFromEnv();
        }
        this.client = new S3Client(config);
    }

    private fail(e: unknown, doing: string): never {
        if (e instanceof LifeboatError) {
            throw e;
        }
        const name = (e as { name?: string }).name ?? "";
        const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (name === "NoSuchBucket" || (name === "NotFound" && doing.startsWith("listing"))) {
            throw new LifeboatError(`bucket ${this.bucket} does not exist`, "the bucket name and region; lifeboat does not create buckets", 1, "container-missing");
        }
        if (
            status === 403 ||
            status === 401 ||
            /AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch|Forbidden|ExpiredToken|CredentialsProviderError/.test(name)
        ) {
            throw new LifeboatError(
                `access to ${this.display} forbidden while ${doing} (${name || status})`,
                "the job's AWS credentials and the bucket policy",
                1,
                "target-forbidden",
            );
        }
        if (isNetworkError(e) || /ECONNREFUSED|ENOTFOUND|getaddrinfo|socket hang up|TimeoutError/.test(`${name} ${messageOf(e)}`)) {
            throw new LifeboatError(
                `S3 endpoint for ${this.display} unreachable while ${doing}: ${messageOf(e)}`,
                "AWS_ENDPOINT_URL, AWS_REGION and the network path",
                1,
                "target-unreachable",
            );
        }
        throw new LifeboatError(`s3 target ${this.display} failed while ${doing}: ${name} ${messageOf(e)}`, "the bucket", 1, "target");
    }

    async check(): Promise<void> {
        try {
            await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, MaxKeys: 1 }));
        } catch (e) {
            this.fail(e, "listing the bucket");
        }
    }

    async put(key: string, body: Readable, signal: AbortSignal): Promise<number> {
        const digests = this.digestParts(key, body);
        try {
            const n = await uploadExclusive(
                { client: this.client, bucket: this.bucket, key: checkKey(key, this.display), display: this.display, contentType: "application/octet-stream", partSize: PART_SIZE, queueSize: QUEUE },
                body,
                signal,
            );
            digests();
            return n;
        } catch (e) {
            if ((body as { readableEnded?: boolean }).readableEnded === true) {
                // every byte was sent: a commit may have reached the store (ownsStored compares)
                digests();
            }
            if (signal.aborted) {
                throw e;
            }
            // the branch's own error (a stop() of the backup) passes through as it is; an
            // AbortError that the reader's early exit left on the stream is not the cause
            if (e === (body as { errored?: unknown }).errored) {
                throw e;
            }
            this.failIfExists(e, key);
            this.fail(e, `uploading ${key}`);
        }
    }

    /** 412 Precondition Failed (or 409 ConditionalRequestConflict, a create racing ours): the conditional write lost to another object. */
    private failIfExists(e: unknown, key: string): void {
        if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412 || /^(PreconditionFailed|ConditionalRequestConflict)$/.test((e as { name?: string }).name ?? "")) {
            throw objectExists(key, this.display);
        }
    }

    async create(key: string, data: Buffer): Promise<void> {
        try {
            await this.client.send(
                new PutObjectCommand({ Bucket: this.bucket, Key: checkKey(key, this.display), Body: data, ContentType: key.endsWith(".json") ? "application/json" : "application/octet-stream", IfNoneMatch: "*" }),
            );
        } catch (e) {
            this.failIfExists(e, key);
            this.fail(e, `writing ${key}`);
        }
    }

    /** What put() streamed per key: its size, its MD5 and the MD5 of each PART_SIZE part. */
    private readonly digests = new Map<string, { size: number; md5: string; composite: string }>();

    /**
     * MD5 of the whole body and of each PART_SIZE part (uploadExclusive cuts parts at exact
     * multiples of PART_SIZE), as the store computes the object's ETag: the MD5 of the object
     * for a single PUT (and on s3rver), `MD5(part MD5s)-N` for an S3 multipart upload.
     * The returned function records them once the upload is done.
     */
    private digestParts(key: string, body: Readable): () => void {
        const whole = createHash("md5");
        const parts: Buffer[] = [];
        let part = createHash("md5");
        let left = PART_SIZE;
        let size = 0;
        body.on("data", (chunk: Buffer) => {
            whole.update(chunk);
            size += chunk.length;
            for (let off = 0; off < chunk.length; ) {
                const n = Math.min(left, chunk.length - off);
                part.update(n === chunk.length ? chunk : chunk.subarray(off, off + n));
                off += n;
                left -= n;
                if (left === 0) {
                    parts.push(part.digest());
                    part = createHash("md5");
                    left = PART_SIZE;
                }
            }
        });
        return () => {
            if (left < PART_SIZE) {
                parts.push(part.digest());
            }
            const composite = `${createHash("md5").update(Buffer.concat(parts)).digest("hex")}-${parts.length}`;
            this.digests.set(key, { size, md5: whole.digest("hex"), composite });
        };
    }

    /** HeadObject: the object holds what put() sent (its length, and its ETag as computed from what was sent). */
    async ownsStored(key: string): Promise<boolean> {
        const sent = this.digests.get(key);
        if (sent === undefined) {
            return false;
        }
        try {
            const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
            const etag = (head.ETag ?? "").replace(/"/g, "");
            return head.ContentLength === sent.size && (etag === sent.md5 || etag === sent.composite);
        } catch (e) {
            const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
            if (status === 404 || (e as { name?: string }).name === "NotFound") {
                return false;
            }
            this.fail(e, `checking ${key} after a failed upload`);
        }
    }

    /**
     * HeadObject: the stored length, and the ETag the store computed from the bytes it holds
     * against the MD5s of the bytes put() sent. An ETag that is no MD5 (SSE-KMS, SSE-C) proves
     * nothing: undefined, and the backup reads the object back whole.
     */
    async verifyStored(key: string, size: number): Promise<string | undefined> {
        const sent = this.digests.get(key);
        if (sent === undefined || sent.size !== size) {
            return undefined;
        }
        let head;
        try {
            head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
        } catch (e) {
            this.fail(e, `reading back ${key}`);
        }
        const etag = (head.ETag ?? "").replace(/"/g, "");
        if (head.ContentLength !== size) {
            throw new LifeboatError(`read-back of ${key} on ${this.display}: the object is ${head.ContentLength} bytes, put() sent ${size}`, "the bucket; the set was rolled back", 1, "checksum-mismatch");
        }
        if (etag === sent.md5 || etag === sent.composite) {
            return `${size} bytes; ETag ${etag} is the ${etag === sent.md5 ? "MD5 of the object" : "MD5 of its part MD5s"} as sent`;
        }
        if (/^[0-9a-f]{32}(-\d+)?$/.test(etag)) {
            throw new LifeboatError(
                `read-back of ${key} on ${this.display}: ETag ${etag} matches neither the MD5 of the bytes sent (${sent.md5}) nor of their parts (${sent.composite})`,
                "the bucket; the set was rolled back",
                1,
                "checksum-mismatch",
            );
        }
        return undefined;
    }

    async getRange(key: string, offset: number, count: number): Promise<Readable> {
        try {
            const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${offset}-${offset + count - 1}` }));
            return res.Body as Readable;
        } catch (e) {
            this.fail(e, `reading ${key}`);
        }
    }

    async putSmall(key: string, data: Buffer): Promise<void> {
        try {
            await this.client.send(
                new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: data, ContentType: key.endsWith(".json") ? "application/json" : "application/octet-stream" }),
            );
        } catch (e) {
            this.fail(e, `writing ${key}`);
        }
    }

    async get(key: string): Promise<Readable> {
        try {
            const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: checkKey(key, this.display) }));
            return res.Body as Readable;
        } catch (e) {
            if ((e as { name?: string }).name === "NoSuchKey") {
                throw new LifeboatError(`object ${key} is missing from ${this.display}`, "that the set is complete", 1, "object-missing");
            }
            this.fail(e, `reading ${key}`);
        }
    }

    async list(prefix: string): Promise<string[]> {
        const out: string[] = [];
        let token: string | undefined;
        try {
            do {
                const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
                for (const o of res.Contents ?? []) {
                    if (o.Key !== undefined) {
                        out.push(o.Key);
                    }
                }
                token = res.IsTruncated === true ? res.NextContinuationToken : undefined;
            } while (token !== undefined);
        } catch (e) {
            this.fail(e, "listing");
        }
        return out.sort();
    }

    async delete(key: string): Promise<void> {
        try {
            await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: checkKey(key, this.display) }));
        } catch (e) {
            this.fail(e, `deleting ${key}`);
        }
    }
}

type RetryStrategy = Extract<NonNullable<S3ClientConfig["retryStrategy"]>, { acquireInitialRetryToken: unknown }>;
type RetryToken = Awaited<ReturnType<RetryStrategy["acquireInitialRetryToken"]>>;

/**
 * The SDK's retries with the budget of every remote target (scripts/targets/target.ts): up to
 * `tries` attempts, 0.5 s doubling to 8 s between them, for transient, throttling and server
 * errors (a refused or reset connection is transient); a client error (403, 404, 412) is final.
 */
function retryBudget(tries: number): RetryStrategy {
    const token = (count: number, delay: number): RetryToken => ({ getRetryCount: () => count, getRetryDelay: () => delay });
    return {
        acquireInitialRetryToken: async () => token(0, 0),
        refreshRetryTokenForRetry: async (previous, info) => {
            const count = previous.getRetryCount() + 1;
            if (count >= tries || info.errorType === "CLIENT_ERROR") {
                throw new Error("no retry left");
            }
            return token(count, retryDelayMs(count));
        },
        recordSuccess: () => undefined,
    };
}
