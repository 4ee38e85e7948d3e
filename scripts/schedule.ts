/**
 * `lifeboat schedule`: the long-running form of the job for one machine with Docker (the `local`
 * target). Runs `lifeboat backup` on a UTC cron, each run a child process (its memory, its
 * rollback on SIGTERM, its JSON lines passed through), never two at once: a tick that comes while
 * a run is still going is skipped and logged. After a successful backup, file targets are pruned
 * (scripts/prune.ts). The last result goes to a status file that `lifeboat health` reads (the
 * container's health check). SIGTERM (docker stop) stops the running backup, which rolls its set
 * back, records that, and exits 0.
 */
import { spawn } from "child_process";
import { promises as fsp } from "fs";
import * as path from "path";
import { CronSchedule, nextRun } from "./cron";
import { formatAge, parseDuration } from "./freshness";
import { LifeboatError, messageOf } from "./errors";
import { log } from "./log";
import { prune, Retention } from "./prune";
import { redact } from "./redact";
import { Target } from "./targets";

export const STATUS_FORMAT = "lifeboat.status/1";

export interface RunResult {
    tick: string;
    startedAt: string;
    endedAt: string;
    ok: boolean;
    /** The committed set, when the backup succeeded. */
    set?: string;
    /** Exit code of the backup (null: killed by a signal). */
    code?: number | null;
    /** Why it failed: the backup's one-line reason, or the prune's. */
    reason?: string;
    /** Sets deleted by the prune that followed. */
    pruned?: number;
}

export interface Status {
    format: typeof STATUS_FORMAT;
    pid: number;
    cron: string;
    /** When this schedule process started. */
    startedAt: string;
    updatedAt: string;
    /** The run in progress, if any. */
    running: { tick: string; startedAt: string } | null;
    nextRun: string | null;
    lastRun: RunResult | null;
    lastSuccess: { at: string; set?: string } | null;
    /** Ticks skipped since this process started because a run was still going. */
    skipped: number;
    stopped: boolean;
}

let writes: Promise<void> = Promise.resolve();
let writeCount = 0;

/** Writes the status atomically (a temporary file renamed over it), one write at a time. */
function writeStatus(file: string | undefined, status: Status): Promise<void> {
    if (file === undefined) {
        return Promise.resolve();
    }
    status.updatedAt = new Date().toISOString();
    const text = `${JSON.stringify(status, null, 2)}\n`;
    const tmp = `${file}.${process.pid}-${writeCount++}.tmp`;
    writes = writes.then(async () => {
        try {
            await fsp.mkdir(path.dirname(file), { recursive: true });
            await fsp.writeFile(tmp, text, { mode: 0o644 });
            await fsp.rename(tmp, file);
        } catch (e) {
            await fsp.rm(tmp, { force: true }).catch(() => undefined);
            log.warn("schedule.status_unwritable", { file, reason: messageOf(e) });
        }
    });
    return writes;
}

export async function readStatus(file: string): Promise<Status | undefined> {
    let text: string;
    try {
        text = await fsp.readFile(file, "utf8");
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") {
            return undefined;
        }
        throw new LifeboatError(`status file ${file} is unreadable: ${messageOf(e)}`, "LIFEBOAT_STATUS_FILE", 1, "status");
    }
    try {
        const s = JSON.parse(text) as Status;
        if (s.format !== STATUS_FORMAT) {
            throw new Error(`format ${String(s.format)}`);
        }
        return s;
    } catch (e) {
        throw new LifeboatError(`status file ${file} is not a lifeboat status: ${messageOf(e)}`, "LIFEBOAT_STATUS_FILE", 1, "status");
    }
}

/** Sleeps until `at` or the signal; false when the signal came first. */
function sleepUntil(at: Date, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
        if (signal.aborted) {
            resolve(false);
            return;
        }
        let timer: NodeJS.Timeout;
        const arm = (): void => {
            const left = at.getTime() - Date.now();
            if (left <= 0) {
                signal.removeEventListener("abort", onAbort);
                resolve(true);
                return;
            }
            // setTimeout holds at most ~24.8 days
            timer = setTimeout(arm, Math.min(left, 2 ** 31 - 1));
        };
        const onAbort = (): void => {
            clearTimeout(timer);
            resolve(false);
        };
        signal.addEventListener("abort", onAbort, { once: true });
        arm();
    });
}

