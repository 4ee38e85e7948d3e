import { BlobServiceClient, ContainerClient, StoragePipelineOptions } from "@azure/storage-blob";
import { createHash, randomBytes } from "crypto";
import { Readable } from "stream";
import { LifeboatError, isNetworkError, messageOf } from "../errors";
import { normalisePrefix } from "../layout";
import { Parts } from "./parts";
import { checkKey, maxTries, objectExists, RETRY_BASE_MS, RETRY_MAX_MS, Target } from "./target";

/** Block size of staged uploads; CONCURRENCY + 1 buffers of BLOCK_SIZE bytes are held per object, reused block after block. */
const BLOCK_SIZE = 4 * 1024 * 1024;
const CONCURRENCY = 4;

/**
 * `azblob://ACCOUNT/CONTAINER[/prefix]`: Azure Blob Storage. Credentials: the connection string
 * in AZURE_STORAGE_CONNECTION_STRING when set (Azurite, or a key held elsewhere), otherwise
 * DefaultAzureCredential (the job's managed identity). Uploads are staged block blobs: the blob
 * appears only when its block list is committed, so an interrupted upload leaves no object.
 */
export class AzureBlobTarget implements Target {
    readonly prefix: string;
    readonly display: string;
    private readonly account: string;
    private readonly containerName: string;
    private readonly container: ContainerClient;

    constructor(url: URL) {
        this.account = url.host;
        const parts = decodeURIComponent(url.pathname).replace(/^\/+/, "").split("/");
        this.containerName = parts[0] ?? "";
        if (this.account === "" || this.containerName === "") {
            throw new LifeboatError(`azblob target ${url.href} needs an account and a container`, "the URL: azblob://ACCOUNT/CONTAINER[/prefix]", 2, "usage");
        }
        this.prefix = normalisePrefix(parts.slice(1).join("/"));
        this.display = `azblob://${this.account}/${this.containerName}${this.prefix === "" ? "" : `/${this.prefix.replace(/\/$/, "")}`}`;
        const options: StoragePipelineOptions = {
            retryOptions: { maxTries: maxTries(), retryDelayInMs: RETRY_BASE_MS, maxRetryDelayInMs: RETRY_MAX_MS },
        };
        const conn = process.env.AZURE_STORAGE_CONNECTION_STRING;
        let service: BlobServiceClient;
        if (conn !== undefined && conn !== "") {
            const name = /AccountName=([^;]+)/i.exec(conn)?.[1];
            if (name !== undefined && name !== this.account) {
                throw new LifeboatError(
                    `AZURE_STORAGE_CONNECTION_STRING is for account ${name}, the target names ${this.account}`,
                    "the target URL and the connection string",
                    2,
                    "usage",
                );
            }
            service = BlobServiceClient.fromConnectionString(conn, options);
        } else {
            const { DefaultAzureCredential } = require("@azure/identity") as typeof import("@azure/identity");
            service = new BlobServiceClient(`https://${this.account}.blob.core.windows.net`, new DefaultAzureCredential(), options);
        }
        this.container = service.getContainerClient(this.containerName);
    }

    private fail(e: unknown, doing: string): never {
        if (e instanceof LifeboatError) {
            throw e;
        }
        const status = (e as { statusCode?: number }).statusCode;
        const code = (e as { code?: string }).code ?? "";
        if (code === "ContainerNotFound") {
            throw new LifeboatError(
                `container ${this.containerName} does not exist in storage account ${this.account}`,
                "the container name; lifeboat does not create containers",
                1,
                "container-missing",
            );
        }
        if (status === 403 || status === 401 || /AuthenticationFailed|AuthorizationFailure|AuthorizationPermissionMismatch/.test(code)) {
            throw new LifeboatError(
                `access to ${this.display} forbidden while ${doing} (${code || status})`,
                "the job identity's role on the container (Storage Blob Data Contributor) or the connection string",
                1,
                "target-forbidden",
            );
        }
        const name = (e as { name?: string }).name ?? "";
        if (name === "CredentialUnavailableError" || name === "AuthenticationError" || name === "AggregateAuthenticationError") {
            throw new LifeboatError(
                `no Azure credential for ${this.display}: ${messageOf(e)}`,
                "the managed identity of the job, or AZURE_STORAGE_CONNECTION_STRING",
                1,
                "target-forbidden",
            );
        }
        if (isNetworkError(e) || code === "REQUEST_SEND_ERROR" || /ECONNREFUSED|ENOTFOUND|getaddrinfo|socket hang up/.test(messageOf(e))) {
            throw new LifeboatError(
                `blob storage for ${this.display} unreachable while ${doing}: ${messageOf(e)}`,
                "the account name, the network path and the blob endpoint",
                1,
                "target-unreachable",
            );
        }
        throw new LifeboatError(`azblob target ${this.display} failed while ${doing}: ${messageOf(e)}`, "the storage account", 1, "target");
    }

