/**
 * `npm run bench`: the job against PostgreSQL's own tools on this machine.
 *
 *   backup:  `lifeboat backup` to a file target  vs  raw `pg_dump -Fc -f file` (paired runs, order alternated)
 *   memory:  peak RSS of the lifeboat process (VmHWM), at two database sizes
 *   restore: `lifeboat restore` from the file target  vs  raw `createdb` + `pg_restore --jobs` of a local file
 *
 * Goals: backup <= 1.10x raw, restore <= 1.15x raw, peak RSS <= 150 MB.
 * LIFEBOAT_BENCH_ROWS (default "250000,1250000") and LIFEBOAT_BENCH_PAIRS (default 7) size the run.
 * Prints a Markdown report (paste into BENCHMARKS.md); exit 1 when a goal is missed.
 */
import { spawn, spawnSync } from "child_process";
import { mkdtempSync, promises as fsp, readFileSync, statSync } from "fs";
import * as os from "os";
import * as path from "path";
import { Cluster, startCluster } from "./cluster";
import { conninfo, pgBin } from "../scripts/pg";
import { seedBig } from "./sample";

/** The built job (dist/scripts/cli.js), beside this file's dist/tools/. */
const CLI = path.join(__dirname, "..", "scripts", "cli.js");

interface Run {
    ms: number;
    peakRssMb: number;
}

/** Runs a program, polling its VmHWM (peak resident set) while it lives. */
function timed(program: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
    return new Promise((resolve, reject) => {
        const start = process.hrtime.bigint();
        const child = spawn(program, args, { env, stdio: ["ignore", "ignore", "pipe"] });
        let err = "";
        let peakKb = 0;
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
        }, 20);
        child.on("error", reject);
        child.on("close", (code) => {
            clearInterval(poll);
            const ms = Number(process.hrtime.bigint() - start) / 1e6;
            if (code !== 0) {
                reject(new Error(`${path.basename(program)} ${args[0] ?? ""} exited ${code}: ${err.trim()}`));
                return;
            }
            resolve({ ms, peakRssMb: peakKb / 1024 });
        });
    });
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const f2 = (x: number): string => x.toFixed(2);

/** Before each timed run: flush dirty pages so one run's writeback does not land in the next. */
function settle(cluster: Cluster): void {
    cluster.psql("CHECKPOINT");
    spawnSync("sync");
}

/**
 * One measured pair: raw tool and lifeboat, alternating which runs first (pair i), with the
 * cluster settled before each run, so neither side always gets the warmer cache.
 */
async function pair(cluster: Cluster, i: number, runRaw: () => Promise<Run>, runOurs: () => Promise<Run>): Promise<{ raw: Run; ours: Run }> {
    if (i % 2 === 0) {
        settle(cluster);
        const raw = await runRaw();
        settle(cluster);
        return { raw, ours: await runOurs() };
    }
    settle(cluster);
    const ours = await runOurs();
    settle(cluster);
    return { raw: await runRaw(), ours };
}

