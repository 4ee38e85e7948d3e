import { redact } from "./redact";

/** One JSON line per event on stdout; every line redacted. */
export type Fields = Record<string, unknown>;

export interface Logger {
    event(event: string, fields?: Fields): void;
    warn(event: string, fields?: Fields): void;
    error(event: string, fields?: Fields): void;
}

/** Set while a progress line is drawn on the terminal: a log line first clears it. */
let drawn = false;

function write(level: string, event: string, fields: Fields): void {
    if (drawn) {
        process.stderr.write("\r\x1b[2K");
        drawn = false;
    }
    const line = JSON.stringify({ time: new Date().toISOString(), level, event, ...fields });
    process.stdout.write(`${redact(line)}\n`);
}

export const log: Logger = {
    event: (event, fields = {}) => write("info", event, fields),
    warn: (event, fields = {}) => write("warn", event, fields),
    error: (event, fields = {}) => write("error", event, fields),
};

export function mb(bytes: number): number {
    return Math.round((bytes / 1048576) * 100) / 100;
}

export function mbPerSecond(bytes: number, ms: number): number {
    return ms <= 0 ? 0 : Math.round((bytes / 1048576 / (ms / 1000)) * 100) / 100;
}

/**
 * A progress line on stderr, only when a person is watching a terminal (stdout and stderr
 * are TTYs); a no-op in the job, whose stdout the platform's log store reads.
 */
export class Progress {
    private readonly enabled: boolean;
    private readonly counters = new Map<string, number>();
    private last = 0;
    private readonly started = Date.now();

    constructor(private readonly label: string) {
        this.enabled = process.stdout.isTTY === true && process.stderr.isTTY === true;
    }

    add(name: string, bytes: number): void {
        if (!this.enabled) {
            return;
        }
        this.counters.set(name, (this.counters.get(name) ?? 0) + bytes);
        const now = Date.now();
        if (now - this.last < 200) {
            return;
        }
        this.last = now;
        const total = [...this.counters.values()].reduce((a, b) => a + b, 0);
        const parts = [...this.counters.entries()].map(([n, b]) => `${n} ${mb(b).toFixed(1)} MB`);
        const rate = mbPerSecond(total, now - this.started).toFixed(1);
        process.stderr.write(`\r\x1b[2K${this.label}: ${parts.join(", ")} (${rate} MB/s)`);
        drawn = true;
    }

    done(): void {
        if (this.enabled && drawn) {
            process.stderr.write("\r\x1b[2K");
            drawn = false;
        }
    }
}
