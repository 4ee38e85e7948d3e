/**
 * The data of a `-Z0` custom archive (the zstd codec with pg_dump 15 and older) loaded while the
 * archive is still being downloaded and decompressed, on `jobs` connections even for one table.
 *
 * pg_restore --jobs needs the whole archive in a seekable file before it starts, and gives a
 * table one connection: with one big table, one backend does the COPY while the other core
 * idles. Here the decompressed archive is read as it grows: header and TOC first, then each data
 * block as soon as its bytes are written. pg_restore still runs every statement and every COPY,
 * fed on stdin with the archive's own header and TOC followed by the blocks it is to restore:
 * - a small block (under SPLIT_BYTES) goes with its neighbours, in archive order, to one
 *   pg_restore for the batch; up to `jobs` batches run at once;
 * - a big table's block is cut at row boundaries (with -Z0, pg_dump writes one chunk per row)
 *   into segments dealt in turn to `jobs` pg_restore processes restoring that same entry: each
 *   runs the entry's COPY with its share of the rows, so one table loads on `jobs` connections;
 * - large objects' blocks are never cut.
 * A table's rows reach its pg_restore merged into one chunk per piece read (mergeRows): with -Z0
 * each row is a chunk of its own, and pg_restore sends each chunk to the server as a CopyData
 * message, so a lane fed the archive's own chunks makes one message per row on both sides.
 * The caller restores the pre-data section before (from the head alone) and everything else after
 * (section data entries without a block, post-data, ACLs), and proves the checksum before it swaps.
 */
import { ChildProcess } from "child_process";
import { promises as fsp } from "fs";
import { FileHandle } from "fs/promises";
import * as path from "path";
import { spawnChild } from "./children";
import { ArchiveHead, BLK_BLOBS, BLK_DATA, intAt, NotPatchable, putIntAt, readArchiveHead, walkChunks } from "./dataOffsets";
import { LifeboatError } from "./errors";
import { pgBin } from "./pg";

/** A block past this size is cut across the lanes; smaller ones go whole, in batches. */
const SPLIT_BYTES = 16 << 20;
/** A batch of small blocks is handed to its pg_restore once it holds this much, or this many entries (more with a big TOC). */
const BATCH_BYTES = 16 << 20;
const BATCH_ENTRIES = 256;
/** Rows are dealt to the lanes in segments of about this size. */
const SEGMENT_BYTES = 1 << 20;
/** Bytes the scanner reads from the archive at a time. */
const WINDOW_BYTES = 4 << 20;
/** Bytes a lane is handed at a time. */
const PIECE_BYTES = 2 << 20;
/** A row (chunk) cannot be longer than PostgreSQL's 1 GB field limit allows. */
const MAX_CHUNK = 2 ** 31;
/** How often a reader ahead of the writer looks again. */
const POLL_MS = 5;

/** The writer stopped (or failed) before the bytes a reader needs were written. */
export class ArchiveTruncated extends Error {}

/** Where mergeRows stopped, and what the next piece carries over. */
export interface Merged {
    /** Row bytes now at the start of the region. */
    bytes: number;
    /** Bytes of the region read: short of its end only when the region ends inside a length field. */
    consumed: number;
    /** Bytes of a row cut by the region's end, still to come at the start of the next region. */
    remaining: number;
    /** The block's zero length was read (it is inside `consumed`). */
    ended: boolean;
    /** Length fields read, the zero one not counted: with -Z0 one per row, and one for the `\.` line that pg_dump writes last. */
    chunks: number;
}

/**
 * Moves the row bytes of a data block's chunks in `buf[start, end)` to `buf[start, ...)` in place,
 * dropping the length fields between them, so that the region's rows go out as one chunk. The
 * region begins with `remaining` bytes of a row begun in the region before, then length fields
 * and their bytes; it may end anywhere (inside a row: the rest is carried over; inside a length
 * field: that field is left unread for the next region). Stops at the zero length that ends the
 * block. pg_restore does not care where chunks end: it hands each one to the server as COPY data,
 * whose messages need not end at rows.
 */
export function mergeRows(buf: Buffer, start: number, end: number, intSize: number, remaining: number): Merged {
    const width = 1 + intSize;
    let r = start;
    let w = start;
    let chunks = 0;
    const take = (n: number): number => {
        const k = Math.min(n, end - r);
        if (w !== r) {
            buf.copyWithin(w, r, r + k);
        }
        w += k;
        r += k;
        return n - k;
    };
    remaining = take(remaining);
    while (remaining === 0 && r + width <= end) {
        if (buf[r] !== 0) {
            throw new NotPatchable(`negative chunk length in a data block`);
        }
        const n = intAt(buf, r, intSize);
        r += width;
        if (n === 0) {
            return { bytes: w - start, consumed: r - start, remaining: 0, ended: true, chunks };
        }
        if (n > MAX_CHUNK) {
            throw new NotPatchable(`chunk length ${n} in a data block`);
        }
        chunks++;
        remaining = take(n);
    }
    return { bytes: w - start, consumed: r - start, remaining, ended: false, chunks };
}

