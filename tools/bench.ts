/**
 * `npm run bench`: the job against PostgreSQL's own tools on this machine.
 *
 *   backup:  `lifeboat backup` to file, azblob (Azurite) and s3 (s3rver)  vs  raw `pg_dump -Fc -f file`,
 *            with the peers `pg_dump -Fc -Z0 | zstd -3 -T1` (the zstd codec's floor), `pg_dump | gzip`
 *            (plain SQL) and `pg_dump -Fd -j 2`
 *   restore: `lifeboat restore` from each target  vs  raw `createdb` + `pg_restore -j 2` of pg_dump's own file
 *   per run: wall time, CPU seconds per client process (node, pg_dump, zstd, gzip, pg_restore), of
 *            the PostgreSQL server (every backend) and of the whole machine (/proc/stat),
 *            peak RSS of the lifeboat process (VmHWM), stored size; the load average beside them
 *
 * Every pair runs the raw tool and every variant in one round, the order reversed on every
 * other round, with a CHECKPOINT and sync before each run; ratios are medians of per-round ratios.
 *
 *   LIFEBOAT_BENCH_SIZES   database sizes, default "100MB,1GB" (add 4GB by hand: slow)
 *   LIFEBOAT_BENCH_PAIRS   rounds per size, default "5,3" (one per size, the last repeats)
 *   LIFEBOAT_BENCH_TARGETS default "file,azblob,s3"
 *
 * Prints a Markdown report on stdout (paste into BENCHMARKS.md), the goals marked met or missed.
 * Exits 0 when the bench ran, whatever the goals; non-zero only when the bench itself failed.
 */
import { spawn, spawnSync } from "child_process";
import { mkdtempSync, promises as fsp, readdirSync, readFileSync, statSync } from "fs";
import * as os from "os";
import * as path from "path";
import { Azurite, Cluster, startAzurite, startCluster } from "./cluster";
import { conninfo, pgBin } from "../scripts/pg";

/** The built job (dist/scripts/cli.js), beside this file's dist/tools/. */
const CLI = path.join(__dirname, "..", "scripts", "cli.js");
const JOBS = 2;

interface Run {
    ms: number;
    /** Peak resident set of the top process (VmHWM), MB. */
    peakRssMb: number;
    /** CPU seconds (user + system) per program name in the process tree. */
    cpu: Record<string, number>;
    /** Seconds per phase of a lifeboat run, from its own JSON log (see phasesOf). */
    phases?: Record<string, number>;
    /** CPU seconds of the PostgreSQL server (every backend) and of the whole machine during the run. */
    serverCpu?: number;
    machineCpu?: number;
}

/**
 * Where a lifeboat run's wall time went, from the job's JSON log lines: `start` is node's
 * start-up and the checks before the first event; backup: `dump` (pg_dump, zstd and the write or
 * upload), `read-back`, `commit` (the manifest); restore: `download` (fetch, hash, decompress,
 * offsets), `prepare` (the archive's TOC and SQL, roles, the scratch database), `pg_restore`
 * (pg_restore --jobs), `check` (tables, row counts, the database's properties), `swap`; a
 * streamed restore (the zstd codec's sets with a head proof): `head + prepare`, `pre-data + rows`
 * (the download, hash and decompression ran beside them, their own seconds shown apart),
 * `post-data + check`, `swap`.
 */
