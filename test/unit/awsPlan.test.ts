// The AWS target's plan (stacks/aws.ts awsPlan): config in, plain data out, checked before
// anything is declared; awsStack only declares it.
import { Problems } from "../../components/validation";
import { awsPlan, planAws } from "../../stacks/aws";
import { LifeboatConfig, parseConfig } from "../../stacks/config";
import { planningMocks } from "./mocks";

const declared = planningMocks("aws");

afterAll(() => {
    // Planning declared nothing and called nothing.
    expect(declared).toEqual([]);
});

function config(values: Record<string, unknown> = {}): LifeboatConfig {
    return parseConfig({
        values: {
            target: "aws",
            servers: [{ name: "casework-aws-pg", location: "eu-central-1", backupReplicationRegion: "eu-west-1", highAvailability: "ZoneRedundant", databases: ["main", "audit"] }],
            backupStorage: { location: "eu-west-1" },
            keyVault: { location: "eu-west-3" },
            alerts: { emails: ["ops@example.com"], webhookUrl: "https://hooks.example.com/very-secret-token" },
            schedule: { cron: "30 1 * * *", timezone: "Europe/Berlin" },
            ...values,
        },
    }, "aws");
}

describe("awsPlan: config to plain data", () => {
    it("is plain data that holds no secret", () => {
        const plan = awsPlan(config());
        expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
        expect(JSON.stringify(plan)).not.toContain("very-secret-token");
        expect([plan.alerts, plan.bringsKey]).toEqual([{ emails: ["ops@example.com"], webhook: true }, false]);
    });

    it("puts each thing in its region and names what the stack builds", () => {
        const plan = awsPlan(config());
        expect([plan.region, plan.servers[0].region, plan.servers[0].backupReplicationRegion, plan.servers[0].multiAz]).toEqual(["eu-central-1", "eu-central-1", "eu-west-1", true]);
        expect([plan.key.region, plan.bucket.region, plan.bucket.bucketName]).toEqual(["eu-west-3", "eu-west-1", expect.stringMatching(/^lifeboat-aws-backups-[0-9a-f]{8}$/)]);
        expect([plan.repository, plan.image]).toEqual([{ repositoryName: "lifeboat/aws", tag: "aws" }, ""]);
        expect(plan.jobs.map((j) => [j.jobName, j.cron, j.timezone, j.bucketRegion])).toEqual([["lifeboat-dump-casework-aws-pg", "30 1 * * *", "Europe/Berlin", "eu-west-1"]]);
    });

    it("a prebuilt image means no repository", () => {
        const plan = awsPlan(config({ schedule: { image: "ghcr.io/example/lifeboat@sha256:0123" } }));
        expect([plan.repository, plan.image]).toEqual([undefined, "ghcr.io/example/lifeboat@sha256:0123"]);
    });
});

describe("planAws: the plan and its checks in one pass", () => {
    it("returns the plan and reports every problem of it under the config key", () => {
        const problems = new Problems();
        const plan = planAws(config({ keyVault: { location: "eu-west-1" } }), problems);
        expect(plan.key.region).toBe("eu-west-1");
        expect(problems.list.map((p) => p.path)).toEqual(["lifeboat:keyVault.location"]);
    });
});
