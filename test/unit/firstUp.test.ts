// What a first real `pulumi up` (and preview) needs that mocks accept anyway, and what keeps a
// later `up` from failing or replacing (issue 13): each test pins the input the cloud must see.
// The plan runs the real program under its own mocks, so these tests use it (or pure functions)
// rather than a recording mock of their own.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import * as aws from "../../components/aws";
import * as azure from "../../components/azure";
import { Problems } from "../../components/validation";
import { azurePlan, restoreTimeUtc } from "../../stacks/azure";
import { parseConfig } from "../../stacks/config";
import { planStack, PlanResult, PlannedResource } from "../../tools/plan";

const root = path.resolve(__dirname, "..", "..");
const sourceServerId = "/subscriptions/0f1e2d3c-0000-4000-8000-000000000001/resourceGroups/lifeboat-prod-data/providers/Microsoft.DBforPostgreSQL/flexibleServers/casework-prod-pg";
const recoverKey = { location: "francecentral", name: "lb-prod-keep", resourceGroupName: "lifeboat-prod-key", recover: true, expectedFingerprint: "sha256:0123456789abcdef" };

function only(result: PlanResult, type: string): PlannedResource[] {
    return result.resources.filter((r) => r.type === type);
}

function problemsOf(run: (p: Problems) => void): string[] {
    const p = new Problems();
    run(p);
    return p.list.map((x) => `${x.path}: ${x.given}; ${x.allowed}`);
}

