/**
 * The storage wire where the real servers here cannot show it (the real-server cases are in
 * test/integration/faults.test.ts):
 * - a store that resets every block (azblob) or part (s3) connection while the dump is still
 *   streaming: the upload's error names the store and the object, never the AbortError that the
 *   reader's early exit leaves on the body stream ("The operation was aborted");
 * - S3 conditional writes (`If-None-Match: *` answered 412, as Amazon S3 does since 2024-08):
 *   s3rver 3.7.1 ignores the header, so this store keeps the keys and refuses an existing one.
 */
import * as http from "http";
import { AddressInfo } from "net";
import { PassThrough, Readable } from "stream";
import { openTarget } from "../../scripts/targets";

const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

let server: http.Server;
let port = 0;
const seen: string[] = [];
/** "reset": blocks and parts drop their connection; "conditional": an S3 store with If-None-Match. */
let mode: "reset" | "conditional" = "reset";
const stored = new Set<string>();
const conditional: string[] = [];

/** Amazon S3's answer to a conditional write whose key exists. */
function preconditionFailed(res: http.ServerResponse): void {
    res.writeHead(412, { "content-type": "application/xml" });
    res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>');
}

function conditionalStore(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://store");
    const key = url.pathname;
    const ifNoneMatch = req.headers["if-none-match"];
    req.resume();
    req.on("end", () => {
        if (req.method === "POST" && url.searchParams.has("uploads")) {
            res.writeHead(200, { "content-type": "application/xml" });
            res.end('<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>u2</UploadId></InitiateMultipartUploadResult>');
        } else if (req.method === "PUT" && url.searchParams.has("partNumber")) {
            res.writeHead(200, { etag: `"part${url.searchParams.get("partNumber")}"` });
            res.end();
        } else if ((req.method === "PUT" || (req.method === "POST" && url.searchParams.has("uploadId"))) && !url.searchParams.has("partNumber")) {
            // PutObject, or CompleteMultipartUpload: where the object is created
            conditional.push(`${req.method} ${key} if-none-match=${String(ifNoneMatch)}`);
            if (ifNoneMatch === "*" && stored.has(key)) {
                preconditionFailed(res);
                return;
            }
            stored.add(key);
            res.writeHead(200, { "content-type": "application/xml", etag: '"x"' });
            res.end(req.method === "POST" ? '<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><ETag>"x-2"</ETag></CompleteMultipartUploadResult>' : "");
        } else if (req.method === "DELETE") {
            res.writeHead(204);
            res.end();
        } else {
            res.writeHead(400);
            res.end();
        }
    });
}

