import * as fs from "fs";
import * as path from "path";
import { evaluatePolicies, OfflineResource } from "../../policies/offline";
import { policies } from "../../policies/registry";
import { happyStack } from "./fixtures";

/**
 * Under the CLI, stack policies see each resource's outputs rather than its inputs: azure-native
 * outputs name a resource `name` (not serverName, containerName...) and drop the parent's name
 * and the resource group. This reshapes the fixture that way.
 */
function asOutputs(resources: OfflineResource[]): OfflineResource[] {
    const renames: Record<string, string> = {
        "azure-native:dbforpostgresql:Server": "serverName",
        "azure-native:dbforpostgresql:Database": "databaseName",
        "azure-native:keyvault:Vault": "vaultName",
        "azure-native:keyvault:Secret": "secretName",
        "azure-native:storage:StorageAccount": "accountName",
        "azure-native:storage:BlobContainer": "containerName",
        "azure-native:storage:ManagementPolicy": "managementPolicyName",
        "azure-native:app:Job": "jobName",
    };
    return resources.map((r) => {
        const props: Record<string, unknown> = { ...r.props };
        const input = renames[r.type];
        if (input !== undefined && input in props) {
            props.name = props[input];
            delete props[input];
        }
        for (const parentName of ["resourceGroupName", "serverName", "accountName", "vaultName"]) {
            delete props[parentName];
        }
        return { ...r, props };
    });
}

describe("the compliant fixture stack", () => {
    it("passes every policy of the pack, advisory ones included", async () => {
        const result = await evaluatePolicies(happyStack());
        expect(result.verdicts).toEqual([]);
        expect(result.policies.map((p) => p.policy)).toEqual(policies.map((p) => p.name));
        expect(result.policies.every((p) => p.violations === 0)).toBe(true);
    });

    it("passes with output-shaped properties too, as stack policies see them under the CLI", async () => {
        expect((await evaluatePolicies(asOutputs(happyStack()))).verdicts).toEqual([]);
    });

    it("still catches a missing database with output-shaped properties", async () => {
        const stack = asOutputs(happyStack());
        const job = stack.find((r) => r.name === "dump-app-job") as OfflineResource;
        (job.props.tags as Record<string, string>)["lifeboat-databases"] = "main";
        const { verdicts } = await evaluatePolicies(stack);
        expect(verdicts.map((v) => [v.policy, v.name])).toEqual([["dump-job-scheduled", "app-audit"]]);
    });
});

describe("the pack's files", () => {
    it("has one spec per policy, named after it", () => {
        const specs: string[] = [];
        const walk = (dir: string): void => {
            for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
                const full = path.join(dir, entry.name);
                if (entry.isDirectory()) {
                    walk(full);
                } else if (entry.name.endsWith(".test.ts")) {
                    specs.push(fs.readFileSync(full, "utf8"));
                }
            }
        };
        walk(__dirname);
        for (const p of policies) {
            expect([p.name, specs.some((s) => s.includes(`const POLICY = "${p.name}";`))]).toEqual([p.name, true]);
        }
    });

    it("declares policy names in kebab-case, unique, and the core names of contract 4", () => {
        const names = policies.map((p) => p.name);
        expect(new Set(names).size).toBe(names.length);
        for (const name of names) {
            expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
        }
        expect(names.slice(0, 8)).toEqual([
            "key-separate-from-backups", "postgres-backup-retention", "postgres-geo-redundant-backup", "blob-container-private",
            "backup-lifecycle-rules", "keyvault-purge-protection", "dump-job-scheduled", "dump-job-cannot-read-key",
        ]);
    });

    it("names the pack lifeboat in PulumiPolicy.yaml and gives its package a version", () => {
        const yaml = fs.readFileSync(path.join(__dirname, "../../policies/PulumiPolicy.yaml"), "utf8");
        expect(yaml).toMatch(/^runtime: nodejs$/m);
        expect(yaml).toMatch(/^name: lifeboat$/m);
        const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "../../policies/package.json"), "utf8"));
        expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
        expect(pkg.dependencies).toEqual({ "@pulumi/policy": "1.21.0", "@pulumi/pulumi": "3.248.0" });
    });

    it("documents every policy in README.md with its default level", () => {
        const readme = fs.readFileSync(path.join(__dirname, "../../policies/README.md"), "utf8");
        for (const p of policies) {
            const row = readme.split("\n").find((line) => line.startsWith(`| \`${p.name}\` |`));
            expect([p.name, row?.split("|")[2].trim().split(" ")[0]]).toEqual([p.name, p.enforcementLevel]);
        }
    });
});
