/**
 * A custom-format archive that pg_dump wrote to a pipe (the zstd codec: `pg_dump -Z0 | zstd`)
 * has no data offsets in its table of contents: pg_restore --jobs then finds each table's data by
 * walking every block before it, in every worker, and with -Z0 a block is one row. Once restore
 * has decompressed such an archive into a seekable file (its checksum proven), this walks the
 * blocks once and writes each data entry's offset into the TOC in place, exactly as pg_dump
 * does itself when it writes a file: the offset field has a fixed size, so nothing moves.
 *
 * Only archive versions 1.12 to 1.14 (pg_dump 11 to 15: the ones the zstd codec wraps) are
 * patched; anything unexpected leaves the file as it was (pg_restore reads it either way).
 */
import { promises as fsp } from "fs";
import { FileHandle } from "fs/promises";

export const BLK_DATA = 1;
export const BLK_BLOBS = 3;
const K_OFFSET_POS_NOT_SET = 1;
const K_OFFSET_POS_SET = 2;
const READ_SIZE = 4 << 20;

/** pg_dump's WriteInt at `at` of `buf`: a sign byte, then `intSize` bytes, least significant first. */
export function intAt(buf: Buffer, at: number, intSize: number): number {
    let value = 0;
    for (let b = intSize - 1; b >= 0; b--) {
        value = value * 256 + buf[at + 1 + b];
    }
    return buf[at] === 0 ? value : -value;
}

/** The inverse of intAt: `value` (not negative) as `size` bytes, least significant first, after the byte `lead` (pg_dump's sign byte, or an offset's flag). */
export function putIntAt(buf: Buffer, at: number, size: number, value: number, lead = 0): void {
    buf[at] = lead;
    for (let b = 0; b < size; b++) {
        buf[at + 1 + b] = value % 256;
        value = Math.floor(value / 256);
    }
}

/**
 * Walks a data block's chunks (length-prefixed, a row each with -Z0) from the length field at
 * `pos` while the length fields lie in `buf` (which starts at archive offset `bufStart`), without
 * awaiting, until `stopAt` is passed: where it stopped, and whether that is the zero length that
 * ends the block. Otherwise the next length field needs a read, is past `stopAt`, or is negative
 * (the caller's slow path says what is wrong).
 */
export function walkChunks(buf: Buffer, bufStart: number, pos: number, stopAt: number, intSize: number): { pos: number; ended: boolean } {
    const width = 1 + intSize;
    const end = bufStart + buf.length;
    while (pos >= bufStart && pos + width <= end && pos < stopAt) {
        const at = pos - bufStart;
        if (buf[at] !== 0) {
            break;
        }
        const n = intAt(buf, at, intSize);
        if (n === 0) {
            return { pos, ended: true };
        }
        pos += width + n;
    }
    return { pos, ended: false };
}

/** An archive this does not read: another format or version, or bytes that do not parse. */
export class NotPatchable extends Error {}

/** Positioned, buffered reads of pg_dump's archive primitives (ReadByte, ReadInt, ReadStr). */
class Reader {
    private buf: Buffer = Buffer.alloc(0);
    private spare: Buffer | undefined;
    private bufStart = 0;
    pos = 0;
    intSize = 4;

    constructor(
        private readonly handle: FileHandle,
        readonly size: number,
    ) {}

    private async fill(n: number): Promise<void> {
        if (this.pos >= this.bufStart && this.pos + n <= this.bufStart + this.buf.length) {
            return;
        }
        if (this.pos + n > this.size) {
            throw new NotPatchable("truncated");
        }
        const length = Math.max(n, Math.min(READ_SIZE, this.size - this.pos));
        // one buffer reused for every read (fresh ones cost a page fault per page)
        this.spare = this.spare !== undefined && this.spare.length >= length ? this.spare : Buffer.allocUnsafe(Math.max(length, READ_SIZE));
        const buf = this.spare;
        const { bytesRead } = await this.handle.read(buf, 0, length, this.pos);
        if (bytesRead < n) {
            throw new NotPatchable("short read");
        }
        this.buf = buf.subarray(0, bytesRead);
        this.bufStart = this.pos;
    }

    atEnd(): boolean {
        return this.pos >= this.size;
    }

    async byte(): Promise<number> {
        await this.fill(1);
        return this.buf[this.pos++ - this.bufStart];
    }

    async int(): Promise<number> {
        await this.fill(1 + this.intSize);
        const value = intAt(this.buf, this.pos - this.bufStart, this.intSize);
        this.pos += 1 + this.intSize;
        return value;
    }

