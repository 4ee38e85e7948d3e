/**
 * The resource URNs of every shipped stack's offline plan: the contract that a refactor keeps
 * every child's logical name (a renamed child is a new resource, and Pulumi would replace a
 * database or a vault). `npm run -s urns > test/unit/urns.json` records them;
 * test/unit/urns.test.ts fails when a recorded URN is no longer declared.
 */
import * as fs from "fs";
import * as path from "path";
import { planStack, REPO_ROOT } from "./plan";

export const URNS_FILE = path.join(REPO_ROOT, "test", "unit", "urns.json");

export function shippedStacks(): string[] {
    return fs.readdirSync(path.join(REPO_ROOT, "stacks")).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined).sort();
}

/** Every URN the stack's plan declares, sorted. */
export async function urnsOf(stack: string): Promise<string[]> {
    const result = await planStack({ stack });
    if (result.exitCode !== 0 && result.resources.length === 0) {
        throw new Error(`the plan of ${stack} failed: ${result.error ?? result.configErrors.join("; ")}`);
    }
    return result.resources.map((r) => r.urn).sort();
}

async function main(): Promise<void> {
    const out: Record<string, string[]> = {};
    for (const stack of shippedStacks()) {
        out[stack] = await urnsOf(stack);
    }
    process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);
}

if (require.main === module) {
    main().catch((err) => {
        process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
        process.exit(1);
    });
}
