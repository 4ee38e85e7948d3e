/**
 * The job image the stacks build and push (mocks): on azure a Container Registry with the admin
 * user off, AcrPull for the jobs' identities before any job, every job pulling with its identity
 * and running the image by digest; on aws an ECR repository the task definition pulls from by
 * digest; `schedule.image` replacing both. Plus the AAD-to-ACR token exchange and JobImage's checks.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { ACR_PULL, exchangeAcrToken, STORAGE_BLOB_DATA_CONTRIBUTOR, STORAGE_BLOB_DATA_READER } from "../../components/azure";
import { buildContextDigest, defaultBuildContext, validateJobImageArgs } from "../../components/docker";
import { Problems } from "../../components/validation";
import { planStack, PlanResult, PlannedResource } from "../../tools/plan";

const DIGEST_REF = /^[a-z0-9.-]+\/[a-z0-9/]+@sha256:[0-9a-f]{64}$/;

function byType(result: PlanResult, type: string): PlannedResource[] {
    return result.resources.filter((r) => r.type === type);
}

function named(result: PlanResult, type: string, name: string): PlannedResource {
    const found = result.resources.find((r) => r.type === type && r.name === name);
    if (found === undefined) {
        throw new Error(`no ${type} ${name}`);
    }
    return found;
}

describe.each(["prod", "dev", "dr"])("azure stack %s: the job image in the stack's own registry", (stack) => {
    let result: PlanResult;
    beforeAll(async () => {
        result = await planStack({ stack });
    });

    it("plans cleanly", () => {
        expect(result.configErrors).toEqual([]);
        expect(result.error).toBeUndefined();
        expect(result.exitCode).toBe(0);
    });

    it("declares a registry with the admin user and anonymous pull off", () => {
        const [registry] = byType(result, "azure-native:containerregistry:Registry");
        expect(registry.props).toMatchObject({ adminUserEnabled: false, anonymousPullEnabled: false, sku: { name: "Basic" } });
        expect(registry.props.registryName).toMatch(/^lbcr[a-z0-9]+$/);
        // beside the jobs: the backup storage's region (dr: the surviving one)
        expect(registry.props.location).toBe(byType(result, "azure-native:storage:StorageAccount")[0].props.location);
    });

    it("builds the Dockerfile for linux/amd64 and pushes with a secret token-exchange credential (no admin password)", () => {
        const [image] = byType(result, "docker:index/image:Image");
        const registry = byType(result, "azure-native:containerregistry:Registry")[0];
        const login = `${registry.props.registryName}.azurecr.io`;
        expect(image.props).toMatchObject({
            imageName: `${login}/lifeboat:${stack}`,
            build: { platform: "linux/amd64", args: { PG_MAJOR: "newest" } },
            registry: { server: login, username: "00000000-0000-0000-0000-000000000000" },
        });
        expect(String((image.props.build as Record<string, unknown>).dockerfile)).toMatch(/\/Dockerfile$/);
        expect(image.props.skipPush).not.toBe(true);
        expect(image.secretPaths.some((p) => p === "registry" || p === "registry.password")).toBe(true);
    });

    it("gives each job identity AcrPull on the registry only, and the dump identity nothing else but its blob role", () => {
        const registry = byType(result, "azure-native:containerregistry:Registry")[0];
        const pulls = byType(result, "azure-native:authorization:RoleAssignment").filter((r) => String(r.props.roleDefinitionId).endsWith(ACR_PULL));
        expect(pulls.map((r) => r.name).sort()).toEqual(["registry-pull-dump", "registry-pull-restore"]);
        for (const pull of pulls) {
            expect(pull.opts.propertyDependencies.scope).toEqual([registry.urn]);
            expect(pull.props.principalType).toBe("ServicePrincipal");
        }
        const dumpIdentity = named(result, "azure-native:managedidentity:UserAssignedIdentity", "jobs-identity");
        const roles = byType(result, "azure-native:authorization:RoleAssignment")
            .filter((r) => (r.opts.propertyDependencies.principalId ?? []).includes(dumpIdentity.urn))
            .map((r) => String(r.props.roleDefinitionId).split("/").pop());
        expect([...new Set(roles)].sort()).toEqual([ACR_PULL, STORAGE_BLOB_DATA_CONTRIBUTOR].sort());
        const restoreIdentity = named(result, "azure-native:managedidentity:UserAssignedIdentity", "jobs-restore-identity");
        const restoreRoles = byType(result, "azure-native:authorization:RoleAssignment")
            .filter((r) => (r.opts.propertyDependencies.principalId ?? []).includes(restoreIdentity.urn))
            .map((r) => String(r.props.roleDefinitionId).split("/").pop());
        expect([...new Set(restoreRoles)].sort()).toEqual([ACR_PULL, STORAGE_BLOB_DATA_CONTRIBUTOR, STORAGE_BLOB_DATA_READER].sort());
        // Its contributor role is conditioned to verifications/ (the restore-test reports); the dump identity's is not conditioned at all.
        for (const ra of byType(result, "azure-native:authorization:RoleAssignment").filter((r) => String(r.props.roleDefinitionId).endsWith(STORAGE_BLOB_DATA_CONTRIBUTOR))) {
            const restore = (ra.opts.propertyDependencies.principalId ?? []).includes(restoreIdentity.urn);
            expect([ra.name, restore, String(ra.props.condition ?? "").includes("StringStartsWith 'verifications/'")]).toEqual([ra.name, restore, restore]);
        }
    });

    it("runs the pushed image by digest in every job, pulling with the job's own identity after its AcrPull exists", () => {
        const registry = byType(result, "azure-native:containerregistry:Registry")[0];
        const login = `${registry.props.registryName}.azurecr.io`;
        const jobs = byType(result, "azure-native:app:Job");
        expect(jobs.length).toBeGreaterThanOrEqual(3);
        expect(result.outputs.jobImage).toMatch(DIGEST_REF);
        expect(String(result.outputs.jobImage).startsWith(`${login}/lifeboat@sha256:`)).toBe(true);
        expect(result.outputs.registry).toBe(login);
        const pullDump = named(result, "azure-native:authorization:RoleAssignment", "registry-pull-dump");
        const pullRestore = named(result, "azure-native:authorization:RoleAssignment", "registry-pull-restore");
        for (const job of jobs) {
            const template = job.props.template as { containers: Array<{ image: string }> };
            expect([job.name, template.containers[0].image]).toEqual([job.name, result.outputs.jobImage]);
            const dump = (job.props.tags as Record<string, string>)["lifeboat-role"] === "dump-job";
            const identity = dump ? "jobs-identity-id" : "jobs-restore-identity-id";
            expect([job.name, (job.props.configuration as { registries: unknown }).registries]).toEqual([job.name, [{ server: login, identity }]]);
            expect((job.props.identity as { userAssignedIdentities: string[] }).userAssignedIdentities).toEqual([identity]);
            expect(job.opts.dependencies).toContain((dump ? pullDump : pullRestore).urn);
        }
    });
});

describe("azure with a prebuilt schedule.image", () => {
    it("builds nothing, declares no registry, and runs that image from its public registry", async () => {
        const result = await planStack({ stack: "prod", config: { schedule: { cron: "30 1 * * *", image: "ghcr.io/lifeboat-dr/lifeboat@sha256:" + "a".repeat(64) } } });
        expect(result.configErrors).toEqual([]);
        expect(byType(result, "azure-native:containerregistry:Registry")).toEqual([]);
        expect(byType(result, "docker:index/image:Image")).toEqual([]);
        expect(byType(result, "azure-native:authorization:RoleAssignment").filter((r) => String(r.props.roleDefinitionId).endsWith(ACR_PULL))).toEqual([]);
        for (const job of byType(result, "azure-native:app:Job")) {
            expect((job.props.template as { containers: Array<{ image: string }> }).containers[0].image).toBe("ghcr.io/lifeboat-dr/lifeboat@sha256:" + "a".repeat(64));
            expect((job.props.configuration as { registries?: unknown }).registries).toBeUndefined();
        }
        expect(result.outputs.registry).toBeUndefined();
    });
});

describe("aws: the job image in the stack's ECR repository", () => {
    let result: PlanResult;
    beforeAll(async () => {
        result = await planStack({ stack: "aws" });
    });

    it("declares a scanned, encrypted repository with a lifecycle for old builds, and pushes the Dockerfile's image with the ECR token (secret)", () => {
        expect(result.configErrors).toEqual([]);
        expect(result.exitCode).toBe(0);
        const [repo] = byType(result, "aws:ecr/repository:Repository");
        expect(repo.props).toMatchObject({
            name: "lifeboat/aws", region: "eu-central-1", imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true }, encryptionConfigurations: [{ encryptionType: "AES256" }],
        });
        const [lifecycle] = byType(result, "aws:ecr/lifecyclePolicy:LifecyclePolicy");
        expect(JSON.parse(String(lifecycle.props.policy)).rules.map((r: { selection: unknown }) => r.selection)).toEqual([
            { tagStatus: "untagged", countType: "imageCountMoreThan", countNumber: 10 },
            { tagStatus: "tagged", tagPrefixList: ["aws-"], countType: "imageCountMoreThan", countNumber: 10 },
        ]);
        const [image] = byType(result, "docker:index/image:Image");
        // Tags are immutable: each build is pushed under a tag of its own, named by its build context.
        expect(image.props).toMatchObject({
            imageName: `123456789012.dkr.ecr.eu-central-1.amazonaws.com/lifeboat/aws:aws-${buildContextDigest(defaultBuildContext() as string)}`,
            build: { platform: "linux/amd64" },
            registry: { server: "123456789012.dkr.ecr.eu-central-1.amazonaws.com/lifeboat/aws", username: "AWS" },
        });
        expect(image.secretPaths.some((p) => p === "registry" || p === "registry.password")).toBe(true);
    });

    it("runs the image by digest in the task definition; the execution role may pull from that repository only", () => {
        expect(result.outputs.jobImage).toMatch(DIGEST_REF);
        for (const task of byType(result, "aws:ecs/taskDefinition:TaskDefinition")) {
            const [container] = JSON.parse(String(task.props.containerDefinitions));
            expect(container.image).toBe(result.outputs.jobImage);
        }
        const policy = byType(result, "aws:iam/rolePolicy:RolePolicy").find((r) => r.name.endsWith("-execution"));
        const statements = JSON.parse(String(policy?.props.policy)).Statement as Array<{ Sid: string; Action: string[]; Resource: unknown }>;
        expect(statements.find((s) => s.Sid === "PullJobImage")).toEqual({
            Sid: "PullJobImage", Effect: "Allow", Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            Resource: "arn:aws:ecr:eu-central-1:123456789012:repository/lifeboat/aws",
        });
        expect(statements.find((s) => s.Sid === "RegistryLogin")?.Action).toEqual(["ecr:GetAuthorizationToken"]);
        // the task role (the job's own identity) gets nothing on the registry
        const taskPolicy = byType(result, "aws:iam/rolePolicy:RolePolicy").find((r) => r.name.endsWith("-task-backup-writer"));
        expect(String(taskPolicy?.props.policy)).not.toContain("ecr:");
    });

    it("a prebuilt schedule.image replaces the repository and the build", async () => {
        const prebuilt = await planStack({ stack: "aws", config: { schedule: { cron: "30 1 * * *", timezone: "Europe/Berlin", image: "ghcr.io/lifeboat-dr/lifeboat:0.1.0" } } });
        expect(prebuilt.configErrors).toEqual([]);
        expect(byType(prebuilt, "aws:ecr/repository:Repository")).toEqual([]);
        expect(byType(prebuilt, "docker:index/image:Image")).toEqual([]);
        const [container] = JSON.parse(String(byType(prebuilt, "aws:ecs/taskDefinition:TaskDefinition")[0].props.containerDefinitions));
        expect(container.image).toBe("ghcr.io/lifeboat-dr/lifeboat:0.1.0");
    });
});

describe("the AAD-to-ACR token exchange (admin user off)", () => {
    it("posts the ARM token to /oauth2/exchange and returns the refresh token", async () => {
        const calls: Array<{ url: string; body: string }> = [];
        const fake = (async (url: string, init: { body: string }) => {
            calls.push({ url, body: init.body });
            return new Response(JSON.stringify({ refresh_token: "acr-refresh-token" }), { status: 200 });
        }) as unknown as typeof fetch;
        await expect(exchangeAcrToken("lbcrprod.azurecr.io", "tenant-1", "arm-token", fake)).resolves.toBe("acr-refresh-token");
        expect(calls[0].url).toBe("https://lbcrprod.azurecr.io/oauth2/exchange");
        expect(Object.fromEntries(new URLSearchParams(calls[0].body))).toEqual({ grant_type: "access_token", service: "lbcrprod.azurecr.io", tenant: "tenant-1", access_token: "arm-token" });
    });

    it("says what to check when the registry refuses", async () => {
        const fake = (async () => new Response("{}", { status: 401 })) as unknown as typeof fetch;
        await expect(exchangeAcrToken("lbcrprod.azurecr.io", "t", "x", fake)).rejects.toThrow(
            "ACR token exchange at https://lbcrprod.azurecr.io/oauth2/exchange failed with HTTP 401 (check that the identity running pulumi up may push: AcrPush on the registry)");
    });
});

describe("JobImage arguments", () => {
    it.each<[Record<string, unknown>, string]>([
        [{ pgMajor: "9" }, "args.pgMajor: got \"9\"; allowed: newest, or a PostgreSQL major version from 13, e.g. 17"],
        [{ platform: "windows/amd64" }, "args.platform: got \"windows/amd64\"; allowed: linux/amd64 or linux/arm64"],
    ])("%j", (over, message) => {
        const problems = new Problems();
        validateJobImageArgs({ imageName: "x", ...over }, problems);
        expect(problems.list.map((p) => `${p.path}: got ${p.given}; ${p.allowed}`)).toEqual([message]);
    });
});

describe("JobImage build context", () => {
    it("is the checkout the module is in (source or dist/), and missing in the npm package, which ships no Dockerfile", () => {
        const root = path.resolve(__dirname, "..", "..");
        expect(defaultBuildContext(path.join(root, "components", "docker"))).toBe(root);
        expect(defaultBuildContext(path.join(root, "dist", "components", "docker"))).toBe(root);
        const installed = mkdtempSync(path.join(tmpdir(), "lifeboat-pkg-"));
        try {
            writeFileSync(path.join(installed, "package.json"), JSON.stringify({ name: "lifeboat" }));
            expect(defaultBuildContext(path.join(installed, "dist", "components", "docker"))).toBeUndefined();
        } finally {
            rmSync(installed, { recursive: true, force: true });
        }
    });
});

describe("buildContextDigest (the immutable ECR tag of a build)", () => {
    it("changes with any file Docker sends, and not with what .dockerignore excludes", () => {
        const dir = mkdtempSync(path.join(tmpdir(), "lifeboat-ctx-"));
        try {
            mkdirSync(path.join(dir, "scripts"));
            mkdirSync(path.join(dir, "test"));
            writeFileSync(path.join(dir, ".dockerignore"), "# comment\ntest\n*.md\n");
            writeFileSync(path.join(dir, "Dockerfile"), "FROM node:20\n");
            writeFileSync(path.join(dir, "scripts", "cli.ts"), "one");
            const first = buildContextDigest(dir);
            expect(first).toMatch(/^[0-9a-f]{12}$/);
            writeFileSync(path.join(dir, "test", "a.test.ts"), "ignored");
            writeFileSync(path.join(dir, "scripts", "NOTES.md"), "ignored");
            expect(buildContextDigest(dir)).toBe(first);
            writeFileSync(path.join(dir, "scripts", "cli.ts"), "two");
            expect(buildContextDigest(dir)).not.toBe(first);
            writeFileSync(path.join(dir, "scripts", "cli.ts"), "one");
            writeFileSync(path.join(dir, "scripts", "new.ts"), "");
            expect(buildContextDigest(dir)).not.toBe(first);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