export interface ScheduleOptions {
    cron: CronSchedule;
    /** Arguments of `lifeboat backup` (after the command name). */
    backupArgs: string[];
    /** File targets pruned after each successful backup; none: no pruning. */
    pruneTargets: Target[];
    retention: Retention;
    statusFile?: string;
    signal: AbortSignal;
    /** The CLI to run the backup with. @default this process's script */
    cli?: string;
}

/** Runs until the signal; resolves once the running backup (if any) has stopped and the status is written. */
export async function schedule(opts: ScheduleOptions): Promise<Status> {
    const cli = opts.cli ?? process.argv[1];
    // Test hook (like LIFEBOAT_FAULT_ENOSPC_AFTER_BYTES): each run holds its slot this much
    // longer after its backup, as a slow backup would. Unset in production.
    const holdMs = Number(process.env.LIFEBOAT_TEST_HOLD_RUN_MS ?? "0") || 0;
    const previous = opts.statusFile === undefined ? undefined : await readStatus(opts.statusFile).catch(() => undefined);
    const status: Status = {
        format: STATUS_FORMAT,
        pid: process.pid,
        cron: opts.cron.expression,
        startedAt: new Date().toISOString(),
        updatedAt: "",
        running: null,
        nextRun: null,
        // a restarted container keeps what it knew: the last success still dates the newest backup
        lastRun: previous?.lastRun ?? null,
        lastSuccess: previous?.lastSuccess ?? null,
        skipped: 0,
        stopped: false,
    };
    let current: Promise<void> | undefined;

    const runOnce = async (tick: Date): Promise<void> => {
        const startedAt = new Date();
        status.running = { tick: tick.toISOString(), startedAt: startedAt.toISOString() };
        await writeStatus(opts.statusFile, status);
        log.event("schedule.run", { tick: tick.toISOString() });
        const result: RunResult = { tick: tick.toISOString(), startedAt: startedAt.toISOString(), endedAt: "", ok: false };
        // exactly one error event per failure: the backup's own `backup.failed`, or prune's
        let errorLogged = false;
        try {
            const backup = await runBackup(cli, opts.backupArgs, opts.signal);
            errorLogged = backup.errorLogged === true;
            result.code = backup.code;
            result.set = backup.set;
            if (holdMs > 0) {
                await sleepUntil(new Date(Date.now() + holdMs), opts.signal);
            }
            if (backup.code !== 0) {
                result.reason = backup.reason ?? `backup exited with ${backup.code === null ? "a signal" : `code ${backup.code}`}`;
            } else {
                result.ok = true;
                status.lastSuccess = { at: new Date().toISOString(), set: backup.set };
                if (!opts.signal.aborted) {
                    result.pruned = 0;
                    for (const target of opts.pruneTargets) {
                        try {
                            result.pruned += (await prune({ target, retention: opts.retention })).deleted.length;
                        } catch (e) {
                            result.ok = false;
                            result.reason = `prune of ${target.display} failed: ${e instanceof LifeboatError ? e.line() : messageOf(e)}`;
                            log.error("prune.failed", { target: target.display, reason: result.reason });
                            errorLogged = true;
                        }
                    }
                }
            }
        } catch (e) {
            result.reason = `backup could not be started: ${messageOf(e)}`;
        }
        result.endedAt = new Date().toISOString();
        status.lastRun = result;
        status.running = null;
        const seconds = Math.round((Date.parse(result.endedAt) - startedAt.getTime()) / 100) / 10;
        if (result.ok) {
            log.event("schedule.done", { tick: result.tick, ok: true, set: result.set, pruned: result.pruned, seconds });
        } else {
            (errorLogged ? log.warn : log.error)("schedule.done", { tick: result.tick, ok: false, code: result.code, reason: result.reason, seconds });
        }
        await writeStatus(opts.statusFile, status);
    };

    log.event("schedule.start", { cron: opts.cron.expression, timezone: "UTC", statusFile: opts.statusFile, prune: opts.pruneTargets.map((t) => t.display), retention: opts.retention });
    let last = new Date();
    while (!opts.signal.aborted) {
        const next = nextRun(opts.cron, last);
        if (next === undefined) {
            throw new LifeboatError(`cron ${opts.cron.expression} never fires`, "--cron", 2, "usage");
        }
        status.nextRun = next.toISOString();
        await writeStatus(opts.statusFile, status);
        if (!(await sleepUntil(next, opts.signal))) {
            break;
        }
        // a timer may wake a moment early: the tick is `next`, and the one after comes after it
        last = new Date(Math.max(Date.now(), next.getTime()));
        if (current !== undefined) {
            status.skipped++;
            log.warn("schedule.skipped", { tick: next.toISOString(), reason: "the previous backup is still running", runningSince: status.running?.startedAt });
            continue;
        }
        current = runOnce(next).finally(() => {
            current = undefined;
        });
    }
    if (current !== undefined) {
        log.event("schedule.stopping", { reason: "signal: the running backup is stopped and rolls its set back" });
        await current;
    }
    status.stopped = true;
    status.nextRun = null;
    await writeStatus(opts.statusFile, status);
    log.event("schedule.stopped", { lastRun: status.lastRun?.ok ?? null, skipped: status.skipped });
    return status;
}

