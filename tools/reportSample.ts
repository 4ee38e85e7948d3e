/**
 * The readiness report of a made-up history (tools/history.ts), for the browser test and the
 * screenshot in docs/: 45 days of nightly sets of main and audit with a missed weekend, a main
 * dump half the size of the one before, a key rotation, weekly restore tests (one failed), and an
 * off-site copy that lacks two sets. `npm run report:sample` rewrites docs/report.png.
 */
import { mkdirSync } from "fs";
import * as path from "path";
import { pathToFileURL } from "url";
import { FileTarget } from "../scripts/targets/file";
import { report, Readiness } from "../scripts/report";
import { screenshot } from "./chromium";
import { historySetId, makeHistory, writeHistory } from "./history";

export function writeSampleHistory(root: string, now: Date): { primary: string; offsite: string } {
    const primary = path.join(root, "primary");
    const offsite = path.join(root, "offsite");
    mkdirSync(primary, { recursive: true });
    mkdirSync(offsite, { recursive: true });
    const sets = makeHistory({
        now,
        days: 45,
        missing: [17, 18, 19],
        shrink: { daysBack: 2, database: "main", factor: 0.5 },
        rotate: { daysBack: 25, oldKey: "sha256:3f2a9c0d1e4b5a67", newKey: "sha256:9b1d44e0c7a25f13" },
        verifyEvery: 7,
        failing: [14],
    });
    writeHistory(primary, sets);
    writeHistory(offsite, sets.map((s) => ({ ...s, verifications: undefined })), [historySetId(sets[0].at), historySetId(sets[5].at)]);
    return { primary, offsite };
}

export async function sampleReport(root: string, now: Date, out: string): Promise<Readiness> {
    const { primary, offsite } = writeSampleHistory(root, now);
    return report({ targets: [new FileTarget(pathToFileURL(primary)), new FileTarget(pathToFileURL(offsite))], maxAgeMs: 26 * 3600000, out, now });
}

if (require.main === module) {
    void (async () => {
        const root = require("fs").mkdtempSync(path.join(require("os").tmpdir(), "lifeboat-sample-report-"));
        const out = path.join(root, "report.html");
        await sampleReport(root, new Date("2026-11-21T09:30:00Z"), out);
        const png = path.resolve(__dirname, "..", "docs", "report.png");
        screenshot(out, png);
        process.stdout.write(`${out}\n${png}\n`);
    })();
}
