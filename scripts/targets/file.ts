import { randomBytes } from "crypto";
import { createReadStream, createWriteStream, promises as fsp } from "fs";
import { FileHandle } from "fs/promises";
import * as path from "path";
import { Readable, Transform } from "stream";
import { pipeline } from "stream/promises";
import { fileURLToPath } from "url";
import { errnoCode, EXIT_REFUSED, LifeboatError, messageOf } from "../errors";
import { checkKey, objectExists, StagedFile, Target } from "./target";

const PARTIAL = ".partial-";

/**
 * `file:///dir`: a local folder (a mounted volume for self-hosters). Objects are written to a
 * hidden temporary name, fsynced, then renamed into place, so a reader never sees a torn file.
 * The folder must exist: a missing mount point must not silently fill the container's disk.
 */
export class FileTarget implements Target {
    readonly prefix = "";
    readonly display: string;
    readonly root: string;

    constructor(url: URL) {
        if (url.host !== "" && url.host !== "localhost") {
            throw new LifeboatError(`file target ${url.href} names a host`, "the URL: use file:///absolute/path", 2, "usage");
        }
        this.root = fileURLToPath(url);
        this.display = url.href;
    }

    private error(e: unknown, doing: string): LifeboatError {
        const code = errnoCode(e);
        if (code === "ENOSPC" || code === "EDQUOT") {
            return new LifeboatError(`no space left on device ${doing} on ${this.display}`, "free space on the target's file system", 1, "disk-full");
        }
        if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
            return new LifeboatError(`permission denied ${doing} on ${this.display}`, "that the job's user may write the folder", 1, "target-forbidden");
        }
        return new LifeboatError(`file target ${this.display} failed ${doing}: ${messageOf(e)}`, "the folder and its file system", 1, "target");
    }

    private fail(e: unknown, doing: string): never {
        throw this.error(e, doing);
    }

    /** A hidden temporary name beside `dest`: never listed, never a reader's. */
    private tempFor(dest: string): string {
        return path.join(path.dirname(dest), `.${path.basename(dest)}${PARTIAL}${process.pid}-${randomBytes(4).toString("hex")}`);
    }

    /** After a failed write: the temporary file, and the set's own folder when that left it empty (rmdir refuses otherwise); the tier folder stays, another run may be creating its set in it. */
    private async removeTemp(tmp: string): Promise<void> {
        await fsp.rm(tmp, { force: true }).catch(() => undefined);
        const dir = path.dirname(tmp);
        if (dir !== this.root) {
            await fsp.rmdir(dir).catch(() => undefined);
        }
    }

    /**
     * The dump's last process (pg_dump itself, or zstd) writes the temporary file through `fd`;
     * commit() fsyncs it and links it into place exclusively, as put() does. Not with the ENOSPC
     * test hook, which only a stream can carry (put() then).
     */
    async stage(key: string): Promise<StagedFile | undefined> {
        if (process.env.LIFEBOAT_FAULT_ENOSPC_AFTER_BYTES !== undefined) {
            return undefined;
        }
        const dest = this.pathOf(key);
        const dir = path.dirname(dest);
        const tmp = this.tempFor(dest);
        let handle: FileHandle;
        try {
            await fsp.mkdir(dir, { recursive: true });
            handle = await fsp.open(tmp, "wx", 0o640);
        } catch (e) {
            await this.removeTemp(tmp);
            this.fail(e, `writing ${key}`);
        }
        let open = true;
        const close = async (): Promise<void> => {
            if (open) {
                open = false;
                await handle.close().catch(() => undefined);
            }
        };
        let synced: Promise<void> | undefined;
        const flush = (): Promise<void> => {
            synced ??= handle.sync();
            return synced;
        };
        return {
            fd: handle.fd,
            path: tmp,
            size: async () => (open ? (await handle.stat()).size : 0),
            flush,
            commit: async () => {
                try {
                    await flush();
                    const { size } = await handle.stat();
                    await close();
                    await publish(tmp, dest, key, this.display);
                    await syncDir(dir);
                    return size;
                } catch (e) {
                    await close();
                    await this.removeTemp(tmp);
                    if (e instanceof LifeboatError) {
                        throw e;
                    }
                    this.fail(e, `writing ${key}`);
                }
            },
            discard: async () => {
                await close();
                await this.removeTemp(tmp);
            },
            failure: (e: unknown) => this.error(e, `writing ${key}`),
        };
    }

    /** The file of `key`: separator-aware containment, so `../<root>-evil/x` never reads a sibling folder. */
    private pathOf(key: string): string {
        const p = path.resolve(this.root, ...checkKey(key, this.display).split("/"));
        const root = path.resolve(this.root);
        if (!p.startsWith(root.endsWith(path.sep) ? root : `${root}${path.sep}`)) {
            throw new LifeboatError(`object key ${JSON.stringify(key)} escapes ${this.display}`, "the manifest: keys stay inside their set", EXIT_REFUSED, "key-unsafe");
        }
        return p;
    }

    async check(): Promise<void> {
        let st;
        try {
            st = await fsp.stat(this.root);
        } catch (e) {
            if (errnoCode(e) === "ENOENT") {
                throw new LifeboatError(`target folder ${this.root} does not exist`, "the path and that the volume is mounted; lifeboat does not create it", 1, "container-missing");
            }
            this.fail(e, "reading the folder");
        }
        if (!st.isDirectory()) {
            throw new LifeboatError(`target ${this.root} is not a folder`, "the path of the file target", 1, "container-missing");
        }
        try {
            await fsp.access(this.root, 2 /* W_OK */);
        } catch (e) {
            this.fail(e, "checking write access");
        }
    }

    async put(key: string, body: Readable, signal: AbortSignal): Promise<number> {
        const dest = this.pathOf(key);
        const dir = path.dirname(dest);
        const tmp = this.tempFor(dest);
        let bytes = 0;
        try {
            await fsp.mkdir(dir, { recursive: true });
            const out = createWriteStream(tmp, { flags: "wx", mode: 0o640, highWaterMark: 1 << 20 });
            body.on("data", (chunk: Buffer) => {
                bytes += chunk.length;
            });
            await pipeline(body, faultInjection(), out, { signal });
            const handle = await fsp.open(tmp, "r+");
            try {
                await handle.sync();
            } finally {
                await handle.close();
            }
            await publish(tmp, dest, key, this.display);
            await syncDir(dir);
            return bytes;
        } catch (e) {
            await this.removeTemp(tmp);
            if (signal.aborted || errnoCode(e) === "ABORT_ERR") {
                throw e;
            }
            if (e instanceof LifeboatError) {
                throw e;
            }
            this.fail(e, `writing ${key}`);
        }
    }

    async create(key: string, data: Buffer): Promise<void> {
        await this.put(key, Readable.from([data]), new AbortController().signal);
    }

    async putSmall(key: string, data: Buffer): Promise<void> {
        await this.delete(key);
        await this.put(key, Readable.from([data]), new AbortController().signal);
    }

    async get(key: string): Promise<Readable> {
        const p = this.pathOf(key);
        try {
            await fsp.access(p);
        } catch (e) {
            if (errnoCode(e) === "ENOENT") {
                throw new LifeboatError(`object ${key} is missing from ${this.display}`, "that the set is complete", 1, "object-missing");
            }
            this.fail(e, `reading ${key}`);
        }
        return createReadStream(p, { highWaterMark: 1 << 20 });
    }

    async localPath(key: string): Promise<string | undefined> {
        const p = this.pathOf(key);
        try {
            await fsp.access(p);
            return p;
        } catch {
            return undefined;
        }
    }

    async list(prefix: string): Promise<string[]> {
        const out: string[] = [];
        const walk = async (dir: string, rel: string): Promise<void> => {
            let entries;
            try {
                entries = await fsp.readdir(dir, { withFileTypes: true });
            } catch (e) {
                if (errnoCode(e) === "ENOENT") {
                    return;
                }
                this.fail(e, "listing");
            }
            for (const entry of entries) {
                const key = rel === "" ? entry.name : `${rel}/${entry.name}`;
                if (entry.isDirectory()) {
                    if (prefix.startsWith(`${key}/`) || key.startsWith(prefix) || `${key}/`.startsWith(prefix)) {
                        await walk(path.join(dir, entry.name), key);
                    }
                } else if (entry.isFile() && !entry.name.includes(PARTIAL) && key.startsWith(prefix)) {
                    out.push(key);
                }
            }
        };
        await walk(this.root, "");
        return out.sort();
    }

    async delete(key: string): Promise<void> {
        const p = this.pathOf(key);
        try {
            await fsp.rm(p, { force: true });
        } catch (e) {
            this.fail(e, `deleting ${key}`);
        }
        // remove now-empty set and tier folders, never the root
        let dir = path.dirname(p);
        while (dir.startsWith(this.root) && dir !== this.root) {
            try {
                await fsp.rmdir(dir);
            } catch {
                break;
            }
            dir = path.dirname(dir);
        }
    }
}

