import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CONFIG_KEYS } from "../../stacks/config";
import { README, withConfigTable } from "../../tools/docs";

const root = path.resolve(__dirname, "..", "..");

describe("documentation cannot drift from the code", () => {
    it("README's config table is the one generated from CONFIG_KEYS (run `npm run docs`)", () => {
        const readme = fs.readFileSync(README, "utf8");
        expect(readme).toBe(withConfigTable(readme));
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
