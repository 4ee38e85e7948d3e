/**
 * Two writers of one blob name on real Azurite, interleaved at the worst moment: both have staged
 * blocks, neither has committed. Uncommitted blocks belong to the blob name, so writers that use
 * the same block ids stage over each other, and the winner's commit stores the loser's bytes
 * under the winner's checksum. Each put's block ids are its own: the blob holds the winner's
 * bytes, whole, and the loser is refused.
 */
import { createHash, randomBytes } from "crypto";
import { PassThrough } from "stream";
import { AzureBlobTarget } from "../../scripts/targets/azblob";
import { Azurite, createContainer, startAzurite } from "./helpers";

let azurite: Azurite;
const saved = process.env.AZURE_STORAGE_CONNECTION_STRING;

beforeAll(async () => {
    azurite = await startAzurite();
    await createContainer(azurite, "race");
    process.env.AZURE_STORAGE_CONNECTION_STRING = azurite.connectionString;
});

afterAll(async () => {
    process.env.AZURE_STORAGE_CONNECTION_STRING = saved;
    await azurite?.stop();
});

/** Resolves once `key` has `n` uncommitted blocks (Azurite's view). */
async function stagedBlocks(key: string, n: number): Promise<void> {
    const { BlobServiceClient } = await import("@azure/storage-blob");
    const blob = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient("race").getBlockBlobClient(key);
    for (;;) {
        // 404 until the first block is staged
        const list = await blob.getBlockList("uncommitted").catch((e: { statusCode?: number }) => {
            if (e.statusCode === 404) return { uncommittedBlocks: [] };
            throw e;
        });
        if ((list.uncommittedBlocks ?? []).length >= n) return;
        await new Promise((r) => setTimeout(r, 50));
    }
}

test("two puts of one key, both staged before either commits: the stored blob is the winner's bytes", async () => {
    const key = "p/daily/20261202T000000Z-00000001/main.dump.zst";
    const block = 4 * 1024 * 1024;
    const bodies = [randomBytes(2 * block + 1000), randomBytes(2 * block + 1000)];
    const a = new PassThrough({ highWaterMark: 1 << 20 });
    const b = new PassThrough({ highWaterMark: 1 << 20 });
    const ta = new AzureBlobTarget(new URL("azblob://devstoreaccount1/race/p"));
    const tb = new AzureBlobTarget(new URL("azblob://devstoreaccount1/race/p"));
    const pa = ta.put(key, a, new AbortController().signal).then(
        () => "committed",
        (e: { code?: string; message?: string }) => e.code ?? e.message,
    );
    // A stages its two full blocks and waits; then B does the same over the same name
    a.write(bodies[0].subarray(0, 2 * block));
    await stagedBlocks(key, 2);
    const pb = tb.put(key, b, new AbortController().signal).then(
        () => "committed",
        (e: { code?: string; message?: string }) => e.code ?? e.message,
    );
    b.write(bodies[1].subarray(0, 2 * block));
    // with shared ids B's blocks replace A's (still 2 uncommitted); with own ids there are 4
    await new Promise((r) => setTimeout(r, 1500));
    // A ends first and commits; then B ends and must lose
    a.end(bodies[0].subarray(2 * block));
    expect(await pa).toBe("committed");
    b.end(bodies[1].subarray(2 * block));
    expect(await pb).toBe("object-exists");
    const stored = await ta.get(key);
    const chunks: Buffer[] = [];
    for await (const c of stored) chunks.push(c as Buffer);
    const got = Buffer.concat(chunks);
    expect(got.length).toBe(bodies[0].length);
    expect(createHash("sha256").update(got).digest("hex")).toBe(createHash("sha256").update(bodies[0]).digest("hex"));
    expect(await ta.verifyStored?.(key, bodies[0].length)).toBeTruthy();
});