/**
 * Test hook for hosts where a small file system cannot be mounted (containers without
 * CAP_SYS_ADMIN): LIFEBOAT_FAULT_ENOSPC_AFTER_BYTES=N makes writes fail with ENOSPC after N
 * bytes, exactly as a full disk does. Unset in production; the integration test prefers a real tmpfs.
 */
function faultInjection(): Transform {
    const limit = Number(process.env.LIFEBOAT_FAULT_ENOSPC_AFTER_BYTES ?? "NaN");
    let seen = 0;
    return new Transform({
        transform(chunk: Buffer, _enc, cb) {
            seen += chunk.length;
            if (Number.isFinite(limit) && seen > limit) {
                cb(Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" }));
                return;
            }
            cb(null, chunk);
        },
    });
}

/**
 * Moves a complete temporary file into place exclusively: link(2) fails with EEXIST where rename
 * would silently replace another run's object. The temporary name is removed either way.
 */
async function publish(tmp: string, dest: string, key: string, display: string): Promise<void> {
    try {
        try {
            await fsp.link(tmp, dest);
        } catch (e) {
            if (!["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"].includes(errnoCode(e) ?? "")) {
                throw e;
            }
            // a file system without hard links: reserve the name exclusively, then rename over it
            await (await fsp.open(dest, "wx", 0o640)).close();
            await fsp.rename(tmp, dest);
        }
    } catch (e) {
        if (errnoCode(e) === "EEXIST") {
            throw objectExists(key, display);
        }
        throw e;
    } finally {
        await fsp.rm(tmp, { force: true }).catch(() => undefined);
    }
}

async function syncDir(dir: string): Promise<void> {
    try {
        const h = await fsp.open(dir, "r");
        try {
            await h.sync();
        } finally {
            await h.close();
        }
    } catch {
        // some file systems refuse fsync on a directory: the rename is still atomic
    }
}
