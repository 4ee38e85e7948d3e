/**
 * Fault injection for the fault suites (faults*.test.ts): an HTTP proxy in front of a storage
 * server that records every request, tells when one arrives, and can go down and up again (an
 * outage, as a storage restart or a network cut looks to the job); Azurite as a child process the
 * test can kill; and the matching logic of the alert rules the stacks declare.
 */
import { ChildProcess, spawn } from "child_process";
import { readFileSync } from "fs";
import * as http from "http";
import { Socket } from "net";
import * as path from "path";
import { alertQueries } from "../../components/azure/alerts";
import { freePort } from "../../tools/cluster";
import { ROOT, tempDir } from "./helpers";

export interface Proxy {
    port: number;
    /** `METHOD /path?query` of every request, in arrival order. */
    requests: string[];
    /** Resolves when a request matching `pattern` arrives (counting those already seen). */
    waitFor(pattern: RegExp, nth?: number): Promise<void>;
    /** Stops accepting and cuts every open connection: the store is unreachable. */
    down(): Promise<void>;
    up(): Promise<void>;
    close(): Promise<void>;
    /**
     * From now on, the store's answer to a request matching `pattern` is withheld from the
     * client: the store has done the work (a commit), the client never hears of it. Resolves once
     * the first such answer has arrived from the store.
     */
    withhold(pattern: RegExp): Promise<void>;
}

export async function startProxy(upstreamPort: number): Promise<Proxy> {
    const port = await freePort();
    const requests: string[] = [];
    const waiters: Array<{ pattern: RegExp; nth: number; resolve: () => void }> = [];
    const sockets = new Set<Socket>();
    const upstream = new Set<http.ClientRequest>();
    let withheld: { pattern: RegExp; arrived: () => void } | undefined;
    const check = (): void => {
        for (const w of [...waiters]) {
            if (requests.filter((r) => w.pattern.test(r)).length >= w.nth) {
                waiters.splice(waiters.indexOf(w), 1);
                w.resolve();
            }
        }
    };
    const server = http.createServer((req, res) => {
        requests.push(`${req.method} ${req.url}`);
        // no keep-alive upstream: the store can be stopped without waiting on idle sockets
        const line = `${req.method} ${req.url}`;
        const up = http.request({ host: "127.0.0.1", port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent: false }, (r) => {
            if (withheld !== undefined && withheld.pattern.test(line)) {
                r.resume();
                r.on("end", () => withheld?.arrived());
                return;
            }
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
        });
        up.on("error", () => res.destroy());
        upstream.add(up);
        up.on("close", () => upstream.delete(up));
        // the client went away mid-request: so does the request to the store (no half-sent body left hanging there)
        res.on("close", () => {
            if (!res.writableFinished) up.destroy();
        });
        req.pipe(up);
        check();
    });
    server.on("connection", (s: Socket) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });
    const listen = (): Promise<void> => new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
    const stop = (): Promise<void> =>
        new Promise((resolve) => {
            server.close(() => resolve());
            for (const s of sockets) s.destroy();
            for (const u of upstream) u.destroy();
        });
    await listen();
    return {
        port,
        requests,
        waitFor: (pattern, nth = 1) =>
            new Promise((resolve) => {
                waiters.push({ pattern, nth, resolve });
                check();
            }),
        down: stop,
        up: listen,
        close: async () => {
            if (server.listening) await stop();
        },
        withhold: (pattern) =>
            new Promise((resolve) => {
                withheld = { pattern, arrived: resolve };
            }),
    };
}

export interface OwnAzurite {
    port: number;
    connectionString: string;
    kill(): Promise<void>;
    stop(): Promise<void>;
}

/** Azurite's blob service as a child process this test may kill -9. */
export async function startOwnAzurite(): Promise<OwnAzurite> {
    const port = await freePort();
    const dir = tempDir("azurite-own");
    const bin = path.join(ROOT, "node_modules", ".bin", "azurite-blob");
    const child: ChildProcess = spawn(bin, ["--blobHost", "127.0.0.1", "--blobPort", String(port), "--location", dir, "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry"], {
        stdio: "ignore",
    });
    for (let i = 0; i < 300; i++) {
        const open = await new Promise<boolean>((resolve) => {
            const s = new Socket();
            s.once("connect", () => {
                s.destroy();
                resolve(true);
            });
            s.once("error", () => resolve(false));
            s.connect(port, "127.0.0.1");
        });
        if (open) break;
        await new Promise((r) => setTimeout(r, 100));
    }
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const kill = async (): Promise<void> => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        await gone;
    };
    return {
        port,
        connectionString: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`,
        kill,
        stop: kill,
    };
}

/** A connection string pointing the same account at another port (the proxy's). */
export function viaPort(connectionString: string, port: number): string {
    return connectionString.replace(/BlobEndpoint=http:\/\/127\.0\.0\.1:\d+\//, `BlobEndpoint=http://127.0.0.1:${port}/`);
}

/**
 * Kusto's `has` for the terms the Azure alert rules use: the right side occurs in the left,
 * case-insensitively, starting and ending on term boundaries (a term is a run of letters and
 * digits), as Log Analytics' term index matches it.
 */
export function kustoHas(haystack: string, needle: string): boolean {
    const h = haystack.toLowerCase();
    const n = needle.toLowerCase();
    const alnum = (c: string | undefined): boolean => c !== undefined && /[a-z0-9]/.test(c);
    for (let i = h.indexOf(n); i >= 0; i = h.indexOf(n, i + 1)) {
        const startOk = !alnum(n[0]) || !alnum(h[i - 1]);
        const endOk = !alnum(n[n.length - 1]) || !alnum(h[i + n.length]);
        if (startOk && endOk) return true;
    }
    return false;
}

/** The Azure dump-failed rule's `Log_s has '...'` term, taken from the query the component declares. */
export function azureDumpFailedTerm(): string {
    const q = alertQueries({ resourceGroupName: "rg", location: "westeurope", workspaceId: "ws", dumpJobs: ["dump"], restoreTestJobs: ["test"], freshnessJobs: ["fresh"] }).dumpFailed;
    const m = /\| where Log_s has '([^']+)'\s*$/.exec(q);
    if (m === null) throw new Error(`unexpected dump-failed query: ${q}`);
    return m[1];
}

/** The AWS failed-backup metric filter's pattern, as components/aws/dumpTask.ts declares it. */
export function awsFailedPattern(): string {
    const src = readFileSync(path.join(ROOT, "components", "aws", "dumpTask.ts"), "utf8");
    const m = /-failed-filter`[\s\S]*?pattern: '([^']+)'/.exec(src);
    if (m === null) throw new Error("no failed-filter pattern in components/aws/dumpTask.ts");
    return m[1];
}

/**
 * CloudWatch Logs' JSON filter syntax for the one form the stacks use, `{ $.a.b = "value" }`
 * (and `!=`): the event must be JSON and the selected property equal the string.
 */
export function metricFilterMatches(pattern: string, line: string): boolean {
    const m = /^\{\s*\$\.([A-Za-z0-9_.]+)\s*(=|!=)\s*"([^"]*)"\s*\}$/.exec(pattern.trim());
    if (m === null) throw new Error(`unsupported metric filter pattern: ${pattern}`);
    let value: unknown;
    try {
        value = JSON.parse(line);
    } catch {
        return false;
    }
    for (const key of m[1].split(".")) {
        value = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
    }
    const equal = value === m[3];
    return m[2] === "=" ? equal : value !== undefined && !equal;
}