    async check(): Promise<void> {
        try {
            await this.container.listBlobsFlat({ prefix: this.prefix }).byPage({ maxPageSize: 1 }).next();
        } catch (e) {
            this.fail(e, "listing the container");
        }
    }

    async put(key: string, body: Readable, signal: AbortSignal): Promise<number> {
        let bytes = 0;
        body.on("data", (chunk: Buffer) => {
            bytes += chunk.length;
        });
        try {
            await this.uploadBlocks(checkKey(key, this.display), body, signal);
        } catch (e) {
            if (signal.aborted) {
                throw e;
            }
            this.failIfExists(e, key);
            // the branch's own error (a stop() of the backup) passes through as it is; an
            // AbortError that the reader's early exit left on the stream is not the cause
            if (e === (body as { errored?: unknown }).errored) {
                throw e;
            }
            this.fail(e, `uploading ${key}`);
        }
        return bytes;
    }

    /** 409 BlobAlreadyExists / 412 ConditionNotMet: the exclusive create lost to an existing blob. */
    private failIfExists(e: unknown, key: string): void {
        const status = (e as { statusCode?: number }).statusCode;
        const code = (e as { code?: string }).code ?? "";
        if (status === 412 || (status === 409 && /BlobAlreadyExists|ConditionNotMet/.test(code))) {
            throw objectExists(key, this.display);
        }
    }

    async create(key: string, data: Buffer): Promise<void> {
        try {
            await this.container.getBlockBlobClient(checkKey(key, this.display)).upload(data, data.length, {
                blobHTTPHeaders: { blobContentType: key.endsWith(".json") ? "application/json" : "application/octet-stream" },
                conditions: { ifNoneMatch: "*" },
            });
        } catch (e) {
            this.failIfExists(e, key);
            this.fail(e, `writing ${key}`);
        }
    }

    /** The block-id tag of the put() that sent a Put Block List for the key (ownsStored compares). */
    private readonly committing = new Map<string, string>();

    /** The committed blob's blocks carry the tag of this target's own commit: the blob is its. */
    async ownsStored(key: string): Promise<boolean> {
        const tag = this.committing.get(key);
        if (tag === undefined) {
            return false;
        }
        try {
            const list = await this.container.getBlockBlobClient(key).getBlockList("committed");
            const first = list.committedBlocks?.[0]?.name;
            return first !== undefined && Buffer.from(first, "base64").toString().startsWith(`lifeboat-${tag}-`);
        } catch (e) {
            if ((e as { statusCode?: number }).statusCode === 404) {
                return false;
            }
            this.fail(e, `checking ${key} after a failed upload`);
        }
    }

    /** What put() staged per key: the block ids in order and their sizes (verifyStored compares). */
    private readonly staged = new Map<string, { size: number; blocks: Array<{ id: string; size: number }> }>();

