import type { z } from "zod";
import { CODECS } from "./codec";
import { LifeboatError, messageOf } from "./errors";
import { MANIFEST_NAME, manifestKey, normalisePrefix, parseManifestKey, setPrefix, Tier, TIERS, unsafeSetKey } from "./layout";
import { Target } from "./targets";
import { Readable } from "stream";
import { log } from "./log";
import { pickSet, SetQuery } from "./selection";

/** The marker left beside the objects of a failed set whose cleanup failed. */
export const INCOMPLETE_NAME = "INCOMPLETE";
export const MANIFEST_FORMAT = "lifeboat.manifest/1";

/**
 * The manifest's schemas, built on first use: zod costs tens of milliseconds to load, and a
 * backup only writes manifests (its types are enough), so only readers pay for it.
 */
function buildSchemas() {
    const { z } = require("zod") as typeof import("zod");
    /** A table of the source catalog at backup time (ordinary or partitioned; partitions name their parent). */
    const CatalogTable = z.object({
        schema: z.string(),
        name: z.string(),
        oid: z.number().int().nonnegative(),
        partitioned: z.boolean().optional(),
        partitionOf: z.number().int().nonnegative().optional(),
    });

    const DatabaseEntry = z.object({
        name: z.string().min(1),
        key: z.string().min(1),
        size: z.number().int().nonnegative(),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        serverVersion: z.string(),
        pgDumpVersion: z.string(),
        /** pg_dump's compression: `zstd:3`, `gzip:6`, `none`; `default` (gzip) in sets made before codecs. */
        compress: z.string(),
        /**
         * The stream codec around the archive: `none`, the object is pg_dump's custom archive as is;
         * `zstd`, the object is a zstd frame of a `pg_dump -Fc -Z0` archive (`zstd -d` gives it back).
         * Absent in sets made before codecs: `none`.
         */
        codec: z.enum(CODECS).default("none"),
        startedAt: z.string(),
        endedAt: z.string(),
        /** The stored object was read back: SHA-256 matched and `pg_restore --list` read its table of contents. */
        verified: z.boolean(),
        /** The database's owner on the source server (restored as owner where the role exists). */
        owner: z.string().optional(),
        /** Tables in the archive (TABLE entries of its table of contents). */
        tables: z.number().int().nonnegative(),
        /**
         * The tables the archive holds, read from the source catalog in pg_dump's own snapshot: what
         * restore checks the restored database against. Absent in sets made before it was recorded:
         * restore then reads the archive's table of contents instead.
         */
        tableList: z.array(CatalogTable).optional(),
        /**
         * The zstd codec's: length and SHA-256 of the decompressed archive's header and table of
         * contents, which hold every statement pg_restore runs. Restore proves them before it runs
         * any, then loads the rows while the rest downloads (the whole object is proven before the
         * swap). Absent in sets made before it was recorded: restore then proves the whole object first.
         */
        head: z.object({ bytes: z.number().int().positive(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).optional(),
    });

    const Manifest = z.object({
        format: z.literal(MANIFEST_FORMAT),
        set: z.object({
            id: z.string().min(1),
            tier: z.enum(TIERS),
            createdAt: z.string(),
            completedAt: z.string(),
            keyFingerprint: z.string().nullable(),
            toolVersion: z.string(),
        }),
        databases: z.array(DatabaseEntry).min(1),
    });
    return { CatalogTable, DatabaseEntry, Manifest };
}

type Schemas = ReturnType<typeof buildSchemas>;
let schemas: Schemas | undefined;

/** The schemas (zod loaded on the first call). */
export function manifestSchemas(): Schemas {
    schemas ??= buildSchemas();
    return schemas;
}

/** A table of the source catalog at backup time (ordinary or partitioned; partitions name their parent). */
export type CatalogTable = z.infer<Schemas["CatalogTable"]>;
export type DatabaseEntry = z.infer<Schemas["DatabaseEntry"]>;
export type Manifest = z.infer<Schemas["Manifest"]>;

export interface SetRef {
    tier: Tier;
    id: string;
    manifest: Manifest;
}

export async function readAll(stream: Readable, limit = 16 * 1024 * 1024): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of stream) {
        const b = Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array);
        n += b.length;
        if (n > limit) {
            throw new Error(`object larger than ${limit} bytes`);
        }
        chunks.push(b);
    }
    return Buffer.concat(chunks);
}

