/**
 * `lifeboat report`: the recovery-readiness page. One static, self-contained HTML file (inline
 * CSS and SVG, no script, no server, no CDN) that answers "could we recover right now, and how
 * fast?": per database the newest complete set and its age against the RPO (`--max-age`), the
 * timeline of sets with the gaps longer than the RPO, the size over time with sudden changes
 * flagged (a dump 40% smaller than the one before is a warning), the key fingerprint over time,
 * the restore tests `verify` stored (measured restore time, pass or fail), and, given a second
 * target, the sets missing on one side.
 */
import { writeFileSync } from "fs";
import { formatAgo, formatBytes, formatSeconds } from "./human";
import { listSets, SetRef } from "./manifest";
import { Target } from "./targets";
import { readVerifications, Verification } from "./verifications";

/** A dump this much smaller than the one before it is a warning (a table dropped, a failed load). */
export const SHRINK_WARNING = 0.4;
/** A dump at least this many times the one before it is flagged for a look. */
export const GROWTH_NOTICE = 2;

export interface TargetHistory {
    display: string;
    sets: SetRef[];
    verifications: Verification[];
}

export interface Point {
    set: string;
    at: number;
    bytes: number;
    sha256: string;
    keyFingerprint: string | null;
}

export interface SizeFlag {
    set: string;
    at: number;
    kind: "shrink" | "growth";
    /** This dump's size over the one before it. */
    ratio: number;
}

export interface Gap {
    from: number;
    to: number;
    /** The gap reaches now: no set since `from`. */
    open: boolean;
}

export interface DatabaseReadiness {
    name: string;
    points: Point[];
    newest: Point | undefined;
    ageMs: number | undefined;
    fresh: boolean;
    gaps: Gap[];
    flags: SizeFlag[];
    keyChanges: Array<{ at: number; from: string | null; to: string | null; set: string }>;
    tests: Array<{ at: number; set: string; seconds: number; ok: boolean; error?: string }>;
}

export interface Agreement {
    primary: string;
    secondary: string;
    missingOnSecondary: string[];
    missingOnPrimary: string[];
    /** Same set id, a database whose checksum differs between the two. */
    differing: Array<{ set: string; database: string }>;
}

export interface Readiness {
    generatedAt: number;
    maxAgeMs: number;
    target: string;
    databases: DatabaseReadiness[];
    agreement?: Agreement;
}

