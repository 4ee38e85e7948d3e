/**
 * The readiness report rendered by a real browser (Debian's headless Chromium) from a generated
 * history: the DOM it builds shows per database the RPO verdict, the gaps, the sudden shrink, the
 * key change, the restore tests, and the off-site copy's missing sets; and it screenshots.
 */
import { existsSync, readFileSync } from "fs";
import * as path from "path";
import { dumpDom, screenshot } from "../../tools/chromium";
import { pathToFileURL } from "url";
import { report } from "../../scripts/report";
import { FileTarget } from "../../scripts/targets/file";
import { writeSampleHistory } from "../../tools/reportSample";
import { cleanEnv, cli, removeDir, tempDir } from "./helpers";

let dir: string;

beforeAll(() => {
    dir = tempDir("report");
});

afterAll(() => {
    if (dir !== undefined) removeDir(dir);
});

/** The part of the DOM inside the element whose opening tag matches `open`, up to its `</section>`. */
function section(dom: string, open: RegExp): string {
    const m = open.exec(dom);
    if (m === null) {
        throw new Error(`no ${open} in the rendered DOM`);
    }
    return dom.slice(m.index, dom.indexOf("</section>", m.index));
}

const count = (html: string, re: RegExp): number => (html.match(new RegExp(re.source, "g")) ?? []).length;

test("lifeboat report writes a page Chromium renders: RPO, gaps, sizes, key changes, restore tests, off-site agreement", async () => {
    const { primary, offsite } = writeSampleHistory(path.join(dir, "now"), new Date());
    const out = path.join(dir, "now", "report.html");
    const r = await cli(["report", "--target", `file://${primary}`, "--target", `file://${offsite}`, "--out", out, "--max-age", "26h"], cleanEnv());
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.events.find((e) => e.event === "report.written")).toMatchObject({ out, missingOnSecondary: 2, missingOnPrimary: 0 });
    const html = readFileSync(out, "utf8");
    // self-contained: no script, no stylesheet or image fetched from anywhere
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3\.org)/);

    const dom = dumpDom(out);
    expect(dom).toContain("<h1>Recovery readiness</h1>");
    expect(dom).toMatch(/<div class="summary bad" id="verdict" data-ready="false">.*the off-site copy disagrees with the primary/s);
    for (const db of ["main", "audit"]) {
        const s = section(dom, new RegExp(`<section class="database" id="db-${db}" data-database="${db}" data-status="ok">`));
        expect(s).toMatch(/newest complete set <code>\d{8}T020000Z-[0-9a-f]{8}<\/code>, \d+ h ago \(RPO 26 h\): within the RPO/);
        // the missed weekend: one closed gap of 4 days, drawn in the timeline
        expect(count(s, /<rect class="gap" data-from/)).toBe(1);
        expect(s).toMatch(/no set from \S+ 02:00Z to \S+ 02:00Z \(4 d\)/);
        expect(count(s, /<circle class="set" data-set=/)).toBe(42);
        expect(count(s, /<line class="key-change" data-set=/)).toBe(1);
        expect(count(s, /<rect class="key-segment" data-fingerprint="sha256:/)).toBe(2);
        expect(count(s, /<rect class="verification (pass|fail)" data-ok=/)).toBe(7);
        // SVG parsed as SVG: Chromium keeps the elements inside their <svg>
        expect(count(s, /<svg class="chart /)).toBe(4);
    }
    const main = section(dom, /<section class="database" id="db-main"/);
    expect(count(main, /class="size size-warning"/)).toBe(1);
    expect(main).toMatch(/set <code>\d{8}T020000Z-[0-9a-f]{8}<\/code> is 50% smaller than the set before/);
    expect(count(main, /data-ok="false"/)).toBe(1);
    expect(main).toContain("failed: pg_restore of main failed: No space left on device");
    const audit = section(dom, /<section class="database" id="db-audit"/);
    expect(count(audit, /size-warning/)).toBe(0);
    expect(count(audit, /data-ok="false"/)).toBe(0);
    const off = section(dom, /<section id="offsite" data-agree="false">/);
    expect(count(off, /<li class="missing" data-set="\d{8}T020000Z-[0-9a-f]{8}" data-missing-on="file:\/\/[^"]*offsite"/)).toBe(2);
    expect(off).toContain("Sets missing on the primary (0)");

    const png = path.join(dir, "now", "report.png");
    screenshot(out, png, 960, 1200);
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString()).toBe("PNG");
    expect(bytes.length).toBeGreaterThan(20000);
});

test("three days later the same history is stale: the verdict says so, with the open gap", async () => {
    const now = new Date(Date.now() + 3 * 86400000);
    const out = path.join(dir, "later.html");
    const { primary } = writeSampleHistory(path.join(dir, "later"), new Date());
    await report({ targets: [new FileTarget(pathToFileURL(primary))], maxAgeMs: 26 * 3600000, out, now });
    expect(existsSync(out)).toBe(true);
    const dom = dumpDom(out);
    expect(dom).toMatch(/data-ready="false">.*no set within the RPO for audit, main/s);
    const main = section(dom, /<section class="database" id="db-main" data-database="main" data-status="stale">/);
    expect(main).toMatch(/OLDER THAN THE RPO/);
    expect(count(main, /<rect class="gap open" data-from/)).toBe(1);
    expect(dom).not.toContain('id="offsite"');
});
