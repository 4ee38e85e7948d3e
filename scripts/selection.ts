/**
 * Which set a responder means: `--set ID|PREFIX|latest`, `--before TIME`, and the database asked
 * for. `latest` is the newest complete set that holds that database (a set of other databases
 * only is no backup of it); `--before` the newest such set taken strictly before that instant.
 */
import { EXIT_USAGE, LifeboatError } from "./errors";
import type { SetRef } from "./manifest";

export interface SetQuery {
    /** A set id, a prefix of one, or `latest`. */
    set: string;
    /** Only sets that hold this database count. */
    database?: string;
    /** Only sets taken before this instant count. */
    before?: Date;
}

const BEFORE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?\s*(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Parses `--before`: an ISO 8601 date and time with its zone, `Z` (UTC) or an offset
 * (`2026-11-21T14:30Z`, `2026-11-21 14:30:00+01:00`). A time without a zone is refused: a
 * responder's 14:30 is local time, and guessing the zone wrong restores the wrong hour.
 */
export function parseBefore(text: string): Date {
    const value = text.trim();
    const m = BEFORE.exec(value);
    const allowed = "a date and time with its zone: 2026-11-21T14:30Z (UTC) or 2026-11-21T14:30+01:00";
    if (m === null) {
        const hint = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value) ? " (it has no time zone: add Z for UTC or an offset such as +01:00)" : "";
        throw new LifeboatError(`--before ${JSON.stringify(text)} is not a time${hint}`, `--before: ${allowed}`, EXIT_USAGE, "usage");
    }
    const [, y, mo, d, h, mi, s] = m;
    const zone = m[8].toUpperCase() === "Z" ? "Z" : m[8].replace(/^([+-]\d{2}):?(\d{2})$/, "$1:$2");
    const fields = [+mo >= 1 && +mo <= 12, +d >= 1 && +d <= 31, +h <= 23, +mi <= 59, s === undefined || +s <= 59];
    const offsetHours = zone === "Z" ? 0 : Number(zone.slice(1, 3));
    const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s ?? "00"}${m[7] ?? ""}${zone}`);
    // a day that does not exist (2026-02-30) must not roll over into the next month
    const dayExists = new Date(Date.UTC(+y, +mo - 1, +d)).getUTCDate() === +d;
    if (fields.includes(false) || offsetHours > 14 || Number.isNaN(date.getTime()) || !dayExists) {
        throw new LifeboatError(`--before ${JSON.stringify(text)} is not a valid date and time`, `--before: ${allowed}`, EXIT_USAGE, "usage");
    }
    return date;
}

function describe(q: SetQuery): string {
    const parts = [q.database === undefined ? "" : ` holding database ${JSON.stringify(q.database)}`, q.before === undefined ? "" : ` taken before ${q.before.toISOString()}`];
    return parts.join("");
}

/** The set a query names among `sets` (newest first, as listSets returns them). */
export function pickSet(sets: SetRef[], q: SetQuery, where: string): SetRef {
    if (sets.length === 0) {
        throw new LifeboatError(`no complete backup set on ${where}`, "the target URL and that backups have run", 1, "no-set");
    }
    const holds = (s: SetRef): boolean => q.database === undefined || s.manifest.databases.some((d) => d.name === q.database);
    const taken = (s: SetRef): number => Date.parse(s.manifest.set.createdAt);
    if (q.set === "latest") {
        const found = sets.find((s) => holds(s) && (q.before === undefined || taken(s) < q.before.getTime()));
        if (found === undefined) {
            const newest = sets.filter(holds);
            const hint = q.before !== undefined && newest.length > 0 ? `the oldest set holding it is ${newest[newest.length - 1].id} (${newest[newest.length - 1].manifest.set.createdAt})` : "`lifeboat list` for the sets that exist";
            throw new LifeboatError(`no complete backup set${describe(q)} on ${where}`, hint, 1, "no-set");
        }
        return found;
    }
    if (q.before !== undefined) {
        throw new LifeboatError(`--set ${q.set} and --before both name a set`, "one of them: --set ID|PREFIX|latest, or --before TIME (the newest set before it)", EXIT_USAGE, "usage");
    }
    const exact = sets.find((s) => s.id === q.set);
    if (exact !== undefined) {
        return exact;
    }
    const matches = q.set === "" ? [] : sets.filter((s) => s.id.startsWith(q.set));
    if (matches.length === 1) {
        return matches[0];
    }
    if (matches.length > 1) {
        const shown = matches.slice(0, 10).map((s) => s.id);
        throw new LifeboatError(
            `--set ${q.set} matches ${matches.length} sets on ${where}: ${shown.join(", ")}${matches.length > shown.length ? ", ..." : ""}`,
            "--set: a longer prefix, or the whole id",
            EXIT_USAGE,
            "usage",
        );
    }
    throw new LifeboatError(`no complete backup set ${q.set} on ${where}`, "`lifeboat list` for the sets that exist (--set takes an id, a prefix of one, or latest)", 1, "no-set");
}
