/**
 * The plan as a reviewer reads it: four distinct marks, a summary that agrees with the verdicts
 * when a mandatory policy's findings were downgraded, the schedule and retention visible, lines
 * wrapped, a markdown form for a pull-request comment, colour only on a terminal.
 */
import { evaluatePolicies } from "../../policies/offline";
import { PlannedResource, PlanResult, presentation, renderPlan } from "../../tools/plan";
import { happyStack } from "../policies/fixtures";

function planned(type: string, name: string, props: Record<string, unknown>, secretPaths: string[] = []): PlannedResource {
    return {
        type, name, urn: `urn:pulumi:t::lifeboat::${type}::${name}`, props, secretPaths, custom: true,
        opts: { protect: false, retainOnDelete: false, ignoreChanges: [], dependencies: [], propertyDependencies: {} },
    };
}

const job = planned("azure-native:app:Job", "dump-job", {
    jobName: "dump-app",
    configuration: { triggerType: "Schedule", scheduleTriggerConfig: { cronExpression: "0 2 * * *" }, secrets: [{ name: "pg", value: "hunter2-password" }] },
}, ["configuration"]);
const lifecycle = planned("azure-native:storage:ManagementPolicy", "backups-lifecycle", {
    policy: { rules: [{ name: "lifeboat-daily", definition: { actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: 30 } } } } }] },
});

function result(): PlanResult {
    return {
        stack: "review", exitCode: 0, configErrors: [], resources: [job, lifecycle], outputs: {}, notes: [],
        verdicts: [
            { policy: "key-separate-from-backups", enforcementLevel: "advisory", urn: job.urn, type: job.type, name: job.name, message: `the vault's region is paired with a backup region ${"and this message goes on and on ".repeat(8)}` },
            { policy: "key-separate-from-backups", enforcementLevel: "advisory", message: "a second pair overlap" },
            { policy: "dump-job-scheduled", enforcementLevel: "mandatory", message: "database audit is dumped by no job" },
        ],
        policies: [
            { policy: "key-separate-from-backups", description: "", enforcementLevel: "mandatory", violations: 2, status: "advisory" },
            { policy: "postgres-backup-retention", description: "", enforcementLevel: "mandatory", violations: 0, status: "pass" },
            { policy: "rds-backup-retention", description: "", enforcementLevel: "mandatory", violations: 0, status: "not-applicable", notApplicable: "no aws:rds/instance:Instance in the stack" },
            { policy: "dump-job-scheduled", description: "", enforcementLevel: "mandatory", violations: 1, status: "mandatory" },
        ],
    };
}

describe("the plan's text", () => {
    // eslint-disable-next-line no-console
    if (process.env.SHOW_PLAN) console.log(renderPlan(result(), { width: 80 }));
    const text = renderPlan(result(), { width: 80 });

    it("marks pass, advisory, mandatory and not applicable distinctly", () => {
        expect(text).toContain("  ✓ postgres-backup-retention [mandatory] pass");
        expect(text).toContain("  – rds-backup-retention      [mandatory] not applicable: no");
        expect(text).toContain("  ✗ dump-job-scheduled        [mandatory] 1 violation");
        expect(text).toMatch(/ {2}! key-separate-from-backups \[mandatory\] 2 advisory findings \(downgraded by the\s+policy;/);
        expect(text).toContain("✓ pass   ! advisory   ✗ mandatory: blocks pulumi up   – not applicable");
    });

    it("a mandatory policy whose findings were all downgraded is not shown as failing, and the summary agrees", () => {
        const downgraded = { ...result(), policies: result().policies.filter((p) => p.status !== "mandatory"), verdicts: result().verdicts.filter((v) => v.enforcementLevel !== "mandatory") };
        const out = renderPlan(downgraded, { width: 80 });
        expect(out).not.toContain("✗ key-separate-from-backups");
        expect(out).toContain("No mandatory policy violation; 2 advisory findings to review.");
    });

    it("wraps every line to the width, with a hanging indent", () => {
        for (const line of text.split("\n")) {
            expect(line.length).toBeLessThanOrEqual(80);
        }
        expect(text).toContain("! key-separate-from-backups (advisory): the vault's region is paired");
    });

    it("shows the dump schedule although the job's configuration is secret, and never the secret", () => {
        expect(text).toMatch(/triggerType=Schedule\s+cronExpression=0 2 \* \* \*/);
        expect(text).not.toContain("hunter2");
    });

    it("shows the lifecycle rules' day counts", () => {
        expect(text).toContain("lifeboat-daily=delete 30 d after modification");
    });

    it("has no colour unless asked", () => {
        expect(text).not.toContain("\u001b[");
        expect(renderPlan(result(), { width: 80, colour: true })).toContain("\u001b[31m✗\u001b[0m dump-job-scheduled");
    });
});

describe("the plan as markdown, for a pull-request comment", () => {
    const md = renderPlan(result(), { format: "markdown" });

    it("leads with the verdict, lists findings and a policy table with the same four marks", () => {
        expect(md.split("\n")[0]).toBe("### Offline plan of stack `review`: ❌ blocked");
        expect(md).toContain("| ⚠️ | `key-separate-from-backups` | mandatory | 2 advisory findings (downgraded by the policy; nothing blocks) |");
        expect(md).toContain("| ➖ | `rds-backup-retention` | mandatory | not applicable: no aws:rds/instance:Instance in the stack |");
        expect(md).toContain("| ✅ | `postgres-backup-retention` | mandatory | pass |");
        expect(md).toContain("- ⚠️ **key-separate-from-backups** (advisory) on `azure-native:app:Job` `dump-job`: the vault's region");
        expect(md).toContain("<details><summary>Resources (2)</summary>");
        expect(md).not.toContain("hunter2");
    });
});

describe("presentation", () => {
    it("colours only a terminal, never with NO_COLOR, and wraps to its width", () => {
        expect(presentation({ isTTY: true, columns: 132, env: {} })).toEqual({ colour: true, width: 132 });
        expect(presentation({ isTTY: true, columns: 132, env: { NO_COLOR: "1" } })).toEqual({ colour: false, width: 132 });
        expect(presentation({ isTTY: false, columns: 132, env: {} })).toEqual({ colour: false, width: 100 });
    });
});

describe("policy status from the evaluator", () => {
    it("an AWS policy on an Azure-only stack is not applicable, not a pass", async () => {
        const { policies } = await evaluatePolicies(happyStack());
        const byName = new Map(policies.map((p) => [p.policy, p]));
        expect(byName.get("key-separate-from-backups")?.status).toBe("pass");
        expect(byName.get("rds-backup-retention")).toMatchObject({ status: "not-applicable", notApplicable: "no aws:rds/instance:Instance in the stack" });
        expect(byName.get("s3-versioning")).toMatchObject({ status: "not-applicable", notApplicable: "no S3 bucket holding backups" });
    });
});