beforeAll(async () => {
    server = http.createServer((req, res) => {
        seen.push(`${req.method} ${req.url}`);
        if (mode === "conditional") {
            conditionalStore(req, res);
            return;
        }
        if (req.method === "POST" && /[?&]uploads/.test(req.url ?? "")) {
            // S3 CreateMultipartUpload answers; every UploadPart is then reset below
            res.writeHead(200, { "content-type": "application/xml" });
            res.end('<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>u1</UploadId></InitiateMultipartUploadResult>');
            return;
        }
        if (req.method === "DELETE") {
            res.writeHead(204);
            res.end();
            return;
        }
        // a block or a part: the connection drops mid-request, as when the store goes away
        req.socket.destroy();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
    await new Promise((r) => server.close(r));
});

const saved = { ...process.env };
afterEach(() => {
    process.env = { ...saved };
    mode = "reset";
});

/** A body that never ends on its own, as pg_dump's output while the dump runs. */
function endless(): PassThrough {
    const body = new PassThrough({ highWaterMark: 1 << 20 });
    const chunk = Buffer.alloc(1 << 20, 7);
    const timer = setInterval(() => {
        if (!body.destroyed) {
            body.write(chunk);
        }
    }, 1);
    body.on("close", () => clearInterval(timer));
    return body;
}

async function failure(target: string, key: string): Promise<Error> {
    const t = openTarget(target);
    const body = endless();
    try {
        await t.put(key, body, new AbortController().signal);
    } catch (e) {
        return e as Error;
    } finally {
        body.destroy();
    }
    throw new Error("the upload did not fail");
}

test("azblob: a block upload reset mid-stream is reported as the store unreachable, naming the object", async () => {
    process.env.LIFEBOAT_MAX_TRIES = "1";
    process.env.AZURE_STORAGE_CONNECTION_STRING = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`;
    const e = await failure("azblob://devstoreaccount1/backups/p", "p/daily/20261202T000000Z-0000abcd/big.dump.zst");
    expect(seen.some((s) => /^PUT .*comp=block/.test(s))).toBe(true);
    expect(e.message).toMatch(/^blob storage for azblob:\/\/devstoreaccount1\/backups\/p unreachable while uploading p\/daily\/20261202T000000Z-0000abcd\/big\.dump\.zst: /);
    expect(e.message).not.toContain("The operation was aborted");
});

function s3Env(): void {
    process.env.LIFEBOAT_MAX_TRIES = "1";
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${port}`;
    process.env.AWS_ACCESS_KEY_ID = "test";
    process.env.AWS_SECRET_ACCESS_KEY = "test";
    process.env.AWS_REGION = "us-east-1";
}

describe("s3 conditional writes: an existing object is never replaced", () => {
    beforeEach(() => {
        mode = "conditional";
        s3Env();
    });

    test("a manifest written twice: the second create is refused as object-exists, naming the key", async () => {
        const t = openTarget("s3://b/p");
        await t.create("p/daily/20261202T000000Z-0000abcd/manifest.json", Buffer.from("{}"));
        await expect(t.create("p/daily/20261202T000000Z-0000abcd/manifest.json", Buffer.from("{}"))).rejects.toMatchObject({
            code: "object-exists",
            message: "object p/daily/20261202T000000Z-0000abcd/manifest.json already exists on s3://b/p; another backup run owns it and it was left untouched",
        });
        expect(conditional.filter((c) => c.includes("manifest.json"))).toEqual([
            "PUT /b/p/daily/20261202T000000Z-0000abcd/manifest.json if-none-match=*",
            "PUT /b/p/daily/20261202T000000Z-0000abcd/manifest.json if-none-match=*",
        ]);
    });

    test.each([
        ["one part (PutObject)", 1024, "PUT"],
        ["many parts (CompleteMultipartUpload)", 20 * 1024 * 1024, "POST"],
    ])("a dump of %s onto an existing key: refused as object-exists, the multipart upload aborted", async (_name, size, method) => {
        const t = openTarget("s3://b/p");
        const key = `p/daily/20261202T000000Z-0000abcd/big-${size}.dump.zst`;
        stored.add(`/b/${key}`);
        const before = seen.length;
        await expect(t.put(key, Readable.from([Buffer.alloc(size, 1)]), new AbortController().signal)).rejects.toMatchObject({ code: "object-exists" });
        expect(conditional).toContain(`${method} /b/${key} if-none-match=*`);
        const multipart = seen.slice(before).some((q) => /^POST .*uploads/.test(q));
        expect(seen.slice(before).some((q) => /^DELETE .*uploadId=u2/.test(q))).toBe(multipart);
    });
});

test("s3: a part upload reset mid-stream is reported as the endpoint unreachable, naming the object", async () => {
    s3Env();
    const e = await failure("s3://b/p", "p/daily/20261202T000000Z-0000abcd/big.dump.zst");
    expect(seen.some((s) => /^PUT .*partNumber=/.test(s))).toBe(true);
    expect(e.message).toMatch(/^S3 endpoint for s3:\/\/b\/p unreachable while uploading p\/daily\/20261202T000000Z-0000abcd\/big\.dump\.zst: /);
    expect(e.message).not.toContain("The operation was aborted");
});
