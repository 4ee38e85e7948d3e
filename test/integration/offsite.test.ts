/**
 * The off-site copy written from Azure: with LIFEBOAT_AWS_ROLE_ARN set, the s3 target gets its
 * credentials by exchanging the job's managed-identity token (the Container Apps identity
 * endpoint, IDENTITY_ENDPOINT/IDENTITY_HEADER) at STS (AssumeRoleWithWebIdentity). Both
 * endpoints are loopback fakes; the bucket is s3rver.
 */
import * as http from "http";
import { AddressInfo } from "net";
import { cleanEnv, cli, Cluster, S3, s3Keys, seedReferenceApp, sets, startCluster, startS3 } from "./helpers";

let pg: Cluster;
let s3: S3;
let identity: http.Server;
let sts: http.Server;
const tokenRequests: string[] = [];
const stsRequests: URLSearchParams[] = [];
let stsRefuses = false;

function listen(server: http.Server): Promise<number> {
    return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

beforeAll(async () => {
    identity = http.createServer((req, res) => {
        tokenRequests.push(`${req.headers["x-identity-header"] ?? ""} ${req.url ?? ""}`);
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ access_token: "entra-token-for-offsite", expires_on: String(Math.floor(Date.now() / 1000) + 3600), resource: "api://lifeboat-offsite", token_type: "Bearer" }));
    });
    sts = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d: Buffer) => (body += d.toString()));
        req.on("end", () => {
            stsRequests.push(new URLSearchParams(body));
            res.setHeader("content-type", "text/xml");
            if (stsRefuses) {
                res.statusCode = 403;
                res.end("<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message></Error></ErrorResponse>");
                return;
            }
            const expiration = new Date(Date.now() + 3600_000).toISOString();
            res.end(
                `<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>S3RVER</AccessKeyId><SecretAccessKey>S3RVER</SecretAccessKey><SessionToken>session-token</SessionToken><Expiration>${expiration}</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>`,
            );
        });
    });
    const started = await Promise.allSettled([startCluster(), startS3("offsite-copy"), listen(identity), listen(sts)]);
    if (started[0].status === "fulfilled") pg = started[0].value;
    if (started[1].status === "fulfilled") s3 = started[1].value;
    const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    seedReferenceApp(pg, 300);
});

afterAll(async () => {
    await Promise.all([pg?.stop(), s3?.stop(), new Promise((r) => identity.close(r)), new Promise((r) => sts.close(r))]);
});

function offsiteEnv(): NodeJS.ProcessEnv {
    return cleanEnv({
        ...pg.env(),
        AWS_ENDPOINT_URL: s3.endpoint,
        AWS_REGION: "eu-central-1",
        AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${(sts.address() as AddressInfo).port}/`,
        LIFEBOAT_AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/lifeboat-offsite-writer",
        LIFEBOAT_AWS_AUDIENCE: "api://lifeboat-offsite",
        IDENTITY_ENDPOINT: `http://127.0.0.1:${(identity.address() as AddressInfo).port}/msi/token`,
        IDENTITY_HEADER: "container-apps-identity-header",
    });
}

test("the job's managed identity is exchanged at STS for the off-site role, and the set lands in the bucket", async () => {
    const r = await cli(["backup", "--databases", "main,audit", "--target", "s3://offsite-copy/prod"], offsiteEnv());
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(tokenRequests.some((t) => t.startsWith("container-apps-identity-header ") && t.includes(encodeURIComponent("api://lifeboat-offsite")))).toBe(true);
    expect(stsRequests.length).toBeGreaterThan(0);
    const call = stsRequests[0];
    expect(call.get("Action")).toBe("AssumeRoleWithWebIdentity");
    expect(call.get("RoleArn")).toBe("arn:aws:iam::123456789012:role/lifeboat-offsite-writer");
    expect(call.get("WebIdentityToken")).toBe("entra-token-for-offsite");
    expect((await s3Keys(s3, "prod/")).filter((k) => k.endsWith("manifest.json"))).toHaveLength(1);
    const listed = sets(await cli(["list", "--target", "s3://offsite-copy/prod", "--json"], offsiteEnv()));
    expect(listed).toHaveLength(1);
});

test("a role that refuses the identity fails the backup with the trust policy to check, and writes nothing", async () => {
    stsRefuses = true;
    try {
        const r = await cli(["backup", "--databases", "main", "--target", "s3://offsite-copy/refused"], offsiteEnv());
        expect(r.code).toBe(1);
        expect(r.stderr.trim()).toBe(
            "lifeboat: error: STS refused the web identity: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity (check the role's trust policy (issuer, sub = the managed identity's principal ID, aud) and LIFEBOAT_AWS_AUDIENCE)",
        );
        expect(r.stdout).not.toContain("entra-token-for-offsite");
        expect(await s3Keys(s3, "refused/")).toEqual([]);
    } finally {
        stsRefuses = false;
    }
});
