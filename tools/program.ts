/**
 * Another Pulumi program for the offline plan (`npm run plan -- --program examples/existing-app`):
 * a user's own program that imports Lifeboat's components. Read from its Pulumi.yaml the way
 * the Pulumi CLI reads it: the project name, `main` (default: the folder itself) and
 * `stackConfigDir` (default: the folder).
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";

export interface OtherProgram {
    /** The project name (Pulumi.yaml `name`): the first part of every URN and config key. */
    project: string;
    /** Where its Pulumi.<stack>.yaml files are. */
    stackConfigDir: string;
    /** Runs the program as Pulumi's Node.js host does: requires `main`; a function export is called and its result is the stack outputs. */
    run(): unknown;
}

export function readProgram(dir: string): OtherProgram {
    const root = path.resolve(dir);
    const file = path.join(root, "Pulumi.yaml");
    if (!fs.existsSync(file)) {
        throw new ProgramError(`--program ${dir}: no Pulumi.yaml in ${root}; allowed: the folder of a Pulumi program`);
    }
    const doc = (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as { name?: unknown; main?: unknown; stackConfigDir?: unknown };
    if (typeof doc.name !== "string" || doc.name === "") {
        throw new ProgramError(`${file}: name: got ${JSON.stringify(doc.name)}; allowed: the project's name`);
    }
    const main = path.resolve(root, typeof doc.main === "string" ? doc.main : ".");
    return {
        project: doc.name,
        stackConfigDir: path.resolve(root, typeof doc.stackConfigDir === "string" ? doc.stackConfigDir : "."),
        run: () => {
            const exported = require(main) as unknown;
            return typeof exported === "function" ? (exported as () => unknown)() : exported;
        },
    };
}

export class ProgramError extends Error {}
