import { Readable } from "stream";

/**
 * A stream cut into parts of exactly `size` bytes (the last one shorter, or one empty part for an
 * empty body), for the multipart and staged-block uploads. Each part is copied into a buffer of
 * `size` bytes that is reused once its upload gave it back with `release()`: an upload with
 * `n` parts in flight holds `n + 1` such buffers for the whole run, whatever the object's size.
 *
 * Why reuse rather than a fresh buffer per part: a part lives for the time of its request, long
 * enough for V8 to move it to the old generation, and a Buffer's bytes (external memory, RSS but
 * not heap) are freed only by a major GC, which V8 starts after tens of MB of external growth.
 * A backup of a 265 MB archive thus held 15-35 MB of parts already sent on top of the ones in
 * flight, and its peak grew with the run's length (issue 15).
 */
export class Parts {
    private readonly free: ArrayBuffer[] = [];

    constructor(
        private readonly body: Readable,
        readonly size: number,
    ) {}

    /** Gives a part's buffer back for the next part: only once nothing (no retry) can still read it. */
    release(part: Buffer): void {
        if (part.buffer.byteLength === this.size && part.byteOffset === 0) {
            this.free.push(part.buffer as ArrayBuffer);
        }
    }

    private take(): Buffer {
        const b = this.free.pop();
        // allocUnsafeSlow: a buffer of its own (not a slice of node's shared pool) that release() can recognise
        return b === undefined ? Buffer.allocUnsafeSlow(this.size) : Buffer.from(b, 0, this.size);
    }

    async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
        let part: Buffer | undefined;
        let n = 0;
        let any = false;
        for await (const c of this.body) {
            const b = Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array);
            for (let off = 0; off < b.length; ) {
                part ??= this.take();
                const copied = b.copy(part, n, off, Math.min(b.length, off + this.size - n));
                n += copied;
                off += copied;
                if (n === this.size) {
                    any = true;
                    yield part;
                    part = undefined;
                    n = 0;
                }
            }
        }
        if (n > 0 || !any) {
            yield (part ?? Buffer.alloc(0)).subarray(0, n);
        }
    }
}
