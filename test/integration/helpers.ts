import { ChildProcess, spawn } from "child_process";
import { mkdtempSync, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { Azurite, Cluster, freePort, startAzurite, startCluster } from "../../tools/cluster";

export { Cluster } from "../../tools/cluster";

export const ROOT = path.resolve(__dirname, "..", "..");
export const CLI = path.join(ROOT, "dist", "scripts", "cli.js");

export interface Result {
    code: number;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    events: Array<Record<string, unknown>>;
}

/** The environment without the caller's PG*, AWS_*, AZURE_* and LIFEBOAT_* settings. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
        if (!/^(PG|AWS_|AZURE_|LIFEBOAT_)/.test(k)) {
            env[k] = v;
        }
    }
    return { ...env, LIFEBOAT_MAX_TRIES: "1", ...extra };
}

export function parseEvents(stdout: string): Array<Record<string, unknown>> {
    return stdout
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export interface Running {
    child: ChildProcess;
    done: Promise<Result>;
    /** Resolves when an event line with this name appears on stdout. */
    waitFor(event: string): Promise<Record<string, unknown>>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv, input?: string): Running {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const waiters: Array<{ event: string; resolve: (e: Record<string, unknown>) => void }> = [];
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
        for (const e of parseEvents(stdout)) {
            for (const w of waiters.filter((x) => x.event === e.event)) {
                waiters.splice(waiters.indexOf(w), 1);
                w.resolve(e);
            }
        }
    });
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.stdin?.end(input ?? "");
    const done = new Promise<Result>((resolve) => {
        child.on("close", (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr, events: parseEvents(stdout) }));
    });
    return {
        child,
        done,
        waitFor: (event) =>
            new Promise((resolve, reject) => {
                const seen = parseEvents(stdout).find((e) => e.event === event);
                if (seen !== undefined) {
                    resolve(seen);
                    return;
                }
                waiters.push({ event, resolve });
                void done.then(() => reject(new Error(`CLI exited before event ${event}:\n${stdout}\n${stderr}`)));
            }),
    };
}

export function cli(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Result> {
    return startCli(args, env, input).done;
}

export function tempDir(name: string): string {
    return mkdtempSync(path.join(os.tmpdir(), `lifeboat-${name}-`));
}

export function removeDir(dir: string): void {
    rmSync(dir, { recursive: true, force: true });
}

export async function query<T extends Record<string, unknown> = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
        return (await c.query<T>(sql, params)).rows;
    } finally {
        await c.end();
    }
}

export { seedBig, seedReferenceApp, digestDatabase } from "../../tools/sample";

export interface S3 {
    port: number;
    endpoint: string;
    bucket: string;
    dir: string;
    stop(): Promise<void>;
}

/** s3rver on a free loopback port with one bucket; credentials S3RVER/S3RVER. */
export async function startS3(bucket = "lifeboat"): Promise<S3> {
    // s3rver ships no types
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const S3rver = require("s3rver") as new (opts: Record<string, unknown>) => { run(): Promise<unknown>; close(): Promise<void> };
    const port = await freePort();
    const dir = tempDir("s3rver");
    const server = new S3rver({ port, address: "127.0.0.1", directory: dir, silent: true, configureBuckets: [{ name: bucket }] });
    await server.run();
    return {
        port,
        endpoint: `http://127.0.0.1:${port}`,
        bucket,
        dir,
        stop: async () => {
            await server.close();
            removeDir(dir);
        },
    };
}

export function s3Env(s3: S3): NodeJS.ProcessEnv {
    return { AWS_ENDPOINT_URL: s3.endpoint, AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_REGION: "us-east-1" };
}

export async function createContainer(azurite: Azurite, name: string): Promise<void> {
    const { BlobServiceClient } = await import("@azure/storage-blob");
    await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(name).createIfNotExists();
}

export async function blobNames(azurite: Azurite, container: string): Promise<string[]> {
    const { BlobServiceClient } = await import("@azure/storage-blob");
    const out: string[] = [];
    for await (const b of BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(container).listBlobsFlat()) {
        out.push(b.name);
    }
    return out;
}

export async function s3Keys(s3: S3, prefix = ""): Promise<string[]> {
    const { S3Client, ListObjectsV2Command } = await import("@aws-sdk/client-s3");
    const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: "us-east-1", credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });
    const r = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }));
    return (r.Contents ?? []).map((o) => o.Key ?? "");
}

export { startAzurite, startCluster, freePort, Azurite };

/** The JSON lines `list --json` prints. */
export function sets(r: Result): Array<Record<string, unknown>> {
    return parseEvents(r.stdout);
}

export interface Servers {
    pg: Cluster;
    azurite: Azurite;
    s3: S3;
    stop(): Promise<void>;
}

/** PostgreSQL, Azurite and s3rver on free loopback ports; when one fails to start, the others are stopped before the error is thrown. */
export async function startServers(bucket: string): Promise<Servers> {
    const started = await Promise.allSettled([startCluster(), startAzurite(), startS3(bucket)]);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
    const stopAll = async () => {
        await Promise.all(started.map((r) => (r.status === "fulfilled" ? r.value.stop().catch(() => undefined) : undefined)));
    };
    if (failed !== undefined) {
        await stopAll();
        throw failed.reason;
    }
    const [pg, azurite, s3] = started.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [Cluster, Azurite, S3];
    return { pg, azurite, s3, stop: stopAll };
}

export interface Seeded extends Servers {
    /** The job's environment for these servers: PG*, the s3rver credentials, the Azurite connection string, and `extra`. */
    env: NodeJS.ProcessEnv;
}

/** startServers, then `seed` on PostgreSQL and the blob `container` created: the set-up of the suites that use all three stores. */
export async function startSeeded(bucket: string, container: string, seed: (pg: Cluster) => void, extra: NodeJS.ProcessEnv = {}): Promise<Seeded> {
    const servers = await startServers(bucket);
    try {
        seed(servers.pg);
        await createContainer(servers.azurite, container);
    } catch (e) {
        await servers.stop();
        throw e;
    }
    const env = cleanEnv({ ...servers.pg.env(), ...s3Env(servers.s3), AZURE_STORAGE_CONNECTION_STRING: servers.azurite.connectionString, ...extra });
    return { ...servers, env };
}

/** The file name ending of a default backup's archives with the installed pg_dump: zstd-wrapped (`.dump.zst`) before pg_dump 16. */
export const DUMP_EXT = Number(/\)\s+(\d+)/.exec(require("child_process").execFileSync(require("../../scripts/pg").pgBin("pg_dump"), ["--version"], { encoding: "utf8" }))?.[1]) >= 16 ? ".dump" : ".dump.zst";