/**
 * One `lifeboat backup` in a child process of its own process group (a terminal's Ctrl-C reaches
 * only the schedule, which passes one SIGTERM on: a second would skip the rollback). Its stdout
 * lines are passed through; its last stderr line is the reason of a failure.
 */
function runBackup(cli: string, args: string[], signal: AbortSignal): Promise<{ code: number | null; set?: string; reason?: string; errorLogged?: boolean }> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [cli, "backup", ...args], { env: process.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
        let set: string | undefined;
        let reason: string | undefined;
        let errorLogged = false;
        let pending = "";
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
            pending += chunk;
            let nl: number;
            while ((nl = pending.indexOf("\n")) >= 0) {
                const line = pending.slice(0, nl);
                pending = pending.slice(nl + 1);
                process.stdout.write(`${line}\n`);
                errorLogged ||= line.includes('"level":"error"');
                if (line.includes("\"set.committed\"")) {
                    try {
                        set = String((JSON.parse(line) as { set?: unknown }).set);
                    } catch {
                        // not JSON after all: passed through, nothing to learn
                    }
                }
            }
        });
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
            process.stderr.write(chunk);
            const lines = chunk.split("\n").map((l) => l.trim()).filter((l) => l !== "");
            if (lines.length > 0) {
                reason = redact(lines[lines.length - 1].replace(/^lifeboat: (error: )?/, ""));
            }
        });
        const onAbort = (): void => {
            child.kill("SIGTERM");
        };
        signal.addEventListener("abort", onAbort, { once: true });
        child.on("error", (e) => {
            signal.removeEventListener("abort", onAbort);
            reject(e);
        });
        child.on("close", (code) => {
            signal.removeEventListener("abort", onAbort);
            if (pending !== "") {
                process.stdout.write(`${pending}\n`);
            }
            resolve({ code, set, reason, errorLogged });
        });
    });
}

export interface HealthResult {
    ok: boolean;
    reason: string;
    lastSuccess?: string;
    lastRun?: string;
}

/**
 * What `lifeboat health` checks: the schedule is running (its pid is alive), its last run did
 * not fail, and the last successful backup is younger than maxAge (before the first one: the
 * schedule itself started less than maxAge ago).
 */
export function health(status: Status | undefined, maxAge: string, now = new Date(), alive: (pid: number) => boolean = pidAlive): HealthResult {
    const max = parseDuration(maxAge);
    if (status === undefined) {
        return { ok: false, reason: "no status file: `lifeboat schedule` has not started (or LIFEBOAT_STATUS_FILE differs)" };
    }
    const base = { lastSuccess: status.lastSuccess?.at, lastRun: status.lastRun?.endedAt };
    if (status.stopped || !alive(status.pid)) {
        return { ...base, ok: false, reason: `the schedule (pid ${status.pid}) is not running` };
    }
    if (status.lastRun !== null && !status.lastRun.ok) {
        return { ...base, ok: false, reason: `the last run (${status.lastRun.tick}) failed: ${status.lastRun.reason ?? "no reason given"}` };
    }
    if (status.lastSuccess === null) {
        const age = now.getTime() - Date.parse(status.startedAt);
        return age > max
            ? { ...base, ok: false, reason: `no successful backup since the schedule started ${formatAge(age)} ago (max ${maxAge})` }
            : { ...base, ok: true, reason: `waiting for the first backup (next ${status.nextRun ?? "?"})` };
    }
    const age = now.getTime() - Date.parse(status.lastSuccess.at);
    return age > max
        ? { ...base, ok: false, reason: `the last successful backup (${status.lastSuccess.set ?? "?"}) is ${formatAge(age)} old (max ${maxAge})` }
        : { ...base, ok: true, reason: `last successful backup ${status.lastSuccess.set ?? ""} ${formatAge(age)} ago`.replace("  ", " ") };
}

function pidAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}