/** Every database key of a manifest stays inside the set's own folder (scripts/layout.ts unsafeSetKey). */
function checkEntryKeys(manifest: Manifest, key: string, target: Target, tier: Tier, id: string): void {
    for (const d of manifest.databases) {
        const why = unsafeSetKey(d.key, tier, id);
        if (why !== undefined) {
            throw new LifeboatError(`manifest ${key} on ${target.display} is invalid: the key ${JSON.stringify(d.key)} of ${JSON.stringify(d.name)} ${why}`, "the object; the set cannot be trusted", 1, "manifest-invalid");
        }
    }
}

export async function readManifest(target: Target, tier: Tier, id: string): Promise<Manifest> {
    const key = manifestKey(tier, id, target.prefix);
    const body = await readAll(await target.get(key));
    let parsed: unknown;
    try {
        parsed = JSON.parse(body.toString("utf8"));
    } catch (e) {
        throw new LifeboatError(`manifest ${key} on ${target.display} is not JSON: ${messageOf(e)}`, "the object; the set cannot be trusted", 1, "manifest-invalid");
    }
    const r = manifestSchemas().Manifest.safeParse(parsed);
    if (!r.success) {
        throw new LifeboatError(`manifest ${key} on ${target.display} is invalid: ${r.error.issues[0]?.message ?? "?"}`, "the object; the set cannot be trusted", 1, "manifest-invalid");
    }
    checkEntryKeys(r.data, key, target, tier, id);
    return r.data;
}

/**
 * The complete sets of a target, newest first. A set is complete only when its manifest exists
 * and no INCOMPLETE marker lies beside it; objects without a manifest are never a set.
 */
export async function listSets(target: Target): Promise<SetRef[]> {
    const keys = await target.list(normalisePrefix(target.prefix));
    const incomplete = new Set(keys.filter((k) => k.endsWith(`/${INCOMPLETE_NAME}`)).map((k) => k.slice(0, -INCOMPLETE_NAME.length)));
    const refs: Array<{ tier: Tier; id: string }> = [];
    for (const key of keys) {
        if (!key.endsWith(`/${MANIFEST_NAME}`)) {
            continue;
        }
        const parsed = parseManifestKey(key, target.prefix);
        if (parsed !== undefined && !incomplete.has(setPrefix(parsed.tier, parsed.setId, target.prefix))) {
            refs.push({ tier: parsed.tier, id: parsed.setId });
        }
    }
    const sets: SetRef[] = [];
    for (let i = 0; i < refs.length; i += 8) {
        const batch = await Promise.all(
            refs.slice(i, i + 8).map(async (r) => {
                try {
                    return { ...r, manifest: await readManifest(target, r.tier, r.id) };
                } catch (e) {
                    // an unreadable manifest is no commit marker: that set cannot be trusted, the others still can
                    if (e instanceof LifeboatError && (e.code === "manifest-invalid" || e.code === "object-missing")) {
                        log.warn("set.invalid", { target: target.display, set: r.id, reason: e.message });
                        return undefined;
                    }
                    throw e;
                }
            }),
        );
        sets.push(...batch.filter((x): x is SetRef => x !== undefined));
    }
    return sets.sort((a, b) => (a.manifest.set.createdAt < b.manifest.set.createdAt ? 1 : a.manifest.set.createdAt > b.manifest.set.createdAt ? -1 : a.id < b.id ? 1 : -1));
}

/** The set `id` names (an id, a prefix of one, or `latest`), among the sets `query` allows (scripts/selection.ts). */
export async function findSet(target: Target, id: string, query: Omit<SetQuery, "set"> = {}): Promise<SetRef> {
    return pickSet(await listSets(target), { ...query, set: id }, target.display);
}
