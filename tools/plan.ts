/**
 * The offline plan (DESIGN.md contract 2): runs the real stack program under Pulumi's mocks
 * with a stack's config, records every resource `pulumi up` would declare (inputs, options,
 * parent, dependencies), runs the policy pack over them, and prints both.
 *
 *   npm run -s plan -- --stack prod [--json | --format text|markdown] [--markdown-out file.md] [--policy-config file.json] [--preview=false]
 *   npm run -s plan -- --program examples/existing-app --stack dev   (a user's program using the components)
 *
 * `-s` keeps npm's banner off stdout, so `--json` can go into a pipe: `npm run -s plan -- ... --json | jq`.
 *
 * Exit codes: 0 planned with no mandatory violation, 1 config error or mandatory violation,
 * 2 usage error. No Pulumi CLI, cloud or credentials are involved.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { parse as parseYaml } from "yaml";

import { evaluatePolicies, OfflineResource, PolicySummary, Verdict } from "../policies/offline";
import { ProgramError, readProgram } from "./program";

export type { OfflineResource, PolicySummary, Verdict };

export const REPO_ROOT = path.resolve(__dirname, "..");
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const MOCK_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
const MOCK_TENANT = "11111111-1111-1111-1111-111111111111";
const MOCK_AWS_ACCOUNT = "123456789012";
/** Stands in for an encrypted `secure:` config value, which cannot be decrypted offline: a valid Fernet key of zero bytes. */
export const OFFLINE_SECRET_PLACEHOLDER = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

export interface PlannedResource extends OfflineResource {
    /** Dotted paths of inputs that are secrets (never printed). */
    secretPaths: string[];
    custom: boolean;
    /** The resource ID Pulumi adopts instead of creating (the `import` option). */
    importId?: string;
}

export interface PlanOptions {
    stack: string;
    /** Overrides of `lifeboat:*` keys (without the namespace), applied over the stack file. */
    config?: Record<string, unknown>;
    /** Keys of `config` given in plain text, as if written into the stack file without `--secret`. @default [] */
    plaintext?: string[];
    /** Pack config, as `pulumi preview --policy-pack-config` takes it. */
    policyConfig?: Record<string, unknown>;
    /** Run as a preview (outputs of new resources unknown), like a pull-request check. @default true */
    preview?: boolean;
    /** Directory of the Pulumi.<stack>.yaml files. @default stacks/, or the program's own */
    stackConfigDir?: string;
    /** Plan another Pulumi program (the folder of its Pulumi.yaml) instead of Lifeboat's own. @default undefined (stacks/) */
    program?: string;
}

export interface PlanResult {
    stack: string;
    exitCode: number;
    configErrors: string[];
    /** An error that is not a config error (a bug, or a component refusing its args). */
    error?: string;
    resources: PlannedResource[];
    outputs: Record<string, unknown>;
    verdicts: Verdict[];
    policies: PolicySummary[];
    /** What the plan assumed that the stack file does not say (a required secret that no file can ship). */
    notes: string[];
}

/** Reads `stacks/Pulumi.<stack>.yaml` into config key -> value, and the keys that are secure. */
export function readStackConfig(stack: string, dir = path.join(REPO_ROOT, "stacks")): { values: Record<string, unknown>; secretKeys: string[] } {
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        const known = fs.readdirSync(dir).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined);
        throw new UsageError(`no stack file ${path.relative(process.cwd(), file)}; shipped stacks: ${known.join(", ")}`);
    }
    const doc = (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const values: Record<string, unknown> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        const found = { secure: false };
        values[key] = withPlaceholders(value, key, found);
        if (found.secure) {
            secretKeys.push(key);
        }
    }
    return { values, secretKeys };
}

function isSecure(value: unknown): boolean {
    return value !== null && typeof value === "object" && !Array.isArray(value) && "secure" in (value as object) && Object.keys(value as object).length === 1;
}

/** What stands in for an encrypted value at `at` (a key path): an https URL for a URL, else a Fernet key. */
export function placeholderFor(at: string): string {
    return /url$/i.test(at) ? "https://offline-plan.invalid/secret" : OFFLINE_SECRET_PLACEHOLDER;
}

