import { mkdtempSync, rmSync, unlinkSync } from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import { LifeboatError } from "../../scripts/errors";
import { dumpKey, tierFor } from "../../scripts/layout";
import { listing, renderListing } from "../../scripts/listing";
import { findSet } from "../../scripts/manifest";
import { parseBefore } from "../../scripts/selection";
import { FileTarget } from "../../scripts/targets/file";
import { historySetId, makeHistory, writeHistory } from "../../tools/history";

const NOW = new Date("2026-11-21T05:00:00Z");
let dir: string;
let target: FileTarget;

beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "lifeboat-selection-"));
    // 6 daily sets, 02:00 UTC on Nov 16..21; the key changed with the set of Nov 19
    const history = makeHistory({ now: NOW, days: 6, rotate: { daysBack: 2, oldKey: "sha256:aaaaaaaaaaaaaaaa", newKey: "sha256:bbbbbbbbbbbbbbbb" } });
    // the newest set holds main only: `latest` for audit is the set before it
    delete history[0].sizes.audit;
    writeHistory(dir, history);
    target = new FileTarget(pathToFileURL(dir));
});

/** The one line the CLI prints for the error a promise rejects with. */
async function line(p: Promise<unknown>): Promise<string> {
    try {
        await p;
    } catch (e) {
        return (e as LifeboatError).line();
    }
    throw new Error("expected a rejection");
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("--before", () => {
    it("takes UTC or an offset, with or without seconds", () => {
        expect(parseBefore("2026-11-21T14:30Z").toISOString()).toBe("2026-11-21T14:30:00.000Z");
        expect(parseBefore("2026-11-21 14:30:15+01:00").toISOString()).toBe("2026-11-21T13:30:15.000Z");
        expect(parseBefore("2026-11-21T14:30-0500").toISOString()).toBe("2026-11-21T19:30:00.000Z");
    });

    it("refuses a time without a zone, naming the fix", () => {
        expect(() => parseBefore("2026-11-21T14:30")).toThrow(/--before "2026-11-21T14:30" is not a time \(it has no time zone: add Z for UTC or an offset such as \+01:00\)/);
    });

    it("refuses what is no date and time, and days that do not exist", () => {
        expect(() => parseBefore("yesterday")).toThrow(/--before "yesterday" is not a time/);
        expect(() => parseBefore("2026-02-30T10:00Z")).toThrow(/--before "2026-02-30T10:00Z" is not a valid date and time/);
        expect(() => parseBefore("2026-11-21T25:00Z")).toThrow(/is not a valid date and time/);
    });
});

describe("set selection", () => {
    it("latest is the newest set holding the database asked for", async () => {
        expect((await findSet(target, "latest", { database: "main" })).id.slice(0, 16)).toBe("20261121T020000Z");
        expect((await findSet(target, "latest", { database: "audit" })).id.slice(0, 16)).toBe("20261120T020000Z");
        await expect(findSet(target, "latest", { database: "billing" })).rejects.toThrow(/no complete backup set holding database "billing" on file:/);
    });

    it("--before is the newest set taken strictly before that instant", async () => {
        expect((await findSet(target, "latest", { database: "main", before: parseBefore("2026-11-19T14:30+01:00") })).id.slice(0, 16)).toBe("20261119T020000Z");
        expect((await findSet(target, "latest", { database: "main", before: parseBefore("2026-11-19T02:00Z") })).id.slice(0, 16)).toBe("20261118T020000Z");
        await expect(line(findSet(target, "latest", { database: "main", before: parseBefore("2026-11-01T00:00Z") }))).resolves.toMatch(
            /no complete backup set holding database "main" taken before 2026-11-01T00:00:00.000Z .*\(check the oldest set holding it is 20261116T020000Z-\w{8}/,
        );
        await expect(findSet(target, "20261119", { before: parseBefore("2026-11-19T02:00Z") })).rejects.toThrow(/--set 20261119 and --before both name a set/);
    });

    it("--set takes a unique prefix of an id; an ambiguous one lists the candidates", async () => {
        expect((await findSet(target, "20261118")).id.slice(0, 16)).toBe("20261118T020000Z");
        expect((await findSet(target, "20261118T020000Z")).id.slice(0, 16)).toBe("20261118T020000Z");
        await expect(line(findSet(target, "2026111"))).resolves.toMatch(/--set 2026111 matches 4 sets on file:.*: 20261119T020000Z-\w{8}, 20261118T020000Z-\w{8}, 20261117T020000Z-\w{8}, 20261116T020000Z-\w{8} \(check --set: a longer prefix, or the whole id\)/);
        await expect(findSet(target, "2025")).rejects.toThrow(/no complete backup set 2025 on/);
    });
});

describe("list", () => {
    it("shows age, per-database size, restorability and marks the key change", async () => {
        const sets = await listing(target, { now: NOW, keyFingerprint: "sha256:bbbbbbbbbbbbbbbb" });
        expect(sets.map((s) => [s.set.slice(0, 16), s.ageSeconds, s.keyChanged])).toEqual([
            ["20261121T020000Z", 3 * 3600, false],
            ["20261120T020000Z", 27 * 3600, false],
            ["20261119T020000Z", 51 * 3600, true],
            ["20261118T020000Z", 75 * 3600, false],
            ["20261117T020000Z", 99 * 3600, false],
            ["20261116T020000Z", 123 * 3600, false],
        ]);
        expect(sets[3].databases.map((d) => [d.name, d.restorable, d.reason])).toEqual([["main", false, "other key"], ["audit", false, "other key"]]);
        const text = renderListing(target.display, sets);
        expect(text).toContain(", newest 3 h ago\n");
        expect(text).toMatch(/^20261121T020000Z-\w{8} +2026-11-21 02:00:00Z +3 h ago +daily +main +179 MiB +yes +sha256:bbbbbbbbbbbbbbbb$/m);
        expect(text).toMatch(/^20261119T020000Z-\w{8} .* sha256:bbbbbbbbbbbbbbbb {2}<- key changed$/m);
        expect(text).toMatch(/^ +audit +\d+\.\d MiB +no \(other key\)$/m);
        expect(text).toMatch(/key changed with set 20261119T020000Z-\w{8}: 20261118T020000Z-\w{8} and older need the key with fingerprint sha256:aaaaaaaaaaaaaaaa \(docs\/RUNBOOK.md, "Which key a set needs"\)/);
    });

    it("--database shows only the sets holding it; a missing archive is not restorable", async () => {
        const id = historySetId(new Date("2026-11-17T02:00:00Z"));
        unlinkSync(path.join(dir, dumpKey(tierFor(new Date("2026-11-17T02:00:00Z")), id, "audit")));
        const sets = await listing(target, { now: NOW, database: "audit" });
        expect(sets.map((s) => s.set.slice(0, 16))).toEqual(["20261120T020000Z", "20261119T020000Z", "20261118T020000Z", "20261117T020000Z", "20261116T020000Z"]);
        expect(sets.every((s) => s.databases.length === 1 && s.databases[0].name === "audit")).toBe(true);
        expect(sets[3].databases[0]).toMatchObject({ restorable: false, reason: "archive missing" });
    });
});
