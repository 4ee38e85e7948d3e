import { spawnSync } from "child_process";
import * as path from "path";

/** Builds the library once (`npm run build`: dist/ with .d.ts, and the policy pack's PulumiPolicy.yaml). */
export default function globalSetup(): void {
    const root = path.resolve(__dirname, "..", "..");
    const r = spawnSync("npm", ["run", "-s", "build"], { cwd: root, encoding: "utf8" });
    if (r.status !== 0) {
        throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
    }
}
