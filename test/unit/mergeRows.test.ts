/**
 * mergeRows (scripts/streamLoad.ts): a data block's chunks, read in pieces that end anywhere
 * (inside a row, inside a length field), come out as the same row bytes with the length fields
 * dropped, the rows counted, the block's end found, and nothing that no pg_dump writes accepted.
 */
import { NotPatchable } from "../../scripts/dataOffsets";
import { mergeRows } from "../../scripts/streamLoad";

const INT = 4;
const WIDTH = 1 + INT;

function lengthField(n: number): Buffer {
    const b = Buffer.alloc(WIDTH);
    b.writeUInt32LE(n, 1);
    return b;
}

/** A block's chunks as pg_dump -Z0 writes them (one per row), ended by the zero length. */
function block(rows: Buffer[]): Buffer {
    return Buffer.concat([...rows.flatMap((r) => [lengthField(r.length), r]), lengthField(0)]);
}

/** Feeds `archive` to mergeRows in pieces of the given sizes as the lanes do; the merged bytes, rows and whether the end was found. */
function merge(archive: Buffer, pieces: number[]): { bytes: Buffer; chunks: number; ended: boolean; reads: number } {
    const out: Buffer[] = [];
    let pos = 0;
    let remaining = 0;
    let chunks = 0;
    let reads = 0;
    for (let i = 0; pos < archive.length; i++) {
        const n = Math.min(pieces[i % pieces.length], archive.length - pos);
        // the lane's buffer: room for the merged chunk's length field before the bytes read
        const buf = Buffer.alloc(WIDTH + n, 0xee);
        archive.copy(buf, WIDTH, pos, pos + n);
        const m = mergeRows(buf, WIDTH, WIDTH + n, INT, remaining);
        reads++;
        out.push(Buffer.from(buf.subarray(WIDTH, WIDTH + m.bytes)));
        chunks += m.chunks;
        remaining = m.remaining;
        pos += m.consumed;
        if (m.ended) {
            return { bytes: Buffer.concat(out), chunks, ended: true, reads };
        }
        if (m.consumed === 0) {
            throw new Error("no progress");
        }
    }
    return { bytes: Buffer.concat(out), chunks, ended: false, reads };
}

const rows = Array.from({ length: 500 }, (_, i) => Buffer.from(`${i}\trow ${"x".repeat((i * 37) % 300)}\tünïcødé \\t tab\\n\n`));
const expected = Buffer.concat(rows);

test("pieces of many sizes, ending inside rows and inside length fields, give the same rows in order", () => {
    const archive = block(rows);
    // a read is never shorter than a length field (2 MiB in the lanes, or up to the range's end, which lies on a field)
    for (const pieces of [[archive.length], [WIDTH], [WIDTH + 1], [6, 7], [7, 64, 1000], [4096], [333, 5, 9]]) {
        const m = merge(archive, pieces);
        expect({ pieces, equal: m.bytes.equals(expected), chunks: m.chunks, ended: m.ended }).toEqual({ pieces, equal: true, chunks: rows.length, ended: true });
    }
});

test("a whole block in one read is one chunk's bytes: the length fields between the rows are gone", () => {
    const archive = block(rows);
    const buf = Buffer.alloc(WIDTH + archive.length);
    archive.copy(buf, WIDTH);
    const m = mergeRows(buf, WIDTH, buf.length, INT, 0);
    expect(m).toEqual({ bytes: expected.length, consumed: archive.length, remaining: 0, ended: true, chunks: rows.length });
    expect(buf.subarray(WIDTH, WIDTH + m.bytes).equals(expected)).toBe(true);
    // 5 bytes of length field per row, and the zero length, were dropped
    expect(archive.length - m.bytes).toBe(WIDTH * (rows.length + 1));
});

test("a region that ends inside a length field leaves the field for the next read; inside a row, carries the rest over", () => {
    const archive = block([Buffer.from("abc\n"), Buffer.from("defgh\n")]);
    // the first row whole, then 2 bytes of the second row's length field
    const first = mergeRows(Buffer.from(archive.subarray(0, WIDTH + 4 + 2)), 0, WIDTH + 4 + 2, INT, 0);
    expect(first).toEqual({ bytes: 4, consumed: WIDTH + 4, remaining: 0, ended: false, chunks: 1 });
    // the second row's field and 2 of its 6 bytes
    const second = mergeRows(Buffer.from(archive.subarray(WIDTH + 4, 2 * WIDTH + 4 + 2)), 0, WIDTH + 2, INT, 0);
    expect(second).toEqual({ bytes: 2, consumed: WIDTH + 2, remaining: 4, ended: false, chunks: 1 });
    const rest = Buffer.from(archive.subarray(2 * WIDTH + 4 + 2));
    const third = mergeRows(rest, 0, rest.length, INT, 4);
    expect(third).toEqual({ bytes: 4, consumed: 4 + WIDTH, remaining: 0, ended: true, chunks: 0 });
    expect(rest.subarray(0, 4).toString()).toBe("fgh\n");
});

test("rows after the block's zero length are not read", () => {
    const archive = Buffer.concat([block([Buffer.from("a\n")]), lengthField(2), Buffer.from("b\n")]);
    const m = mergeRows(Buffer.from(archive), 0, archive.length, INT, 0);
    expect(m).toMatchObject({ bytes: 2, consumed: 2 * WIDTH + 2, ended: true, chunks: 1 });
});

test("a negative length (what no pg_dump writes) is refused", () => {
    const bad = Buffer.concat([lengthField(2), Buffer.from("a\n"), Buffer.from([1, 2, 0, 0, 0]), Buffer.from("b\n")]);
    expect(() => mergeRows(bad, 0, bad.length, INT, 0)).toThrow(NotPatchable);
});