    /** A string, or null (length -1); only skipped past unless `keep`. */
    async str(keep = false): Promise<string | null> {
        const n = await this.int();
        if (n < 0) {
            return null;
        }
        if (!keep) {
            this.pos += n;
            return "";
        }
        await this.fill(n);
        const at = this.pos - this.bufStart;
        this.pos += n;
        return this.buf.toString("utf8", at, at + n);
    }

    skip(n: number): void {
        this.pos += n;
    }

    /**
     * Skips chunks while their length fields lie in the buffer: true once the ending zero length
     * was read, false when the next length field needs a read (or is not a plain length).
     */
    skipBuffered(): boolean {
        const r = walkChunks(this.buf, this.bufStart, this.pos, Number.POSITIVE_INFINITY, this.intSize);
        this.pos = r.ended ? r.pos + 1 + this.intSize : r.pos;
        return r.ended;
    }
}

/** Skips a data block's chunks (length-prefixed, ended by a zero length); a row each with -Z0, so the buffer is walked without awaiting. */
async function skipChunks(r: Reader): Promise<void> {
    for (;;) {
        if (r.skipBuffered()) {
            return;
        }
        const n = await r.int();
        if (n === 0) {
            return;
        }
        if (n < 0) {
            throw new NotPatchable("negative chunk length");
        }
        r.skip(n);
    }
}

/** How many TOC entries of the archive `file` have a data offset, and how many have data but none; undefined when it cannot be read. */
export async function dataOffsetStates(file: string): Promise<{ set: number; notSet: number } | undefined> {
    const handle = await fsp.open(file, "r");
    try {
        const plan = await planOffsets(new Reader(handle, (await handle.stat()).size), handle, false);
        return { set: plan.set, notSet: plan.notSet };
    } catch (e) {
        if (e instanceof NotPatchable) {
            return undefined;
        }
        throw e;
    } finally {
        await handle.close();
    }
}

/**
 * Writes the data offsets into the TOC of the archive `file` when it lacks them; resolves with
 * the number of entries given one (0: nothing to do, or an archive this does not patch).
 */
export async function addDataOffsets(file: string): Promise<number> {
    const handle = await fsp.open(file, "r+");
    try {
        const { size } = await handle.stat();
        const r = new Reader(handle, size);
        const patches = await planOffsets(r, handle).catch((e: unknown) => {
            if (e instanceof NotPatchable) {
                return undefined;
            }
            throw e;
        });
        if (patches === undefined || patches.fields.length === 0) {
            return 0;
        }
        for (const { at, offset } of patches.fields) {
            const field = Buffer.alloc(1 + patches.offSize);
            putIntAt(field, 0, patches.offSize, offset, K_OFFSET_POS_SET);
            await handle.write(field, 0, field.length, at);
        }
        // a restore's scratch copy: no fsync (it would write back the whole decompressed archive)
        return patches.fields.length;
    } finally {
        await handle.close();
    }
}

/** An archive's header and table of contents, read from its first bytes (see parseHead). */
export interface ArchiveHead {
    /** Bytes of header and TOC: the first data block starts here. */
    length: number;
    version: [number, number, number];
    intSize: number;
    offSize: number;
    /** pg_dump's --compress level: 0 for the -Z0 archives the zstd codec wraps. */
    compression: number;
    entries: HeadEntry[];
}

export interface HeadEntry {
    dumpId: number;
    /** TOC entry type as pg_dump names it: `TABLE DATA`, `BLOBS`, `ACL`, ... */
    desc: string;
    /** 1 none, 2 pre-data, 3 data, 4 post-data (pg_dump's teSection). */
    section: number;
    deps: number[];
    /** Where the entry's offset flag lies, and the flag (1 not set, 2 set, 3 no data). */
    offsetAt: number;
    offsetFlag: number;
}

/** The buffer ends before the head does: read more and parse again. */
export class HeadIncomplete extends Error {}

/**
 * Parses header and TOC of a custom archive from `buf` (its first bytes, not necessarily all):
 * throws HeadIncomplete when the TOC goes on past the buffer, NotPatchable for anything but a
 * custom archive of versions 1.12 to 1.14.
 */