/** ISO 8601 durations as the alert rules use them (PT15M, PT2H, P1D, P2D) -> minutes. */
function minutes(duration: string): number {
    const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(duration);
    if (m === null) {
        throw new Error(`not an ISO 8601 duration: ${duration}`);
    }
    return Number(m[1] ?? 0) * 1440 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

describe("restore stacks preview and up in one go: nothing is imported that the same run creates", () => {
    let dr: PlanResult;
    let restored: PlanResult;
    beforeAll(async () => {
        dr = await planStack({ stack: "dr" });
        restored = await planStack({ stack: "dr", config: { restore: { mode: "restored" } } });
    });

    it("the dr plan imports nothing and declares none of the restored server's databases", () => {
        expect(dr.configErrors).toEqual([]);
        expect(dr.resources.filter((r) => r.importId !== undefined).map((r) => `${r.type} ${r.name}`)).toEqual([]);
        expect(only(dr, "azure-native:dbforpostgresql:Database")).toEqual([]);
        // The jobs still know which databases to dump.
        expect(dr.outputs.databases).toEqual({ "casework-dr-pg": ["main", "audit"] });
    });

    it("GeoRestore asks for a point in time (the SDK requires one for GeoRestore and ReviveDropped): the time of the run", () => {
        const [server] = only(dr, "azure-native:dbforpostgresql:Server");
        expect(server.props.createMode).toBe("GeoRestore");
        expect(server.props.pointInTimeUTC).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
        // Ignored after creation: a later run's new time never replaces the server.
        expect(server.opts.ignoreChanges).toContain("pointInTimeUTC");
    });

    it("the restore create sends no admin password (the service keeps the source's); mode restored sends it, as an update", () => {
        const [creating] = only(dr, "azure-native:dbforpostgresql:Server");
        expect(creating.props.administratorLoginPassword).toBeUndefined();
        expect(creating.props.administratorLogin).toBe("lifeboat_admin");
        const [after] = only(restored, "azure-native:dbforpostgresql:Server");
        expect(restored.configErrors).toEqual([]);
        expect(after.props.administratorLoginPassword).toBe("offline-plan-password");
        expect(after.secretPaths).toContain("administratorLoginPassword");
        expect(after.props.createMode).toBeUndefined();
        expect(after.opts.ignoreChanges).toEqual(expect.arrayContaining(["createMode", "sourceServerResourceId", "pointInTimeUTC"]));
        // The jobs log in with the very password the server is given.
        const dump = only(restored, "azure-native:app:Job").find((j) => j.props.jobName === "dump-casework-dr-pg") as PlannedResource;
        expect((dump.props.configuration as { secrets: { name: string; value: string }[] }).secrets).toEqual([{ name: "pg-password", value: "offline-plan-password" }]);
        expect(only(restored, "azure-native:dbforpostgresql:Database")).toEqual([]);
        expect(restored.resources.filter((r) => r.importId !== undefined)).toEqual([]);
    });

    it("ReviveDropped gets the time of the run too; PointInTimeRestore keeps the one given", () => {
        const cfg = parseConfig({
            values: {
                target: "azure", servers: [{ name: "casework-prod-pg", location: "westeurope", databases: ["main"] }], keyVault: recoverKey,
                restore: { mode: "revive", sourceServerId },
            },
        }, "unit");
        const now = new Date("2026-12-01T10:11:12.345Z");
        const plan = azurePlan(cfg, now);
        expect(plan.servers[0].restore).toEqual({ createMode: "ReviveDropped", sourceServerResourceId: sourceServerId, pointInTimeUTC: "2026-12-01T10:11:12Z" });
        expect(restoreTimeUtc(now)).toBe("2026-12-01T10:11:12Z");
        const pitr = azurePlan({ ...cfg, restore: { mode: "pointInTime", sourceServerId, pointInTime: "2026-11-30T08:00:00Z" } }, now);
        expect(pitr.servers[0].restore?.pointInTimeUTC).toBe("2026-11-30T08:00:00Z");
    });

    it("the component refuses a GeoRestore without a time", () => {
        const args: azure.PostgresServerArgs = {
            resourceGroupName: "rg", serverName: "app-pg", location: "northeurope", tenantId: "t", databases: ["main"],
            restore: { createMode: "GeoRestore", sourceServerResourceId: sourceServerId },
        };
        expect(problemsOf((p) => azure.validatePostgresServerArgs(args, p))).toEqual([
            "args.restore.pointInTimeUTC: nothing; required for GeoRestore: an ISO 8601 UTC time such as 2026-11-20T13:45:00Z (for GeoRestore and ReviveDropped, the current time)",
        ]);
    });
});

describe("the data resource group", () => {
    let result: PlanResult;
    beforeAll(async () => {
        result = await planStack({ stack: "prod", config: { operatorIpRanges: ["203.0.113.0/24", "198.51.100.7"] } });
    });

    it("is protected, and every resource in it records a dependency on it", () => {
        expect(result.configErrors).toEqual([]);
        const [group] = only(result, "azure-native:resources:ResourceGroup").filter((r) => r.props.resourceGroupName === "lifeboat-prod-data");
        expect(group.opts.protect).toBe(true);
        const inGroup = result.resources.filter((r) => r.custom && r !== group && r.props.resourceGroupName === "lifeboat-prod-data");
        expect(inGroup.length).toBeGreaterThan(20);
        expect(inGroup.filter((r) => !r.opts.dependencies.includes(group.urn)).map((r) => `${r.type} ${r.name}`)).toEqual([]);
        // The key's own group is protected too, and the vault depends on it.
        const [keyGroup] = only(result, "azure-native:resources:ResourceGroup").filter((r) => r.props.resourceGroupName === "lifeboat-prod-key");
        expect(keyGroup.opts.protect).toBe(true);
        expect(only(result, "azure-native:keyvault:Vault")[0].opts.dependencies).toContain(keyGroup.urn);
    });

    it("admits the operators' ranges through the storage and vault firewalls, and nothing else changes", () => {
        const [account] = only(result, "azure-native:storage:StorageAccount");
        expect(account.props.networkRuleSet).toMatchObject({
            defaultAction: "Deny",
            bypass: "AzureServices",
            ipRules: [{ iPAddressOrRange: "203.0.113.0/24", action: "Allow" }, { iPAddressOrRange: "198.51.100.7", action: "Allow" }],
        });
        expect((account.props.networkRuleSet as { virtualNetworkRules: unknown[] }).virtualNetworkRules).toHaveLength(1);
        const [vault] = only(result, "azure-native:keyvault:Vault");
        expect((vault.props.properties as { networkAcls: unknown }).networkAcls).toEqual({
            defaultAction: "Deny", bypass: "AzureServices", ipRules: [{ value: "203.0.113.0/24" }, { value: "198.51.100.7" }],
        });
        expect(result.verdicts.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
    });

    it("creates alert rules that skip query validation (the log table exists only once a job has logged), and one failure notifies once", () => {
        const rules = only(result, "azure-native:monitor:ScheduledQueryRule");
        expect(rules.map((r) => r.name).sort()).toEqual(["alerts-backup-stale", "alerts-dump-failed", "alerts-restore-test-failed"]);
        for (const rule of rules) {
            const p = rule.props as { skipQueryValidation: boolean; autoMitigate: boolean; muteActionsDuration: string; windowSize: string; evaluationFrequency: string };
            expect([rule.name, p.skipQueryValidation, p.autoMitigate]).toEqual([rule.name, true, false]);
            // Stateless: each evaluation that still sees the failed run in its window fires. The
            // mute outlasts the window plus one evaluation (for ingestion delay): one notification.
            // (The stale rule looks back two days and notifies once a day while it lasts.)
            expect(minutes(p.muteActionsDuration)).toBeGreaterThanOrEqual(Math.min(minutes(p.windowSize), 1440 - 60) + minutes(p.evaluationFrequency));
        }
        const dump = rules.find((r) => r.name === "alerts-dump-failed") as PlannedResource;
        expect([dump.props.windowSize, dump.props.evaluationFrequency, dump.props.muteActionsDuration]).toEqual(["PT1H", "PT15M", "PT2H"]);
    });
});

describe("operatorIpRanges is checked before anything is declared", () => {
    it.each([
        ["a /32", ["203.0.113.7/32"], "lifeboat:operatorIpRanges[0]: got \"203.0.113.7/32\"; allowed: a public IPv4 address such as 203.0.113.7, or a CIDR range from /8 to /30"],
        ["a private range", ["10.1.0.0/16"], "lifeboat:operatorIpRanges[0]: got \"10.1.0.0/16\"; allowed: a public address or range"],
        ["not an address", ["office"], "lifeboat:operatorIpRanges[0]: got \"office\"; allowed: a public IPv4 address"],
    ])("refuses %s", async (_, ranges, message) => {
        const result = await planStack({ stack: "prod", config: { operatorIpRanges: ranges } });
        expect(result.exitCode).toBe(1);
        expect(result.configErrors.some((e) => e.startsWith(message))).toBe(true);
        expect(result.resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
    });

    it("refuses it on aws, which has no IP firewall in front of the backups", async () => {
        const result = await planStack({ stack: "aws", config: { operatorIpRanges: ["203.0.113.0/24"] } });
        expect(result.configErrors).toContain("lifeboat:operatorIpRanges: got [\"203.0.113.0/24\"]; allowed: only with target azure (S3 and Secrets Manager are reached with IAM credentials, not through an IP firewall); remove it");
    });
});

describe("Azure components", () => {
    it("splits each tier's lifecycle rule at 10 prefixes (Azure's limit per rule), keeping the first rule's name", () => {
        const containers = Array.from({ length: 23 }, (_, i) => (i === 0 ? "dumps" : `dumps-pg${i}`));
        const rules = azure.lifecycleRules(containers, { dailyDays: 30, weeklyDays: 90, monthlyDays: 365 });
        expect(rules.map((r) => r.name)).toEqual([
            "lifeboat-daily", "lifeboat-daily-2", "lifeboat-daily-3",
            "lifeboat-weekly", "lifeboat-weekly-2", "lifeboat-weekly-3",
            "lifeboat-monthly", "lifeboat-monthly-2", "lifeboat-monthly-3",
            "lifeboat-verifications", "lifeboat-verifications-2", "lifeboat-verifications-3",
        ]);
        const prefixes = (r: (typeof rules)[number]) => ((r.definition as { filters: { prefixMatch: string[] } }).filters.prefixMatch);
        expect(Math.max(...rules.map((r) => prefixes(r).length))).toBe(azure.MAX_PREFIXES_PER_RULE);
        expect(rules.filter((r) => String(r.name).startsWith("lifeboat-daily")).flatMap(prefixes)).toEqual(containers.map((c) => `${c}/daily/`));
        // Up to 10 containers: one rule per tier, as before.
        expect(azure.lifecycleRules(containers.slice(0, 10), { dailyDays: 30, weeklyDays: 90, monthlyDays: 365 }).map((r) => r.name)).toEqual(["lifeboat-daily", "lifeboat-weekly", "lifeboat-monthly", "lifeboat-verifications"]);
    });

    it("creates the vault with an empty access policy list (required on create unless recovering)", () => {
        const inputs = azure.vaultInputs({ resourceGroupName: "rg", vaultName: "lb-unit-ap", location: "swedencentral", tenantId: "t" });
        expect((inputs.properties as { accessPolicies: unknown[]; enableRbacAuthorization: boolean })).toMatchObject({ accessPolicies: [], enableRbacAuthorization: true });
    });

    it("ignores the storage size after creation while auto-grow is on, and only then", () => {
        const base: azure.PostgresServerArgs = { resourceGroupName: "rg", serverName: "app-pg", location: "westeurope", tenantId: "t", databases: ["main"] };
        expect(azure.serverIgnoreChanges(base)).toEqual(["createMode", "sourceServerResourceId", "pointInTimeUTC", "storage.storageSizeGB"]);
        expect(azure.serverIgnoreChanges({ ...base, storageAutoGrow: false })).toEqual(["createMode", "sourceServerResourceId", "pointInTimeUTC"]);
    });

});

describe("AWS: scheduled backups start, and alarms are delivered", () => {
    let result: PlanResult;
    beforeAll(async () => {
        result = await planStack({ stack: "aws" });
    });

    it("the scheduler role may tag the task it starts (RunTask with tags needs ecs:TagResource), only on RunTask", () => {
        const policy = JSON.parse(String(only(result, "aws:iam/rolePolicy:RolePolicy").find((r) => r.name.endsWith("-scheduler"))?.props.policy));
        const tag = policy.Statement.find((s: { Action: string[] }) => s.Action.includes("ecs:TagResource"));
        expect(tag).toEqual({ Sid: "TagTheStartedTask", Effect: "Allow", Action: ["ecs:TagResource"], Resource: "*", Condition: { StringEquals: { "ecs:CreateAction": "RunTask" } } });
        expect(policy.Statement.flatMap((s: { Action: string[] }) => s.Action).sort()).toEqual(["ecs:RunTask", "ecs:TagResource", "iam:PassRole"]);
        // What makes the permission necessary: the target tags the task.
        const [schedule] = only(result, "aws:scheduler/schedule:Schedule");
        expect((schedule.props.target as { ecsParameters: { propagateTags: string } }).ecsParameters.propagateTags).toBe("TASK_DEFINITION");
    });

    it("encrypts the alarm topic with a customer-managed key whose policy admits CloudWatch", () => {
        const [topic] = only(result, "aws:sns/topic:Topic");
        const key = only(result, "aws:kms/key:Key").find((k) => k.name === "jobs-alarms-key") as PlannedResource;
        expect(topic.props.kmsMasterKeyId).toBe("arn:aws:kms:eu-central-1:123456789012:key/jobs-alarms-key");
        expect(topic.props.kmsMasterKeyId).not.toMatch(/alias\/aws\/sns/);
        expect([key.props.enableKeyRotation, key.opts.protect]).toEqual([true, true]);
        const [keyPolicy] = only(result, "aws:kms/keyPolicy:KeyPolicy");
        expect(keyPolicy.props.keyId).toBe("jobs-alarms-key");
        // The topic is created once CloudWatch may use its key.
        expect(topic.opts.dependencies).toContain(keyPolicy.urn);
        const doc = JSON.parse(String(keyPolicy.props.policy));
        expect(doc).toEqual({
            Version: "2012-10-17",
            Statement: [
                // Without the account's own statement KMS refuses the policy (lockout safety check).
                { Sid: "AccountAdministersTheKey", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
                // AWS SNS Developer Guide: the service principal needs kms:Decrypt and kms:GenerateDataKey*.
                { Sid: "CloudWatchAlarmsPublish", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: ["kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*" },
            ],
        });
        // Every alarm publishes to that topic.
        for (const alarm of only(result, "aws:cloudwatch/metricAlarm:MetricAlarm")) {
            expect(alarm.props.alarmActions).toEqual(["arn:aws:sns:eu-central-1:123456789012:jobs-alarms"]);
        }
    });

    it("derives the account from an ARN", () => {
        expect(aws.accountOf("arn:aws:kms:eu-central-1:210987654321:key/abc")).toBe("210987654321");
    });
});

describe("the pull-request workflow's cloud preview", () => {
    const workflow = parseYaml(fs.readFileSync(path.join(root, ".github", "workflows", "pull-request.yml"), "utf8"));
    const preview = workflow.jobs.preview;
    const prereq = preview.steps.find((s: { id?: string }) => s.id === "prereq");
    const all = { PULUMI_ACCESS_TOKEN: "t", ARM_CLIENT_ID: "c", ARM_TENANT_ID: "t", ARM_SUBSCRIPTION_ID: "s", AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "k" };

    /** Runs the prerequisites step for one stack, as the runner would: its output and its notices. */
    function check(stack: string, env: Record<string, string>): { run: string; log: string } {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-wf-"));
        const output = path.join(dir, "output");
        fs.writeFileSync(output, "");
        const script = String(prereq.run).split("${{ matrix.stack }}").join(stack);
        const log = execFileSync("bash", ["-c", script], {
            cwd: root, encoding: "utf8",
            env: { PATH: process.env.PATH ?? "", GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: path.join(dir, "summary"), ...env },
        });
        const run = /run=(\w+)/.exec(fs.readFileSync(output, "utf8"))?.[1] ?? "";
        fs.rmSync(dir, { recursive: true, force: true });
        return { run, log };
    }

    it("upserts the stack, and runs every later step only when the prerequisites are met", () => {
        const action = preview.steps.find((s: { uses?: string }) => s.uses?.startsWith("pulumi/actions"));
        expect(action.with.upsert).toBe(true);
        expect(preview.needs).toEqual(["checks"]);
        for (const step of preview.steps.slice(preview.steps.indexOf(prereq) + 1)) {
            expect(step.if).toBe("steps.prereq.outputs.run == 'true'");
        }
    });

    it("gates the aws stack on AWS credentials, not Azure's", () => {
        const { PULUMI_ACCESS_TOKEN, ARM_CLIENT_ID, ARM_TENANT_ID, ARM_SUBSCRIPTION_ID } = all;
        const azureOnly = check("aws", { PULUMI_ACCESS_TOKEN, ARM_CLIENT_ID, ARM_TENANT_ID, ARM_SUBSCRIPTION_ID });
        expect(azureOnly.run).toBe("false");
        expect(azureOnly.log).toContain("::notice title=pulumi preview of aws skipped::secrets not available: AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY (target aws)");
        expect(check("aws", all).run).toBe("true");
    });

    it("gates an azure stack on the Pulumi token and Azure credentials, and says which are missing", () => {
        const none = check("prod", {});
        expect(none.run).toBe("false");
        expect(none.log).toContain("secrets not available: PULUMI_ACCESS_TOKEN ARM_CLIENT_ID ARM_TENANT_ID ARM_SUBSCRIPTION_ID (target azure)");
        expect(check("prod", { ...all, AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" }).run).toBe("true");
    });

    it("skips the dr example while it holds the placeholder subscription, and says so", () => {
        const dr = check("dr", all);
        expect(dr.run).toBe("false");
        expect(dr.log).toContain("stacks/Pulumi.dr.yaml still holds the placeholder subscription 00000000-0000-0000-0000-000000000000");
    });
});
