/**
 * The engine tests' view of Docker: the CLI and Compose on $DOCKER_HOST, the Engine API over its
 * socket, and the translation of a planned `docker.Container` (its recorded inputs) into the
 * Engine API's create request, so that the container runs with exactly the settings the stack
 * declares. A setting the translation does not know fails the test: a drift between the
 * component and this test cannot pass unseen.
 */
import { spawn, spawnSync } from "child_process";
import * as http from "http";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "..", "..");
export const DOCKER = process.env.DOCKER ?? "docker";

export function required(name: string): string {
    const v = process.env[name];
    if (v === undefined || v === "") {
        throw new Error(`${name} is not set: run the engine tests through .ci/engine`);
    }
    return v;
}

export interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs a program to completion (never throws on a non-zero exit). */
export function run(program: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn(program, args, { env: opts.env ?? process.env, cwd: opts.cwd ?? ROOT, stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
        child.stdin.end(opts.input ?? "");
    });
}

/** `docker ...`, which must succeed. */
export async function docker(...args: string[]): Promise<string> {
    const r = await run(DOCKER, args);
    if (r.code !== 0) {
        throw new Error(`docker ${args.join(" ")} exited ${r.code}: ${r.stderr.trim()}`);
    }
    return r.stdout.trim();
}

export function dockerSync(...args: string[]): string {
    const r = spawnSync(DOCKER, args, { encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim() : "";
}

export async function inspect(container: string): Promise<any> {
    return (JSON.parse(await docker("inspect", container)) as any[])[0];
}

/** The Engine API over the socket of DOCKER_HOST. */
export function api(method: string, pathname: string, body?: unknown): Promise<{ status: number; body: any }> {
    const host = process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
    if (!host.startsWith("unix://")) {
        throw new Error(`DOCKER_HOST must be a unix:// socket for the engine tests, got ${host}`);
    }
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
        const req = http.request({
            socketPath: host.slice("unix://".length),
            path: pathname,
            method,
            headers: data === undefined ? {} : { "Content-Type": "application/json", "Content-Length": data.length },
        }, (res) => {
            let text = "";
            res.setEncoding("utf8").on("data", (d: string) => (text += d));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text === "" ? undefined : JSON.parse(text) }));
        });
        req.on("error", reject);
        req.end(data);
    });
}

/** A Go duration ("1m0s", "30s", "1h") in nanoseconds, as the Engine API wants it. */
export function durationNs(d: string): number {
    const unit: Record<string, number> = { h: 3600e9, m: 60e9, s: 1e9, ms: 1e6 };
    let total = 0;
    const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
    let matched = "";
    for (let m = re.exec(d); m !== null; m = re.exec(d)) {
        total += Number(m[1]) * unit[m[2]];
        matched += m[0];
    }
    if (matched !== d || d === "") {
        throw new Error(`not a Go duration: ${d}`);
    }
    return total;
}

/**
 * Inputs of docker.Container that only the Pulumi provider acts on (not the engine): checked
 * by the provider at create/destroy time, never part of the container's configuration.
 */
const PROVIDER_ONLY = new Set(["mustRun", "destroyGraceSeconds"]);

/**
 * The Engine API create request for a planned docker.Container's inputs, the image replaced
 * by a real one (the plan's is a stand-in digest). Throws on any input it does not translate.
 */
export function createRequest(props: Record<string, any>, image: string): { name: string; body: Record<string, unknown> } {
    const known = new Set(["name", "image", "command", "envs", "networksAdvanced", "mounts", "restart", "init", "stopSignal", "stopTimeout", "healthcheck", "logDriver", "logOpts", "labels", "user", ...PROVIDER_ONLY]);
    const unknown = Object.keys(props).filter((k) => !known.has(k));
    if (unknown.length > 0) {
        throw new Error(`the planned docker.Container has inputs this test does not translate: ${unknown.join(", ")}; add them to test/engine/docker.ts`);
    }
    const networks = (props.networksAdvanced ?? []) as Array<Record<string, unknown>>;
    if (networks.length !== 1 || Object.keys(networks[0]).some((k) => k !== "name" && k !== "aliases")) {
        throw new Error(`expected exactly one network {name, aliases?}, got ${JSON.stringify(networks)}`);
    }
    const network = String(networks[0].name);
    const hc = props.healthcheck as Record<string, any> | undefined;
    const knownHc = new Set(["tests", "interval", "timeout", "startPeriod", "retries"]);
    if (hc !== undefined && Object.keys(hc).some((k) => !knownHc.has(k))) {
        throw new Error(`healthcheck inputs this test does not translate: ${Object.keys(hc).filter((k) => !knownHc.has(k)).join(", ")}`);
    }
    const mounts = ((props.mounts ?? []) as Array<Record<string, any>>).map((m) => {
        const extra = Object.keys(m).filter((k) => !["type", "source", "target", "readOnly"].includes(k));
        if (extra.length > 0) {
            throw new Error(`mount inputs this test does not translate: ${extra.join(", ")}`);
        }
        return { Type: m.type, Source: m.source, Target: m.target, ReadOnly: m.readOnly === true };
    });
    const body: Record<string, unknown> = {
        Image: image,
        Cmd: props.command,
        Env: props.envs,
        User: props.user ?? "",
        Labels: Object.fromEntries(((props.labels ?? []) as Array<{ label: string; value: string }>).map((l) => [l.label, l.value])),
        StopSignal: props.stopSignal,
        StopTimeout: props.stopTimeout,
        Healthcheck: hc === undefined ? undefined : {
            Test: hc.tests,
            Interval: durationNs(hc.interval ?? "0s"),
            Timeout: durationNs(hc.timeout ?? "0s"),
            StartPeriod: durationNs(hc.startPeriod ?? "0s"),
            Retries: hc.retries ?? 0,
        },
        HostConfig: {
            NetworkMode: network,
            Mounts: mounts,
            RestartPolicy: { Name: props.restart ?? "no" },
            Init: props.init === true,
            LogConfig: { Type: props.logDriver ?? "json-file", Config: props.logOpts ?? {} },
        },
        NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: networks[0].aliases ?? [] } } },
    };
    return { name: String(props.name), body };
}

/** Creates and starts a container from a create request. */
export async function createAndStart(req: { name: string; body: Record<string, unknown> }): Promise<string> {
    const created = await api("POST", `/containers/create?name=${encodeURIComponent(req.name)}`, req.body);
    if (created.status !== 201) {
        throw new Error(`creating container ${req.name}: HTTP ${created.status} ${JSON.stringify(created.body)}`);
    }
    const id = String(created.body.Id);
    const started = await api("POST", `/containers/${id}/start`);
    if (started.status !== 204) {
        throw new Error(`starting container ${req.name}: HTTP ${started.status} ${JSON.stringify(started.body)}`);
    }
    return id;
}

/** Polls until check returns a value (not undefined), or fails with what it last saw. */
export async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, everyMs = 2000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const v = await check();
        if (v !== undefined) {
            return v;
        }
        if (Date.now() > deadline) {
            throw new Error(`gave up after ${Math.round(timeoutMs / 1000)}s waiting for ${what}`);
        }
        await new Promise((r) => setTimeout(r, everyMs));
    }
}