/**
 * Replaces every `{secure: ...}` at any depth with a placeholder, as Pulumi's CLI decrypts them:
 * `pulumi config set --secret --path lifeboat:alerts.webhookUrl` writes `webhookUrl: {secure: ...}`
 * inside `lifeboat:alerts`, and the whole key then reaches the program as a secret.
 */
function withPlaceholders(value: unknown, at: string, found: { secure: boolean }): unknown {
    if (isSecure(value)) {
        found.secure = true;
        return placeholderFor(at);
    }
    if (Array.isArray(value)) {
        return value.map((v, i) => withPlaceholders(v, `${at}[${i}]`, found));
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withPlaceholders(v, `${at}.${k}`, found)]));
    }
    return value;
}

/**
 * The override keys that hold a secret: a test's `config: {fieldEncryptionKey}` stands for
 * `pulumi config set --secret`, unless the key is listed in `plaintext` (a value written into the
 * stack file by hand).
 */
function holdsSecret(key: string, value: unknown): boolean {
    if (["fieldEncryptionKey", "postgresPassword", "offsiteCredential", "serverPasswords"].includes(key)) {
        return true;
    }
    return key === "alerts" && value !== null && typeof value === "object" && "webhookUrl" in (value as object);
}

export class UsageError extends Error {}

/** Converts the wire form of inputs: secrets unwrapped (their paths noted), unknowns kept as the sentinel. */
function unwire(value: unknown, at: string, secretPaths: string[]): unknown {
    if (Array.isArray(value)) {
        return value.map((v, i) => unwire(v, `${at}[${i}]`, secretPaths));
    }
    if (value !== null && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SECRET_SIG_KEY] === SECRET_SIG) {
            secretPaths.push(at);
            return unwire(obj.value, at, []);
        }
        if (obj[SECRET_SIG_KEY] !== undefined) {
            // A resource reference or similar: keep its URN.
            return obj.urn ?? obj;
        }
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwire(v, at === "" ? k : `${at}.${k}`, secretPaths)]));
    }
    return value;
}

/** A deterministic fake digest: 64 hex characters derived from a name. */
export function fakeDigest(of: string): string {
    return `sha256:${createHash("sha256").update(`offline-plan:${of}`).digest("hex")}`;
}

