import { spawnSync } from "child_process";
import { existsSync } from "fs";
import * as path from "path";

/** Builds the CLI once: the tests run the real artifact, `node dist/scripts/cli.js`. */
export default function globalSetup(): void {
    const root = path.resolve(__dirname, "..", "..");
    const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, encoding: "utf8" });
    if (!existsSync(path.join(root, "dist", "scripts", "cli.js"))) {
        throw new Error(`build of the lifeboat CLI failed:\n${r.stdout}\n${r.stderr}`);
    }
    if (r.status !== 0) {
        process.stderr.write(`warning: tsc reported errors while building the CLI:\n${r.stdout}\n`);
    }
}
