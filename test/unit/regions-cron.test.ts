import { cronProblem } from "../../components/cron";
import { AZURE_REGION_PAIRS, AZURE_REGIONS, knownRegion, normaliseRegion, pairOf, relatedRegions, suggestRegions } from "../../components/azure/regions";

describe("regions", () => {
    it("compares names case- and space-insensitively", () => {
        expect(normaliseRegion("Canada Central")).toBe("canadacentral");
        expect(knownRegion("  WEST europe ")).toBe("westeurope");
        expect(knownRegion("westeurop")).toBeUndefined();
        expect(suggestRegions("westeurop")[0]).toBe("westeurope");
    });

    it("knows pairs, including one-way ones", () => {
        expect(pairOf("West Europe")).toBe("northeurope");
        expect(pairOf("brazilsouth")).toBe("southcentralus");
        expect(pairOf("polandcentral")).toBeUndefined();
        expect(relatedRegions("southcentralus")).toEqual(["brazilsouth", "northcentralus"]);
        expect(relatedRegions("eastus")).toEqual(["westus", "westus3"]);
    });

    it("pairs only known regions", () => {
        for (const [from, to] of Object.entries(AZURE_REGION_PAIRS)) {
            expect([from, AZURE_REGIONS[from] !== undefined, to, AZURE_REGIONS[to] !== undefined]).toEqual([from, true, to, true]);
        }
    });
});

describe("cron", () => {
    it.each(["0 2 * * *", "*/15 * * * *", "30 1 1 * *", "0 3 * * MON-FRI", "0 0 1,15 JAN-DEC 0"])("accepts %s", (expr) => {
        expect(cronProblem(expr)).toBeUndefined();
    });
    it.each([
        ["0 2 * *", "a cron expression has 5 fields (minute hour day-of-month month day-of-week), this has 4"],
        ["60 2 * * *", "minute \"60\" is out of range 0-59"],
        ["0 2 0 * *", "day of month \"0\" is out of range 1-31"],
        ["0 2 * * 5-1", "range \"5-1\" in the day of week field runs backwards"],
        ["*/0 * * * *", "step \"0\" in the minute field must be a positive whole number"],
        ["0 2 * FOO *", "month \"FOO\" is out of range 1-12"],
    ])("rejects %s", (expr, why) => {
        expect(cronProblem(expr)).toBe(why);
    });
});
