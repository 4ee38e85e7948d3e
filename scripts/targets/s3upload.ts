import {
    AbortMultipartUploadCommand,
    CompletedPart,
    CompleteMultipartUploadCommand,
    CreateMultipartUploadCommand,
    PutObjectCommand,
    S3Client,
} from "@aws-sdk/client-s3";
import { UploadPartCommand } from "@aws-sdk/client-s3";
import { Readable } from "stream";
import { messageOf } from "../errors";
import { log } from "../log";
import { Parts } from "./parts";

export interface UploadTo {
    client: S3Client;
    bucket: string;
    key: string;
    display: string;
    contentType: string;
    /** Bytes per part; (queueSize + 1) buffers of partSize bytes are held, reused part after part. */
    partSize: number;
    queueSize: number;
}

function aborted(): Error {
    return Object.assign(new Error("upload aborted"), { name: "AbortError" });
}

/**
 * Streams `body` into a new object, exclusively: a body of one part is one PutObject, a larger one
 * a multipart upload, each with `IfNoneMatch: *` (Amazon S3 refuses with 412 when the key
 * exists; stores without conditional writes ignore it, and the set id's per-run randomness is
 * what keeps runs apart there). On any failure or abort, parts still in flight are cancelled and
 * awaited, then the multipart upload is aborted (awaited, so no part outlives the run; where the
 * abort fails, the bucket's AbortIncompleteMultipartUpload rule is the backstop).
 */
export async function uploadExclusive(to: UploadTo, body: Readable, signal: AbortSignal): Promise<number> {
    const { client, bucket, key } = to;
    const cut = new Parts(body, to.partSize);
    const parts = cut[Symbol.asyncIterator]();
    const first = await parts.next();
    const head = first.done === true ? Buffer.alloc(0) : first.value;
    const second = first.done === true ? first : await parts.next();
    if (signal.aborted) {
        throw aborted();
    }
    if (second.done === true) {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: head, ContentType: to.contentType, IfNoneMatch: "*" }), { abortSignal: signal });
        return head.length;
    }
    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: to.contentType }), { abortSignal: signal });
    const uploadId = created.UploadId as string;
    const done: CompletedPart[] = [];
    const inFlight = new Set<Promise<void>>();
    const local = new AbortController();
    const onAbort = (): void => local.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    let failure: unknown;
    let partNumber = 0;
    let bytes = 0;
    const send = (buf: Buffer): void => {
        const n = ++partNumber;
        bytes += buf.length;
        const p: Promise<void> = client
            .send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: n, Body: buf }), { abortSignal: local.signal })
            .then((r) => {
                done.push({ PartNumber: n, ETag: r.ETag });
                // the part is stored: its buffer takes the next one
                cut.release(buf);
            })
            .catch((e: unknown) => {
                failure ??= e;
                local.abort();
            })
            .finally(() => inFlight.delete(p));
        inFlight.add(p);
    };
    try {
        send(head);
        send(second.value);
        for (;;) {
            while (inFlight.size >= to.queueSize && failure === undefined) {
                await Promise.race(inFlight);
            }
            if (failure !== undefined || local.signal.aborted) {
                break;
            }
            const next = await parts.next();
            if (next.done === true) {
                break;
            }
            send(next.value);
        }
        await Promise.all(inFlight);
        if (failure !== undefined) {
            throw failure;
        }
        if (signal.aborted) {
            throw aborted();
        }
        done.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
        await client.send(
            new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: done }, IfNoneMatch: "*" }),
            { abortSignal: signal },
        );
        return bytes;
    } catch (e) {
        local.abort();
        await Promise.all(inFlight);
        await abortMultipart(to, uploadId, partNumber);
        throw e;
    } finally {
        signal.removeEventListener("abort", onAbort);
    }
}

async function abortMultipart(to: UploadTo, uploadId: string, parts: number): Promise<void> {
    try {
        await to.client.send(new AbortMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, UploadId: uploadId }));
        log.event("upload.aborted", { target: to.display, key: to.key, parts });
    } catch (e) {
        log.warn("upload.abort_failed", {
            target: to.display,
            key: to.key,
            parts,
            reason: messageOf(e),
            check: "the bucket's AbortIncompleteMultipartUpload lifecycle rule removes the parts",
        });
    }
}