export function parseHead(buf: Buffer): ArchiveHead {
    let pos = 0;
    const need = (n: number): void => {
        if (pos + n > buf.length) {
            throw new HeadIncomplete("head goes on past the bytes read");
        }
    };
    const byte = (): number => {
        need(1);
        return buf[pos++];
    };
    let intSize = 4;
    const int = (): number => {
        need(1 + intSize);
        const value = intAt(buf, pos, intSize);
        pos += 1 + intSize;
        return value;
    };
    const str = (keep = false): string | null => {
        const n = int();
        if (n < 0) {
            return null;
        }
        need(n);
        pos += n;
        return keep ? buf.toString("utf8", pos - n, pos) : "";
    };
    need(5);
    if (buf.toString("latin1", 0, 5) !== "PGDMP") {
        throw new NotPatchable("not a custom archive");
    }
    pos = 5;
    const version: [number, number, number] = [byte(), byte(), byte()];
    const [vmaj, vmin] = version;
    if (vmaj !== 1 || vmin < 12 || vmin > 14) {
        throw new NotPatchable(`archive version ${version.join(".")}`);
    }
    intSize = byte();
    const offSize = byte();
    const format = byte();
    if (intSize < 1 || intSize > 6 || offSize < 1 || offSize > 8 || format !== 1 /* archCustom */) {
        throw new NotPatchable("sizes or format");
    }
    const compression = int();
    for (let i = 0; i < 7; i++) {
        int(); // creation time
    }
    str(); // database name
    str(); // server version
    str(); // pg_dump version
    const count = int();
    const entries: HeadEntry[] = [];
    for (let i = 0; i < count; i++) {
        const dumpId = int();
        int(); // hadDumper
        str(); // tableoid
        str(); // oid
        str(); // tag
        const desc = str(true) ?? "";
        const section = int();
        for (let s = vmin >= 14 ? 7 : 6; s > 0; s--) {
            str(); // defn, dropStmt, copyStmt, namespace, tablespace, tableam (1.14 on), owner
        }
        str(); // withOids ("false")
        const deps: number[] = [];
        for (let d = str(true); d !== null; d = str(true)) {
            deps.push(Number(d));
        }
        const offsetAt = pos;
        const offsetFlag = byte();
        need(offSize);
        pos += offSize;
        if (offsetFlag < 1 || offsetFlag > 3) {
            throw new NotPatchable("offset flag");
        }
        entries.push({ dumpId, desc, section, deps, offsetAt, offsetFlag });
    }
    return { length: pos, version, intSize, offSize, compression, entries };
}

/** Header and TOC of the archive behind `read` (positioned reads), reading more until the TOC ends. */
export async function readArchiveHead(read: (position: number, length: number) => Promise<Buffer>, size: number): Promise<ArchiveHead> {
    for (let n = Math.min(size, 1 << 16); ; n = Math.min(size, n * 4)) {
        try {
            return parseHead(await read(0, n));
        } catch (e) {
            if (!(e instanceof HeadIncomplete) || n >= size) {
                throw e instanceof HeadIncomplete ? new NotPatchable("truncated") : e;
            }
        }
    }
}

/** Reads header and TOC, then walks the data blocks: where each data entry's offset field is and what it must say. */
async function planOffsets(r: Reader, handle: FileHandle, walk = true): Promise<{ offSize: number; fields: Array<{ at: number; offset: number }>; set: number; notSet: number }> {
    const head = await readArchiveHead(async (position, length) => {
        const buf = Buffer.allocUnsafe(length);
        const { bytesRead } = await handle.read(buf, 0, length, position);
        return buf.subarray(0, bytesRead);
    }, r.size);
    r.intSize = head.intSize;
    r.pos = head.length;
    const fieldOf = new Map<number, number>();
    for (const e of head.entries) {
        if (e.offsetFlag === K_OFFSET_POS_NOT_SET) {
            fieldOf.set(e.dumpId, e.offsetAt);
        }
    }
    const set = head.entries.filter((e) => e.offsetFlag === K_OFFSET_POS_SET).length;
    const offSize = head.offSize;
    const fields: Array<{ at: number; offset: number }> = [];
    if (!walk || fieldOf.size === 0 || head.compression !== 0) {
        // lifeboat only ever decompresses -Z0 archives; a compressed one is left as it is
        return { offSize, fields, set, notSet: fieldOf.size };
    }
    while (!r.atEnd()) {
        const offset = r.pos;
        const type = await r.byte();
        const dumpId = await r.int();
        if (type === BLK_DATA) {
            await skipChunks(r);
        } else if (type === BLK_BLOBS) {
            while ((await r.int()) !== 0) {
                await skipChunks(r); // one large object: its oid, then its chunks
            }
        } else {
            throw new NotPatchable(`block type ${type}`);
        }
        const at = fieldOf.get(dumpId);
        if (at === undefined) {
            throw new NotPatchable(`data of an unknown entry ${dumpId}`);
        }
        fields.push({ at, offset });
    }
    if (r.pos !== r.size) {
        throw new NotPatchable("trailing bytes");
    }
    return { offSize, fields, set, notSet: fieldOf.size };
}
