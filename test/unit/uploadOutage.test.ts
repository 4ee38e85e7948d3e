/**
 * A store that resets every block (azblob) or part (s3) connection while the dump is still
 * streaming: the upload's error names the store and the object, never the AbortError that the
 * reader's early exit leaves on the body stream ("The operation was aborted").
 */
import * as http from "http";
import { AddressInfo } from "net";
import { PassThrough } from "stream";
import { openTarget } from "../../scripts/targets";

const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

let server: http.Server;
let port = 0;
const seen: string[] = [];

beforeAll(async () => {
    server = http.createServer((req, res) => {
        seen.push(`${req.method} ${req.url}`);
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

test("s3: a part upload reset mid-stream is reported as the endpoint unreachable, naming the object", async () => {
    process.env.LIFEBOAT_MAX_TRIES = "1";
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${port}`;
    process.env.AWS_ACCESS_KEY_ID = "test";
    process.env.AWS_SECRET_ACCESS_KEY = "test";
    process.env.AWS_REGION = "us-east-1";
    const e = await failure("s3://b/p", "p/daily/20261202T000000Z-0000abcd/big.dump.zst");
    expect(seen.some((s) => /^PUT .*partNumber=/.test(s))).toBe(true);
    expect(e.message).toMatch(/^S3 endpoint for s3:\/\/b\/p unreachable while uploading p\/daily\/20261202T000000Z-0000abcd\/big\.dump\.zst: /);
    expect(e.message).not.toContain("The operation was aborted");
});