/** Outputs a real provider would compute, so that the program's derived values look real. */
function computedOutputs(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
    switch (type) {
        case "docker:index/image:Image": {
            // a pushed image's repoDigest is <repository>@sha256:<digest>; a local one's, its image ID
            const imageName = String(inputs.imageName ?? name);
            const repository = imageName.replace(/:[^:/]+$/, "");
            return { repoDigest: inputs.skipPush === true ? fakeDigest(imageName) : `${repository}@${fakeDigest(imageName)}`, baseImageName: imageName, registryServer: inputs.registry?.server ?? "" };
        }
        case "docker:index/remoteImage:RemoteImage":
            return { imageId: fakeDigest(String(inputs.name ?? name)), repoDigest: `${String(inputs.name ?? name).replace(/:[^:/]+$/, "")}@${fakeDigest(String(inputs.name ?? name))}` };
        case "docker:index/volume:Volume":
            return { name: inputs.name ?? name, mountpoint: `/var/lib/docker/volumes/${inputs.name ?? name}/_data` };
        case "azure-native:containerregistry:Registry":
            return { loginServer: `${String(inputs.registryName ?? name).toLowerCase()}.azurecr.io` };
        case "aws:ecr/repository:Repository":
            return {
                arn: `arn:aws:ecr:${inputs.region ?? "eu-central-1"}:${MOCK_AWS_ACCOUNT}:repository/${inputs.name ?? name}`,
                registryId: MOCK_AWS_ACCOUNT,
                repositoryUrl: `${MOCK_AWS_ACCOUNT}.dkr.ecr.${inputs.region ?? "eu-central-1"}.amazonaws.com/${inputs.name ?? name}`,
            };
        case "azure-native:dbforpostgresql:Server":
            return { fullyQualifiedDomainName: `${inputs.serverName ?? name}.postgres.database.azure.com` };
        case "azure-native:keyvault:Vault":
            return { properties: { ...inputs.properties, vaultUri: `https://${inputs.vaultName ?? name}.vault.azure.net/` } };
        case "azure-native:operationalinsights:Workspace":
            return { customerId: "22222222-2222-2222-2222-222222222222" };
        case "azure-native:managedidentity:UserAssignedIdentity":
            return { principalId: "33333333-3333-3333-3333-333333333333", clientId: "44444444-4444-4444-4444-444444444444" };
        case "aws:kms/key:Key":
            return { arn: `arn:aws:kms:${inputs.region ?? "eu-central-1"}:${MOCK_AWS_ACCOUNT}:key/${name}`, keyId: name };
        case "aws:s3/bucket:Bucket":
            return { arn: `arn:aws:s3:::${inputs.bucket ?? name}` };
        case "aws:rds/instance:Instance":
            return {
                address: `${inputs.identifier ?? name}.offline.${inputs.region ?? "eu-central-1"}.rds.amazonaws.com`,
                arn: `arn:aws:rds:${inputs.region ?? "eu-central-1"}:${MOCK_AWS_ACCOUNT}:db:${inputs.identifier ?? name}`,
                masterUserSecrets: [{ secretArn: `arn:aws:secretsmanager:${inputs.region ?? "eu-central-1"}:${MOCK_AWS_ACCOUNT}:secret:rds!db-${name}`, kmsKeyId: inputs.masterUserSecretKmsKeyId, secretStatus: "active" }],
            };
        case "aws:secretsmanager/secret:Secret":
            return { arn: `arn:aws:secretsmanager:${inputs.region ?? "eu-central-1"}:${MOCK_AWS_ACCOUNT}:secret:${inputs.name ?? name}` };
        case "aws:iam/role:Role":
            return { arn: `arn:aws:iam::${MOCK_AWS_ACCOUNT}:role/${inputs.name ?? name}`, name: inputs.name ?? name };
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            return { arn: `arn:aws:iam::${MOCK_AWS_ACCOUNT}:oidc-provider/${String(inputs.url ?? name).replace(/^https:\/\//, "")}` };
        case "aws:ecs/cluster:Cluster":
            return { arn: `arn:aws:ecs:${inputs.region ?? "eu-central-1"}:${MOCK_AWS_ACCOUNT}:cluster/${name}` };
        case "aws:ecs/taskDefinition:TaskDefinition":
            return {
                arn: `arn:aws:ecs:${inputs.region ?? "eu-central-1"}:${MOCK_AWS_ACCOUNT}:task-definition/${inputs.family ?? name}:1`,
                arnWithoutRevision: `arn:aws:ecs:${inputs.region ?? "eu-central-1"}:${MOCK_AWS_ACCOUNT}:task-definition/${inputs.family ?? name}`,
            };
        case "aws:sns/topic:Topic":
            return { arn: `arn:aws:sns:${inputs.region ?? "eu-central-1"}:${MOCK_AWS_ACCOUNT}:${name}` };
        case "aws:cloudwatch/logGroup:LogGroup":
            return { arn: `arn:aws:logs:${inputs.region ?? "eu-central-1"}:${MOCK_AWS_ACCOUNT}:log-group:${inputs.name ?? name}` };
        case "aws:rds/subnetGroup:SubnetGroup":
            return { name: inputs.name ?? name };
        case "random:index/randomPassword:RandomPassword":
            return { result: "offline-plan-password" };
        case "random:index/randomBytes:RandomBytes":
            return { base64: Buffer.alloc(inputs.length ?? 32, 7).toString("base64"), hex: Buffer.alloc(inputs.length ?? 32, 7).toString("hex") };
        default:
            return {};
    }
}

class RecordingMonitor extends MockMonitor {
    readonly recorded: PlannedResource[] = [];

