/**
 * GrowingFile (scripts/streamLoad.ts): reads of a file another process is still writing wait for
 * the bytes, end short only once the writer is done, and fail with the writer's own error.
 */
import { mkdtempSync, promises as fsp, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import { ArchiveTruncated, GrowingFile } from "../../scripts/streamLoad";

let dir: string;
beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "growing-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function writer(): { done: Promise<void>; finish(): void; fail(e: Error): void } {
    let finish: () => void = () => undefined;
    let fail: (e: Error) => void = () => undefined;
    const done = new Promise<void>((resolve, reject) => {
        finish = resolve;
        fail = reject;
    });
    done.catch(() => undefined);
    return { done, finish, fail };
}

/** A file holding `content`, opened for reading as a GrowingFile of a writer not done yet. */
async function growing(name: string, content: string, signal?: AbortSignal): Promise<{ g: GrowingFile; w: ReturnType<typeof writer>; close(): Promise<void> }> {
    const file = path.join(dir, name);
    await fsp.writeFile(file, content);
    const w = writer();
    const handle = await fsp.open(file, "r");
    return { g: new GrowingFile(handle, w.done, signal), w, close: () => handle.close() };
}

test("a read waits for bytes written later, and returns them once they are there", async () => {
    const file = path.join(dir, "a");
    const out = await fsp.open(file, "w");
    const w = writer();
    const handle = await fsp.open(file, "r");
    const g = new GrowingFile(handle, w.done);
    let got: Buffer | undefined;
    const reading = g.exact(3, 4).then((b) => (got = Buffer.from(b)));
    await out.write(Buffer.from("abc"));
    await new Promise((r) => setTimeout(r, 30));
    expect(got).toBeUndefined(); // only bytes 0-2 exist: still waiting
    await out.write(Buffer.from("defg"));
    await reading;
    expect(got?.toString()).toBe("defg");
    w.finish();
    await out.close();
    await handle.close();
});

test("once the writer is done, a read past the end comes back short and exact() says where the archive ends", async () => {
    const { g, w, close } = await growing("b", "0123456789");
    const pending = g.read(8, 10, 10);
    await new Promise((r) => setTimeout(r, 20));
    w.finish();
    expect((await pending).toString()).toBe("89");
    expect(await g.hasByte(9)).toBe(true);
    expect(await g.hasByte(10)).toBe(false);
    await expect(g.exact(5, 10)).rejects.toThrow(ArchiveTruncated);
    await expect(g.exact(5, 10)).rejects.toThrow("the archive ends at byte 10, inside a block");
    await close();
});

test("a writer that fails fails the reads waiting on it with its own error", async () => {
    const { g, w, close } = await growing("c", "xy");
    const pending = g.exact(0, 100);
    w.fail(new Error("checksum mismatch for x"));
    await expect(pending).rejects.toThrow("checksum mismatch for x");
    await close();
});

test("an aborted restore stops a waiting read", async () => {
    const ac = new AbortController();
    const { g, w, close } = await growing("d", "", ac.signal);
    const pending = g.exact(0, 1);
    ac.abort();
    await expect(pending).rejects.toThrow("interrupted");
    w.finish();
    await close();
});