    /**
     * A staged block blob: `BLOCK_SIZE` blocks, `CONCURRENCY` in flight, each sent with its MD5
     * (`Content-MD5` of Put Block), which the service checks before it keeps the block; then one
     * Put Block List of exactly those blocks. Nothing is visible until that commit.
     */
    private async uploadBlocks(key: string, body: Readable, signal: AbortSignal): Promise<void> {
        const blob = this.container.getBlockBlobClient(key);
        const blocks: Array<{ id: string; size: number }> = [];
        // Uncommitted blocks belong to the blob name, not to the writer: two runs on one key with
        // the same block ids would stage over each other, and the winner's commit would store the
        // loser's bytes. Ids carry this put's own random tag (all of one blob's ids are one length).
        const tag = randomBytes(6).toString("hex");
        const inFlight = new Set<Promise<void>>();
        let failed: unknown;
        let size = 0;
        const cut = new Parts(body, BLOCK_SIZE);
        const stage = (data: Buffer): void => {
            const id = Buffer.from(`lifeboat-${tag}-${String(blocks.length).padStart(6, "0")}`).toString("base64");
            blocks.push({ id, size: data.length });
            size += data.length;
            const md5 = createHash("md5").update(data).digest();
            const p: Promise<void> = blob
                .stageBlock(id, data, data.length, { transactionalContentMD5: md5, abortSignal: signal })
                .then(
                    // the block is staged: its buffer takes the next one
                    () => cut.release(data),
                    (e: unknown) => {
                        failed ??= e;
                    },
                )
                .finally(() => inFlight.delete(p));
            inFlight.add(p);
        };
        for await (const block of cut) {
            stage(block);
            while (inFlight.size >= CONCURRENCY && failed === undefined) {
                await Promise.race(inFlight);
            }
            if (failed !== undefined) {
                throw failed;
            }
        }
        await Promise.all(inFlight);
        if (failed !== undefined) {
            throw failed;
        }
        this.committing.set(key, tag);
        await blob.commitBlockList(
            blocks.map((b) => b.id),
            // the block list commits only where no blob exists: another run's object is never replaced
            { abortSignal: signal, blobHTTPHeaders: { blobContentType: "application/octet-stream" }, conditions: { ifNoneMatch: "*" } },
        );
        this.staged.set(key, { size, blocks });
    }

    /**
     * The committed blob is exactly the blocks put() staged (each checked by the service against
     * its MD5 on arrival), in order, with the right length: Get Blob Properties and Get Block List.
     */
    async verifyStored(key: string, size: number): Promise<string | undefined> {
        const staged = this.staged.get(key);
        if (staged === undefined || staged.size !== size) {
            return undefined;
        }
        const blob = this.container.getBlockBlobClient(key);
        try {
            const [props, list] = await Promise.all([blob.getProperties(), blob.getBlockList("committed")]);
            const committed = list.committedBlocks ?? [];
            const same = committed.length === staged.blocks.length && committed.every((b, i) => b.name === staged.blocks[i].id && b.size === staged.blocks[i].size);
            if (props.contentLength !== size || !same) {
                throw new LifeboatError(
                    `read-back of ${key} on ${this.display}: the blob is ${props.contentLength} bytes in ${committed.length} blocks, put() staged ${size} bytes in ${staged.blocks.length}`,
                    "the storage account; the set was rolled back",
                    1,
                    "checksum-mismatch",
                );
            }
            return `${staged.blocks.length} blocks, each MD5-checked by the service on Put Block, committed in order; ${size} bytes`;
        } catch (e) {
            this.fail(e, `reading back ${key}`);
        }
    }

    async getRange(key: string, offset: number, count: number): Promise<Readable> {
        try {
            const res = await this.container.getBlobClient(key).download(offset, count, { maxRetryRequests: maxTries() });
            return res.readableStreamBody as Readable;
        } catch (e) {
            this.fail(e, `reading ${key}`);
        }
    }

    async putSmall(key: string, data: Buffer): Promise<void> {
        try {
            await this.container.getBlockBlobClient(key).upload(data, data.length, {
                blobHTTPHeaders: { blobContentType: key.endsWith(".json") ? "application/json" : "application/octet-stream" },
            });
        } catch (e) {
            this.fail(e, `writing ${key}`);
        }
    }

    async get(key: string): Promise<Readable> {
        try {
            const res = await this.container.getBlobClient(checkKey(key, this.display)).download(0, undefined, { maxRetryRequests: maxTries() });
            const body = res.readableStreamBody;
            if (body === undefined) {
                throw new Error("no body");
            }
            return body as Readable;
        } catch (e) {
            if ((e as { statusCode?: number }).statusCode === 404 && (e as { code?: string }).code !== "ContainerNotFound") {
                throw new LifeboatError(`object ${key} is missing from ${this.display}`, "that the set is complete", 1, "object-missing");
            }
            this.fail(e, `reading ${key}`);
        }
    }

    async list(prefix: string): Promise<string[]> {
        const out: string[] = [];
        try {
            for await (const blob of this.container.listBlobsFlat({ prefix })) {
                out.push(blob.name);
            }
        } catch (e) {
            this.fail(e, "listing");
        }
        return out.sort();
    }

    async delete(key: string): Promise<void> {
        try {
            await this.container.getBlobClient(checkKey(key, this.display)).deleteIfExists({ deleteSnapshots: "include" });
        } catch (e) {
            this.fail(e, `deleting ${key}`);
        }
    }
}