    /**
     * A `.get()` of an existing resource (an adopted vault): the CLI shows it to stack policies
     * with the state it read, so the plan records it with what the mock read.
     */
    async readResource(req: any, callback: (err: any, response: any) => void): Promise<void> {
        await super.readResource(req, (err: any, response: any) => {
            if (!err && response) {
                const secretPaths: string[] = [];
                this.recorded.push({
                    type: req.getType(),
                    name: req.getName(),
                    urn: response.getUrn(),
                    props: unwire(response.getProperties()?.toJavaScript() ?? {}, "", secretPaths) as Record<string, unknown>,
                    secretPaths,
                    custom: true,
                    readId: req.getId(),
                    opts: { protect: false, retainOnDelete: false, ignoreChanges: [], parent: req.getParent() || undefined, dependencies: req.getDependenciesList?.() ?? [], propertyDependencies: {}, provider: req.getProvider() || undefined },
                });
            }
            callback(err, response);
        });
    }

    async registerResource(req: any, callback: (err: any, response: any) => void): Promise<void> {
        const secretPaths: string[] = [];
        const props = unwire(req.getObject()?.toJavaScript() ?? {}, "", secretPaths) as Record<string, unknown>;
        const propertyDependencies: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
            propertyDependencies[key] = deps.getUrnsList();
        });
        const entry: PlannedResource = {
            type: req.getType(),
            name: req.getName(),
            urn: "",
            props,
            secretPaths,
            custom: req.getCustom(),
            importId: req.getImportid() || undefined,
            opts: {
                protect: Boolean(req.getProtect()),
                retainOnDelete: Boolean(req.getRetainondelete()),
                ignoreChanges: req.getIgnorechangesList(),
                parent: req.getParent() || undefined,
                dependencies: req.getDependenciesList(),
                propertyDependencies,
                provider: req.getProvider() || undefined,
            },
        };
        await super.registerResource(req, (err: any, response: any) => {
            if (!err && response) {
                entry.urn = response.getUrn();
                this.recorded.push(entry);
            }
            callback(err, response);
        });
    }
}

/** What the mock reads for an existing resource (`.get()`): an adopted vault is where the stack config declares it. */
function readState(type: string, config: Record<string, unknown>): Record<string, unknown> {
    if (type === "azure-native:keyvault:Vault") {
        const location = (config["lifeboat:keyVault"] as { location?: unknown } | undefined)?.location;
        return typeof location === "string" ? { location } : {};
    }
    return {};
}

function mocks(config: Record<string, unknown> = {}): pulumi.runtime.Mocks {
    return {
        newResource(args) {
            if (args.id !== undefined && args.id !== "" && args.custom !== false && Object.keys(args.inputs).length === 0) {
                return { id: args.id, state: readState(args.type, config) };
            }
            const state = { ...args.inputs, ...computedOutputs(args.type, args.name, args.inputs) };
            return { id: args.custom === false ? undefined : `${args.name}-id`, state };
        },
        call(args) {
            switch (args.token) {
                case "azure-native:authorization:getClientConfig":
                    return { clientId: "55555555-5555-5555-5555-555555555555", objectId: "66666666-6666-6666-6666-666666666666", subscriptionId: MOCK_SUBSCRIPTION, tenantId: MOCK_TENANT };
                case "aws:index/getCallerIdentity:getCallerIdentity":
                    return { id: MOCK_AWS_ACCOUNT, accountId: MOCK_AWS_ACCOUNT, arn: `arn:aws:iam::${MOCK_AWS_ACCOUNT}:user/offline-plan`, userId: "AIDAOFFLINEPLAN" };
                case "aws:ec2/getVpc:getVpc":
                    return { id: "vpc-0offline00000000", cidrBlock: "172.31.0.0/16", default: true };
                case "aws:ec2/getSubnets:getSubnets":
                    return { id: "offline", ids: ["subnet-0offline0000000a", "subnet-0offline0000000b", "subnet-0offline0000000c"] };
                case "azure-native:operationalinsights:getSharedKeys":
                    return { primarySharedKey: "offline-plan-shared-key", secondarySharedKey: "offline-plan-shared-key-2" };
                case "azure-native:authorization:getClientToken":
                    return { token: "offline-plan-arm-token" };
                case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
                    return { id: "offline", userName: "AWS", password: "offline-plan-ecr-password", authorizationToken: "offline", proxyEndpoint: `https://${MOCK_AWS_ACCOUNT}.dkr.ecr.${args.inputs.region ?? "eu-central-1"}.amazonaws.com`, expiresAt: "2099-01-01T00:00:00Z" };
                default:
                    throw new Error(`the offline plan has no mock for the call ${args.token}: add one to tools/plan.ts`);
            }
        },
    };
}

