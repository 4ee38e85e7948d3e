import { spawnSync } from "child_process";
import { existsSync } from "fs";
import * as path from "path";

/**
 * Builds once what the tests run as real artifacts: the job (`tsconfig.job.json`,
 * `node dist/scripts/cli.js`) and the drill beside it (`tsconfig.tools.json`, `dist/tools/drill.js`).
 */
export default function globalSetup(): void {
    const root = path.resolve(__dirname, "..", "..");
    const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
    for (const [config, artifact] of [
        ["tsconfig.job.json", path.join("dist", "scripts", "cli.js")],
        ["tsconfig.tools.json", path.join("dist", "tools", "drill.js")],
    ]) {
        const r = spawnSync(process.execPath, [tsc, "-p", config], { cwd: root, encoding: "utf8" });
        if (!existsSync(path.join(root, artifact))) {
            throw new Error(`build of ${artifact} (${config}) failed:\n${r.stdout}\n${r.stderr}`);
        }
        if (r.status !== 0) {
            process.stderr.write(`warning: tsc reported errors while building ${artifact}:\n${r.stdout}\n`);
        }
    }
}
