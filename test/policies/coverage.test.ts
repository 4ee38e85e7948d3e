/**
 * policies/coverage.json and the coverage figures in policies/README.md: every policy the data
 * file names is in the pack, every check is exactly one of covered, excluded or gap, and the
 * README shows what `npm run -s coverage:policies` counts.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { policies } from "../../policies/registry";
import { coverageMarkdown, coverageOf, POLICY_README, problemsOf, readCoverage, withCoverageSection } from "../../tools/coverage";

const root = path.resolve(__dirname, "..", "..");

describe("policies/coverage.json", () => {
    const tools = readCoverage();

    it("lists Checkov, Trivy and Azure Policy, each check exactly once and exactly one of covered-by, excluded or gap", () => {
        expect(Object.values(tools).map((t) => t.name)).toEqual(["Checkov", "Trivy", "Azure Policy"]);
        expect(problemsOf(tools)).toEqual([]);
        expect(problemsOf({ x: { name: "X", checks: [{ id: "A", resource: "r", title: "t", "covered-by": "p", gap: "g" }, { id: "B", resource: "r", title: "t" }] } })).toEqual([
            "x A: has covered-by and gap of covered-by, excluded, gap; allowed: exactly one",
            "x B: has none of covered-by, excluded, gap; allowed: exactly one",
        ]);
    });

    it("names only policies the pack has", () => {
        const names = new Set(policies.map((p) => p.name));
        const named = Object.values(tools).flatMap((t) => t.checks.map((c) => c["covered-by"]).filter((p): p is string => p !== undefined));
        expect(named.filter((p) => !names.has(p))).toEqual([]);
        expect(named.length).toBeGreaterThan(0);
    });

    it("counts applicable as covered plus gaps, rounding the percentage down", () => {
        const [t] = coverageOf({ x: { name: "X", checks: [
            { id: "A", resource: "r", title: "t", "covered-by": "p" }, { id: "B", resource: "r", title: "t", "covered-by": "p" },
            { id: "C", resource: "r", title: "t", gap: "g" }, { id: "D", resource: "r", title: "t", excluded: "e" },
        ] } });
        expect([t.covered, t.applicable, t.percent, t.excluded.length]).toEqual([2, 3, 66, 1]);
    });
});

describe("policies/README.md coverage section", () => {
    it("is what the script generates from coverage.json (run `npm run -s coverage:policies -- --write`)", () => {
        const readme = fs.readFileSync(POLICY_README, "utf8");
        expect(withCoverageSection(readme, coverageMarkdown())).toBe(readme);
    });

    it("shows the figures `npm run -s coverage:policies` prints, each tool at 80% or more", () => {
        const printed = execFileSync(path.join(root, "node_modules", ".bin", "ts-node"), ["--swc", "tools/coverage.ts"], { cwd: root, encoding: "utf8" });
        const figures = printed.split("\n").filter((l) => /applicable checks/.test(l));
        expect(figures).toHaveLength(3);
        const readme = fs.readFileSync(POLICY_README, "utf8");
        for (const line of figures) {
            expect([line, readme.includes(`\n${line}\n`)]).toEqual([line, true]);
        }
        for (const t of coverageOf()) {
            expect([t.name, t.percent >= 80]).toEqual([t.name, true]);
        }
    });
});