function phasesOf(stdout: string, startedMs: number, endedMs: number): Record<string, number> | undefined {
    const at = new Map<string, number>();
    const seconds = new Map<string, number>();
    const streamed = new Set<string>();
    for (const line of stdout.split("\n")) {
        try {
            const e = JSON.parse(line) as { event?: string; time?: string; verifySeconds?: number; pgRestoreSeconds?: number; streamed?: boolean; seconds?: number };
            if (e.event !== undefined && e.time !== undefined && !at.has(e.event)) {
                at.set(e.event, Date.parse(e.time));
                if (e.streamed === true) {
                    streamed.add(e.event);
                    seconds.set("download", e.seconds ?? NaN);
                }
                if (e.verifySeconds !== undefined) {
                    seconds.set("verify", e.verifySeconds);
                }
                if (e.pgRestoreSeconds !== undefined) {
                    seconds.set("pg_restore", e.pgRestoreSeconds);
                }
            }
        } catch {
            // not a log line
        }
    }
    const span = (from: number | undefined, to: number | undefined): number => (from === undefined || to === undefined ? NaN : (to - from) / 1000);
    const out: Record<string, number> = {};
    if (at.has("backup.start")) {
        const done = at.get("database.done");
        const verify = seconds.get("verify") ?? NaN;
        out.start = span(startedMs, at.get("backup.start"));
        out.dump = span(at.get("database.start"), done) - verify;
        out["read-back"] = verify;
        out.commit = span(done, at.get("set.committed"));
    } else if (at.has("restore.start") && streamed.has("download.done")) {
        // the streamed restore: the rows load while the archive downloads (scripts/streamLoad.ts)
        out.start = span(startedMs, at.get("restore.start"));
        out["head + prepare"] = span(at.get("restore.start"), at.get("restore.scratch"));
        out["download (beside the load)"] = seconds.get("download") ?? NaN;
        out["pre-data + rows"] = span(at.get("restore.scratch"), at.get("download.done"));
        out["post-data + check"] = span(at.get("download.done"), at.get("restore.checked"));
        out.swap = span(at.get("restore.checked"), at.get("restore.done"));
    } else if (at.has("restore.start")) {
        out.start = span(startedMs, at.get("restore.start"));
        out.download = span(at.get("restore.start"), at.get("download.done"));
        out.prepare = span(at.get("download.done"), at.get("restore.scratch"));
        const loaded = seconds.get("pg_restore") ?? NaN;
        out.pg_restore = loaded;
        out.check = span(at.get("restore.scratch"), at.get("restore.checked")) - loaded;
        out.swap = span(at.get("restore.checked"), at.get("restore.done"));
    } else {
        return undefined;
    }
    out.exit = span(at.get(at.has("set.committed") ? "set.committed" : "restore.done"), endedMs);
    return out;
}

const TICK = 100; // USER_HZ of /proc/<pid>/stat on Linux

/** The process tree under `root`: pid -> [name, utime + stime ticks]. */
function sampleTree(root: number, seen: Map<number, { name: string; ticks: number }>): void {
    const stack = [root];
    while (stack.length > 0) {
        const pid = stack.pop() as number;
        try {
            const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
            const close = stat.lastIndexOf(")");
            const name = stat.slice(stat.indexOf("(") + 1, close);
            const f = stat.slice(close + 2).split(" ");
            // fields after ")" start at field 3 (state): utime is field 14, stime 15
            const ticks = Number(f[11]) + Number(f[12]);
            const prev = seen.get(pid);
            if (prev === undefined || prev.ticks < ticks) {
                seen.set(pid, { name, ticks });
            }
            for (const task of readdirSync(`/proc/${pid}/task`)) {
                const kids = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
                if (kids !== "") {
                    stack.push(...kids.split(" ").map(Number));
                }
            }
        } catch {
            // exited between polls
        }
    }
}

