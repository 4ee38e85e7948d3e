import { planStack, PlanResult } from "../../tools/plan";

function byType(result: PlanResult, type: string) {
    return result.resources.filter((r) => r.type === type);
}

const PRINCIPAL = "33333333-3333-3333-3333-333333333333"; // the jobs identity's principalId in the offline plan
const TENANT = "11111111-1111-1111-1111-111111111111";

describe("prod with an off-site S3 copy", () => {
    let result: PlanResult;
    beforeAll(async () => {
        result = await planStack({ stack: "prod", config: { offsite: { s3: { region: "eu-north-1", objectLockDays: 21, objectLockMode: "COMPLIANCE", audience: "api://lifeboat-offsite" } } } });
    });

    it("plans with no config error and no mandatory violation", () => {
        expect(result.configErrors).toEqual([]);
        expect(result.error).toBeUndefined();
        expect(result.verdicts.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
        expect(result.verdicts.filter((v) => v.policy.startsWith("s3-") || v.policy === "key-separate-from-backups")).toEqual([]);
        expect(result.exitCode).toBe(0);
    });

    it("gives the dump job both targets and the role it assumes by web identity", () => {
        const [dump] = byType(result, "azure-native:app:Job").filter((j) => (j.props.tags as Record<string, string>)["lifeboat-role"] === "dump-job");
        const env = Object.fromEntries(((dump.props.template as any).containers[0].env as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
        expect(env.LIFEBOAT_TARGET).toMatch(/^azblob:\/\/[a-z0-9]+\/dumps,s3:\/\/[a-z0-9.-]+$/);
        expect(env.LIFEBOAT_AWS_AUDIENCE).toBe("api://lifeboat-offsite");
        expect(env.LIFEBOAT_AWS_ROLE_ARN).toBeDefined();
        expect(env.AWS_REGION).toBe("eu-north-1");
    });

    it("plans the bucket in the configured region with every configuration", () => {
        const [bucket] = byType(result, "aws:s3/bucket:Bucket");
        expect(bucket.props).toMatchObject({ region: "eu-north-1", objectLockEnabled: true, tags: { "lifeboat-role": "backups" } });
        expect(bucket.opts.protect).toBe(true);
        expect(byType(result, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")[0].props.rule).toEqual({ defaultRetention: { mode: "COMPLIANCE", days: 21 } });
        const lifecycle = byType(result, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")[0].props.rules as Array<Record<string, any>>;
        expect(lifecycle.map((r) => [r.filter.prefix, r.expiration.days])).toEqual([["daily/", 30], ["weekly/", 90], ["monthly/", 365], ["verifications/", 400], ["", undefined]]);
        for (const type of ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "aws:s3/bucketPolicy:BucketPolicy", "aws:kms/key:Key"]) {
            expect([type, byType(result, type).map((r) => r.props.region)]).toEqual([type, ["eu-north-1"]]);
        }
        expect(byType(result, "pulumi:providers:aws").map((p) => p.props.region)).toEqual(["eu-north-1"]);
    });

    it("plans the OIDC provider for the tenant and a role only the jobs identity can assume, for the audience", () => {
        const [provider] = byType(result, "aws:iam/openIdConnectProvider:OpenIdConnectProvider");
        expect(provider.props).toMatchObject({ url: `https://sts.windows.net/${TENANT}/`, clientIdLists: ["api://lifeboat-offsite"] });
        const role = byType(result, "aws:iam/role:Role").find((r) => r.name === "offsite-writer-role");
        const trust = JSON.parse(String(role?.props.assumeRolePolicy));
        expect(trust.Statement[0]).toMatchObject({
            Action: "sts:AssumeRoleWithWebIdentity",
            Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/sts.windows.net/${TENANT}/` },
            Condition: { StringEquals: { [`sts.windows.net/${TENANT}/:sub`]: PRINCIPAL, [`sts.windows.net/${TENANT}/:aud`]: "api://lifeboat-offsite" } },
        });
        const policy = String(byType(result, "aws:iam/rolePolicy:RolePolicy")[0].props.policy);
        expect(policy).toContain("s3:PutObject");
        expect(policy).not.toMatch(/Delete|BypassGovernance|PutObjectRetention/);
    });

    it("gives the dump job both targets", () => {
        const job = byType(result, "azure-native:app:Job").find((j) => (j.props.tags as Record<string, string>)["lifeboat-role"] === "dump-job" && j.name.startsWith("dump-"));
        if (job === undefined) {
            throw new Error("no dump job planned");
        }
        const env = ((job.props.template as any).containers[0].env as Array<{ name: string; value?: string }>);
        const target = env.find((e) => e.name === "LIFEBOAT_TARGET")?.value ?? "";
        expect(target.split(",")).toEqual([expect.stringMatching(/^azblob:\/\//), expect.stringMatching(/^s3:\/\/lifeboat-prod-offsite-[0-9a-f]{8}$/)]);
        expect(result.outputs.offsiteRegion).toBe("eu-north-1");
        expect(result.outputs.offsiteRoleArn).toBe("arn:aws:iam::123456789012:role/offsite-writer-role");
    });
});

describe("off-site config", () => {
    it("defaults the lock to 14 days, governance mode, and a derived bucket name", async () => {
        const result = await planStack({ stack: "prod", config: { offsite: { s3: { region: "eu-north-1", audience: "api://lifeboat-offsite" } } } });
        expect(result.exitCode).toBe(0);
        expect(byType(result, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")[0].props.rule).toEqual({ defaultRetention: { mode: "GOVERNANCE", days: 14 } });
    });

    it.each<[string, Record<string, unknown>, string]>([
        ["no audience", { region: "eu-north-1" }, "lifeboat:offsite.s3.audience: missing; required: the application ID URI of an Entra app registration (e.g. api://lifeboat-offsite) the dump job's managed identity gets its token for; the IAM role trusts that audience only"],
        ["an Azure region", { region: "westeurope", audience: "api://lifeboat-offsite" }, "lifeboat:offsite.s3.region: got \"westeurope\"; allowed: an AWS region code such as us-east-1, us-east-2, us-west-1"],
        ["a lock longer than the daily tier", { region: "eu-north-1", objectLockDays: 45, audience: "api://lifeboat-offsite" }, "lifeboat:offsite.s3.objectLockDays: got 45; allowed: a whole number from 1 to 30"],
        ["an unknown lock mode", { region: "eu-north-1", objectLockMode: "FOREVER", audience: "api://lifeboat-offsite" }, "lifeboat:offsite.s3.objectLockMode: got \"FOREVER\"; allowed: one of GOVERNANCE, COMPLIANCE"],
        ["a bad bucket name", { region: "eu-north-1", bucketName: "Off_Site", audience: "api://lifeboat-offsite" }, "lifeboat:offsite.s3.bucketName: got \"Off_Site\"; allowed: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, not an IP address"],
        ["an audience that is not an app ID URI", { region: "eu-north-1", audience: "lifeboat" }, "lifeboat:offsite.s3.audience: got \"lifeboat\"; allowed: an Entra application ID URI (api://... or https://...) or application (client) ID that the managed identity requests its token for"],
    ])("refuses %s", async (_title, s3, message) => {
        const result = await planStack({ stack: "prod", config: { offsite: { s3 } } });
        expect(result.exitCode).toBe(1);
        expect(result.configErrors).toContain(message);
        expect(result.resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
    });
});
