import { existsSync, readFileSync } from "fs";
import * as path from "path";

/** The package version, read from package.json beside scripts/ (source) or dist/scripts/ (built). */
export function toolVersion(): string {
    for (const rel of ["../package.json", "../../package.json"]) {
        const p = path.join(__dirname, rel);
        if (existsSync(p)) {
            try {
                const pkg = JSON.parse(readFileSync(p, "utf8")) as { name?: string; version?: string };
                if (pkg.name === "lifeboat" && typeof pkg.version === "string") {
                    return pkg.version;
                }
            } catch {
                // try the next candidate
            }
        }
    }
    return "0.0.0-unknown";
}
