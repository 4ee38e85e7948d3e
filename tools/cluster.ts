/**
 * Throwaway PostgreSQL clusters, Azurite and helpers for the drill, the benchmark and the
 * integration tests: initdb into a temporary folder, a free loopback port, the unix socket in
 * the same folder. PostgreSQL refuses to run as root, so as root the cluster runs as an
 * unprivileged user (LIFEBOAT_PG_OS_USER, else `postgres`, else `nobody`) through runuser.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import { chmodSync, existsSync, mkdtempSync, promises as fsp, readdirSync, writeFileSync } from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { pgBin } from "../scripts/pg";

export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const addr = srv.address();
            const port = typeof addr === "object" && addr !== null ? addr.port : 0;
            srv.close(() => resolve(port));
        });
    });
}

export async function waitForPort(port: number, timeoutMs = 20000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const ok = await new Promise<boolean>((resolve) => {
            const s = net.connect(port, "127.0.0.1");
            s.once("connect", () => {
                s.destroy();
                resolve(true);
            });
            s.once("error", () => resolve(false));
        });
        if (ok) {
            return;
        }
        if (Date.now() > deadline) {
            throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
}

/**
 * Server programs (initdb, pg_ctl, psql) may live in another major's folder than the newest
 * pg_dump (a machine can carry a newer client only): the newest folder that has initdb.
 */
