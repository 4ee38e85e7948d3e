/**
 * Child logical names are a contract (STYLE.md): a renamed child is a new resource, and Pulumi
 * would replace the database or the vault behind it. Every URN recorded in urns.json (the offline
 * plan of every shipped stack) must still be declared. Regenerate it (`npm run -s urns >
 * test/unit/urns.json`) only when a resource is removed on purpose, or renamed with an alias.
 */
import * as fs from "fs";
import { shippedStacks, URNS_FILE, urnsOf } from "../../tools/urns";

const recorded = JSON.parse(fs.readFileSync(URNS_FILE, "utf8")) as Record<string, string[]>;

describe("every shipped stack keeps its resources' URNs", () => {
    it("records every shipped stack", () => {
        expect(Object.keys(recorded).sort()).toEqual(shippedStacks());
    });

    it.each(shippedStacks())("%s: no recorded URN is gone", async (stack) => {
        const now = new Set(await urnsOf(stack));
        expect((recorded[stack] ?? []).filter((u) => !now.has(u))).toEqual([]);
    });
});
