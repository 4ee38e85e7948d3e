/**
 * `npm run example`: the library as a user gets it. Packs this package (`npm pack`: what a
 * release ships), installs the tarball into examples/existing-app/node_modules/lifeboat (a copy,
 * as `npm install` of the tarball or of the example's `file:` dependency with install-links
 * makes; its own dependencies resolve from this checkout's node_modules, one @pulumi/pulumi),
 * type-checks the example with its own tsconfig, and plans it offline with the mock engine.
 * Run `npm run build` first (the npm script does). Exit 0 only when all of it passed.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main as plan } from "./plan";

export const ROOT = path.resolve(__dirname, "..");
export const EXAMPLE = path.join(ROOT, "examples", "existing-app");

export interface PackedFile {
    path: string;
    size: number;
}

/** `npm pack` of this package (scripts off: build first) into `dest`; the tarball and its files. */
export function packLibrary(dest: string, dryRun = false): { tarball: string; files: PackedFile[] } {
    const args = ["pack", "--json", "--ignore-scripts", "--pack-destination", dest, ...(dryRun ? ["--dry-run"] : [])];
    const r = spawnSync("npm", args, { cwd: ROOT, encoding: "utf8" });
    if (r.status !== 0) {
        throw new Error(`npm ${args.join(" ")} failed:\n${r.stderr}`);
    }
    const [info] = JSON.parse(r.stdout) as Array<{ filename: string; files: PackedFile[] }>;
    return { tarball: path.join(dest, info.filename), files: info.files };
}

/** Extracts a packed tarball as `<program>/node_modules/lifeboat` (replacing what was there). */
export function installPacked(tarball: string, program: string): string {
    const into = path.join(program, "node_modules", "lifeboat");
    fs.rmSync(into, { recursive: true, force: true });
    fs.mkdirSync(into, { recursive: true });
    const r = spawnSync("tar", ["-xzf", tarball, "-C", into, "--strip-components=1"], { encoding: "utf8" });
    if (r.status !== 0) {
        throw new Error(`tar -xzf ${tarball} failed:\n${r.stderr}`);
    }
    return into;
}

/** The example's own type-check (its tsconfig, Pulumi's template settings); the compiler's output on failure. */
export function typecheck(program: string): { ok: boolean; output: string } {
    const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", program, "--noEmit"], { cwd: program, encoding: "utf8" });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

async function main(): Promise<number> {
    const dest = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-pack-"));
    try {
        const { tarball, files } = packLibrary(dest);
        installPacked(tarball, EXAMPLE);
        process.stdout.write(`example: installed ${path.basename(tarball)} (${files.length} files) into ${path.relative(ROOT, EXAMPLE)}/node_modules/lifeboat\n`);
    } finally {
        fs.rmSync(dest, { recursive: true, force: true });
    }
    const checked = typecheck(EXAMPLE);
    if (!checked.ok) {
        process.stderr.write(`example: type-check failed:\n${checked.output}`);
        return 1;
    }
    process.stdout.write("example: type-check passed\n");
    return plan(["--program", EXAMPLE, "--stack", "dev"]);
}

if (require.main === module) {
    main().then((code) => process.exit(code), (err) => {
        process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
        process.exit(1);
    });
}
