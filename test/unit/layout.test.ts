/**
 * The job folder holds only what the container runs: every module in scripts/ is reached from the
 * CLI's entry point, and none imports from outside scripts/ (tools, components, ...). The drill,
 * the bench, the sample data and the test clusters live in tools/ beside it.
 */
import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..", "..");
const SCRIPTS = path.join(ROOT, "scripts");

function tsFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
    );
}

/** Relative imports of a file (static, `import()` and `require()`), resolved to .ts files. */
function localImports(file: string): string[] {
    const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    return info.importedFiles
        .map((f) => f.fileName)
        .filter((f) => f.startsWith("."))
        .map((f) => {
            const base = path.resolve(path.dirname(file), f);
            return [`${base}.ts`, path.join(base, "index.ts")].find((c) => existsSync(c)) ?? `${base}.ts`;
        });
}

describe("layout: scripts/ is the job", () => {
    it("every module in scripts/ is reached from scripts/cli.ts, and none imports from outside scripts/", () => {
        const seen = new Set<string>();
        const outside: string[] = [];
        const queue = [path.join(SCRIPTS, "cli.ts")];
        while (queue.length > 0) {
            const file = queue.pop()!;
            if (seen.has(file)) {
                continue;
            }
            seen.add(file);
            for (const dep of localImports(file)) {
                if (!dep.startsWith(SCRIPTS + path.sep)) {
                    outside.push(`${path.relative(ROOT, file)} -> ${path.relative(ROOT, dep)}`);
                } else {
                    queue.push(dep);
                }
            }
        }
        const unreached = tsFiles(SCRIPTS).filter((f) => !seen.has(f)).map((f) => path.relative(ROOT, f));
        expect(outside).toEqual([]);
        expect(unreached).toEqual([]);
    });

    it("the drill, bench, sample data and test clusters are tools", () => {
        for (const name of ["drill", "bench", "sample", "cluster", "fernet"]) {
            expect(tsFiles(path.join(ROOT, "tools")).map((f) => path.basename(f))).toContain(`${name}.ts`);
        }
    });
});
