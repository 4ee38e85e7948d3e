import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { policies } from "../../policies/registry";
import { buildProgram } from "../../scripts/cli";
import { CONFIG_KEYS } from "../../stacks/config";
import { CONFIG_DOC, withConfigTable } from "../../tools/docs";

const root = path.resolve(__dirname, "..", "..");

describe("documentation cannot drift from the code", () => {
    it("docs/CONFIG.md's config table is the one generated from CONFIG_KEYS (run `npm run docs`)", () => {
        const page = fs.readFileSync(CONFIG_DOC, "utf8");
        expect(page).toBe(withConfigTable(page));
    });

    it("the README is a newcomer's page: no reference table, no link out of the clone, every local link resolves", () => {
        const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
        expect(readme).not.toContain("config-table:start");
        expect(readme).not.toContain("../shared/");
        for (const m of readme.matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)) {
            if (!/^https?:/.test(m[1])) {
                expect([m[1], fs.existsSync(path.join(root, m[1]))]).toEqual([m[1], true]);
            }
        }
    });

    describe("docs/CONTRACTS.md names only what exists", () => {
        const contracts = fs.readFileSync(path.join(root, "docs", "CONTRACTS.md"), "utf8");
        const section = (n: number) => contracts.split(/^## /m).find((s) => s.startsWith(`${n}. `)) ?? "";
        const firstCells = (text: string) => [...text.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);

        it("every core policy it lists is in the pack, and they are the pack's first (the contract's) eight", () => {
            const listed = firstCells(section(4));
            expect(listed.length).toBe(8);
            expect(policies.slice(0, listed.length).map((p) => p.name)).toEqual(listed);
        });

        it("every lifeboat command it lists is one the CLI has", () => {
            const commands = buildProgram(new AbortController().signal).commands.map((c) => c.name());
            const listed = firstCells(section(3)).map((cell) => /^lifeboat (\S+)/.exec(cell)?.[1]);
            expect(listed.length).toBeGreaterThanOrEqual(7);
            for (const name of listed) {
                expect([name, commands.includes(name ?? "")]).toEqual([name, true]);
            }
        });

        it("its config keys are exactly CONFIG_KEYS", () => {
            const keys = [...section(1).matchAll(/`lifeboat:(\w+)`/g)].map((m) => m[1]);
            expect([...new Set(keys)].sort()).toEqual(CONFIG_KEYS.map((k) => k.key).sort());
        });

        it("every source file it points at exists", () => {
            const files = [...contracts.matchAll(/`((?:scripts|stacks|components|policies|tools)\/[\w/.-]+\.ts)`/g)].map((m) => m[1]);
            expect(files.length).toBeGreaterThan(20);
            for (const file of files) {
                expect([file, fs.existsSync(path.join(root, file))]).toEqual([file, true]);
            }
        });
    });

    it("the runbook sections the CLI names exist", () => {
        const runbook = fs.readFileSync(path.join(root, "docs", "RUNBOOK.md"), "utf8");
        for (const file of ["scripts/restore.ts", "scripts/listing.ts", "scripts/report.ts"]) {
            for (const m of fs.readFileSync(path.join(root, file), "utf8").matchAll(/docs\/RUNBOOK\.md, \\?"([^"\\]+)\\?"/g)) {
                expect([file, m[1], runbook.includes(`## ${m[1]}\n`)]).toEqual([file, m[1], true]);
            }
        }
    });

    it("Pulumi.yaml declares exactly the config keys the program reads, each with a description", () => {
        const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
        expect(project.name).toBe("lifeboat");
        expect(project.main).toBe("stacks/");
        expect(project.stackConfigDir).toBe("stacks");
        expect(Object.keys(project.config).sort()).toEqual(CONFIG_KEYS.map((k) => k.key).sort());
        for (const [key, decl] of Object.entries(project.config as Record<string, { description?: string }>)) {
            expect([key, typeof decl.description === "string" && decl.description.length > 10]).toEqual([key, true]);
        }
    });

    it("every shipped stack uses only known keys", () => {
        const known = new Set(CONFIG_KEYS.map((k) => `lifeboat:${k.key}`));
        for (const file of fs.readdirSync(path.join(root, "stacks")).filter((f) => /^Pulumi\..+\.yaml$/.test(f))) {
            const stack = parse(fs.readFileSync(path.join(root, "stacks", file), "utf8"));
            const unknown = Object.keys(stack.config ?? {}).filter((k) => k.startsWith("lifeboat:") && !known.has(k));
            expect([file, unknown]).toEqual([file, []]);
        }
    });
});