/** The readiness figures of the first target's history (and its agreement with the second). */
export function assess(histories: TargetHistory[], maxAgeMs: number, now: number): Readiness {
    const primary = histories[0];
    const names = [...new Set(primary.sets.flatMap((s) => s.manifest.databases.map((d) => d.name)))].sort();
    const databases = names.map((name): DatabaseReadiness => {
        const points: Point[] = primary.sets
            .flatMap((s) => s.manifest.databases.filter((d) => d.name === name).map((d) => ({ set: s.id, at: Date.parse(s.manifest.set.createdAt), bytes: d.size, sha256: d.sha256, keyFingerprint: s.manifest.set.keyFingerprint })))
            .sort((a, b) => a.at - b.at);
        const newest = points[points.length - 1];
        const ageMs = newest === undefined ? undefined : now - newest.at;
        const gaps: Gap[] = [];
        const flags: SizeFlag[] = [];
        const keyChanges: DatabaseReadiness["keyChanges"] = [];
        points.forEach((p, i) => {
            const prev = points[i - 1];
            if (prev === undefined) {
                return;
            }
            if (p.at - prev.at > maxAgeMs) {
                gaps.push({ from: prev.at, to: p.at, open: false });
            }
            const ratio = prev.bytes > 0 ? p.bytes / prev.bytes : 1;
            if (ratio <= 1 - SHRINK_WARNING) {
                flags.push({ set: p.set, at: p.at, kind: "shrink", ratio });
            } else if (ratio >= GROWTH_NOTICE) {
                flags.push({ set: p.set, at: p.at, kind: "growth", ratio });
            }
            if (p.keyFingerprint !== prev.keyFingerprint) {
                keyChanges.push({ at: p.at, from: prev.keyFingerprint, to: p.keyFingerprint, set: p.set });
            }
        });
        if (newest !== undefined && now - newest.at > maxAgeMs) {
            gaps.push({ from: newest.at, to: now, open: true });
        }
        const tests = primary.verifications
            .flatMap((v) => v.databases.filter((d) => d.name === name).map((d) => ({ at: Date.parse(v.verifiedAt), set: v.set, seconds: d.seconds, ok: d.ok, error: d.error })))
            .sort((a, b) => a.at - b.at);
        return { name, points, newest, ageMs, fresh: ageMs !== undefined && ageMs <= maxAgeMs, gaps, flags, keyChanges, tests };
    });
    const r: Readiness = { generatedAt: now, maxAgeMs, target: primary.display, databases };
    const secondary = histories[1];
    if (secondary !== undefined) {
        const a = new Map(primary.sets.map((s) => [s.id, s]));
        const b = new Map(secondary.sets.map((s) => [s.id, s]));
        const differing: Agreement["differing"] = [];
        for (const [id, s] of a) {
            const other = b.get(id);
            for (const d of s.manifest.databases) {
                const o = other?.manifest.databases.find((x) => x.name === d.name);
                if (o !== undefined && o.sha256 !== d.sha256) {
                    differing.push({ set: id, database: d.name });
                }
            }
        }
        r.agreement = {
            primary: primary.display,
            secondary: secondary.display,
            missingOnSecondary: [...a.keys()].filter((id) => !b.has(id)).sort().reverse(),
            missingOnPrimary: [...b.keys()].filter((id) => !a.has(id)).sort().reverse(),
            differing,
        };
    }
    return r;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
const day = (t: number): string => new Date(t).toISOString().slice(0, 16).replace("T", " ") + "Z";
const hours = (ms: number): string => (ms >= 48 * 3600000 ? `${Math.round(ms / 86400000)} d` : `${Math.round(ms / 3600000)} h`);

const W = 880;
const PALETTE = ["#2f6fb0", "#8a4fb3", "#1f8a70", "#b5651d", "#5b6770", "#b03060"];

interface Scale {
    x(t: number): number;
    from: number;
    to: number;
}

function scale(from: number, to: number, left = 60, right = W - 20): Scale {
    const span = Math.max(1, to - from);
    return { from, to, x: (t) => left + ((t - from) / span) * (right - left) };
}

function axis(s: Scale, y: number): string {
    const ticks = 6;
    let out = `<line x1="${s.x(s.from)}" y1="${y}" x2="${s.x(s.to)}" y2="${y}" class="axis"/>`;
    for (let i = 0; i <= ticks; i++) {
        const t = s.from + ((s.to - s.from) * i) / ticks;
        out += `<text x="${s.x(t).toFixed(1)}" y="${y + 14}" class="tick" text-anchor="middle">${new Date(t).toISOString().slice(5, 10)}</text>`;
    }
    return out;
}

function timeline(db: DatabaseReadiness, s: Scale, maxAgeMs: number): string {
    const h = 70;
    let svg = `<svg class="chart timeline" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" aria-label="sets of ${esc(db.name)} over time">`;
    svg += `<rect class="rpo-window" x="${s.x(s.to - maxAgeMs).toFixed(1)}" y="6" width="${(s.x(s.to) - s.x(s.to - maxAgeMs)).toFixed(1)}" height="34"><title>the RPO window: a set must exist within the last ${hours(maxAgeMs)}</title></rect>`;
    for (const g of db.gaps) {
        svg += `<rect class="gap${g.open ? " open" : ""}" data-from="${new Date(g.from).toISOString()}" data-to="${new Date(g.to).toISOString()}" x="${s.x(g.from).toFixed(1)}" y="14" width="${Math.max(2, s.x(g.to) - s.x(g.from)).toFixed(1)}" height="18"><title>${g.open ? "no set since" : "no set from"} ${day(g.from)}${g.open ? "" : ` to ${day(g.to)}`}: ${hours(g.to - g.from)}, longer than the RPO</title></rect>`;
    }
    for (const p of db.points) {
        svg += `<circle class="set" data-set="${esc(p.set)}" cx="${s.x(p.at).toFixed(1)}" cy="23" r="3.5"><title>${esc(p.set)}: ${formatBytes(p.bytes)}</title></circle>`;
    }
    svg += `<line class="now" x1="${s.x(s.to).toFixed(1)}" y1="2" x2="${s.x(s.to).toFixed(1)}" y2="44"/>`;
    return `${svg}${axis(s, 50)}</svg>`;
}

function sizes(db: DatabaseReadiness, s: Scale): string {
    const h = 150;
    const max = Math.max(1, ...db.points.map((p) => p.bytes));
    const y = (b: number): number => 110 - (b / max) * 95;
    let svg = `<svg class="chart sizes" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" aria-label="size of ${esc(db.name)} over time">`;
    svg += `<text x="4" y="${y(max) + 4}" class="tick">${formatBytes(max)}</text><text x="4" y="114" class="tick">0</text>`;
    svg += `<polyline class="size-line" points="${db.points.map((p) => `${s.x(p.at).toFixed(1)},${y(p.bytes).toFixed(1)}`).join(" ")}"/>`;
    for (const p of db.points) {
        const flag = db.flags.find((f) => f.set === p.set);
        const cls = flag === undefined ? "size" : flag.kind === "shrink" ? "size size-warning" : "size size-notice";
        const note = flag === undefined ? "" : flag.kind === "shrink" ? `: ${Math.round((1 - flag.ratio) * 100)}% smaller than the set before` : `: ${flag.ratio.toFixed(1)}x the set before`;
        svg += `<circle class="${cls}" data-set="${esc(p.set)}" cx="${s.x(p.at).toFixed(1)}" cy="${y(p.bytes).toFixed(1)}" r="${flag === undefined ? 2.5 : 5}"><title>${esc(p.set)}: ${formatBytes(p.bytes)}${note}</title></circle>`;
    }
    return `${svg}${axis(s, 122)}</svg>`;
}

function keys(db: DatabaseReadiness, s: Scale): string {
    const h = 56;
    const colours = new Map<string, string>();
    const colour = (fp: string | null): string => {
        const k = fp ?? "none";
        if (!colours.has(k)) {
            colours.set(k, k === "none" ? "#c8c8c8" : PALETTE[colours.size % PALETTE.length]);
        }
        return colours.get(k) as string;
    };
    let svg = `<svg class="chart keys" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" aria-label="key fingerprint of ${esc(db.name)} over time">`;
    const segments: Array<{ from: number; to: number; fp: string | null }> = [];
    for (const p of db.points) {
        const last = segments[segments.length - 1];
        if (last !== undefined && last.fp === p.keyFingerprint) {
            last.to = p.at;
        } else {
            segments.push({ from: p.at, to: p.at, fp: p.keyFingerprint });
        }
    }
    segments.forEach((seg, i) => {
        const end = segments[i + 1]?.from ?? s.to;
        const x = s.x(seg.from);
        svg += `<rect class="key-segment" data-fingerprint="${esc(seg.fp ?? "none")}" x="${x.toFixed(1)}" y="8" width="${Math.max(2, s.x(end) - x).toFixed(1)}" height="20" fill="${colour(seg.fp)}"><title>${esc(seg.fp ?? "no fingerprint recorded")}</title></rect>`;
        svg += `<text x="${(x + 4).toFixed(1)}" y="22" class="key-label">${esc(seg.fp ?? "none")}</text>`;
    });
    for (const c of db.keyChanges) {
        svg += `<line class="key-change" data-set="${esc(c.set)}" x1="${s.x(c.at).toFixed(1)}" y1="2" x2="${s.x(c.at).toFixed(1)}" y2="34"><title>key changed with set ${esc(c.set)}: ${esc(c.from ?? "none")} to ${esc(c.to ?? "none")}</title></line>`;
    }
    return `${svg}${axis(s, 40)}</svg>`;
}

function tests(db: DatabaseReadiness, s: Scale): string {
    if (db.tests.length === 0) {
        return `<p class="no-tests warn">No restore test on record for ${esc(db.name)}: run <code>lifeboat verify</code> (it stores its report in the target).</p>`;
    }
    const h = 130;
    const max = Math.max(1, ...db.tests.map((t) => t.seconds));
    let svg = `<svg class="chart tests" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" aria-label="restore tests of ${esc(db.name)}">`;
    svg += `<text x="4" y="20" class="tick">${formatSeconds(max)}</text><text x="4" y="104" class="tick">0</text>`;
    for (const t of db.tests) {
        const bh = Math.max(2, (t.seconds / max) * 85);
        svg += `<rect class="verification ${t.ok ? "pass" : "fail"}" data-ok="${t.ok}" data-seconds="${t.seconds.toFixed(1)}" x="${(s.x(t.at) - 4).toFixed(1)}" y="${(100 - bh).toFixed(1)}" width="8" height="${bh.toFixed(1)}"><title>${day(t.at)}, set ${esc(t.set)}: ${t.ok ? "passed" : `FAILED: ${esc(t.error ?? "")}`} in ${formatSeconds(t.seconds)}</title></rect>`;
    }
    return `${svg}${axis(s, 112)}</svg>`;
}

function databaseSection(db: DatabaseReadiness, r: Readiness, s: Scale): string {
    const last = db.tests[db.tests.length - 1];
    const status = db.newest === undefined ? "none" : db.fresh ? "ok" : "stale";
    const head =
        db.newest === undefined
            ? "no complete set"
            : `newest complete set <code>${esc(db.newest.set)}</code>, ${formatAgo(db.ageMs ?? 0)} (RPO ${hours(r.maxAgeMs)}): ${db.fresh ? "within the RPO" : "OLDER THAN THE RPO"}`;
    const facts = [
        `${db.points.length} complete set(s) from ${db.points.length > 0 ? day(db.points[0].at) : "-"}`,
        `${db.gaps.length} gap(s) longer than the RPO`,
        `${db.flags.filter((f) => f.kind === "shrink").length} sudden shrink(s)`,
        `${db.keyChanges.length} key change(s)`,
        last === undefined ? "no restore test" : `last restore test ${day(last.at)}: ${last.ok ? "passed" : "FAILED"} in ${formatSeconds(last.seconds)} (measured RTO)`,
    ];
    const warnings = [
        ...db.gaps.map((g) => `<li class="gap-note">${g.open ? `no set since ${day(g.from)}` : `no set from ${day(g.from)} to ${day(g.to)}`} (${hours(g.to - g.from)})</li>`),
        ...db.flags.map((f) => `<li class="size-note ${f.kind}">set <code>${esc(f.set)}</code> is ${f.kind === "shrink" ? `${Math.round((1 - f.ratio) * 100)}% smaller than` : `${f.ratio.toFixed(1)}x`} the set before</li>`),
        ...db.keyChanges.map((c) => `<li class="key-note">key changed with set <code>${esc(c.set)}</code>: older sets need the key with fingerprint <code>${esc(c.from ?? "none")}</code> (docs/RUNBOOK.md, "Which key a set needs")</li>`),
        ...db.tests.filter((t) => !t.ok).map((t) => `<li class="test-note">restore test of <code>${esc(t.set)}</code> on ${day(t.at)} failed: ${esc(t.error ?? "")}</li>`),
    ];
    return `<section class="database" id="db-${esc(db.name)}" data-database="${esc(db.name)}" data-status="${status}">
<h2>${esc(db.name)} <span class="badge ${status}">${status === "ok" ? "recoverable" : status === "stale" ? "stale" : "no backup"}</span></h2>
<p class="headline">${head}</p>
<p class="facts">${facts.join(" · ")}</p>
${warnings.length > 0 ? `<ul class="warnings">${warnings.join("")}</ul>` : ""}
<h3>Sets over time</h3>${timeline(db, s, r.maxAgeMs)}
<h3>Size over time</h3>${sizes(db, s)}
<h3>Key fingerprint</h3>${keys(db, s)}
<h3>Restore tests (measured restore time)</h3>${tests(db, s)}
</section>`;
}

function agreementSection(a: Agreement): string {
    const ok = a.missingOnPrimary.length === 0 && a.missingOnSecondary.length === 0 && a.differing.length === 0;
    const list = (ids: string[], where: string): string =>
        ids.length === 0 ? `<p>none missing on ${esc(where)}</p>` : `<ul>${ids.map((id) => `<li class="missing" data-set="${esc(id)}" data-missing-on="${esc(where)}"><code>${esc(id)}</code></li>`).join("")}</ul>`;
    return `<section id="offsite" data-agree="${ok}">
<h2>Off-site copy <span class="badge ${ok ? "ok" : "stale"}">${ok ? "in agreement" : "disagrees"}</span></h2>
<p><code>${esc(a.primary)}</code> against <code>${esc(a.secondary)}</code></p>
<h3>Sets missing on the off-site copy (${a.missingOnSecondary.length})</h3>${list(a.missingOnSecondary, a.secondary)}
<h3>Sets missing on the primary (${a.missingOnPrimary.length})</h3>${list(a.missingOnPrimary, a.primary)}
${a.differing.length > 0 ? `<h3>Checksums that differ</h3><ul>${a.differing.map((d) => `<li class="differs"><code>${esc(d.set)}</code> ${esc(d.database)}</li>`).join("")}</ul>` : ""}
</section>`;
}

const CSS = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:920px;color:#1d2327;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 4px;border-top:1px solid #dde1e4;padding-top:16px}h3{font-size:13px;margin:14px 0 2px;color:#50575e;font-weight:600}
code{font:12px ui-monospace,Menlo,Consolas,monospace;background:#f3f4f5;padding:1px 4px;border-radius:3px}
.summary{padding:12px 16px;border-radius:6px;margin:12px 0}.summary.ok{background:#e7f5ec;border:1px solid #7cc19a}.summary.bad{background:#fdecea;border:1px solid #e59a92}
.badge{font-size:12px;padding:2px 8px;border-radius:10px;vertical-align:middle;font-weight:600}.badge.ok{background:#d6f0df;color:#1d6b3c}.badge.stale,.badge.none{background:#fbdcd8;color:#9b2216}
.facts{color:#50575e}.warnings li{color:#8a4b00}.warn{color:#8a4b00}
.chart{display:block;max-width:100%;height:auto}.axis{stroke:#9aa0a6}.tick{font-size:10px;fill:#6b7075}
.rpo-window{fill:#e7f5ec}.gap{fill:#f2b8b0}.gap.open{fill:#e05a47}.set{fill:#2f6fb0}.now{stroke:#1d2327;stroke-dasharray:3 2}
.size-line{fill:none;stroke:#2f6fb0;stroke-width:1.5}.size{fill:#2f6fb0}.size-warning{fill:#e0a000;stroke:#8a4b00}.size-notice{fill:#8a4fb3}
.key-label{font:10px ui-monospace,monospace;fill:#fff}.key-change{stroke:#e05a47;stroke-width:2}
.verification.pass{fill:#3a9d5d}.verification.fail{fill:#d93a26}`;

/** The page for a readiness assessment. */
export function renderReport(r: Readiness): string {
    const times = r.databases.flatMap((d) => [...d.points.map((p) => p.at), ...d.tests.map((t) => t.at)]);
    const from = Math.min(r.generatedAt - r.maxAgeMs, ...times);
    const s = scale(from - (r.generatedAt - from) * 0.02, r.generatedAt);
    const stale = r.databases.filter((d) => !d.fresh).map((d) => d.name);
    const lastTests = r.databases.map((d) => d.tests[d.tests.length - 1]);
    const untested = r.databases.filter((_d, i) => lastTests[i] === undefined || !lastTests[i].ok).map((d) => d.name);
    const rto = lastTests.every((t) => t !== undefined && t.ok) && lastTests.length > 0 ? lastTests.reduce((a, t) => a + (t as { seconds: number }).seconds, 0) : undefined;
    const disagree = r.agreement !== undefined && (r.agreement.missingOnSecondary.length > 0 || r.agreement.missingOnPrimary.length > 0 || r.agreement.differing.length > 0);
    const ready = r.databases.length > 0 && stale.length === 0 && untested.length === 0 && !disagree;
    const reasons = [
        ...(r.databases.length === 0 ? ["no complete set at all"] : []),
        ...(stale.length > 0 ? [`no set within the RPO for ${stale.map(esc).join(", ")}`] : []),
        ...(untested.length > 0 ? [`no passing last restore test for ${untested.map(esc).join(", ")}`] : []),
        ...(disagree ? ["the off-site copy disagrees with the primary"] : []),
    ];
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Lifeboat recovery readiness: ${esc(r.target)}</title><style>${CSS}</style></head>
<body>
<h1>Recovery readiness</h1>
<p><code>${esc(r.target)}</code> · generated ${day(r.generatedAt)} · RPO ${hours(r.maxAgeMs)} (<code>--max-age</code>)</p>
<div class="summary ${ready ? "ok" : "bad"}" id="verdict" data-ready="${ready}">
<strong>Could we recover right now?</strong> ${ready ? "Yes" : "Not with confidence"}: ${ready ? "every database has a complete set within the RPO and its last restore test passed" : reasons.join("; ")}.<br>
<strong>How fast?</strong> ${rto === undefined ? "unknown: not every database has a passing restore test on record" : `the last restore tests took ${formatSeconds(rto)} together (measured, download to checked database)`}.
</div>
${r.databases.map((d) => databaseSection(d, r, s)).join("\n")}
${r.agreement === undefined ? "" : agreementSection(r.agreement)}
</body></html>
`;
}

/** Reads every target's sets and restore tests, writes the page to `out`. */
export async function report(opts: { targets: Target[]; maxAgeMs: number; out: string; now?: Date }): Promise<Readiness> {
    const histories = await Promise.all(opts.targets.map(async (t) => ({ display: t.display, sets: await listSets(t), verifications: await readVerifications(t) })));
    const r = assess(histories, opts.maxAgeMs, (opts.now ?? new Date()).getTime());
    writeFileSync(opts.out, renderReport(r));
    return r;
}
