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

export function mb(bytes: number): number {
    return Math.round((bytes / 1048576) * 100) / 100;
}

export function mbPerSecond(bytes: number, ms: number): number {
    return ms <= 0 ? 0 : Math.round((bytes / 1048576 / (ms / 1000)) * 100) / 100;
}

export { Progress } from "./progress";
