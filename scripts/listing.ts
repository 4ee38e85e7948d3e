/**
 * `lifeboat list`: the complete sets of a target as a responder reads them: how old, how big,
 * and whether each database can be restored (its archive is there, was read back after the
 * dump, and was made under the key in force when LIFEBOAT_KEY_FINGERPRINT is given). A change of
 * key fingerprint between two sets is marked: sets older than it need the older key version.
 */
import { formatAgo, formatBytes, table } from "./human";
import { normalisePrefix } from "./layout";
import { listSets, SetRef } from "./manifest";
import { Target } from "./targets";

export interface ListedDatabase {
    name: string;
    bytes: number;
    sha256: string;
    tables: number;
    restorable: boolean;
    /** Why not, when not restorable. */
    reason?: string;
}

export interface ListedSet {
    target: string;
    set: string;
    tier: string;
    createdAt: string;
    ageSeconds: number;
    databases: ListedDatabase[];
    bytes: number;
    keyFingerprint: string | null;
    /** The next older set listed was made under another key fingerprint (this one's key differs). */
    keyChanged: boolean;
    verified: boolean;
}

export interface ListOptions {
    /** Only sets holding this database, and only its row. */
    database?: string;
    /** The key in force: a set made under another is not restorable with it. */
    keyFingerprint?: string;
    now?: Date;
}

function restorability(s: SetRef, d: SetRef["manifest"]["databases"][number], present: Set<string>, prefix: string, key: string | undefined): Pick<ListedDatabase, "restorable" | "reason"> {
    if (!present.has(`${prefix}${d.key}`)) {
        return { restorable: false, reason: "archive missing" };
    }
    if (!d.verified) {
        return { restorable: false, reason: "never read back" };
    }
    if (key !== undefined && s.manifest.set.keyFingerprint !== key) {
        return { restorable: false, reason: s.manifest.set.keyFingerprint === null ? "no key fingerprint" : "other key" };
    }
    return { restorable: true };
}

/** The sets of `target`, newest first, with what `list` shows of each. */
export async function listing(target: Target, opts: ListOptions = {}): Promise<ListedSet[]> {
    const now = (opts.now ?? new Date()).getTime();
    const [sets, keys] = await Promise.all([listSets(target), target.list(normalisePrefix(target.prefix))]);
    const present = new Set(keys);
    const shown = sets.filter((s) => opts.database === undefined || s.manifest.databases.some((d) => d.name === opts.database));
    return shown.map((s, i) => {
        const databases = s.manifest.databases
            .filter((d) => opts.database === undefined || d.name === opts.database)
            .map((d) => ({ name: d.name, bytes: d.size, sha256: d.sha256, tables: d.tables, ...restorability(s, d, present, target.prefix, opts.keyFingerprint) }));
        const older = shown[i + 1];
        return {
            target: target.display,
            set: s.id,
            tier: s.tier,
            createdAt: s.manifest.set.createdAt,
            ageSeconds: Math.round((now - Date.parse(s.manifest.set.createdAt)) / 1000),
            databases,
            bytes: databases.reduce((a, d) => a + d.bytes, 0),
            keyFingerprint: s.manifest.set.keyFingerprint,
            keyChanged: older !== undefined && older.manifest.set.keyFingerprint !== s.manifest.set.keyFingerprint,
            verified: s.manifest.databases.every((d) => d.verified),
        };
    });
}

/** The table `list` prints: one row per database of each set. */
export function renderListing(display: string, sets: ListedSet[], opts: ListOptions = {}): string {
    const what = opts.database === undefined ? "" : ` holding ${JSON.stringify(opts.database)}`;
    let out = `${display}: ${sets.length} complete set(s)${what}${sets.length > 0 ? `, newest ${formatAgo(sets[0].ageSeconds * 1000)}` : ""}\n`;
    if (sets.length === 0) {
        return out;
    }
    const rows: string[][] = [];
    for (const s of sets) {
        s.databases.forEach((d, i) => {
            const first = i === 0;
            rows.push([
                first ? s.set : "",
                first ? s.createdAt.replace("T", " ").replace(/\.\d{3}Z$/, "Z") : "",
                first ? formatAgo(s.ageSeconds * 1000) : "",
                first ? s.tier : "",
                d.name,
                formatBytes(d.bytes),
                d.restorable ? "yes" : `no (${d.reason ?? "?"})`,
                first ? `${s.keyFingerprint ?? "-"}${s.keyChanged ? "  <- key changed" : ""}` : "",
            ]);
        });
    }
    out += table(["SET", "CREATED (UTC)", "AGE", "TIER", "DATABASE", "SIZE", "RESTORABLE", "KEY FINGERPRINT"], rows);
    const changes = sets.filter((s) => s.keyChanged);
    for (const s of changes) {
        const older = sets[sets.indexOf(s) + 1];
        out += `key changed with set ${s.set}: ${older.set} and older need the key with fingerprint ${older.keyFingerprint ?? "(none recorded)"} (docs/RUNBOOK.md, "Which key a set needs")\n`;
    }
    return out;
}