/**
 * A file another process is writing (zstd decompressing into it): positioned reads that wait for
 * bytes not written yet, until `written` settles; a rejected `written` fails every waiting read.
 */
export class GrowingFile {
    private settled: { error?: unknown } | undefined;

    constructor(
        private readonly handle: FileHandle,
        written: Promise<unknown>,
        private readonly signal?: AbortSignal,
    ) {
        written.then(
            () => (this.settled = {}),
            (error: unknown) => (this.settled = { error: error ?? new Error("writer failed") }),
        );
    }

    /** Up to `length` bytes at `position`: waits until at least `atLeast` of them are there (fewer only at the end of a finished file). */
    async read(position: number, length: number, atLeast = length, into?: Buffer): Promise<Buffer> {
        const buf = into !== undefined && into.length >= length ? into : Buffer.allocUnsafe(length);
        let got = 0;
        for (;;) {
            const done = this.settled;
            const { bytesRead } = await this.handle.read(buf, got, length - got, position + got);
            got += bytesRead;
            if (got >= atLeast) {
                return buf.subarray(0, got);
            }
            if (this.signal?.aborted === true) {
                throw new ArchiveTruncated("interrupted");
            }
            if (done !== undefined) {
                // settled before that read: nothing more will come
                if (done.error !== undefined) {
                    throw done.error;
                }
                if (bytesRead === 0) {
                    return buf.subarray(0, got);
                }
                continue;
            }
            if (bytesRead === 0) {
                await new Promise((r) => setTimeout(r, POLL_MS));
            }
        }
    }

    async exact(position: number, length: number, into?: Buffer): Promise<Buffer> {
        const b = await this.read(position, length, length, into);
        if (b.length < length) {
            throw new ArchiveTruncated(`the archive ends at byte ${position + b.length}, inside a block`);
        }
        return b;
    }

    /** True when a byte exists at `position`; false once the finished file ends there. */
    async hasByte(position: number): Promise<boolean> {
        return (await this.read(position, 1, 1)).length === 1;
    }
}

/** Buffered reads of pg_dump's ints from a GrowingFile, one buffer read into again and again (the lanes read their bytes themselves). */
class Walker {
    private buf: Buffer = Buffer.alloc(0);
    private spare: Buffer = Buffer.alloc(0);
    private bufStart = 0;

    constructor(
        readonly file: GrowingFile,
        readonly intSize: number,
    ) {}

    private async ensure(pos: number, n: number): Promise<void> {
        if (pos >= this.bufStart && pos + n <= this.bufStart + this.buf.length) {
            return;
        }
        const want = Math.max(WINDOW_BYTES, n);
        this.spare = this.spare.length >= want ? this.spare : Buffer.allocUnsafeSlow(want);
        this.buf = await this.file.read(pos, want, n, this.spare);
        this.bufStart = pos;
        if (this.buf.length < n) {
            throw new ArchiveTruncated(`the archive ends at byte ${pos + this.buf.length}, inside a block`);
        }
    }

    async byte(pos: number): Promise<number> {
        await this.ensure(pos, 1);
        return this.buf[pos - this.bufStart];
    }

    async int(pos: number): Promise<number> {
        await this.ensure(pos, 1 + this.intSize);
        return intAt(this.buf, pos - this.bufStart, this.intSize);
    }

    /** A chunk's length at `pos` (0 ends a block); refuses what no pg_dump writes. */
    async chunk(pos: number): Promise<number> {
        const n = await this.int(pos);
        if (n < 0 || n > MAX_CHUNK) {
            throw new NotPatchable(`chunk length ${n} at byte ${pos}`);
        }
        return n;
    }

    /** Walks chunks from the length field at `pos` to the block's end or past `stopAt`, reading as needed: as walkChunks(). */
    async walkTo(pos: number, stopAt: number): Promise<{ pos: number; ended: boolean }> {
        for (;;) {
            const r = walkChunks(this.buf, this.bufStart, pos, stopAt, this.intSize);
            if (r.ended || r.pos >= stopAt) {
                return r;
            }
            pos = r.pos;
            const n = await this.chunk(pos);
            if (n === 0) {
                return { pos, ended: true };
            }
            pos += 1 + this.intSize + n;
        }
    }
}