/** Resolves every Output in the stack outputs, keeping secrets as "[secret]". */
async function resolveOutputs(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        const out = value as pulumi.Output<unknown>;
        const [resolved, secret] = await Promise.all([
            new Promise<unknown>((resolve) => out.apply((v) => { resolve(v); return v; })),
            pulumi.isSecret(out),
        ]);
        return secret ? "[secret]" : resolveOutputs(resolved);
    }
    if (Array.isArray(value)) {
        return Promise.all(value.map(resolveOutputs));
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveOutputs(v)])));
    }
    return value;
}

let running = false;
let strays: unknown[] | undefined;
let strayListener = false;

/**
 * Collects the rejections nobody awaits into `into` while a plan runs. A failed apply (a config
 * check on an output) also rejects that output's bookkeeping promises (isKnown, isSecret), some
 * after the plan returned: a config error late from a finished plan was already reported, and is
 * dropped; anything else is written to stderr.
 */
function collectStrays(into: unknown[] | undefined): void {
    strays = into;
    if (!strayListener) {
        strayListener = true;
        process.on("unhandledRejection", (reason: unknown) => {
            if (strays !== undefined) {
                strays.push(reason);
            } else if (!(reason instanceof Error && reason.name === "ConfigError")) {
                process.stderr.write(`unhandled rejection after the offline plan: ${reason instanceof Error ? reason.stack : String(reason)}\n`);
            }
        });
    }
}

