/**
 * What a person watching a terminal sees while bytes move: one live bar per database (bytes,
 * rate, elapsed, ETA), drawn with cli-progress on stdout. Only in the text log format on a
 * terminal (`--log-format text`, the default when stdout is a TTY); the job's JSON lines, which
 * the platform's log store reads, never carry a bar.
 */
import { MultiBar, Options, Params, SingleBar } from "cli-progress";
import { formatBytes, formatSeconds } from "./human";
import { redact } from "./redact";

export type LogFormat = "json" | "text";
export const LOG_FORMATS: LogFormat[] = ["json", "text"];

let format: LogFormat = "json";

export function setLogFormat(f: LogFormat): void {
    format = f;
}

export function logFormat(): LogFormat {
    return format;
}

/** Sizes a database's dump is expected to reach (the previous set's): the ETA of a backup. */
const expected = new Map<string, number>();

export function expectSizes(sizes: Record<string, number>): void {
    for (const [name, bytes] of Object.entries(sizes)) {
        expected.set(name, bytes);
    }
}

interface BarState {
    bar: SingleBar;
    started: number;
    bytes: number;
    total: number | undefined;
    /** The total is the previous set's size, not known. */
    estimate: boolean;
    ended?: number;
}

let multi: MultiBar | undefined;
let active = 0;
const instances = new Set<Progress>();

/** A database's bytes are all there (its `database.done`): its bar stops its clock and shows its size. */
export function finishBar(name: string): void {
    for (const p of instances) {
        p.finish(name);
    }
}

function barsWanted(): boolean {
    return format === "text" && process.stdout.isTTY === true;
}

/** One bar's line: `main  [=====-----] 42%  75.3 MiB / 179 MiB  12.1 MiB/s  elapsed 0:06  ETA 0:09`. */
export function barLine(label: string, state: { bytes: number; total: number | undefined; estimate: boolean; elapsedMs: number; done: boolean }, width = 24): string {
    const seconds = state.elapsedMs / 1000;
    const rate = seconds > 0 ? state.bytes / seconds : 0;
    const rateText = `${formatBytes(Math.round(rate))}/s`;
    if (state.total === undefined || state.total <= 0) {
        return `${label}  [${"~".repeat(width)}]  ${formatBytes(state.bytes)}  ${rateText}  elapsed ${formatSeconds(seconds)}  ETA ${state.done ? "stopped" : "-"}`;
    }
    const total = Math.max(state.total, state.bytes);
    const fraction = Math.min(1, state.bytes / total);
    const filled = Math.round(fraction * width);
    const eta = state.done ? (state.bytes >= total ? "done" : "stopped") : rate > 0 ? formatSeconds((total - state.bytes) / rate) : "-";
    const of = `${state.estimate ? "~" : ""}${formatBytes(total)}`;
    return `${label}  [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ${formatBytes(state.bytes)} / ${of}  ${rateText}  elapsed ${formatSeconds(seconds)}  ETA ${eta}`;
}

function multibar(): MultiBar {
    if (multi === undefined) {
        const options: Options = {
            stream: process.stdout,
            hideCursor: true,
            clearOnComplete: false,
            stopOnComplete: false,
            fps: 8,
            format: (_o: Options, _p: Params, payload: { line: () => string }) => payload.line(),
        };
        multi = new MultiBar(options);
    }
    return multi;
}

/** A line for people in the text format: above the bars while they are drawn. */
export function note(line: string): void {
    const text = `${redact(line)}\n`;
    if (multi !== undefined) {
        multi.log(text);
        multi.update();
    } else {
        process.stdout.write(text);
    }
}

/**
 * Bytes moved per database, shown as bars. `totals` are the known sizes (a download's, from the
 * manifest); without one a backup uses the previous set's size as an estimate.
 */
export class Progress {
    private readonly enabled = barsWanted();
    private readonly bars = new Map<string, BarState>();
    private finished = false;

    constructor(private readonly label: string, private readonly totals: Record<string, number> = {}) {
        if (this.enabled) {
            active++;
            instances.add(this);
        }
    }

    finish(name: string): void {
        const state = this.bars.get(name);
        if (state !== undefined && state.ended === undefined) {
            state.ended = Date.now();
            state.total = state.bytes;
            state.estimate = false;
            multi?.update();
        }
    }

    add(name: string, bytes: number): void {
        if (!this.enabled || this.finished) {
            return;
        }
        let state = this.bars.get(name);
        if (state === undefined) {
            const known = this.totals[name];
            const total = known ?? expected.get(name);
            const fresh: BarState = { bar: undefined as unknown as SingleBar, started: Date.now(), bytes: 0, total, estimate: known === undefined && total !== undefined };
            const labelWidth = Math.max(8, name.length);
            fresh.bar = multibar().create(100, 0, {
                line: () => barLine(`${this.label} ${name.padEnd(labelWidth)}`, { bytes: fresh.bytes, total: fresh.total, estimate: fresh.estimate, elapsedMs: (fresh.ended ?? Date.now()) - fresh.started, done: this.finished || fresh.ended !== undefined }),
            });
            this.bars.set(name, fresh);
            state = fresh;
        }
        state.bytes += bytes;
        state.bar.update(0);
    }

    /** The bars stay on screen with their final figures; the last Progress stops the drawing. */
    done(): void {
        if (!this.enabled || this.finished) {
            return;
        }
        this.finished = true;
        active--;
        instances.delete(this);
        for (const state of this.bars.values()) {
            state.ended ??= Date.now();
            // the dump has ended: its size is known now, the estimate is gone
            if (state.estimate || state.total === undefined) {
                state.total = state.bytes;
                state.estimate = false;
            }
        }
        if (multi !== undefined) {
            multi.update();
            if (active === 0) {
                multi.stop();
                multi = undefined;
            }
        }
    }
}