/** One pg_restore fed on stdin: the archive's head, then the blocks of the entries in its list. */
class Lane {
    readonly child: ChildProcess;
    readonly exited: Promise<{ code: number; stderr: string }>;
    private closed = false;

    constructor(args: string[], env: NodeJS.ProcessEnv, signal?: AbortSignal) {
        this.child = spawnChild(pgBin("pg_restore"), args, { env, stdio: ["pipe", "ignore", "pipe"] }, signal);
        let stderr = "";
        this.child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-65536)));
        this.child.stdin?.on("error", () => undefined);
        this.exited = new Promise((resolve) => {
            this.child.on("error", (e) => {
                this.closed = true;
                resolve({ code: 127, stderr: `${stderr}\n${e.message}` });
            });
            this.child.on("close", (code, sig) => {
                this.closed = true;
                resolve({ code: code ?? (sig !== null ? 128 : 1), stderr });
            });
        });
    }

    /** Two buffers in turn: one the pipe may still hold, one to read the next bytes into. */
    private readonly buffers: Buffer[] = [];
    /** Settles once the last write of each buffer is out of node (its write callback). */
    private readonly flushed: Array<Promise<unknown>> = [Promise.resolve(), Promise.resolve()];
    private turn = 0;
    /** Settles once the pipe took what was written before: the next write waits for it, not this one. */
    private ready: Promise<unknown> = Promise.resolve();

    /** A buffer of at least `n` bytes that no write of this lane still holds: pass its `slot` to write. */
    async buffer(n: number): Promise<{ buf: Buffer; slot: number }> {
        this.turn ^= 1;
        await this.flushed[this.turn];
        const b = this.buffers[this.turn];
        if (b === undefined || b.length < n) {
            this.buffers[this.turn] = Buffer.allocUnsafeSlow(Math.max(n, PIECE_BYTES));
        }
        return { buf: this.buffers[this.turn], slot: this.turn };
    }

    /**
     * Writes `b` once this lane's pipe took the previous write, so the caller can go on to feed
     * the other lanes while this one works through `b`; a lane that died takes nothing more.
     * `slot`: `b` lies in that buffer of buffer(), which stays taken until node has written it out.
     */
    async write(b: Buffer, slot?: number): Promise<void> {
        await this.ready;
        const stdin = this.child.stdin;
        if (this.closed || stdin === null || stdin.destroyed) {
            return;
        }
        let out: () => void = () => undefined;
        const flushed = Promise.race([new Promise<void>((resolve) => (out = resolve)), this.exited]);
        if (!stdin.write(b, () => out())) {
            this.ready = Promise.race([new Promise<void>((resolve) => stdin.once("drain", () => resolve())), this.exited]);
        }
        if (slot !== undefined) {
            this.flushed[slot] = flushed;
        }
    }

    end(): void {
        this.child.stdin?.end();
    }
}

export interface LoadOptions {
    /** pg_restore's arguments for the scratch database (--dbname, --no-password...), without a list or file. */
    args: string[];
    env: NodeJS.ProcessEnv;
    jobs: number;
    /** Where the lanes' list files go. */
    dir: string;
    /** Each entry's `pg_restore --list` line, by dump id. */
    lines: Map<number, string>;
    signal?: AbortSignal;
}

export interface LoadResult {
    /** The dump ids whose blocks were loaded. */
    loaded: Set<number>;
    /** Every pg_restore run: exit code and stderr. */
    runs: Array<{ code: number; stderr: string }>;
    /** Blocks cut across lanes, and the number of pg_restore processes in all. */
    split: number;
    lanes: number;
}

/** Header and TOC of the growing archive; undefined for an archive this does not stream (not -Z0, another version). */
export async function streamHead(file: GrowingFile): Promise<ArchiveHead | undefined> {
    try {
        const head = await readArchiveHead((position, length) => file.read(position, length), Number.MAX_SAFE_INTEGER);
        return head.compression === 0 ? head : undefined;
    } catch (e) {
        if (e instanceof NotPatchable) {
            return undefined;
        }
        throw e;
    }
}

/** Byte ranges of one block, found by the scanner ahead of the lanes that are fed them. */
class Ranges {
    private readonly list: Array<[number, number]> = [];
    private ended = false;
    private wake: (() => void) | undefined;

    push(from: number, to: number): void {
        this.list.push([from, to]);
        this.wake?.();
    }

    end(): void {
        this.ended = true;
        this.wake?.();
    }

