/**
 * The pure parts of `lifeboat schedule`, `health` and `prune`: cron matching and the next run
 * (UTC), the health verdict from a status, and which sets prune deletes.
 */
import { CronError, matches, nextRun, parseCron } from "../../scripts/cron";
import { decide, SetOnDisk, setTime } from "../../scripts/prune";
import { health, Status, STATUS_FORMAT } from "../../scripts/schedule";

const at = (iso: string): Date => new Date(iso);

describe("cron (UTC)", () => {
    it.each<[string, string, string]>([
        ["0 2 * * *", "2026-11-21T01:59:59Z", "2026-11-21T02:00:00Z"],
        ["0 2 * * *", "2026-11-21T02:00:00Z", "2026-11-22T02:00:00Z"],
        ["30 1 * * *", "2026-12-31T23:00:00Z", "2027-01-01T01:30:00Z"],
        ["*/15 * * * *", "2026-11-21T10:07:00Z", "2026-11-21T10:15:00Z"],
        ["0 4 1 * *", "2026-11-21T00:00:00Z", "2026-12-01T04:00:00Z"],
        ["15 */6 * * *", "2026-11-21T06:15:00Z", "2026-11-21T12:15:00Z"],
        ["0 3 * * MON", "2026-11-21T00:00:00Z", "2026-11-23T03:00:00Z"],
        ["0 3 * * 7", "2026-11-21T00:00:00Z", "2026-11-22T03:00:00Z"],
        ["0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z"],
        // Vixie cron: both day fields restricted -> either matches (the 13th, or a Friday)
        ["0 0 13 * 5", "2026-11-07T00:00:00Z", "2026-11-13T00:00:00Z"],
        ["0 0 13 * 5", "2026-11-13T00:00:00Z", "2026-11-20T00:00:00Z"],
        ["5/20 * * * *", "2026-11-21T10:26:00Z", "2026-11-21T10:45:00Z"],
        // six fields: seconds first
        ["*/5 * * * * *", "2026-11-21T10:00:01.500Z", "2026-11-21T10:00:05Z"],
        ["30 0 2 * * *", "2026-11-21T02:00:00Z", "2026-11-21T02:00:30Z"],
    ])("%s after %s is %s", (cron, after, expected) => {
        const next = nextRun(parseCron(cron), at(after));
        expect(next?.toISOString()).toBe(at(expected).toISOString());
        expect(matches(parseCron(cron), at(expected))).toBe(true);
    });

    it("never fires on 30 February", () => {
        expect(nextRun(parseCron("0 0 30 2 *"), at("2026-01-01T00:00:00Z"))).toBeUndefined();
    });

    it.each<[string, string]>([
        ["0 2 * *", "a cron expression has 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first; this has 4"],
        ["60 2 * * *", "minute \"60\" is out of range 0-59"],
        ["0 2 * * 8", "day of week \"8\" is out of range 0-7"],
        ["0 5-2 * * *", "range \"5-2\" in the hour field runs backwards"],
        ["0 2 * FOO *", "\"FOO\" is not a valid month"],
        ["*/0 * * * *", "\"*/0\" is not a valid minute"],
    ])("refuses %s: %s", (cron, message) => {
        expect(() => parseCron(cron)).toThrow(new CronError(message));
    });
});

function status(over: Partial<Status> = {}): Status {
    return {
        format: STATUS_FORMAT, pid: 4242, cron: "0 2 * * *", startedAt: "2026-11-20T00:00:00Z", updatedAt: "", running: null,
        nextRun: "2026-11-21T02:00:00Z", lastRun: null, lastSuccess: null, skipped: 0, stopped: false, ...over,
    };
}