async function main(): Promise<number> {
    const sizes = (process.env.LIFEBOAT_BENCH_ROWS ?? "250000,1250000").split(",").map(Number);
    const pairs = Number(process.env.LIFEBOAT_BENCH_PAIRS ?? "7");
    const jobs = Math.max(1, Math.min(4, os.cpus().length));
    const cluster = await startCluster({ passwordAuth: true, settings: ["max_wal_size = 2GB", "maintenance_work_mem = 256MB"] });
    const work = mkdtempSync(path.join(os.tmpdir(), "lifeboat-bench-"));
    const lines: string[] = [];
    let ok = true;
    try {
        const env: NodeJS.ProcessEnv = { ...process.env, ...cluster.env(), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
        const spec = { host: "127.0.0.1", port: cluster.port, user: "postgres" };
        const pgVersion = cluster.psql("SHOW server_version");
        lines.push(`Machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM; Node ${process.version}; PostgreSQL ${pgVersion}; pg_restore --jobs=${jobs}; ${pairs} paired runs per size, order alternated.`);
        lines.push("");
        lines.push("| rows | dump size | raw pg_dump -Fc (median s) | lifeboat backup (median s) | backup ratio (median of pairs) | lifeboat peak RSS (max MB) | raw pg_restore (median s) | lifeboat restore (median s) | restore ratio (median of pairs) |");
        lines.push("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (const rows of sizes) {
            const db = `bench_${rows}`;
            process.stderr.write(`seeding ${db} ...\n`);
            seedBig(cluster, db, rows);
            cluster.psql(`VACUUM ANALYZE;`, db);
            const rawFile = path.join(work, `${db}.dump`);
            const target = path.join(work, `target-${rows}`);
            await fsp.mkdir(target);
            const raw: number[] = [];
            const ours: number[] = [];
            const ratios: number[] = [];
            let peak = 0;
            for (let i = 0; i < pairs; i++) {
                const runRaw = (): Promise<Run> => timed(pgBin("pg_dump"), ["--format=custom", "--no-password", "-f", rawFile, `--dbname=${conninfo(spec, db)}`], env);
                const runOurs = (): Promise<Run> => timed(process.execPath, [CLI, "backup", "--databases", db, "--target", `file://${target}`], env);
                const { raw: a, ours: b } = await pair(cluster, i, runRaw, runOurs);
                raw.push(a.ms);
                ours.push(b.ms);
                ratios.push(b.ms / a.ms);
                peak = Math.max(peak, b.peakRssMb);
                process.stderr.write(`  backup pair ${i + 1}: raw ${f2(a.ms / 1000)} s, lifeboat ${f2(b.ms / 1000)} s, rss ${peak.toFixed(0)} MB\n`);
            }
            const dumpSize = statSync(rawFile).size;
            const rRaw: number[] = [];
            const rOurs: number[] = [];
            const rRatios: number[] = [];
            for (let i = 0; i < pairs; i++) {
                const into = `${db}_r${i}`;
                const runRaw = async (): Promise<Run> => {
                    const t0 = process.hrtime.bigint();
                    await timed(pgBin("createdb"), ["--no-password", `--maintenance-db=${conninfo(spec, "postgres")}`, `${into}_raw`], env);
                    const r = await timed(pgBin("pg_restore"), ["--no-password", `--jobs=${jobs}`, `--dbname=${conninfo(spec, `${into}_raw`)}`, rawFile], env);
                    return { ms: Number(process.hrtime.bigint() - t0) / 1e6, peakRssMb: r.peakRssMb };
                };
                const runOurs = (): Promise<Run> =>
                    timed(process.execPath, [CLI, "restore", "--target", `file://${target}`, "--set", "latest", "--database", db, "--into", cluster.url(`${into}_ours`), `--jobs=${jobs}`], env);
                const { raw: a, ours: b } = await pair(cluster, i, runRaw, runOurs);
                rRaw.push(a.ms);
                rOurs.push(b.ms);
                rRatios.push(b.ms / a.ms);
                peak = Math.max(peak, b.peakRssMb);
                process.stderr.write(`  restore pair ${i + 1}: raw ${f2(a.ms / 1000)} s, lifeboat ${f2(b.ms / 1000)} s, rss ${peak.toFixed(0)} MB\n`);
                cluster.psql(`DROP DATABASE "${into}_raw"; DROP DATABASE "${into}_ours";`);
            }
            const bRatio = median(ratios);
            const rRatio = median(rRatios);
            ok = ok && bRatio <= 1.1 && rRatio <= 1.15 && peak <= 150;
            lines.push(
                `| ${rows.toLocaleString("en")} | ${(dumpSize / 2 ** 20).toFixed(1)} MB | ${f2(median(raw) / 1000)} | ${f2(median(ours) / 1000)} | ${f2(bRatio)}x | ${peak.toFixed(0)} | ${f2(median(rRaw) / 1000)} | ${f2(median(rOurs) / 1000)} | ${f2(rRatio)}x |`,
            );
            cluster.psql(`DROP DATABASE "${db}";`);
            await fsp.rm(target, { recursive: true, force: true });
            await fsp.rm(rawFile, { force: true });
        }
        lines.push("");
        lines.push(`Goals (backup <= 1.10x, restore <= 1.15x, peak RSS <= 150 MB): ${ok ? "met" : "NOT met"}.`);
        process.stdout.write(`${lines.join("\n")}\n`);
        return ok ? 0 : 1;
    } finally {
        await cluster.stop();
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
