/**
 * scripts/targets/parts.ts: the cut of an upload body into parts (exact sizes, the last one
 * shorter, one empty part for an empty body) and the reuse of a released part's buffer.
 */
import { Readable } from "stream";
import { Parts } from "../../scripts/targets/parts";

/** A body of `n` bytes (byte i is i % 251) in chunks of `chunk` bytes. */
function body(n: number, chunk: number): Readable {
    const all = Buffer.alloc(n);
    for (let i = 0; i < n; i++) {
        all[i] = i % 251;
    }
    const chunks: Buffer[] = [];
    for (let off = 0; off < n; off += chunk) {
        chunks.push(all.subarray(off, off + chunk));
    }
    return Readable.from(chunks);
}

test("parts are exactly the size, the last one shorter, the bytes in order", async () => {
    const got: Buffer[] = [];
    for await (const p of new Parts(body(25, 7), 10)) {
        got.push(Buffer.from(p));
    }
    expect(got.map((p) => p.length)).toEqual([10, 10, 5]);
    expect([...Buffer.concat(got)]).toEqual([...Array(25).keys()].map((i) => i % 251));
});

test("an empty body is one empty part; a body of whole parts has no empty tail", async () => {
    const empty: number[] = [];
    for await (const p of new Parts(Readable.from([]), 10)) {
        empty.push(p.length);
    }
    expect(empty).toEqual([0]);
    const whole: number[] = [];
    for await (const p of new Parts(body(20, 3), 10)) {
        whole.push(p.length);
    }
    expect(whole).toEqual([10, 10]);
});

test("a released part's buffer takes a later part; one still held is never written", async () => {
    const cut = new Parts(body(40, 4), 10);
    const seen: Buffer[] = [];
    const held: Buffer[] = [];
    for await (const p of cut) {
        seen.push(p);
        if (seen.length === 1) {
            held.push(p);
            held.push(Buffer.from(p));
        } else {
            cut.release(p);
        }
    }
    // part 1 is held: its bytes stay; parts 2-4 share the one buffer released after each
    expect(held[0].equals(held[1])).toBe(true);
    expect(new Set(seen.map((p) => p.buffer)).size).toBe(2);
});