let serverDir: string | undefined;
function serverBin(name: string): string {
    if (serverDir === undefined) {
        serverDir = "";
        const root = "/usr/lib/postgresql";
        const majors = existsSync(root)
            ? readdirSync(root)
                  .filter((d) => existsSync(path.join(root, d, "bin", "initdb")))
                  .sort((a, b) => Number(b) - Number(a))
            : [];
        if (majors.length > 0) {
            serverDir = path.join(root, majors[0], "bin");
        } else {
            try {
                const dir = execFileSync("pg_config", ["--bindir"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
                if (existsSync(path.join(dir, "initdb"))) {
                    serverDir = dir;
                }
            } catch {
                // no pg_config: PATH
            }
        }
    }
    return serverDir === "" ? pgBin(name) : path.join(serverDir, name);
}

function osUser(): string | undefined {
    if (typeof process.getuid !== "function" || process.getuid() !== 0) {
        return undefined;
    }
    const wanted = process.env.LIFEBOAT_PG_OS_USER;
    for (const u of [wanted, "postgres", "nobody"]) {
        if (u !== undefined && u !== "" && spawnSync("id", ["-u", u]).status === 0) {
            return u;
        }
    }
    throw new Error("running as root and no unprivileged user (postgres or nobody) exists to run PostgreSQL");
}

function asUser(user: string | undefined, program: string, args: string[]): [string, string[]] {
    return user === undefined ? [program, args] : ["runuser", ["-u", user, "--", program, ...args]];
}

export interface Cluster {
    dir: string;
    port: number;
    host: string;
    socketDir: string;
    superuser: string;
    password: string;
    /** postgres://superuser:password@127.0.0.1:port/<database> */
    url(database?: string, user?: string, password?: string): string;
    /** PG* variables for the superuser. */
    env(): NodeJS.ProcessEnv;
    psql(sql: string, database?: string): string;
    stop(): Promise<void>;
}

export interface ClusterOptions {
    /** Host connections need a password (scram-sha-256). @default true */
    passwordAuth?: boolean;
    /** Extra postgresql.conf lines. */
    settings?: string[];
}

/** initdb + start a cluster on a free loopback port; stop() removes everything. */
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
    const user = osUser();
    const base = process.env.LIFEBOAT_TEST_TMPDIR ?? os.tmpdir();
    const dir = mkdtempSync(path.join(base, "lifeboat-pg-"));
    const password = `pw-${Math.random().toString(36).slice(2, 10)}`;
    const pwfile = path.join(dir, "pwfile");
    writeFileSync(pwfile, `${password}\n`);
    chmodSync(dir, 0o755);
    if (user !== undefined) {
        execFileSync("chown", ["-R", user, dir]);
    }
    try {
        return await initAndStart(dir, user, password, pwfile, opts);
    } catch (e) {
        const [p, a] = asUser(user, serverBin("pg_ctl"), ["-D", path.join(dir, "data"), "-m", "immediate", "-w", "stop"]);
        spawnSync(p, a);
        await fsp.rm(dir, { recursive: true, force: true });
        throw e;
    }
}

async function initAndStart(dir: string, user: string | undefined, password: string, pwfile: string, opts: ClusterOptions): Promise<Cluster> {
    const data = path.join(dir, "data");
    const socketDir = dir;
    const passwordAuth = opts.passwordAuth ?? true;
    const [ip, ia] = asUser(user, serverBin("initdb"), [
        "-D",
        data,
        "-U",
        "postgres",
        "--pwfile",
        pwfile,
        "--auth-local=trust",
        `--auth-host=${passwordAuth ? "scram-sha-256" : "trust"}`,
        "--encoding=UTF8",
        "--locale=C.UTF-8",
        "--no-sync",
    ]);
    const init = spawnSync(ip, ia, { encoding: "utf8" });
    if (init.status !== 0) {
        // older initdb without C.UTF-8
        const [ip2, ia2] = asUser(user, serverBin("initdb"), ["-D", data, "-U", "postgres", "--pwfile", pwfile, "--auth-local=trust", `--auth-host=${passwordAuth ? "scram-sha-256" : "trust"}`, "--encoding=UTF8", "--no-locale", "--no-sync"]);
        const again = spawnSync(ip2, ia2, { encoding: "utf8" });
        if (again.status !== 0) {
            throw new Error(`initdb failed: ${init.stderr}\n${again.stderr}`);
        }
    }
    const port = await freePort();
    const conf = [
        `port = ${port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${socketDir}'`,
        "fsync = off",
        "synchronous_commit = off",
        "full_page_writes = off",
        "shared_buffers = 64MB",
        "max_connections = 50",
        "logging_collector = off",
        ...(opts.settings ?? []),
    ];
    await fsp.appendFile(path.join(data, "postgresql.conf"), `\n${conf.join("\n")}\n`);
    const [sp, sa] = asUser(user, serverBin("pg_ctl"), ["-D", data, "-l", path.join(dir, "server.log"), "-w", "-t", "60", "start"]);
    const started = spawnSync(sp, sa, { encoding: "utf8" });
    if (started.status !== 0) {
        let logText = "";
        try {
            logText = await fsp.readFile(path.join(dir, "server.log"), "utf8");
        } catch {
            // no log
        }
        throw new Error(`pg_ctl start failed: ${started.stderr}\n${logText}`);
    }
    let stopped = false;
    const cluster: Cluster = {
        dir,
        port,
        host: "127.0.0.1",
        socketDir,
        superuser: "postgres",
        password,
        url: (database = "postgres", u = "postgres", p = password) => `postgres://${encodeURIComponent(u)}:${encodeURIComponent(p)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
        env: () => ({ PGHOST: "127.0.0.1", PGPORT: String(port), PGUSER: "postgres", PGPASSWORD: password, PGSSLMODE: "disable" }),
        psql: (sql: string, database = "postgres") => {
            const r = spawnSync(serverBin("psql"), ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", socketDir, "-p", String(port), "-U", "postgres", "-d", database], {
                input: sql,
                encoding: "utf8",
                maxBuffer: 64 * 1024 * 1024,
            });
            if (r.status !== 0) {
                throw new Error(`psql failed: ${r.stderr}`);
            }
            return r.stdout.trim();
        },
        stop: async () => {
            if (stopped) {
                return;
            }
            stopped = true;
            const [p, a] = asUser(user, serverBin("pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
            spawnSync(p, a, { encoding: "utf8" });
            await fsp.rm(dir, { recursive: true, force: true });
        },
    };
    return cluster;
}

/** The well-known Azurite development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface Azurite {
    port: number;
    /** The Azurite process (the bench reads its CPU time). */
    pid?: number;
    connectionString: string;
    stop(): Promise<void>;
}

function findAzurite(): string {
    let dir = __dirname;
    for (let i = 0; i < 6; i++) {
        const p = path.join(dir, "node_modules", ".bin", "azurite-blob");
        if (existsSync(p)) {
            return p;
        }
        dir = path.dirname(dir);
    }
    return "azurite-blob";
}

/** Azurite's blob service on a free loopback port, its data in a temporary folder. */
export async function startAzurite(): Promise<Azurite> {
    const port = await freePort();
    const dir = mkdtempSync(path.join(os.tmpdir(), "lifeboat-azurite-"));
    const child: ChildProcess = spawn(findAzurite(), ["--blobHost", "127.0.0.1", "--blobPort", String(port), "--location", dir, "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry"], {
        stdio: ["ignore", "ignore", "pipe"],
        detached: false,
    });
    let err = "";
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    try {
        const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`azurite exited with code ${code}`))));
        await Promise.race([waitForPort(port, 30000), exited]);
    } catch (e) {
        child.kill("SIGKILL");
        throw new Error(`azurite did not start: ${(e as Error).message}\n${err}`);
    }
    return {
        port,
        pid: child.pid,
        connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=http://127.0.0.1:${port}/${AZURITE_ACCOUNT};`,
        stop: async () => {
            if (child.exitCode === null) {
                const gone = new Promise((r) => child.once("exit", r));
                child.kill("SIGTERM");
                let timer: NodeJS.Timeout | undefined;
                await Promise.race([gone, new Promise((r) => (timer = setTimeout(r, 3000)))]);
                clearTimeout(timer);
                if (child.exitCode === null) {
                    child.kill("SIGKILL");
                }
            }
            await fsp.rm(dir, { recursive: true, force: true });
        },
    };
}
