/**
 * The offline evaluator against the policy SDK's own analyzer: the same pack, the same resources,
 * sent through @pulumi/policy's Analyze and AnalyzeStack RPC handlers (what `pulumi preview
 * --policy-pack policies` calls over gRPC) must give the same verdicts, in the same order.
 */
import { Policies } from "@pulumi/policy";
import { evaluatePolicies, evaluateWith, OfflineResource, PACK_NAME, PACK_VERSION } from "../../policies/offline";
import { PACK_ENFORCEMENT_LEVEL, policies } from "../../policies/registry";
import { happyStack, named, UNKNOWN, withProp } from "./fixtures";

/* eslint-disable @typescript-eslint/no-require-imports */
const server = require("@pulumi/policy/server") as {
    makeAnalyzeRpcFun: (...args: unknown[]) => Rpc;
    makeAnalyzeStackRpcFun: (...args: unknown[]) => Rpc;
};
const proto = require("@pulumi/pulumi/proto/analyzer_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

interface Diagnostic {
    getPolicyname(): string;
    getDescription(): string;
    getMessage(): string;
    getEnforcementlevel(): number;
    getUrn(): string;
}
interface AnalyzeResponse {
    getDiagnosticsList(): Diagnostic[];
}

const LEVELS: Record<number, string> = { 0: "advisory", 1: "mandatory", 2: "disabled", 3: "remediate" };

function options(r: OfflineResource): unknown {
    const o = new proto.AnalyzerResourceOptions();
    o.setProtect(r.opts.protect);
    o.setIgnorechangesList(r.opts.ignoreChanges);
    if (r.opts.parent) {
        o.setParent(r.opts.parent);
    }
    return o;
}

type Rpc = (c: { request: unknown }, cb: (err: unknown, resp: AnalyzeResponse) => void) => Promise<void>;

function call(fn: Rpc, request: unknown): Promise<AnalyzeResponse> {
    return new Promise<AnalyzeResponse>((resolve, reject) => {
        void fn({ request }, (err, resp) => (err ? reject(err) : resolve(resp)));
    });
}

function verdicts(resp: AnalyzeResponse): { policy: string; enforcementLevel: string; urn?: string; message: string }[] {
    return resp.getDiagnosticsList().map((d) => {
        const prefix = `${d.getDescription()}\n`;
        const message = d.getMessage().startsWith(prefix) ? d.getMessage().slice(prefix.length) : d.getMessage();
        return { policy: d.getPolicyname(), enforcementLevel: LEVELS[d.getEnforcementlevel()], urn: d.getUrn() || undefined, message };
    });
}

async function throughSdk(resources: OfflineResource[], pack: Policies = policies): Promise<{ policy: string; enforcementLevel: string; urn?: string; message: string }[]> {
    const analyze = server.makeAnalyzeRpcFun(PACK_NAME, PACK_VERSION, PACK_ENFORCEMENT_LEVEL, pack);
    const analyzeStack = server.makeAnalyzeStackRpcFun(PACK_NAME, PACK_VERSION, PACK_ENFORCEMENT_LEVEL, pack);
    const out = [];
    for (const r of resources) {
        const req = new proto.AnalyzeRequest();
        req.setType(r.type);
        req.setUrn(r.urn);
        req.setName(r.name);
        req.setProperties(Struct.fromJavaScript(r.props));
        req.setOptions(options(r));
        // The engine attributes a resource policy's diagnostic to the analyzed resource.
        out.push(...verdicts(await call(analyze, req)).map((v) => ({ ...v, urn: v.urn ?? r.urn })));
    }
    const stackReq = new proto.AnalyzeStackRequest();
    stackReq.setResourcesList(resources.map((r) => {
        const res = new proto.AnalyzerResource();
        res.setType(r.type);
        res.setUrn(r.urn);
        res.setName(r.name);
        res.setProperties(Struct.fromJavaScript(r.props));
        res.setOptions(options(r));
        if (r.opts.parent) {
            res.setParent(r.opts.parent);
        }
        res.setDependenciesList(r.opts.dependencies);
        const map = res.getPropertydependenciesMap();
        for (const [key, urns] of Object.entries(r.opts.propertyDependencies)) {
            const deps = new proto.AnalyzerPropertyDependencies();
            deps.setUrnsList(urns);
            map.set(key, deps);
        }
        return res;
    }));
    out.push(...verdicts(await call(analyzeStack, stackReq)));
    return out;
}

async function offline(resources: OfflineResource[], pack?: Policies): Promise<{ policy: string; enforcementLevel: string; urn?: string; message: string }[]> {
    const result = pack === undefined ? await evaluatePolicies(resources) : await evaluateWith(pack, resources);
    return result.verdicts.map(({ policy, enforcementLevel, urn, message }) => ({ policy, enforcementLevel, urn, message }));
}

function unsafeStack(): OfflineResource[] {
    let stack = withProp(happyStack(), "field-key-vault", "location", "West Europe");
    stack = withProp(stack, "backups-container", "publicAccess", "Container");
    stack = withProp(stack, "backups-account", "sku.name", "Standard_LRS");
    stack = withProp(stack, "backups-account", "allowSharedKeyAccess", true);
    stack = withProp(stack, "app-server", "backup.backupRetentionDays", UNKNOWN);
    stack = withProp(stack, "dump-app-job", "tags.lifeboat-databases", "main");
    stack = withProp(stack, "backups-lifecycle", "policy.rules", []);
    const writer = named(stack, "jobs-blob-writer");
    writer.props.roleDefinitionId = String(writer.props.roleDefinitionId).replace("ba92f5b4-2d11-453d-a403-e96b0029c9fe", "00482a5a-887f-4fb3-b363-3b7fe8e74483");
    writer.opts.propertyDependencies.scope = [named(stack, "field-key-vault").urn];
    named(stack, "field-key-secret").opts.protect = false;
    return stack;
}

describe("offline evaluator = the policy SDK's analyzer", () => {
    it("agrees on the compliant stack", async () => {
        const stack = happyStack();
        expect(await offline(stack)).toEqual(await throughSdk(stack));
    });

    it("agrees, verdict for verdict, on a stack breaking many policies at once", async () => {
        const stack = unsafeStack();
        const expected = await throughSdk(stack);
        expect(expected.length).toBeGreaterThan(10);
        expect(await offline(stack)).toEqual(expected);
    });

    it("agrees on the northeurope pair overlap reported as advisory", async () => {
        const stack = withProp(happyStack(), "field-key-vault", "location", "northeurope");
        const expected = await throughSdk(stack);
        expect(expected.map((v) => v.enforcementLevel)).toEqual(["advisory", "advisory"]);
        expect(await offline(stack)).toEqual(expected);
    });

    it("agrees on a policy that reads an unknown value directly: an advisory can't-run verdict", async () => {
        const probe: Policies = [
            {
                name: "probe-resource", description: "reads location", enforcementLevel: "mandatory",
                validateResource: (args, report) => {
                    if (args.type === "azure-native:keyvault:Vault" && args.props.location !== "swedencentral") {
                        report("moved");
                    }
                },
            },
            {
                name: "probe-stack", description: "reads every location", enforcementLevel: "mandatory",
                validateStack: (args, report) => {
                    report("before");
                    args.resources.forEach((r) => void r.props.location);
                },
            },
        ];
        const stack = withProp(happyStack(), "field-key-vault", "location", UNKNOWN);
        const expected = await throughSdk(stack, probe);
        expect(expected.map((v) => [v.policy, v.enforcementLevel])).toEqual([["probe-resource", "advisory"], ["probe-stack", "mandatory"], ["probe-stack", "advisory"]]);
        expect(await offline(stack, probe)).toEqual(expected);
    });
});
