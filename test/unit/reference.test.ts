import * as fs from "fs";
import { readComponents, REFERENCE, reference } from "../../tools/reference";

describe("docs/REFERENCE.md: every component's inputs and outputs", () => {
    it("is the page generated from the components' source (run `npm run docs`)", () => {
        expect(fs.readFileSync(REFERENCE, "utf8")).toBe(reference());
    });

    it("covers every component of lifeboat/azure, /aws and /docker with its type token", () => {
        const { components } = readComponents();
        expect(components.map((c) => `${c.module}/${c.name}`).sort()).toEqual([
            "aws/AzureWebIdentityRole", "aws/BackupBucket", "aws/DumpTask", "aws/FieldKeySecret", "aws/JobRepository", "aws/RdsPostgres", "aws/TaskEnvironment",
            "azure/BackupAlerts", "azure/BackupStorage", "azure/DumpJob", "azure/FieldKeyVault", "azure/JobEnvironment", "azure/JobNetwork", "azure/JobRegistry", "azure/PostgresServer", "azure/RecoveryJob", "azure/ResourceLogs",
            "docker/JobImage", "docker/LocalBackup",
        ]);
        for (const c of components) {
            expect([c.name, c.token]).toEqual([c.name, `lifeboat:${c.module}:${c.name}`]);
        }
    });

    it("documents the default of every optional input (STYLE.md: `@default`, applied with ??)", () => {
        const { components, types } = readComponents();
        const missing = [
            ...components.flatMap((c) => c.inputs.filter((m) => m.optional && m.default === undefined).map((m) => `${c.argsType}.${m.name}`)),
            ...types.flatMap((t) => t.members.filter((m) => m.optional && m.default === undefined).map((m) => `${t.name}.${m.name}`)),
        ];
        expect(missing).toEqual([]);
    });
});