describe("health", () => {
    const now = at("2026-11-21T12:00:00Z");
    const alive = () => true;
    const run = { tick: "2026-11-21T02:00:00.000Z", startedAt: "2026-11-21T02:00:00Z", endedAt: "2026-11-21T02:03:00Z" };

    it("is healthy after a recent success", () => {
        const r = health(status({ lastRun: { ...run, ok: true, set: "20261121T020000Z" }, lastSuccess: { at: "2026-11-21T02:03:00Z", set: "20261121T020000Z" } }), "26h", now, alive);
        expect(r).toMatchObject({ ok: true, reason: "last successful backup 20261121T020000Z 9h ago" });
    });

    it("is unhealthy when the last run failed, whatever the last success", () => {
        const r = health(status({ lastRun: { ...run, ok: false, code: 1, reason: "database \"x\" does not exist" }, lastSuccess: { at: "2026-11-21T01:00:00Z" } }), "26h", now, alive);
        expect(r).toMatchObject({ ok: false, reason: "the last run (2026-11-21T02:00:00.000Z) failed: database \"x\" does not exist" });
    });

    it("is unhealthy when the last success is older than the max age", () => {
        const r = health(status({ startedAt: "2026-11-01T00:00:00Z", lastRun: { ...run, ok: true }, lastSuccess: { at: "2026-11-20T02:03:00Z", set: "20261120T020000Z" } }), "26h", now, alive);
        expect(r).toMatchObject({ ok: false, reason: "the last successful backup (20261120T020000Z) is 33h old (max 26h)" });
    });

    it("waits for the first backup only as long as the max age", () => {
        expect(health(status({ startedAt: "2026-11-21T11:00:00Z" }), "26h", now, alive).ok).toBe(true);
        expect(health(status({ startedAt: "2026-11-19T00:00:00Z" }), "26h", now, alive)).toMatchObject({ ok: false, reason: "no successful backup since the schedule started 60h ago (max 26h)" });
    });

    it("is unhealthy without a status, or when the schedule is not running", () => {
        expect(health(undefined, "26h", now, alive).ok).toBe(false);
        expect(health(status(), "26h", now, () => false)).toMatchObject({ ok: false, reason: "the schedule (pid 4242) is not running" });
        expect(health(status({ stopped: true }), "26h", now, alive).ok).toBe(false);
    });
});

describe("prune decisions", () => {
    const now = at("2026-11-21T12:00:00Z");
    const set = (id: string, tier: SetOnDisk["tier"], complete = true): SetOnDisk => ({ id, tier, complete, time: setTime(id) as Date, dir: `/x/${tier}/${id}` });
    const retention = { daily: 30, weekly: 90, monthly: 365 };

    it("reads set ids as UTC times and refuses other folder names", () => {
        expect(setTime("20261121T020000Z")?.toISOString()).toBe("2026-11-21T02:00:00.000Z");
        expect(setTime("20261321T020000Z")).toBeUndefined();
        expect(setTime("latest")).toBeUndefined();
    });

    it("deletes by tier window, never the newest complete set, and leftovers only after a day", () => {
        const sets = [
            set("20261121T020000Z", "daily", false), // running now: kept
            set("20261120T020000Z", "daily"), // newest complete
            set("20261019T020000Z", "daily"), // 33 days: expired
            set("20261012T020000Z", "weekly"), // 40 days: kept
            set("20260810T020000Z", "weekly"), // 103 days: expired
            set("20251201T020000Z", "monthly"), // 355 days: kept
            set("20251101T020000Z", "monthly"), // 385 days: expired
            set("20261118T020000Z", "daily", false), // failed 3 days ago: leftover
        ];
        const d = decide(sets, retention, now);
        expect(d.map((x) => [x.set.id, x.action, x.reason])).toEqual([
            ["20261121T020000Z", "keep", "recent-leftover"],
            ["20261120T020000Z", "keep", "newest"],
            ["20261019T020000Z", "delete", "expired"],
            ["20261012T020000Z", "keep", "within-retention"],
            ["20260810T020000Z", "delete", "expired"],
            ["20251201T020000Z", "keep", "within-retention"],
            ["20251101T020000Z", "delete", "expired"],
            ["20261118T020000Z", "delete", "leftover"],
        ]);
    });

    it("keeps the newest complete set even when every set has expired", () => {
        const d = decide([set("20240101T020000Z", "monthly"), set("20240102T020000Z", "daily"), set("20240103T020000Z", "daily", false)], retention, now);
        expect(d.map((x) => [x.set.id, x.action, x.reason])).toEqual([
            ["20240101T020000Z", "delete", "expired"],
            ["20240102T020000Z", "keep", "newest"],
            ["20240103T020000Z", "delete", "leftover"],
        ]);
    });
});
