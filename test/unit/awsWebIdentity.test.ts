import * as http from "http";
import { AddressInfo } from "net";
import { azureWebIdentityCredentials, parseAssumeRoleResponse, scopeFor, webIdentityFromEnv } from "../../scripts/awsWebIdentity";

const ROLE = "arn:aws:iam::123456789012:role/offsite-writer-role";

function stsResponse(expiration: Date): string {
    return `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>
<Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>secret/key+1</SecretAccessKey><SessionToken>token&amp;1</SessionToken>
<Expiration>${expiration.toISOString()}</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>`;
}

/** A stand-in for STS on loopback: records each request's form and answers with `answer`. */
async function fakeSts(answer: () => { status: number; body: string }): Promise<{ url: string; requests: URLSearchParams[]; close(): Promise<void> }> {
    const requests: URLSearchParams[] = [];
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c) => { body += c; });
        req.on("end", () => {
            requests.push(new URLSearchParams(body));
            const a = answer();
            res.writeHead(a.status, { "content-type": "text/xml" });
            res.end(a.body);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}/`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("azureWebIdentityCredentials", () => {
    it("exchanges the managed identity's token for the audience at STS, and caches the credentials", async () => {
        const sts = await fakeSts(() => ({ status: 200, body: stsResponse(new Date(Date.now() + 3600_000)) }));
        const scopes: string[] = [];
        try {
            const provider = azureWebIdentityCredentials({
                roleArn: ROLE, audience: "api://lifeboat-aws", endpoint: sts.url, sessionName: "lifeboat-test",
                getToken: async (scope) => { scopes.push(scope); return "entra.jwt.token"; },
            });
            const creds = await provider();
            expect(creds).toMatchObject({ accessKeyId: "ASIAEXAMPLE", secretAccessKey: "secret/key+1", sessionToken: "token&1" });
            expect(creds.expiration).toBeInstanceOf(Date);
            await provider();
            expect(scopes).toEqual(["api://lifeboat-aws/.default"]);
            expect(sts.requests).toHaveLength(1);
            expect(Object.fromEntries(sts.requests[0])).toEqual({
                Action: "AssumeRoleWithWebIdentity", Version: "2011-06-15", RoleArn: ROLE, RoleSessionName: "lifeboat-test",
                WebIdentityToken: "entra.jwt.token", DurationSeconds: "3600",
            });
        } finally {
            await sts.close();
        }
    });

    it("renews credentials that are about to expire", async () => {
        const sts = await fakeSts(() => ({ status: 200, body: stsResponse(new Date(Date.now() + 60_000)) }));
        try {
            const provider = azureWebIdentityCredentials({ roleArn: ROLE, audience: "api://lifeboat-aws", endpoint: sts.url, getToken: async () => "t" });
            await provider();
            await provider();
            expect(sts.requests).toHaveLength(2);
        } finally {
            await sts.close();
        }
    });

    it("reports STS's refusal with what to check", async () => {
        const sts = await fakeSts(() => ({ status: 403, body: "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message></Error></ErrorResponse>" }));
        try {
            const provider = azureWebIdentityCredentials({ roleArn: ROLE, audience: "api://lifeboat-aws", endpoint: sts.url, getToken: async () => "t" });
            await expect(provider()).rejects.toMatchObject({
                code: "target-forbidden",
                message: "STS refused the web identity: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity",
            });
        } finally {
            await sts.close();
        }
    });

    it("reports a token that cannot be had", async () => {
        const provider = azureWebIdentityCredentials({ roleArn: ROLE, audience: "api://lifeboat-aws", endpoint: "http://127.0.0.1:9/", getToken: async () => { throw new Error("no identity"); } });
        await expect(provider()).rejects.toMatchObject({ message: "could not get an Entra token for api://lifeboat-aws: no identity" });
    });

    it("reports an unreachable STS", async () => {
        const provider = azureWebIdentityCredentials({ roleArn: ROLE, audience: "api://lifeboat-aws", endpoint: "http://127.0.0.1:9/", getToken: async () => "t" });
        await expect(provider()).rejects.toMatchObject({ code: "target-unreachable" });
    });
});

describe("webIdentityFromEnv", () => {
    it("is off without LIFEBOAT_AWS_ROLE_ARN, so the SDK's own chain applies", () => {
        expect(webIdentityFromEnv({})).toBeUndefined();
        expect(webIdentityFromEnv({ LIFEBOAT_AWS_ROLE_ARN: "" })).toBeUndefined();
        expect(() => webIdentityFromEnv({ LIFEBOAT_AWS_ROLE_ARN: ROLE })).toThrow("LIFEBOAT_AWS_ROLE_ARN is set but LIFEBOAT_AWS_AUDIENCE is not");
    });

    it("reads the role, audience, region and endpoint the stack sets", async () => {
        const sts = await fakeSts(() => ({ status: 200, body: stsResponse(new Date(Date.now() + 3600_000)) }));
        const scopes: string[] = [];
        try {
            const provider = webIdentityFromEnv(
                { LIFEBOAT_AWS_ROLE_ARN: ROLE, LIFEBOAT_AWS_AUDIENCE: "api://lifeboat-aws", AWS_REGION: "eu-north-1", AWS_ENDPOINT_URL_STS: sts.url },
                { getToken: async (scope) => { scopes.push(scope); return "t"; } },
            );
            expect((await provider?.())?.accessKeyId).toBe("ASIAEXAMPLE");
            expect(scopes).toEqual(["api://lifeboat-aws/.default"]);
            expect(sts.requests[0].get("RoleArn")).toBe(ROLE);
        } finally {
            await sts.close();
        }
    });

    it("builds scopes and parses responses", () => {
        expect(scopeFor("api://lifeboat/")).toBe("api://lifeboat/.default");
        expect(() => parseAssumeRoleResponse("<x/>")).toThrow("STS answered AssumeRoleWithWebIdentity without credentials");
    });
});