/** Runs the program for one stack under mocks and evaluates the policy pack. */
export async function planStack(options: PlanOptions): Promise<PlanResult> {
    if (running) {
        throw new Error("planStack is not re-entrant: await one plan before starting another");
    }
    running = true;
    const result: PlanResult = { stack: options.stack, exitCode: 0, configErrors: [], resources: [], outputs: {}, verdicts: [], policies: [], notes: [] };
    try {
        const program = options.program === undefined ? undefined : readProgram(options.program);
        const project = program?.project ?? "lifeboat";
        const { values, secretKeys } = readStackConfig(options.stack, options.stackConfigDir ?? program?.stackConfigDir);
        for (const [key, value] of Object.entries(options.config ?? {})) {
            const full = `lifeboat:${key}`;
            if (secretKeys.includes(full)) {
                secretKeys.splice(secretKeys.indexOf(full), 1);
            }
            if (value === undefined) {
                delete values[full];
            } else {
                values[full] = value;
                if (holdsSecret(key, value) && !(options.plaintext ?? []).includes(key)) {
                    secretKeys.push(full);
                }
            }
        }
        // A local stack needs secrets no shipped file can hold (they are encrypted per stack): the
        // plan stands in for them, and says so. A missing one still fails `pulumi up` by name.
        if (values["lifeboat:target"] === "local") {
            const needed = ["postgresPassword", ...(typeof values["lifeboat:local"] === "object" && values["lifeboat:local"] !== null && "offsite" in (values["lifeboat:local"] as object) ? ["offsiteCredential"] : [])];
            for (const key of needed) {
                if (values[`lifeboat:${key}`] === undefined && !(options.config !== undefined && key in options.config)) {
                    values[`lifeboat:${key}`] = OFFLINE_SECRET_PLACEHOLDER;
                    secretKeys.push(`lifeboat:${key}`);
                    result.notes.push(`lifeboat:${key} is not in the stack file (a secret: \`pulumi config set --secret lifeboat:${key}\` before \`pulumi up\`); planned with a placeholder`);
                }
            }
        }
        const flat: Record<string, string> = {};
        for (const [key, value] of Object.entries(values)) {
            flat[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
        pulumi.runtime.setAllConfig(flat, secretKeys);
        const monitor = new RecordingMonitor(mocks(values));
        pulumi.runtime.setMockOptions(monitor, project, options.stack, options.preview ?? true, "organization");
        await pulumi.runtime.setMocks(mocks(values), project, options.stack, options.preview ?? true, "organization");
        // setMocks installed a plain monitor; put the recording one back, keeping the feature flags it set.
        pulumi.runtime.setMockOptions(monitor, project, options.stack, options.preview ?? true, "organization");

        // Loaded after the mocks, as Pulumi's own mock tests do.
        const { prepare } = await import("../stacks/program");
        const { ConfigError, observeOutputChecks } = await import("../stacks/config");
        // Config checks on output values (the dump identity is no secret reader): awaited below.
        const checks: Promise<unknown>[] = [];
        observeOutputChecks((check) => { checks.push(check); });
        // No registry to exchange a token with offline: a stand-in push credential (never used
        // in a preview, where nothing is pushed).
        const { acrLogin } = await import("../components/azure/registry");
        acrLogin.exchange = async () => "offline-plan-acr-refresh-token";
        // A failure inside the program also rejects promises nobody awaits (Pulumi's language
        // host catches those); collect them here instead of letting them end the process.
        const stray: unknown[] = [];
        collectStrays(stray);
        try {
            // Validation runs first, outside the stack, exactly as in `pulumi up`.
            const declare = program === undefined ? prepare() : program.run;
            const outputs = await pulumi.runtime.runInPulumiStack(async () => declare());
            await pulumi.runtime.disconnect();
            result.outputs = (await resolveOutputs(outputs ?? {})) as Record<string, unknown>;
            await Promise.all(checks);
            if (stray.length > 0) {
                throw stray[0];
            }
        } catch (err) {
            await pulumi.runtime.disconnect().catch(() => undefined);
            result.resources = monitor.recorded;
            if (err instanceof ConfigError) {
                result.configErrors = err.problems.map((p) => `${p.path}: ${p.given === "nothing" ? "missing" : `got ${p.given}`}; ${p.allowed}`);
            } else if (pulumi.InputPropertiesError.isInstance(err)) {
                result.configErrors = err.errors.map((e) => e.reason);
            } else {
                result.error = err instanceof Error ? err.message : String(err);
            }
            result.exitCode = 1;
            return result;
        } finally {
            // Let stray rejections of this run arrive before the collection ends.
            await new Promise((resolve) => setImmediate(resolve));
            collectStrays(undefined);
        }
        result.resources = monitor.recorded;
        const evaluation = await evaluatePolicies(result.resources, options.policyConfig);
        result.verdicts = evaluation.verdicts;
        result.policies = evaluation.policies;
        if (result.verdicts.some((v) => v.enforcementLevel === "mandatory")) {
            result.exitCode = 1;
        }
        return result;
    } finally {
        running = false;
    }
}

// ---------------------------------------------------------------- printing: tools/planReport.ts

import { planJson, renderPlan } from "./planReport";
export { describe, planJson, renderPlan, wrap } from "./planReport";
export type { RenderOptions } from "./planReport";

const USAGE = "usage: npm run -s plan -- --stack <name> [--json | --format text|markdown] [--markdown-out file.md] [--policy-config file.json] [--config-dir dir] [--program dir] [--preview=false]";

interface Args {
    stack: string;
    format: "text" | "markdown" | "json";
    policyConfig?: string;
    preview: boolean;
    configDir?: string;
    /** Also write the markdown rendering here (the pull-request check's job summary). */
    markdownOut?: string;
    program?: string;
}

function parseArgs(argv: string[]): Args {
    let stack: string | undefined;
    let program: string | undefined;
    let configDir: string | undefined;
    let format: Args["format"] = "text";
    let policyConfig: string | undefined;
    let markdownOut: string | undefined;
    let preview = true;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
        const value = () => inline ?? argv[++i];
        switch (flag) {
            case "--stack":
            case "-s":
                stack = value();
                break;
            case "--json":
                format = "json";
                break;
            case "--format": {
                const f = value();
                if (f !== "text" && f !== "markdown" && f !== "json") {
                    throw new UsageError(`--format ${f === undefined ? "needs a value" : `got ${JSON.stringify(f)}`}; allowed: text, markdown, json; ${USAGE}`);
                }
                format = f;
                break;
            }
            case "--policy-config":
                policyConfig = value();
                break;
            case "--config-dir":
                configDir = value();
                break;
            case "--program":
                program = value();
                break;
            case "--markdown-out":
                markdownOut = value();
                break;
            case "--preview":
                preview = (inline ?? "true") !== "false";
                break;
            case "--help":
            case "-h":
                throw new UsageError(USAGE);
            default:
                throw new UsageError(`unknown argument ${a}; ${USAGE}`);
        }
    }
    if (stack === undefined || stack === "") {
        throw new UsageError(`--stack is required; ${USAGE}`);
    }
    return { stack, format, policyConfig, preview, configDir, markdownOut, program };
}

/** Where the output goes, as far as presentation is concerned. */
export interface Terminal {
    isTTY: boolean;
    columns?: number;
    env: NodeJS.ProcessEnv;
}

/**
 * Text for a person: colour only on a terminal and never with NO_COLOR (https://no-color.org: set
 * and not empty), wrapped to the terminal's width (100 columns off a terminal).
 */
export function presentation(terminal: Terminal): { colour: boolean; width: number } {
    const noColour = (terminal.env.NO_COLOR ?? "") !== "";
    return { colour: terminal.isTTY && !noColour && terminal.env.TERM !== "dumb", width: terminal.isTTY && terminal.columns !== undefined && terminal.columns >= 40 ? terminal.columns : 100 };
}

/**
 * npm prints its own "> lifeboat@... plan" banner to stdout before the output unless run with
 * `-s` (`npm run -s plan`): JSON for a pipe then starts with it. Say so on stderr.
 */
function npmBannerWarning(env: NodeJS.ProcessEnv): string | undefined {
    const underNpm = env.npm_lifecycle_event !== undefined;
    const silent = env.npm_config_loglevel === "silent";
    return underNpm && !silent
        ? "note: npm printed its banner on stdout above this JSON; use `npm run -s plan -- ...` (or `npx ts-node --swc tools/plan.ts ...`) for JSON a pipe can read\n"
        : undefined;
}

export async function main(argv: string[], terminal: Terminal = { isTTY: process.stdout.isTTY === true, columns: process.stdout.columns, env: process.env }): Promise<number> {
    let args: Args;
    let policyConfig: Record<string, unknown> | undefined;
    try {
        args = parseArgs(argv);
        if (args.policyConfig !== undefined) {
            policyConfig = JSON.parse(fs.readFileSync(args.policyConfig, "utf8")) as Record<string, unknown>;
        }
    } catch (err) {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        return 2;
    }
    let result: PlanResult;
    try {
        result = await planStack({ stack: args.stack, policyConfig, preview: args.preview, stackConfigDir: args.configDir, program: args.program });
    } catch (err) {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        return err instanceof UsageError || err instanceof ProgramError ? 2 : 1;
    }
    if (args.markdownOut !== undefined) {
        fs.writeFileSync(args.markdownOut, `${renderPlan(result, { format: "markdown" })}\n`);
    }
    if (args.format === "json") {
        const warning = npmBannerWarning(terminal.env);
        if (warning !== undefined && !terminal.isTTY) {
            process.stderr.write(warning);
        }
        process.stdout.write(`${JSON.stringify(planJson(result), null, 2)}\n`);
    } else {
        process.stdout.write(`${renderPlan(result, { format: args.format, ...presentation(terminal) })}\n`);
    }
    return result.exitCode;
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
        process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
        process.exit(1);
    });
}