    /** The `i`th range, waiting for the scanner; undefined after the last. */
    async get(i: number): Promise<[number, number] | undefined> {
        while (i >= this.list.length && !this.ended) {
            await new Promise<void>((resolve) => (this.wake = resolve));
        }
        this.wake = undefined;
        return this.list[i];
    }
}

/**
 * Loads every data block of `file` (header and TOC `head`) into the database of `opts.args`, as
 * the file grows. A scanner walks the blocks as fast as they are written; each block or batch is
 * fed to its pg_restore processes by a task of its own, so a big table's lanes start as soon as
 * its first rows are there, beside the lanes of the block before. At most `2 * jobs` pg_restore
 * processes run at once. Resolves when every block was handed over and every pg_restore exited.
 */
export async function loadBlocks(file: GrowingFile, head: ArchiveHead, headBytes: Buffer, opts: LoadOptions): Promise<LoadResult> {
    const w = new Walker(file, head.intSize);
    const width = 1 + head.intSize;
    const known = new Set(head.entries.map((e) => e.dumpId));
    const jobs = Math.max(1, opts.jobs);
    const budget = 2 * jobs;
    // every lane reads the whole head first: with a big TOC (thousands of tables), fewer, bigger batches
    const dataEntries = head.entries.filter((e) => e.offsetFlag !== 3 /* K_OFFSET_NO_DATA */).length;
    const batchBytesMax = Math.max(BATCH_BYTES, 4 * head.length);
    const batchEntriesMax = Math.max(BATCH_ENTRIES, Math.ceil(dataEntries / (4 * jobs)));
    const result: LoadResult = { loaded: new Set(), runs: [], split: 0, lanes: 0 };
    const exits = new Set<Promise<void>>();
    const feeders = new Set<Promise<void>>();
    const live = new Set<Lane>();
    let listNo = 0;
    let failure: unknown;
    const stopped = (): boolean => failure !== undefined || opts.signal?.aborted === true;
    const fail = (e: unknown): void => {
        failure ??= e;
        // no lane may go on with a half-fed block: stop them all
        for (const lane of live) {
            lane.child.kill("SIGKILL");
        }
    };

    /** `n` new lanes once fewer than `budget - n` run. */
    const spawnLanes = async (n: number, ids: number[]): Promise<Lane[]> => {
        while (live.size + n > budget && exits.size > 0) {
            await Promise.race(exits);
        }
        const lanes: Lane[] = [];
        for (let i = 0; i < n; i++) {
            const list = path.join(opts.dir, `lane-${++listNo}.list`);
            await fsp.writeFile(list, `${ids.map((id) => opts.lines.get(id) ?? `${id};`).join("\n")}\n`, { mode: 0o600 });
            result.lanes++;
            const lane = new Lane([...opts.args, `--use-list=${list}`], opts.env, opts.signal);
            live.add(lane);
            const p: Promise<void> = lane.exited.then((r) => {
                result.runs.push(r);
                exits.delete(p);
                live.delete(lane);
            });
            exits.add(p);
            lanes.push(lane);
        }
        return lanes;
    };
    /** The bytes [from, to) into `lane`, read again from the file (the scanner's buffer has moved on). */
    const send = async (lane: Lane, from: number, to: number): Promise<void> => {
        for (let pos = from; pos < to && !stopped(); ) {
            const n = Math.min(PIECE_BYTES, to - pos);
            // one of the lane's two buffers, once node wrote out what it last held
            const { buf, slot } = await lane.buffer(n);
            await lane.write(await file.exact(pos, n, buf), slot);
            pos += n;
        }
    };
    /**
     * A data block's rows, from the length field at `from` to `to` (a length field, or just past
     * the block's zero length, which then goes too), into `lane`: each piece read goes out as one
     * chunk (mergeRows), in one of the lane's two buffers, behind the chunk's length field.
     */
    const sendRows = async (lane: Lane, from: number, to: number): Promise<boolean> => {
        let remaining = 0;
        let pos = from;
        let ended = false;
        while (pos < to && !stopped()) {
            const n = Math.min(PIECE_BYTES, to - pos);
            const { buf, slot } = await lane.buffer(width + n);
            await file.exact(pos, n, buf.subarray(width));
            const m = mergeRows(buf, width, width + n, head.intSize, remaining);
            if (m.consumed === 0 || (m.ended && pos + m.consumed !== to)) {
                throw new NotPatchable(`a data block's rows end before byte ${to}`);
            }
            remaining = m.remaining;
            ended = m.ended;
            pos += m.consumed;
            // a chunk of length 0 would end the block: none is sent but the block's own zero length
            putIntAt(buf, 0, head.intSize, m.bytes);
            const out = buf.subarray(m.bytes > 0 ? 0 : width, width + m.bytes + (m.ended ? width : 0));
            if (m.ended) {
                buf.fill(0, width + m.bytes, width + m.bytes + width);
            }
            if (out.length > 0) {
                await lane.write(out, slot);
            }
        }
        if (remaining !== 0 && !stopped()) {
            throw new NotPatchable(`a data block's rows end inside a row, before byte ${to}`);
        }
        return ended;
    };
    const feed = (task: () => Promise<void>): void => {
        const p: Promise<void> = task()
            .catch(fail)
            .finally(() => feeders.delete(p));
        feeders.add(p);
    };

    let batch: Array<{ from: number; to: number; id: number; type: number }> = [];
    let batchBytes = 0;
    const flush = async (): Promise<void> => {
        if (batch.length === 0) {
            return;
        }
        const items = batch;
        batch = [];
        batchBytes = 0;
        const [lane] = await spawnLanes(1, items.map((i) => i.id));
        feed(async () => {
            await lane.write(headBytes);
            for (const i of items) {
                if (i.type === BLK_DATA) {
                    await send(lane, i.from, i.from + 1 + width);
                    if (!(await sendRows(lane, i.from + 1 + width, i.to)) && !stopped()) {
                        throw new NotPatchable(`the data block at byte ${i.from} does not end where it was walked to`);
                    }
                } else {
                    await send(lane, i.from, i.to);
                }
            }
            lane.end();
        });
    };
    /** A big table: its rows dealt in segments to `jobs` pg_restore processes of this one entry. */
    const split = async (id: number, start: number): Promise<number> => {
        result.split++;
        const lanes = await spawnLanes(jobs, [id]);
        const blockHeader = await file.exact(start, 1 + width);
        const ranges = new Ranges();
        feed(async () => {
            for (const lane of lanes) {
                await lane.write(headBytes);
                await lane.write(blockHeader);
            }
            for (let i = 0; ; i++) {
                const r = await ranges.get(i);
                if (r === undefined || stopped()) {
                    break;
                }
                await sendRows(lanes[i % lanes.length], r[0], r[1]);
            }
            const ending = Buffer.alloc(width); // the zero length that ends a block
            for (const lane of lanes) {
                await lane.write(ending);
                lane.end();
            }
        });
        let seg = start + 1 + width;
        let at = seg;
        try {
            for (;;) {
                const r = await w.walkTo(at, seg + SEGMENT_BYTES);
                at = r.pos;
                if (at > seg) {
                    ranges.push(seg, at);
                }
                seg = at;
                if (r.ended || stopped()) {
                    return at + width;
                }
            }
        } finally {
            ranges.end();
        }
    };

    try {
        let pos = head.length;
        while (!stopped() && (await file.hasByte(pos))) {
            const type = await w.byte(pos);
            const id = await w.int(pos + 1);
            if (!known.has(id)) {
                throw new NotPatchable(`data of an unknown entry ${id}`);
            }
            const start = pos;
            let at = pos + 1 + width;
            if (type === BLK_BLOBS) {
                // large objects: an oid, its chunks, the next oid... never cut
                for (let oid = await w.int(at); oid !== 0; oid = await w.int(at)) {
                    at += width;
                    for (let n = await w.chunk(at); n !== 0; n = await w.chunk(at)) {
                        at += width + n;
                    }
                    at += width;
                }
                at += width;
            } else if (type === BLK_DATA) {
                const first = await w.walkTo(at, start + SPLIT_BYTES);
                if (!first.ended) {
                    await flush();
                    pos = await split(id, start);
                    result.loaded.add(id);
                    continue;
                }
                at = first.pos + width;
            } else {
                throw new NotPatchable(`block type ${type} at byte ${pos}`);
            }
            batch.push({ from: start, to: at, id, type });
            batchBytes += at - start;
            result.loaded.add(id);
            if (batchBytes >= batchBytesMax || batch.length >= batchEntriesMax || type === BLK_BLOBS) {
                await flush();
            }
            pos = at;
        }
        await flush();
    } catch (e) {
        fail(e);
    }
    while (feeders.size > 0) {
        await Promise.all(feeders);
    }
    await Promise.all(exits);
    if (failure !== undefined) {
        throw failure;
    }
    return result;
}

/** The archive could not be streamed past its head: what to tell. */
export function streamFailure(e: unknown, label: string): LifeboatError {
    const why = e instanceof Error ? e.message : String(e);
    return new LifeboatError(`archive of ${label} is unreadable: ${why}`, "the stored object", 1, "archive-unreadable");
}
