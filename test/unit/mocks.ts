import * as pulumi from "@pulumi/pulumi";

export interface Recorded {
    type: string;
    name: string;
    /** Inputs with secrets unwrapped. */
    inputs: Record<string, any>;
    /** Dotted paths of the inputs that arrived as secrets. */
    secretPaths: string[];
}

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function unwrap(value: any, at: string, secrets: string[]): any {
    if (Array.isArray(value)) {
        return value.map((v, i) => unwrap(v, `${at}[${i}]`, secrets));
    }
    if (value !== null && typeof value === "object") {
        if (value[SIG_KEY] === SECRET_SIG) {
            secrets.push(at);
            return unwrap(value.value, at, secrets);
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v, at === "" ? k : `${at}.${k}`, secrets)]));
    }
    return value;
}

/** Mocks that record every resource's inputs; the call mock throws on anything it does not know. */
export function recordingMocks(): { mocks: pulumi.runtime.Mocks; resources: Recorded[]; find(type: string, name: string): Recorded } {
    const resources: Recorded[] = [];
    const mocks: pulumi.runtime.Mocks = {
        newResource(args) {
            const secretPaths: string[] = [];
            resources.push({ type: args.type, name: args.name, inputs: unwrap(args.inputs, "", secretPaths), secretPaths });
            const extra: Record<string, unknown> = {};
            if (args.type === "azure-native:dbforpostgresql:Server") {
                extra.fullyQualifiedDomainName = `${args.inputs.serverName}.postgres.database.azure.com`;
            }
            if (args.type === "random:index/randomBytes:RandomBytes") {
                extra.base64 = Buffer.alloc(32, 0xfb).toString("base64");
            }
            if (args.type === "random:index/randomPassword:RandomPassword") {
                extra.result = "generated-password";
            }
            if (args.type === "aws:kms/key:Key") {
                extra.arn = `arn:aws:kms:${args.inputs.region ?? "eu-central-1"}:123456789012:key/${args.name}`;
                extra.keyId = args.name;
            }
            if (args.type === "azure-native:managedidentity:UserAssignedIdentity") {
                extra.principalId = "principal-1";
                extra.clientId = "client-1";
            }
            return { id: `${args.name}-id`, state: { ...args.inputs, ...extra } };
        },
        call(args) {
            if (args.token === "azure-native:operationalinsights:getSharedKeys") {
                return { primarySharedKey: "shared-key" };
            }
            if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") {
                return { id: "123456789012", accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/unit", userId: "AIDAUNIT" };
            }
            throw new Error(`unexpected call in test: ${args.token}`);
        },
    };
    return {
        mocks,
        resources,
        find(type, name) {
            const found = resources.find((r) => r.type === type && r.name === name);
            if (found === undefined) {
                throw new Error(`no ${type} named ${name}; recorded: ${resources.map((r) => `${r.type} ${r.name}`).join(", ")}`);
            }
            return found;
        },
    };
}

export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => { resolve(v); return v; }));
}

/** Waits until every resource registration so far has reached the mocks. */
export async function settled(...resources: pulumi.Resource[]): Promise<void> {
    await Promise.all(resources.map((r) => promiseOf(r.urn)));
}

/**
 * Mocks for planning code, which must declare nothing: derived names read the organization and
 * project from them, and every resource or call is recorded in the list returned.
 */
export function planningMocks(stack: string): string[] {
    const declared: string[] = [];
    pulumi.runtime.setMocks({
        newResource: (args) => { declared.push(`${args.type} ${args.name}`); return { id: "x", state: {} }; },
        call: (args) => { declared.push(args.token); return {}; },
    }, "lifeboat", stack, false, "organization");
    return declared;
}