/** Runs a program, polling its peak RSS and its process tree's CPU while it lives. */
function timed(program: string, args: string[], env: NodeJS.ProcessEnv, opts: { shell?: boolean } = {}): Promise<Run> {
    return new Promise((resolve, reject) => {
        const start = process.hrtime.bigint();
        const startedMs = Date.now();
        const child = opts.shell === true ? spawn("bash", ["-o", "pipefail", "-c", [program, ...args].join(" ")], { env, stdio: ["ignore", "ignore", "pipe"] }) : spawn(program, args, { env, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout?.setEncoding("utf8").on("data", (d: string) => (out = (out + d).slice(-65536)));
        let err = "";
        let peakKb = 0;
        const tree = new Map<number, { name: string; ticks: number }>();
        child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
        const poll = setInterval(() => {
            try {
                const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
                if (m !== null) {
                    peakKb = Math.max(peakKb, Number(m[1]));
                }
            } catch {
                // exited between polls
            }
            sampleTree(child.pid as number, tree);
        }, 25);
        child.on("error", reject);
        child.on("close", (code) => {
            clearInterval(poll);
            const ms = Number(process.hrtime.bigint() - start) / 1e6;
            if (code !== 0) {
                reject(new Error(`${path.basename(program)} ${args.slice(0, 2).join(" ")} exited ${code}: ${err.trim().slice(-2000)}`));
                return;
            }
            const cpu: Record<string, number> = {};
            for (const { name, ticks } of tree.values()) {
                if (name !== "bash") {
                    cpu[name] = (cpu[name] ?? 0) + ticks / TICK;
                }
            }
            resolve({ ms, peakRssMb: peakKb / 1024, cpu, phases: phasesOf(out, startedMs, Date.now()) });
        });
    });
}

/** CPU seconds (user + system) a process has used so far; NaN once it is gone. */
function processSeconds(pid: number): number {
    try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return (Number(f[11]) + Number(f[12])) / TICK;
    } catch {
        return NaN;
    }
}

/**
 * CPU seconds the PostgreSQL server has used so far: the postmaster's own, its children that
 * exited (cutime + cstime: backends of finished connections) and those still running.
 */
function serverSeconds(dataDir: string): number {
    try {
        const pm = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
        const stat = readFileSync(`/proc/${pm}/stat`, "utf8");
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        // fields after ")" start at field 3: utime 14, stime 15, cutime 16, cstime 17
        let ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
        for (const task of readdirSync(`/proc/${pm}/task`)) {
            for (const kid of readFileSync(`/proc/${pm}/task/${task}/children`, "utf8").trim().split(" ").filter((k) => k !== "")) {
                const seconds = processSeconds(Number(kid));
                ticks += Number.isFinite(seconds) ? seconds * TICK : 0;
            }
        }
        return ticks / TICK;
    } catch {
        return NaN;
    }
}

/** CPU seconds the whole machine has been busy (every core, every process: /proc/stat). */
function machineSeconds(): number {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: all but idle and iowait
    return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / TICK;
}

/** What each counter (CPU seconds so far) went up by while `run` ran; NaN where one could not be read. */
async function during<T>(counters: Record<string, () => number>, run: () => Promise<T>): Promise<{ result: T; used: Record<string, number> }> {
    const before = Object.fromEntries(Object.entries(counters).map(([name, read]) => [name, read()]));
    const result = await run();
    return { result, used: Object.fromEntries(Object.entries(counters).map(([name, read]) => [name, read() - before[name]])) };
}

/** A run with what the server and the machine as a whole used meanwhile. */
async function withServerCpu(dataDir: string, run: () => Promise<Run>): Promise<Run> {
    const { result, used } = await during({ server: () => serverSeconds(dataDir), machine: machineSeconds }, run);
    return { ...result, serverCpu: used.server, machineCpu: used.machine };
}

/** A run with the CPU seconds its store (an emulator on this machine) used meanwhile. */
async function withStoreCpu(store: { name: string; seconds: () => number } | undefined, run: () => Promise<Run>): Promise<Run> {
    if (store === undefined) {
        return run();
    }
    const { result, used } = await during({ [store.name]: store.seconds }, run);
    return Number.isFinite(used[store.name]) ? { ...result, cpu: { ...result.cpu, [store.name]: used[store.name] } } : result;
}
function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length === 0 ? NaN : s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const f2 = (x: number): string => x.toFixed(2);
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Before each timed run: flush dirty pages so one run's writeback does not land in the next. */
function settle(cluster: Cluster): void {
    cluster.psql("CHECKPOINT");
    spawnSync("sync");
}

function parseSize(raw: string): number {
    const m = /^(\d+(?:\.\d+)?)\s*(MB|GB)$/i.exec(raw.trim());
    if (m === null) {
        throw new Error(`LIFEBOAT_BENCH_SIZES: ${JSON.stringify(raw)} is not a size like 100MB or 1GB`);
    }
    return Number(m[1]) * (m[2].toUpperCase() === "GB" ? 1024 : 1);
}

/**
 * pgbench's tables for three quarters of the size (text and numbers, compressible as real rows
 * are), and a quarter of random bytea with a small jsonb per row (incompressible).
 */
function seed(cluster: Cluster, db: string, mb: number, env: NodeJS.ProcessEnv): void {
    cluster.psql(`CREATE DATABASE "${db}"`);
    const scale = Math.max(1, Math.round((mb * 0.75) / 15));
    const r = spawnSync(pgBin("pgbench"), ["-i", "-q", "-s", String(scale), "--no-vacuum", db], { env, encoding: "utf8" });
    if (r.status !== 0) {
        throw new Error(`pgbench -i failed: ${r.stderr}`);
    }
    const rows = Math.round((mb * 0.25 * 2 ** 20) / 1100);
    cluster.psql(
        `CREATE TABLE blobs (id int PRIMARY KEY, b bytea, j jsonb);
         INSERT INTO blobs SELECT g, (SELECT decode(string_agg(md5(random()::text || x::text), ''), 'hex') FROM generate_series(1, 64 + 0 * g) x),
                jsonb_build_object('id', g, 'tag', md5(random()::text), 'n', random()) FROM generate_series(1, ${rows}) g;
         VACUUM ANALYZE;`,
        db,
    );
}

interface Variant {
    name: string;
    run: (round: number) => Promise<Run>;
    /** Bytes stored by the last run. */
    stored?: () => number;
}

interface Measured {
    name: string;
    ms: number[];
    ratios: number[];
    peakRssMb: number;
    cpu: Array<Record<string, number>>;
    phases: Array<Record<string, number>>;
    serverCpu: number[];
    machineCpu: number[];
    stored?: number;
}

/** One round: raw and every variant, the order reversed on odd rounds, the cluster settled before each. */
async function round(cluster: Cluster, i: number, raw: Variant, variants: Variant[], out: Map<string, Measured>): Promise<void> {
    const order = [raw, ...variants];
    if (i % 2 === 1) {
        order.reverse();
    }
    const got = new Map<string, Run>();
    for (const v of order) {
        settle(cluster);
        got.set(v.name, await withServerCpu(path.join(cluster.dir, "data"), () => v.run(i)));
    }
    const base = got.get(raw.name) as Run;
    for (const v of [raw, ...variants]) {
        const r = got.get(v.name) as Run;
        const m = out.get(v.name) ?? { name: v.name, ms: [], ratios: [], peakRssMb: 0, cpu: [], phases: [], serverCpu: [], machineCpu: [] };
        m.ms.push(r.ms);
        if (r.phases !== undefined) {
            m.phases.push(r.phases);
        }
        m.ratios.push(r.ms / base.ms);
        m.peakRssMb = Math.max(m.peakRssMb, r.peakRssMb);
        m.cpu.push(r.cpu);
        m.serverCpu.push(r.serverCpu ?? NaN);
        m.machineCpu.push(r.machineCpu ?? NaN);
        m.stored = v.stored?.();
        out.set(v.name, m);
    }
    process.stderr.write(`  round ${i + 1}: ${[raw, ...variants].map((v) => `${v.name} ${f2((got.get(v.name) as Run).ms / 1000)} s`).join(", ")}; load ${os.loadavg()[0].toFixed(1)}\n`);
}

function cpuText(cpu: Array<Record<string, number>>): string {
    const names = [...new Set(cpu.flatMap((c) => Object.keys(c)))].sort();
    return names.map((n) => `${n} ${f2(median(cpu.map((c) => c[n] ?? 0)))}`).join(", ");
}

/** The median seconds of each phase, in the order the run went through them. */
function phaseText(phases: Array<Record<string, number>>): string {
    const names = [...new Set(phases.flatMap((p) => Object.keys(p)))];
    return names.map((n) => `${n} ${f2(median(phases.map((p) => p[n]).filter((x) => Number.isFinite(x))))}`).join(", ");
}

function dirSize(dir: string): number {
    let n = 0;
    for (const e of readdirSync(dir, { withFileTypes: true, recursive: true } as { withFileTypes: true; recursive: true })) {
        if (e.isFile() && !e.name.endsWith(".json")) {
            n += statSync(path.join((e as unknown as { parentPath?: string; path?: string }).parentPath ?? (e as unknown as { path: string }).path, e.name)).size;
        }
    }
    return n;
}

async function startS3(dir: string): Promise<{ endpoint: string; stop(): Promise<void> }> {
    // s3rver ships no types
    const S3rver = require("s3rver") as new (opts: Record<string, unknown>) => { run(): Promise<{ port: number }>; close(): Promise<void> };
    const server = new S3rver({ port: 0, address: "127.0.0.1", directory: dir, silent: true, configureBuckets: [{ name: "bench" }] });
    const { port } = await server.run();
    return { endpoint: `http://127.0.0.1:${port}`, stop: () => server.close() };
}

async function main(): Promise<number> {
    const sizes = (process.env.LIFEBOAT_BENCH_SIZES ?? "100MB,1GB").split(",").map(parseSize);
    const pairsList = (process.env.LIFEBOAT_BENCH_PAIRS ?? "5,3").split(",").map(Number);
    const targetKinds = (process.env.LIFEBOAT_BENCH_TARGETS ?? "file,azblob,s3").split(",").map((t) => t.trim());
    const cluster = await startCluster({ passwordAuth: true, settings: ["max_wal_size = 4GB", "maintenance_work_mem = 256MB", "checkpoint_timeout = 30min"] });
    const work = mkdtempSync(path.join(process.env.LIFEBOAT_TMPDIR ?? os.tmpdir(), "lifeboat-bench-"));
    let azurite: Azurite | undefined;
    let s3: { endpoint: string; stop(): Promise<void> } | undefined;
    const lines: string[] = [];
    const goals: string[] = [];
    try {
        const baseEnv: NodeJS.ProcessEnv = { ...process.env, ...cluster.env(), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
        const env: NodeJS.ProcessEnv = { ...baseEnv };
        // remote targets: one prefix per round (s3rver 3.7.1 fails a truncated listing, ERR_OSSL_EVP_UNSUPPORTED
        // in its continuation token, once a prefix holds two objects more than MaxKeys)
        // the emulators share the machine's cores with the job: their CPU seconds per run are counted too
        // (Azurite: its process; s3rver runs inside this bench process, so that figure includes the bench's own /proc sampling)
        const targets: Array<{ kind: string; url: (size: number, round: number) => string; stored: (size: number) => number; storeCpu?: { name: string; seconds: () => number } }> = [];
        for (const kind of targetKinds) {
            if (kind === "file") {
                targets.push({ kind, url: (s) => `file://${path.join(work, `file-${s}`)}`, stored: (s) => dirSize(path.join(work, `file-${s}`)) });
            } else if (kind === "azblob") {
                azurite = await startAzurite();
                env.AZURE_STORAGE_CONNECTION_STRING = azurite.connectionString;
                const { BlobServiceClient } = await import("@azure/storage-blob");
                await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient("bench").createIfNotExists();
                const pid = azurite.pid;
                targets.push({ kind, url: (s, i) => `azblob://devstoreaccount1/bench/s${s}r${i}`, stored: () => NaN, storeCpu: pid === undefined ? undefined : { name: "Azurite", seconds: () => processSeconds(pid) } });
            } else if (kind === "s3") {
                await fsp.mkdir(path.join(work, "s3rver"));
                s3 = await startS3(path.join(work, "s3rver"));
                Object.assign(env, { AWS_ENDPOINT_URL: s3.endpoint, AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_REGION: "us-east-1" });
                targets.push({
                    kind,
                    url: (s, i) => `s3://bench/s${s}r${i}`,
                    stored: () => NaN,
                    storeCpu: { name: "s3rver+bench", seconds: () => (process.cpuUsage().user + process.cpuUsage().system) / 1e6 },
                });
            } else {
                throw new Error(`LIFEBOAT_BENCH_TARGETS: ${JSON.stringify(kind)} is not file, azblob or s3`);
            }
        }
        const spec = { host: "127.0.0.1", port: cluster.port, user: "postgres" };
        const pgVersion = cluster.psql("SHOW server_version");
        const zstd = spawnSync("zstd", ["--version"], { encoding: "utf8" }).stdout.trim();
        lines.push(
            `Machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM; Node ${process.version}; PostgreSQL ${pgVersion}; ${zstd}; jobs ${JOBS}; load average at start ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}.`,
        );
        lines.push(`Command: LIFEBOAT_BENCH_SIZES=${sizes.map((s) => (s >= 1024 ? `${s / 1024}GB` : `${s}MB`)).join(",")} LIFEBOAT_BENCH_PAIRS=${pairsList.join(",")} LIFEBOAT_BENCH_TARGETS=${targetKinds.join(",")} npm run bench`);
        for (const [si, mb] of sizes.entries()) {
            const pairs = pairsList[Math.min(si, pairsList.length - 1)];
            const db = `bench_${mb}`;
            process.stderr.write(`seeding ${db} (${mb} MB) ...\n`);
            seed(cluster, db, mb, env);
            const dbSize = Number(cluster.psql(`SELECT pg_database_size('${db}')`));
            const rawFile = path.join(work, `${db}.dump`);
            const gzFile = path.join(work, `${db}.sql.gz`);
            const dirOut = path.join(work, `${db}.dir`);
            for (const t of targets) {
                if (t.kind === "file") {
                    await fsp.mkdir(path.join(work, `file-${mb}`));
                }
            }
            const load0 = os.loadavg();
            const dbUrl = conninfo(spec, db);
            const raw: Variant = { name: "raw pg_dump -Fc -f", run: () => timed(pgBin("pg_dump"), ["--format=custom", "--no-password", "-f", rawFile, `--dbname=${dbUrl}`], env), stored: () => statSync(rawFile).size };
            const zstFile = path.join(work, `${db}.dump.zst`);
            const peers: Variant[] = [
                // the floor of the zstd codec with pg_dump 15: the two processes alone, nothing checked or stored
                {
                    name: "pg_dump -Fc -Z0 \\| zstd -3 -T1",
                    run: () => timed(pgBin("pg_dump"), ["--format=custom", "--compress=0", "--no-password", `'--dbname=${dbUrl}'`, "|", "zstd", "-3", "-T1", "-q", "-c", ">", zstFile], env, { shell: true }),
                    stored: () => statSync(zstFile).size,
                },
                { name: "pg_dump \\| gzip", run: () => timed(pgBin("pg_dump"), ["--no-password", `'--dbname=${dbUrl}'`, "|", "gzip", ">", gzFile], env, { shell: true }), stored: () => statSync(gzFile).size },
                {
                    name: `pg_dump -Fd -j ${JOBS}`,
                    run: async () => {
                        await fsp.rm(dirOut, { recursive: true, force: true });
                        return timed(pgBin("pg_dump"), ["--format=directory", `--jobs=${JOBS}`, "--no-password", "-f", dirOut, `--dbname=${dbUrl}`], env);
                    },
                    stored: () => dirSize(dirOut),
                },
            ];
            const ours: Variant[] = targets.map((t) => ({
                name: `lifeboat backup, ${t.kind}`,
                run: (i) => withStoreCpu(t.storeCpu, () => timed(process.execPath, [CLI, "backup", "--databases", db, "--target", t.url(mb, i)], env)),
                stored: () => t.stored(mb),
            }));
            const backups = new Map<string, Measured>();
            for (let i = 0; i < pairs; i++) {
                await round(cluster, i, raw, [...ours, ...peers], backups);
            }
            // the lifeboat backups stored one archive per round: the size of one
            for (const v of ours) {
                const m = backups.get(v.name) as Measured;
                if (m.stored !== undefined && Number.isFinite(m.stored)) {
                    m.stored = m.stored / pairs;
                }
            }
            const restores = new Map<string, Measured>();
            const rawRestore: Variant = {
                name: `raw createdb + pg_restore -j ${JOBS}`,
                run: async (i) => {
                    const t0 = process.hrtime.bigint();
                    await timed(pgBin("createdb"), ["--no-password", `--maintenance-db=${conninfo(spec, "postgres")}`, `${db}_r${i}_raw`], env);
                    const r = await timed(pgBin("pg_restore"), ["--no-password", `--jobs=${JOBS}`, `--dbname=${conninfo(spec, `${db}_r${i}_raw`)}`, rawFile], env);
                    return { ...r, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
                },
            };
            const ourRestores: Variant[] = targets.map((t) => ({
                name: `lifeboat restore, ${t.kind}`,
                run: (i) => withStoreCpu(t.storeCpu, () => timed(process.execPath, [CLI, "restore", "--target", t.url(mb, 0), "--set", "latest", "--database", db, "--into", cluster.url(`${db}_r${i}_${t.kind}`), `--jobs=${JOBS}`], env)),
            }));
            for (let i = 0; i < pairs; i++) {
                await round(cluster, i, rawRestore, ourRestores, restores);
                for (const name of ["raw", ...targets.map((t) => t.kind)]) {
                    cluster.psql(`DROP DATABASE IF EXISTS "${db}_r${i}_${name}"`);
                }
            }
            const load1 = os.loadavg();
            const sizeTitle = `${mb >= 1024 ? `${mb / 1024} GB` : `${mb} MB`} database (${mib(dbSize)}; pg_dump -Fc ${mib(statSync(rawFile).size)}), ${pairs} rounds, load average ${load0[0].toFixed(1)} -> ${load1[0].toFixed(1)}`;
            lines.push("", `### ${sizeTitle}`, "");
            lines.push("| backup | wall (median s) | ratio to raw -Fc (median of rounds) | stored | CPU s per process (median) | server CPU s | machine CPU s | peak RSS (MB) |");
            lines.push("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |");
            const rawStored = statSync(rawFile).size;
            for (const m of backups.values()) {
                const stored = m.stored !== undefined && Number.isFinite(m.stored) ? `${mib(m.stored)} (${f2(m.stored / rawStored)}x)` : "as file";
                lines.push(`| ${m.name} | ${f2(median(m.ms) / 1000)} | ${f2(median(m.ratios))}x | ${stored} | ${cpuText(m.cpu)} | ${f2(median(m.serverCpu))} | ${f2(median(m.machineCpu))} | ${m.name.startsWith("lifeboat") ? m.peakRssMb.toFixed(0) : ""} |`);
            }
            lines.push("", "| restore | wall (median s) | ratio to raw pg_restore (median of rounds) | CPU s per process (median) | server CPU s | machine CPU s | peak RSS (MB) |");
            lines.push("| --- | ---: | ---: | --- | ---: | ---: | ---: |");
            for (const m of restores.values()) {
                lines.push(`| ${m.name} | ${f2(median(m.ms) / 1000)} | ${f2(median(m.ratios))}x | ${cpuText(m.cpu)} | ${f2(median(m.serverCpu))} | ${f2(median(m.machineCpu))} | ${m.name.startsWith("lifeboat") ? m.peakRssMb.toFixed(0) : ""} |`);
            }
            lines.push("", "| where lifeboat's wall time went (median s per phase, from its log) | phases |", "| --- | --- |");
            for (const m of [...backups.values(), ...restores.values()].filter((x) => x.phases.length > 0)) {
                lines.push(`| ${m.name} | ${phaseText(m.phases)} |`);
            }
            const fileStored = backups.get("lifeboat backup, file")?.stored;
            for (const m of [...backups.values(), ...restores.values()].filter((x) => x.name.startsWith("lifeboat"))) {
                const isBackup = m.name.startsWith("lifeboat backup");
                const r = median(m.ratios);
                const limit = isBackup ? 0.5 : 1.0;
                goals.push(`| ${sizeTitle.split(" (")[0]} | ${m.name} | ${f2(r)}x (goal <= ${f2(limit)}x) | ${r <= limit ? "met" : `missed by ${f2(r - limit)}x`} | ${m.peakRssMb.toFixed(0)} MB ${m.peakRssMb <= 150 ? "met" : `missed by ${(m.peakRssMb - 150).toFixed(0)} MB`} |`);
            }
            if (fileStored !== undefined && Number.isFinite(fileStored)) {
                goals.push(`| ${sizeTitle.split(" (")[0]} | stored size, lifeboat / raw -Fc | ${f2(fileStored / rawStored)}x (goal <= 1.10x) | ${fileStored / rawStored <= 1.1 ? "met" : "missed"} | |`);
            }
            process.stdout.write(`${lines.slice(-(backups.size + restores.size + 10 + [...backups.values(), ...restores.values()].filter((x) => x.phases.length > 0).length)).join("\n")}\n`);
            cluster.psql(`DROP DATABASE "${db}"`);
            for (const t of targets) {
                if (t.kind === "file") {
                    await fsp.rm(path.join(work, `file-${mb}`), { recursive: true, force: true });
                }
            }
            await fsp.rm(rawFile, { force: true });
            await fsp.rm(gzFile, { force: true });
            await fsp.rm(zstFile, { force: true });
            await fsp.rm(dirOut, { recursive: true, force: true });
        }
        lines.push("", "### Goals", "", "| size | run | wall ratio | wall goal | peak RSS <= 150 MB |", "| --- | --- | ---: | --- | --- |", ...goals);
        lines.push("", `Load average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}. The goal check is informational: the bench exits 0 when it ran.`);
        process.stdout.write(`\n----- report -----\n${lines.join("\n")}\n`);
        return 0;
    } finally {
        await cluster.stop();
        await azurite?.stop();
        await s3?.stop();
        await fsp.rm(work, { recursive: true, force: true });
    }
}

main().then(
    (code) => process.exit(code),
    (e: unknown) => {
        process.stderr.write(`bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
    },
);
