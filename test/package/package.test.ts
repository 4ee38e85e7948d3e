/**
 * The package as a user installs it: `npm pack` holds the built library and nothing else, its
 * `exports` resolve from a program's node_modules, the policy pack runs from there on its own,
 * and examples/existing-app (a user's program importing `lifeboat/azure` by name) type-checks
 * with its own tsconfig and plans offline with the mock engine.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EXAMPLE, installPacked, PackedFile, packLibrary, ROOT, typecheck } from "../../tools/example";
import { planStack, PlanResult, PlannedResource } from "../../tools/plan";
import { policies } from "../../policies/registry";

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    version: string;
    bin: Record<string, string>;
    exports: Record<string, string | { types: string; default: string }>;
    typesVersions: Record<string, Record<string, string[]>>;
};

/** What the package may ship: the build of the job, the components and the policy pack, and its docs. */
const ALLOWED = [/^package\.json$/, /^README\.md$/, /^CHANGELOG\.md$/, /^LICENSE$/, /^docs\/(REFERENCE|EXISTING-AZURE)\.md$/, /^dist\/(scripts|components|policies)\/.+\.(js|d\.ts)$/, /^dist\/policies\/(package\.json|PulumiPolicy\.yaml)$/];

describe("npm pack", () => {
    let files: PackedFile[];
    beforeAll(() => {
        files = packLibrary(os.tmpdir(), true).files;
    });

    it("ships the built library and nothing else: no sources, tests, tools, stacks, examples or source maps", () => {
        const stray = files.map((f) => f.path).filter((p) => !ALLOWED.some((re) => re.test(p)));
        expect(stray).toEqual([]);
        expect(files.some((f) => f.path.startsWith("dist/tools/") || f.path.startsWith("dist/test/") || f.path.startsWith("dist/stacks/"))).toBe(false);
    });

    it("holds every file package.json points at: bin, exports (code and types), typesVersions, the policy pack", () => {
        const shipped = new Set(files.map((f) => f.path));
        const targets = [
            ...Object.values(pkg.bin),
            ...Object.values(pkg.exports).flatMap((e) => (typeof e === "string" ? [e] : [e.types, e.default])),
            ...Object.values(pkg.typesVersions["*"]).flat(),
            "dist/policies/PulumiPolicy.yaml", "dist/policies/package.json", "dist/policies/index.js",
        ].map((p) => p.replace(/^\.\//, ""));
        expect(targets.filter((t) => !shipped.has(t))).toEqual([]);
        // each component folder's every module is built with its types
        for (const dir of ["components/azure", "components/aws", "components/docker", "policies/azure", "policies/aws"]) {
            const sources = fs.readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith(".ts")).map((f) => `dist/${dir}/${f.replace(/\.ts$/, "")}`);
            expect(sources.filter((s) => !shipped.has(`${s}.js`) || !shipped.has(`${s}.d.ts`))).toEqual([]);
        }
    });
});

describe("installed from the tarball (examples/existing-app/node_modules/lifeboat)", () => {
    let installed: string;
    beforeAll(() => {
        const dest = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-pack-"));
        try {
            installed = installPacked(packLibrary(dest).tarball, EXAMPLE);
        } finally {
            fs.rmSync(dest, { recursive: true, force: true });
        }
    });

    /** Runs a script with node from the example's folder, as the user's program would resolve modules. */
    function nodeInExample(script: string): { status: number | null; stdout: string; stderr: string } {
        return spawnSync(process.execPath, ["-e", script], { cwd: EXAMPLE, encoding: "utf8" });
    }

    it("resolves lifeboat/azure, /aws, /docker and /policies by name to the installed copy, and nothing deeper", () => {
        const r = nodeInExample(`
            const out = {};
            for (const m of ["azure", "aws", "docker", "policies"]) out[m] = require.resolve("lifeboat/" + m);
            out.exports = Object.keys(require("lifeboat/azure")).filter((k) => /^(FieldKeyVault|BackupStorage|DumpJob|PostgresServer)$/.test(k)).sort();
            out.version = require("lifeboat/package.json").version;
            try { require("lifeboat/dist/components/roles"); out.deep = "allowed"; } catch (e) { out.deep = e.code; }
            console.log(JSON.stringify(out));`);
        expect(r.stderr).toBe("");
        const out = JSON.parse(r.stdout) as Record<string, unknown>;
        expect(out.azure).toBe(path.join(installed, "dist", "components", "azure", "index.js"));
        expect(out.aws).toBe(path.join(installed, "dist", "components", "aws", "index.js"));
        expect(out.docker).toBe(path.join(installed, "dist", "components", "docker", "index.js"));
        expect(out.policies).toBe(path.join(installed, "dist", "policies", "offline.js"));
        expect(out.exports).toEqual(["BackupStorage", "DumpJob", "FieldKeyVault", "PostgresServer"]);
        expect(out.version).toBe(pkg.version);
        expect(out.deep).toBe("ERR_PACKAGE_PATH_NOT_EXPORTED");
    });

    it("carries a policy pack that loads on its own from node_modules (pulumi preview --policy-pack node_modules/lifeboat/dist/policies)", () => {
        const pack = path.join(installed, "dist", "policies");
        expect(fs.readFileSync(path.join(pack, "PulumiPolicy.yaml"), "utf8")).toMatch(/^runtime: nodejs$/m);
        // What the Pulumi CLI's Node.js policy host requires: the folder's package.json main (index.js),
        // whose imports (../components, ../scripts, @pulumi/policy) all resolve from the installed package.
        expect((JSON.parse(fs.readFileSync(path.join(pack, "package.json"), "utf8")) as { main?: string }).main ?? "index.js").toBe("index.js");
        const r = nodeInExample(`
            const { policies, PACK_NAME } = require(${JSON.stringify(path.join(pack, "registry.js"))});
            const paths = Object.keys(require.cache).filter((p) => !p.includes("/node_modules/@pulumi/") && !p.startsWith(${JSON.stringify(installed)}));
            console.log(JSON.stringify({ name: PACK_NAME, policies: policies.map((p) => p.name), outside: paths }));`);
        expect(r.stderr).toBe("");
        const out = JSON.parse(r.stdout) as { name: string; policies: string[]; outside: string[] };
        expect(out.name).toBe("lifeboat");
        expect(out.policies).toEqual(policies.map((p) => p.name));
        // nothing loaded from the checkout's sources: the installed pack is self-sufficient
        expect(out.outside.filter((p) => p.startsWith(ROOT) && !p.includes("/node_modules/"))).toEqual([]);
    });

    it("has no Dockerfile, so JobImage asks for a build context (or a prebuilt image) instead of building the wrong folder", () => {
        const r = nodeInExample(`
            const { defaultBuildContext, validateJobImageArgs } = require("lifeboat/docker");
            const problems = { list: [], add(path, given, allowed) { this.list.push(path + ": " + allowed); } };
            validateJobImageArgs({ imageName: "x" }, problems);
            console.log(JSON.stringify({ context: defaultBuildContext() ?? null, problems: problems.list }));`);
        expect(r.stderr).toBe("");
        const out = JSON.parse(r.stdout) as { context: string | null; problems: string[] };
        expect(out.context).toBeNull();
        expect(out.problems).toEqual(["args.context: required where Lifeboat is installed as a package (it ships no Dockerfile): a Lifeboat checkout to build the job image from, or run a prebuilt image instead (lifeboat:schedule.image, or the jobs' image arg)"]);
    });

    it("type-checks examples/existing-app with its own tsconfig (Pulumi's template settings, moduleResolution node)", () => {
        const checked = typecheck(EXAMPLE);
        expect(checked.output).toBe("");
        expect(checked.ok).toBe(true);
    });

    describe("the example's offline plan", () => {
        let plan: PlanResult;
        beforeAll(async () => {
            plan = await planStack({ program: EXAMPLE, stack: "dev" });
        });
        const one = (type: string, name: string): PlannedResource => {
            const found = plan.resources.filter((r) => r.type === type && r.name === name);
            expect(found).toHaveLength(1);
            return found[0];
        };

        it("plans the user's program under its own project, with no mandatory violation", () => {
            expect(plan.error).toBeUndefined();
            expect(plan.configErrors).toEqual([]);
            expect(plan.verdicts.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
            expect(plan.exitCode).toBe(0);
            expect(one("azure-native:dbforpostgresql:Server", "db").urn).toMatch(/^urn:pulumi:dev::existing-app::/);
        });

        it("gives the app's identity, and only it, Key Vault Secrets User on the key's vault", () => {
            const identity = one("azure-native:managedidentity:UserAssignedIdentity", "web");
            const readers = plan.resources.filter((r) => r.type === "azure-native:authorization:RoleAssignment" && String(r.props.roleDefinitionId).endsWith("/4633458b-17de-408a-b874-0445c86b69e6"));
            expect(readers.map((r) => r.name)).toEqual(["field-key-reader-0"]);
            expect(readers[0].opts.propertyDependencies.principalId).toEqual([identity.urn]);
            expect(readers[0].props.scope).toBeDefined();
            // the app reads the key from the vault with that identity, after the role exists
            const web = one("azure-native:app:ContainerApp", "web");
            expect(web.opts.dependencies).toContain(readers[0].urn);
        });

        it("dumps the app's own server: the job's host is that server's FQDN, its databases the app's", () => {
            const server = one("azure-native:dbforpostgresql:Server", "db");
            const job = one("azure-native:app:Job", "dump-job");
            expect(job.opts.propertyDependencies.template).toContain(server.urn);
            expect((job.props.tags as Record<string, string>)["lifeboat-databases"]).toBe("cases,audit");
            expect((job.props.tags as Record<string, string>)["lifeboat-server"]).toBe("cases-dev-db");
        });
    });
});
