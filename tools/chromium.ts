/**
 * Headless Chromium (Debian's `chromium`) for the readiness report's browser test and its
 * screenshot: a fresh profile per run, nothing fetched from the network.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";

export const CHROMIUM = process.env.LIFEBOAT_CHROMIUM ?? "/usr/bin/chromium";

const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"];

function run(args: string[]): string {
    const profile = mkdtempSync(path.join(os.tmpdir(), "lifeboat-chromium-"));
    try {
        const r = spawnSync(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, ...args], { encoding: "utf8", timeout: 120000, maxBuffer: 64 * 1024 * 1024 });
        if (r.status !== 0) {
            throw new Error(`${CHROMIUM} ${args.join(" ")} failed (${r.status ?? r.signal}): ${r.error?.message ?? ""}\n${r.stderr}`);
        }
        return r.stdout;
    } finally {
        rmSync(profile, { recursive: true, force: true });
    }
}

/** The DOM Chromium builds from the page, serialised. */
export function dumpDom(file: string): string {
    return run(["--dump-dom", pathToFileURL(file).href]);
}

/** A PNG of the page's top `height` pixels at `width`. */
export function screenshot(file: string, png: string, width = 960, height = 1500): void {
    run([`--screenshot=${png}`, `--window-size=${width},${height}`, pathToFileURL(file).href]);
}
