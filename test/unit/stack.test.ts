import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { planJson, planStack, PlanResult, renderPlan } from "../../tools/plan";

const root = path.resolve(__dirname, "..", "..");
const run = promisify(execFile);

function byType(result: PlanResult, type: string) {
    return result.resources.filter((r) => r.type === type);
}

describe.each(["dev", "prod"])("the shipped %s stack", (stack) => {
    let result: PlanResult;
    beforeAll(async () => {
        result = await planStack({ stack });
    });

    it("plans with no config error and no mandatory violation", () => {
        expect(result.configErrors).toEqual([]);
        expect(result.error).toBeUndefined();
        expect(result.verdicts.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
        expect(result.exitCode).toBe(0);
    });

    it("declares the server, both databases, vault, secret, storage, container, lifecycle rules and job", () => {
        const server = byType(result, "azure-native:dbforpostgresql:Server");
        expect(server).toHaveLength(1);
        expect(server[0].opts.protect).toBe(true);
        expect(server[0].opts.ignoreChanges).toEqual(["createMode", "sourceServerResourceId", "pointInTimeUTC", "storage.storageSizeGB"]);
        expect((server[0].props.backup as Record<string, unknown>).geoRedundantBackup).toBe("Enabled");
        expect(byType(result, "azure-native:dbforpostgresql:Database").map((r) => r.props.databaseName)).toEqual(["main", "audit"]);
        for (const type of ["azure-native:keyvault:Vault", "azure-native:keyvault:Secret", "azure-native:storage:StorageAccount", "azure-native:storage:BlobContainer", "azure-native:storage:ManagementPolicy"]) {
            expect([type, byType(result, type).length]).toEqual([type, 1]);
        }
        const vault = byType(result, "azure-native:keyvault:Vault")[0];
        expect([vault.opts.protect, vault.opts.retainOnDelete]).toEqual([true, true]);
        const jobs = byType(result, "azure-native:app:Job").map((j) => {
            const tags = j.props.tags as Record<string, string>;
            const config = j.props.configuration as { triggerType: string; scheduleTriggerConfig?: { cronExpression: string } };
            return [tags["lifeboat-role"], tags["lifeboat-job"] ?? "dump", config.triggerType, config.scheduleTriggerConfig?.cronExpression];
        });
        expect(jobs.sort()).toEqual([
            ["dump-job", "dump", "Schedule", stack === "prod" ? "30 1 * * *" : "0 2 * * *"],
            ["restore-test", "freshness", "Schedule", "15 */6 * * *"],
            ["restore-test", "verify", "Schedule", "0 4 1 * *"],
        ]);
        expect(byType(result, "azure-native:monitor:ScheduledQueryRule")).toHaveLength(3);
    });

    it("keeps the key vault in its own resource group and region, holding no backup", () => {
        const vault = byType(result, "azure-native:keyvault:Vault")[0];
        const backupRegions = [
            ...byType(result, "azure-native:dbforpostgresql:Server").map((r) => r.props.location),
            ...byType(result, "azure-native:storage:StorageAccount").map((r) => r.props.location),
        ];
        expect(backupRegions).not.toContain(vault.props.location);
        expect(vault.props.resourceGroupName).toBe(`lifeboat-${stack}-key`);
    });

    it("sends the vault's audit log, the blob service's and the server's logs to the jobs' workspace", () => {
        const workspace = byType(result, "azure-native:operationalinsights:Workspace");
        expect(workspace).toHaveLength(1);
        const source = (type: string) => byType(result, type)[0].urn;
        const settings = byType(result, "azure-native:monitor:DiagnosticSetting").map((d) => ({
            source: d.opts.propertyDependencies.resourceUri,
            workspace: d.opts.propertyDependencies.workspaceId,
            logs: (d.props.logs as { category: string }[]).map((l) => l.category),
        }));
        expect(settings).toEqual(expect.arrayContaining([
            { source: [source("azure-native:keyvault:Vault")], workspace: [workspace[0].urn], logs: ["AuditEvent"] },
            { source: [source("azure-native:storage:StorageAccount")], workspace: [workspace[0].urn], logs: ["StorageRead", "StorageWrite", "StorageDelete"] },
            { source: [source("azure-native:dbforpostgresql:Server")], workspace: [workspace[0].urn], logs: ["PostgreSQLLogs"] },
        ]));
        expect(settings).toHaveLength(3);
    });

    it("never prints or returns a secret", () => {
        const text = `${renderPlan(result)}\n${JSON.stringify(planJson(result))}`;
        expect(text).not.toContain("offline-plan-password");
        expect(text).not.toContain("offline-plan-shared-key");
        // The generated key of the plan (32 bytes of 7, URL-safe base64).
        expect(text).not.toContain(Buffer.alloc(32, 7).toString("base64url"));
        expect(text).toContain("value=[secret]");
        expect(result.outputs.keyFingerprint).toMatch(/^sha256:[0-9a-f]{16}$/);
    });
});

describe("the plan command", () => {
    const tsNode = path.join(root, "node_modules", ".bin", "ts-node");
    const dirs: string[] = [];
    const tempDir = () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-plan-"));
        dirs.push(dir);
        return dir;
    };
    afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    it("exits 1 on a bad config and names the key", async () => {
        const dir = tempDir();
        const dev = fs.readFileSync(path.join(root, "stacks", "Pulumi.dev.yaml"), "utf8");
        fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), dev.replace("backupRetentionDays: 14", "backupRetentionDays: 90"));
        const err = await run(tsNode, ["--swc", "tools/plan.ts", "--stack", "broken", "--config-dir", dir], { cwd: root }).then(() => undefined, (e) => e);
        expect(err?.code).toBe(1);
        expect(err?.stdout).toContain("lifeboat:servers[0].backupRetentionDays: got 90; allowed: a whole number from 7 to 35");
    });

    it("exits 1 naming key-separate-from-backups when the vault shares a backup region", async () => {
        const dir = tempDir();
        const prod = fs.readFileSync(path.join(root, "stacks", "Pulumi.prod.yaml"), "utf8");
        fs.writeFileSync(path.join(dir, "Pulumi.colocated.yaml"), prod.replace("location: francecentral", "location: West Europe"));
        const err = await run(tsNode, ["--swc", "tools/plan.ts", "--stack", "colocated", "--config-dir", dir, "--json"], { cwd: root }).then(() => undefined, (e) => e);
        expect(err?.code).toBe(1);
        const out = JSON.parse(err.stdout);
        expect(out.verdicts.filter((v: { enforcementLevel: string }) => v.enforcementLevel === "mandatory").map((v: { policy: string }) => v.policy)).toContain("key-separate-from-backups");
    });

    it("exits 2 on a usage error", async () => {
        const err = await run(tsNode, ["--swc", "tools/plan.ts"], { cwd: root }).then(() => undefined, (e) => e);
        expect(err?.code).toBe(2);
        expect(err?.stderr).toContain("--stack is required");
    });
});
