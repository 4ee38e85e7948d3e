/** Formatting for people: sizes, ages, durations and plain-text tables. */

/** 1536 -> "1.5 KiB"; binary units, as `du -h` and the MB/s of the log events count. */
export function formatBytes(bytes: number): string {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let v = bytes;
    let u = 0;
    while (v >= 1024 && u < units.length - 1) {
        v /= 1024;
        u++;
    }
    return u === 0 ? `${v} B` : `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)} ${units[u]}`;
}

/** An age as a person says it: "just now", "40 s ago", "12 min ago", "3 h ago", "5 d ago". */
export function formatAgo(ms: number): string {
    if (ms < 0) {
        return "in the future";
    }
    const s = Math.floor(ms / 1000);
    if (s < 5) {
        return "just now";
    }
    if (s < 60) {
        return `${s} s ago`;
    }
    if (s < 3600) {
        return `${Math.floor(s / 60)} min ago`;
    }
    if (s < 48 * 3600) {
        return `${Math.floor(s / 3600)} h ago`;
    }
    return `${Math.floor(s / 86400)} d ago`;
}

/** 75.2 -> "1:15", 3725 -> "1:02:05", 4.3 -> "4.3 s". */
export function formatSeconds(seconds: number): string {
    if (!Number.isFinite(seconds) || seconds < 0) {
        return "-";
    }
    if (seconds < 60) {
        return `${seconds.toFixed(1)} s`;
    }
    const t = Math.round(seconds);
    const h = Math.floor(t / 3600);
    const m = Math.floor((t % 3600) / 60);
    const sec = String(t % 60).padStart(2, "0");
    return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/** A plain-text table: columns padded to their widest cell, two spaces apart. */
export function table(header: string[], rows: string[][]): string {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    return [header, ...rows].map((r) => r.map((c, i) => (c ?? "").padEnd(widths[i])).join("  ").trimEnd()).join("\n") + "\n";
}
