import { logFormat } from "./progress";
import { redact } from "./redact";
import { renderEvent } from "./terminal";

/** One JSON line per event on stdout; every line redacted. */
export type Fields = Record<string, unknown>;

export interface Logger {
    event(event: string, fields?: Fields): void;
    warn(event: string, fields?: Fields): void;
    error(event: string, fields?: Fields): void;
}

function write(level: string, event: string, fields: Fields): void {
    if (logFormat() === "text") {
        renderEvent(level, event, fields);
        return;
    }
    const line = JSON.stringify({ time: new Date().toISOString(), level, event, ...fields });
    process.stdout.write(`${redact(line)}\n`);
}

export const log: Logger = {
    event: (event, fields = {}) => write("info", event, fields),
    warn: (event, fields = {}) => write("warn", event, fields),
    error: (event, fields = {}) => write("error", event, fields),
};

/** Errors whose one JSON error event is already written: the CLI logs every other failure once. */
const logged = new WeakSet<object>();

export function markLogged(e: unknown): void {
    if (typeof e === "object" && e !== null) {
        logged.add(e);
    }
}

export function wasLogged(e: unknown): boolean {
    return typeof e === "object" && e !== null && logged.has(e);
}

/**
 * Test hook, never set in a job: LIFEBOAT_TEST_HOLD_AT=<point> makes the job stop at that point
 * (after logging `test.hold`) until a signal aborts it, so a fault test hits an exact moment
 * (e.g. `restore.swap`: restored and checked, not yet swapped) without racing a timer.
 */
export async function testHold(point: string, signal: AbortSignal | undefined): Promise<void> {
    if (process.env.LIFEBOAT_TEST_HOLD_AT !== point || signal === undefined || signal.aborted) {
        return;
    }
    write("info", "test.hold", { point });
    // a timer keeps the event loop alive while held
    const alive = setInterval(() => undefined, 1000);
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    clearInterval(alive);
}

/**
 * Test hook, as testHold, for a point the first signal has already passed (a rollback): the job
 * stops there for good, so a test can send the second signal while the rollback is unfinished.
 */
export async function testStall(point: string): Promise<void> {
    if (process.env.LIFEBOAT_TEST_HOLD_AT !== point) {
        return;
    }
    write("info", "test.hold", { point });
    setInterval(() => undefined, 1000);
    await new Promise<void>(() => undefined);
}

export function mb(bytes: number): number {
    return Math.round((bytes / 1048576) * 100) / 100;
}

export function mbPerSecond(bytes: number, ms: number): number {
    return ms <= 0 ? 0 : Math.round((bytes / 1048576 / (ms / 1000)) * 100) / 100;
}

export { Progress } from "./progress";
