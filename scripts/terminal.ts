/**
 * The text log format: the same events as the JSON lines, written for a person at a terminal.
 * Routine events feed the progress bars and the summary table printed when a backup, restore
 * or verify ends (database, size, time, checksum, where it went); warnings and notable steps
 * are one plain line each. Errors are left to the CLI's one-line reason on stderr.
 */
import { formatBytes, formatSeconds, table } from "./human";
import { dumpKey, Tier } from "./layout";
import { finishBar, note } from "./progress";
import type { VerifyReport } from "./restore";

type Fields = Record<string, unknown>;

interface DatabaseRow {
    bytes?: number;
    seconds?: number;
    sha256?: string;
    inPlace?: boolean;
}

/** What the summaries need, gathered from the events of this run. */
const rows = new Map<string, DatabaseRow>();
let restoreStart: Fields | undefined;

const str = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

function row(name: unknown): DatabaseRow {
    const key = str(name);
    const r = rows.get(key) ?? {};
    rows.set(key, r);
    return r;
}

/** Events whose content shows in the bars and the summary, not as a line of their own. */
const QUIET = new Set(["database.start", "database.done", "database.read_back", "download.done", "restore.checked", "verify.database", "verify.recorded"]);

function generic(fields: Fields): string {
    return Object.entries(fields)
        .filter(([k]) => k !== "reason" && k !== "message")
        .map(([k, v]) => `${k}=${Array.isArray(v) ? v.map(str).join(",") : str(v)}`)
        .join(" ");
}

function backupSummary(f: Fields): void {
    const targets = (f.targets as string[] | undefined) ?? [];
    const databases = (f.databases as Array<{ name: string; bytes: number; sha256: string; key?: string }> | undefined) ?? [];
    const lines = databases.map((d) => {
        const r = rows.get(d.name) ?? {};
        const where = targets.map((t) => `${t.replace(/\/$/, "")}/${d.key ?? dumpKey(str(f.tier) as Tier, str(f.set), d.name)}`).join(" + ");
        return [d.name, formatBytes(d.bytes), formatSeconds(r.seconds ?? NaN), `ok (sha256 ${d.sha256.slice(0, 12)})`, where];
    });
    note(`\nbackup set ${str(f.set)} (${str(f.tier)}) committed in ${formatSeconds(num(f.seconds) ?? NaN)}: ${formatBytes(num(f.bytes) ?? 0)}, key ${f.keyFingerprint === null ? "not recorded" : str(f.keyFingerprint)}`);
    note(table(["DATABASE", "SIZE", "TIME", "CHECKSUM", "WHERE"], lines).trimEnd());
}

function restoreSummary(f: Fields): void {
    const r = rows.get(str(f.database)) ?? {};
    const server = restoreStart?.server === undefined ? "" : ` on ${str(restoreStart.server)}`;
    note(`\nrestored ${JSON.stringify(f.database)} from set ${str(f.set)} in ${formatSeconds(num(f.seconds) ?? NaN)}`);
    note(
        table(
            ["DATABASE", "SIZE", "TIME", "CHECKSUM", "WHERE", "TABLES", "ROWS"],
            [[str(f.database), r.bytes === undefined ? "-" : formatBytes(r.bytes), formatSeconds(num(f.seconds) ?? NaN), "ok (size and sha256 as in the manifest)", `database ${JSON.stringify(f.into)}${server}`, String(f.tables), String(f.rows)]],
        ).trimEnd(),
    );
    if (restoreStart?.force === true) {
        note(`--force: sessions connected to ${JSON.stringify(f.into)} were terminated for the swap`);
    }
    if (typeof f.savedAs === "string") {
        note(`the database it replaced is kept as ${JSON.stringify(f.savedAs)}: drop it once the restore is confirmed`);
    }
    const missing = (f.missingRoles as string[] | undefined) ?? [];
    if (missing.length > 0) {
        note(`owners and grants of missing role(s) ${missing.join(", ")} were not restored`);
    }
}

/** The summary of a restore test, in place of its JSON report line. */
export function renderVerifyReport(report: VerifyReport): void {
    note(`\nrestore test of set ${report.set} (${report.tier}, taken ${report.createdAt}): ${report.ok ? "PASSED" : "FAILED"} in ${formatSeconds(report.totalSeconds)} (the measured restore time)`);
    note(
        table(
            ["DATABASE", "SIZE", "TIME", "CHECKSUM", "RESULT", "TABLES", "ROWS"],
            report.databases.map((d) => {
                const r = rows.get(d.name) ?? {};
                return [d.name, r.bytes === undefined ? "-" : formatBytes(r.bytes), formatSeconds(d.seconds), r.sha256 === undefined ? "-" : "ok", d.ok ? "restored, checked, dropped" : `failed: ${d.error ?? "?"}`, String(d.tables), String(d.rows)];
            }),
        ).trimEnd(),
    );
}

/** One event in the text format. */
export function renderEvent(level: string, event: string, f: Fields): void {
    switch (event) {
        case "database.done":
            Object.assign(row(f.database), { bytes: num(f.bytes), seconds: num(f.seconds), sha256: f.sha256 });
            finishBar(str(f.database));
            return;
        case "download.done":
            Object.assign(row(f.database), { bytes: num(f.bytes), sha256: f.sha256, inPlace: f.inPlace === true });
            note(`${str(f.database)}: ${formatBytes(num(f.bytes) ?? 0)} checked (size and sha256 as in the manifest) in ${formatSeconds(num(f.seconds) ?? NaN)}; restoring with pg_restore`);
            return;
        case "backup.start":
            note(`backup set ${str(f.set)} (${str(f.tier)}) of ${((f.databases as string[]) ?? []).join(", ")} to ${((f.targets as string[]) ?? []).join(" + ")}`);
            return;
        case "set.committed":
            backupSummary(f);
            return;
        case "restore.start":
            restoreStart = f;
            note(`restore of ${JSON.stringify(f.database)} from set ${str(f.set)} into database ${JSON.stringify(f.into)} on ${str(f.server)}${f.keyFingerprintChecked === true ? ` (key ${str(f.keyFingerprint)} checked)` : ""}`);
            return;
        case "restore.done":
            restoreSummary(f);
            return;
        case "verify.start":
            note(`restore test of set ${str(f.set)}: ${((f.databases as string[]) ?? []).join(", ")} into scratch databases on ${str(f.server)}`);
            return;
        default:
            break;
    }
    if (QUIET.has(event)) {
        return;
    }
    // the CLI prints the reason of a failed command on stderr, once
    if (level === "error" && /^[a-z]+\.failed$/.test(event)) {
        return;
    }
    const reason = typeof f.reason === "string" ? f.reason : typeof f.message === "string" ? f.message : "";
    const prefix = level === "info" ? "" : `${level === "warn" ? "warning" : "error"}: `;
    const rest = typeof f.message === "string" ? "" : generic(f);
    note(`${prefix}${event}${reason === "" ? "" : `: ${reason}`}${rest === "" ? "" : `  (${rest})`}`);
}
