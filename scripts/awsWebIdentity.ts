/**
 * AWS credentials for a job that runs in Azure, without a long-lived AWS key: the job gets an
 * Entra token for its managed identity (DefaultAzureCredential, audience = the app ID URI the
 * stack's IAM OIDC provider trusts) and exchanges it at STS (AssumeRoleWithWebIdentity) for
 * temporary credentials of the role the stack declared (stacks/offsite.ts).
 *
 * Driven by the environment the stack sets on the job:
 *   LIFEBOAT_AWS_ROLE_ARN   the role to assume (unset: this provider is not used)
 *   LIFEBOAT_AWS_AUDIENCE   the token audience: the Entra app ID URI the role trusts
 *   AWS_REGION              the STS region (the bucket's)
 *   AWS_ENDPOINT_URL_STS    another STS endpoint (tests)
 *
 * The result is a credential provider for any @aws-sdk client: `new S3Client({ credentials })`.
 * AssumeRoleWithWebIdentity is an unsigned call, so no SDK client is needed to make it.
 */
import { DefaultAzureCredential } from "@azure/identity";
import { LifeboatError, messageOf } from "./errors";

export const ROLE_ARN_ENV = "LIFEBOAT_AWS_ROLE_ARN";
export const AUDIENCE_ENV = "LIFEBOAT_AWS_AUDIENCE";

/** What @aws-sdk clients accept as `credentials` (AwsCredentialIdentity). */
export interface AwsCredentials {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
    expiration?: Date;
}

/** A provider @aws-sdk clients call whenever they need credentials (AwsCredentialIdentityProvider). */
export type AwsCredentialProvider = () => Promise<AwsCredentials>;

export interface WebIdentityOptions {
    roleArn: string;
    /** The audience (app ID URI) the Entra token is requested for. */
    audience: string;
    /** STS region. @default "us-east-1" */
    region?: string;
    /** STS endpoint, e.g. for tests. @default https://sts.<region>.amazonaws.com/ */
    endpoint?: string;
    /** Role session name (shows in CloudTrail). @default "lifeboat-<pid>" */
    sessionName?: string;
    /** Session length in seconds. @default 3600 */
    durationSeconds?: number;
    /** Gets the Entra token for a scope. @default DefaultAzureCredential (the job's managed identity) */
    getToken?: (scope: string) => Promise<string>;
    /** @default globalThis.fetch */
    fetch?: typeof fetch;
    /** Renew credentials this many ms before they expire. @default 300000 */
    refreshMarginMs?: number;
}

/** The scope to request an Entra token for an audience: `<audience>/.default`. */
export function scopeFor(audience: string): string {
    return `${audience.replace(/\/+$/, "")}/.default`;
}

function xmlValue(xml: string, tag: string): string | undefined {
    const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
    return match?.[1]?.replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, "\"").replace(/&apos;/g, "'");
}

/** Reads the credentials out of an AssumeRoleWithWebIdentity response; throws on an error response. */
export function parseAssumeRoleResponse(xml: string): AwsCredentials {
    const code = xmlValue(xml, "Code");
    if (code !== undefined) {
        throw new LifeboatError(`STS refused the web identity: ${code}: ${xmlValue(xml, "Message") ?? ""}`.trim(),
            "the role's trust policy (issuer, sub = the managed identity's principal ID, aud) and LIFEBOAT_AWS_AUDIENCE", 1, "target-forbidden");
    }
    const accessKeyId = xmlValue(xml, "AccessKeyId");
    const secretAccessKey = xmlValue(xml, "SecretAccessKey");
    const sessionToken = xmlValue(xml, "SessionToken");
    const expiration = xmlValue(xml, "Expiration");
    if (accessKeyId === undefined || secretAccessKey === undefined || sessionToken === undefined) {
        throw new LifeboatError("STS answered AssumeRoleWithWebIdentity without credentials", "AWS_ENDPOINT_URL_STS and the network path", 1, "target");
    }
    return { accessKeyId, secretAccessKey, sessionToken, expiration: expiration === undefined ? undefined : new Date(expiration) };
}

/** A credential provider that exchanges the managed identity's Entra token for temporary AWS credentials, cached until shortly before they expire. */
export function azureWebIdentityCredentials(options: WebIdentityOptions): AwsCredentialProvider {
    const audience = options.audience;
    const region = options.region ?? "us-east-1";
    const endpoint = options.endpoint ?? `https://sts.${region}.amazonaws.com/`;
    const doFetch = options.fetch ?? globalThis.fetch;
    const margin = options.refreshMarginMs ?? 300_000;
    const getToken = options.getToken ?? (() => {
        const credential = new DefaultAzureCredential();
        return async (scope: string) => {
            const token = await credential.getToken(scope);
            if (token === null) {
                throw new Error(`no Entra token for ${scope}`);
            }
            return token.token;
        };
    })();
    let cached: AwsCredentials | undefined;
    let pending: Promise<AwsCredentials> | undefined;

    const fetchCredentials = async (): Promise<AwsCredentials> => {
        let token: string;
        try {
            token = await getToken(scopeFor(audience));
        } catch (e) {
            throw new LifeboatError(`could not get an Entra token for ${audience}: ${messageOf(e)}`,
                "the job's managed identity (AZURE_CLIENT_ID) and LIFEBOAT_AWS_AUDIENCE", 1, "target-forbidden");
        }
        const body = new URLSearchParams({
            Action: "AssumeRoleWithWebIdentity",
            Version: "2011-06-15",
            RoleArn: options.roleArn,
            RoleSessionName: options.sessionName ?? `lifeboat-${process.pid}`,
            WebIdentityToken: token,
            DurationSeconds: String(options.durationSeconds ?? 3600),
        });
        let text: string;
        try {
            const response = await doFetch(endpoint, {
                method: "POST",
                headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8", accept: "application/xml" },
                body: body.toString(),
            });
            text = await response.text();
        } catch (e) {
            throw new LifeboatError(`STS at ${endpoint} unreachable: ${messageOf(e)}`, "AWS_REGION, AWS_ENDPOINT_URL_STS and the network path", 1, "target-unreachable");
        }
        return parseAssumeRoleResponse(text);
    };

    return async () => {
        if (cached !== undefined && (cached.expiration === undefined || cached.expiration.getTime() - margin > Date.now())) {
            return cached;
        }
        pending ??= fetchCredentials().finally(() => { pending = undefined; });
        cached = await pending;
        return cached;
    };
}

/** The provider the environment asks for, or undefined when LIFEBOAT_AWS_ROLE_ARN is not set (the SDK's own chain applies). */
export function webIdentityFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<WebIdentityOptions> = {}): AwsCredentialProvider | undefined {
    const roleArn = env[ROLE_ARN_ENV];
    if (roleArn === undefined || roleArn === "") {
        return undefined;
    }
    const audience = env[AUDIENCE_ENV];
    if (audience === undefined || audience === "") {
        throw new LifeboatError(`${ROLE_ARN_ENV} is set but ${AUDIENCE_ENV} is not`, `${AUDIENCE_ENV}: the Entra application ID URI the role trusts`, 2, "usage");
    }
    return azureWebIdentityCredentials({
        roleArn,
        audience,
        region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
        endpoint: env.AWS_ENDPOINT_URL_STS || undefined,
        ...overrides,
    });
}
