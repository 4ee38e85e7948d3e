/**
 * The job image and the `local` target on a real Docker engine (run by .ci/engine, which starts
 * dockerd and builds the images first). A Compose application like the seed users run (`db`
 * with `main`, `audit_db` with `audit`, on `casework_default`); beside it:
 *   - the `local` target's container, created with exactly the inputs the offline plan records
 *     for stacks/Pulumi.local.yaml's docker.Container (only the host folder, the cron, the
 *     password, the image ID and the databases differ: this app keeps `audit` on its own
 *     server, so this stack backs up `db`'s `main`, as one stack per server does);
 *   - docs/SELF-HOSTING.md's Compose snippet, used as written there.
 * Then: backups every minute, health turning healthy, the files on the host folders, a restore
 * into a fresh Compose database compared row for row, and `docker stop` during a backup.
 */
import { chownSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import * as path from "path";
import { Client } from "pg";
import { parse as parseYaml } from "yaml";
import { digestDatabase } from "../../tools/sample";
import { PlannedResource, planStack, readStackConfig } from "../../tools/plan";
import { createAndStart, createRequest, docker, DOCKER, dockerSync, inspect, required, ROOT, run, until } from "./docker";

const JOB_IMAGE = required("LIFEBOAT_CI_JOB_IMAGE");
const POSTGRES_IMAGE = required("LIFEBOAT_CI_POSTGRES_IMAGE");
const PROJECT = "casework";
const NETWORK = `${PROJECT}_default`;
const PASSWORD = `ci-${Math.random().toString(36).slice(2, 12)}`;
const EVERY_MINUTE = "* * * * *";
const MINUTE = 60_000;

let work: string;
let planDir: string;
let composeDir: string;
let container: PlannedResource;
let containerName: string;
let composeEnv: NodeJS.ProcessEnv;
let override: string;

/** The YAML block of docs/SELF-HOSTING.md that holds the Compose services. */
function snippet(): string {
    const doc = readFileSync(path.join(ROOT, "docs", "SELF-HOSTING.md"), "utf8");
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => /^services:/m.test(b));
    if (blocks.length !== 1) {
        throw new Error(`docs/SELF-HOSTING.md: expected one yaml block with services:, found ${blocks.length}`);
    }
    return blocks[0];
}

function compose(...args: string[]) {
    return run("docker-compose", ["--project-name", PROJECT, "--file", path.join(ROOT, "test/engine/app/docker-compose.yml"), "--file", override, ...args], { env: composeEnv, cwd: work });
}

async function composeOk(...args: string[]): Promise<string> {
    const r = await compose(...args);
    if (r.code !== 0) {
        throw new Error(`docker-compose ${args.join(" ")} exited ${r.code}: ${r.stderr.trim()}`);
    }
    return r.stdout.trim();
}

async function serviceContainer(service: string): Promise<string> {
    const id = await composeOk("ps", "-q", service);
    if (id === "") {
        throw new Error(`no container for Compose service ${service}`);
    }
    return id;
}

/** postgres:// URL of a Compose PostgreSQL service through its port published on loopback. */
async function url(service: string, database: string): Promise<string> {
    const port = (await composeOk("port", service, "5432")).split(":").pop();
    return `postgres://casework:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

async function sql(service: string, database: string, text: string): Promise<Array<Record<string, unknown>>> {
    const c = new Client({ connectionString: await url(service, database) });
    await c.connect();
    try {
        const r = await c.query(text);
        return (Array.isArray(r) ? r[r.length - 1] : r).rows;
    } finally {
        await c.end();
    }
}

async function waitHealthy(service: string): Promise<void> {
    const id = await serviceContainer(service);
    await until(`${service} healthy`, 2 * MINUTE, async () => ((await inspect(id)).State.Health?.Status === "healthy" ? true : undefined), 1000);
}

/** The backup folder made as the stack file says: owned by uid 1000, mode 750. */
function backupFolder(dir: string): string {
    mkdirSync(dir, { recursive: true });
    chownSync(dir, 1000, 1000);
    chmodSync(dir, 0o750);
    return dir;
}

/** Every file and folder below dir. */
function walk(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? [p, ...walk(p)] : [p];
    });
}

/** Set folders (<tier>/<set id>) below a backup folder, and whether each holds its manifest. */
function sets(dir: string): Array<{ id: string; dir: string; complete: boolean; files: string[] }> {
    return walk(dir)
        .filter((p) => path.relative(dir, p).split(path.sep).length === 2 && statSync(p).isDirectory())
        .map((p) => ({ id: path.basename(p), dir: p, complete: existsSync(path.join(p, "manifest.json")), files: readdirSync(p) }));
}

async function logEvents(name: string): Promise<Array<Record<string, any>>> {
    const r = await run(DOCKER, ["logs", name]);
    return r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, any>);
}

beforeAll(async () => {
    work = mkdtempSync("/tmp/lifeboat-engine-app-");
    chmodSync(work, 0o755);
    planDir = backupFolder(path.join(work, "plan"));
    composeDir = path.join(work, "compose");
    backupFolder(path.join(composeDir, "db"));
    backupFolder(path.join(composeDir, "audit_db"));
    override = path.join(work, "docker-compose.override.yml");
    writeFileSync(override, snippet());

    // the local target as stacks/Pulumi.local.yaml declares it, for this machine's folder and a
    // minute's cron, and for `db` alone: `audit` lives on `audit_db` here (one stack per server)
    const { values } = readStackConfig("local");
    const plan = await planStack({
        stack: "local",
        config: {
            servers: [{ name: "db", databases: ["main"] }],
            local: { ...(values["lifeboat:local"] as object), backupDir: planDir },
            schedule: { ...(values["lifeboat:schedule"] as object), cron: EVERY_MINUTE },
            postgresPassword: PASSWORD,
        },
    });
    expect(plan.configErrors).toEqual([]);
    expect(plan.error).toBeUndefined();
    const containers = plan.resources.filter((r) => r.type === "docker:index/container:Container");
    expect(containers).toHaveLength(1);
    container = containers[0];
    containerName = String(container.props.name);
    const env = Object.fromEntries((container.props.envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
    // the app this stack file describes: the network, the server and the role it names
    expect(container.props.networksAdvanced).toEqual([{ name: NETWORK }]);
    expect(env.PGHOST).toBe("db");

    composeEnv = {
        ...process.env,
        POSTGRES_PASSWORD: PASSWORD,
        LIFEBOAT_CI_POSTGRES_IMAGE: POSTGRES_IMAGE,
        LIFEBOAT_IMAGE: JOB_IMAGE,
        LIFEBOAT_BACKUP_DIR: composeDir,
        LIFEBOAT_CRON: EVERY_MINUTE,
        LIFEBOAT_KEY_FINGERPRINT: env.LIFEBOAT_KEY_FINGERPRINT,
    };
    await compose("down", "--volumes", "--remove-orphans");
    dockerSync("rm", "--force", containerName);
    await composeOk("up", "--detach", "db", "audit_db");
    await Promise.all([waitHealthy("db"), waitHealthy("audit_db")]);

    // the reference app's data: cases with an encrypted-looking column and a large object; an
    // append-only audit log owned by audit_owner
    await sql("db", "postgres", "CREATE ROLE app LOGIN");
    await sql("db", "postgres", "CREATE DATABASE main");
    await sql("db", "main", `
        CREATE TABLE cases (id int PRIMARY KEY, title text NOT NULL, ssn_encrypted text NOT NULL);
        INSERT INTO cases SELECT g, 'case ' || g, 'gAAAAAB' || md5(g::text) FROM generate_series(1, 5000) g;
        CREATE TABLE documents (id int PRIMARY KEY, case_id int REFERENCES cases(id), blob oid);
        INSERT INTO documents VALUES (1, 1, lo_from_bytea(0, convert_to('scanned consent form', 'UTF8')));
        GRANT SELECT, INSERT, UPDATE ON cases TO app`);
    await sql("audit_db", "postgres", "CREATE ROLE app LOGIN; CREATE ROLE audit_owner NOLOGIN");
    await sql("audit_db", "postgres", "CREATE DATABASE audit OWNER audit_owner");
    await sql("audit_db", "audit", `
        SET ROLE audit_owner;
        CREATE TABLE audit_log (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), actor text NOT NULL, action text NOT NULL);
        INSERT INTO audit_log (actor, action) SELECT 'user' || (g % 17), 'viewed case ' || g FROM generate_series(1, 3000) g;
        GRANT SELECT, INSERT ON audit_log TO app;
        REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM app`);

    await createAndStart(createRequest(container.props, JOB_IMAGE));
    await composeOk("up", "--detach", "--no-deps", "lifeboat", "lifeboat_audit");
});

afterAll(async () => {
    if (process.env.LIFEBOAT_ENGINE_KEEP_APP === undefined) {
        if (containerName !== undefined) {
            dockerSync("rm", "--force", containerName);
        }
        if (override !== undefined) {
            await compose("down", "--volumes", "--remove-orphans");
        }
        rmSync(work, { recursive: true, force: true });
    }
});

test("the image runs `lifeboat --version` and `--help` as uid 1000", async () => {
    const version = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version as string;
    expect(await docker("run", "--rm", JOB_IMAGE, "--version")).toBe(version);
    expect(await docker("run", "--rm", JOB_IMAGE, "--help")).toMatch(/Usage: lifeboat[\s\S]*backup[\s\S]*restore[\s\S]*schedule/);
    expect(await docker("run", "--rm", "--entrypoint", "id", JOB_IMAGE)).toMatch(/^uid=1000\(node\) gid=1000\(node\)/);
    expect(await docker("run", "--rm", "--entrypoint", "pg_dump", JOB_IMAGE, "--version")).toMatch(/^pg_dump \(PostgreSQL\) \d+/);
});

test("the local target's container runs with the settings the offline plan records", async () => {
    const c = await inspect(containerName);
    const p = container.props as Record<string, any>;
    expect(c.Config.Cmd).toEqual(p.command);
    expect([...c.Config.Env].filter((e: string) => (p.envs as string[]).includes(e)).sort()).toEqual([...p.envs].sort());
    expect(Object.keys(c.NetworkSettings.Networks)).toEqual([NETWORK]);
    expect(c.Mounts.map((m: any) => ({ type: m.Type, source: m.Source, target: m.Destination }))).toEqual(p.mounts);
    expect(c.Config.Healthcheck.Test).toEqual(p.healthcheck.tests);
    expect(c.HostConfig.RestartPolicy.Name).toBe(p.restart);
    expect(c.HostConfig.Init).toBe(true);
    expect(c.Config.StopSignal).toBe(p.stopSignal);
    expect(c.Config.StopTimeout).toBe(p.stopTimeout);
    expect(c.HostConfig.LogConfig).toEqual({ Type: p.logDriver, Config: p.logOpts });
    for (const { label, value } of p.labels as Array<{ label: string; value: string }>) {
        expect(c.Config.Labels[label]).toBe(value);
    }
    // no user in the plan: the image's, uid 1000
    expect(p.user).toBeUndefined();
    expect(await docker("exec", containerName, "id", "-u")).toBe("1000");
});

test("docs/SELF-HOSTING.md's Compose services carry the same settings as the local target's container", async () => {
    const doc = parseYaml(snippet(), { merge: true }) as { services: Record<string, any> };
    const p = container.props as Record<string, any>;
    const planned = Object.fromEntries((p.envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
    for (const [name, s] of Object.entries(doc.services)) {
        expect({ name, command: s.command, init: s.init, restart: s.restart, stopSignal: s.stop_signal, test: s.healthcheck.test })
            .toEqual({ name, command: p.command, init: true, restart: p.restart, stopSignal: p.stopSignal, test: p.healthcheck.tests });
        expect(s.stop_grace_period).toBe(`${p.stopTimeout / 60}m`);
        expect([s.healthcheck.interval, s.healthcheck.timeout, s.healthcheck.start_period, s.healthcheck.retries])
            .toEqual([p.healthcheck.interval.replace(/0s$/, ""), p.healthcheck.timeout, p.healthcheck.startPeriod.replace(/0s$/, ""), p.healthcheck.retries]);
        expect({ driver: s.logging.driver, ...s.logging.options }).toEqual({ driver: p.logDriver, ...p.logOpts });
        expect(Object.keys(s.environment).sort()).toEqual(Object.keys(planned).sort());
        // the same defaults where the stack file keeps them
        for (const key of ["PGPORT", "PGUSER", "PGSSLMODE", "LIFEBOAT_TARGET", "LIFEBOAT_KEEP_DAILY_DAYS", "LIFEBOAT_KEEP_WEEKLY_DAYS", "LIFEBOAT_KEEP_MONTHLY_DAYS", "LIFEBOAT_STATUS_FILE", "LIFEBOAT_MAX_AGE"]) {
            expect(`${key}=${s.environment[key]}`).toBe(`${key}=${planned[key]}`);
        }
        expect(s.volumes).toHaveLength(1);
        expect(String(s.volumes[0])).toMatch(/:\/backups$/);
    }
});

test("every minute a complete set lands on the host folders, owned by uid 1000 with mode 0640, and the containers turn healthy", async () => {
    const folders = [planDir, path.join(composeDir, "db"), path.join(composeDir, "audit_db")];
    for (const dir of folders) {
        await until(`a complete set in ${dir}`, 3 * MINUTE, async () => (sets(dir).some((s) => s.complete) ? true : undefined));
    }
    const ids = [containerName, await serviceContainer("lifeboat"), await serviceContainer("lifeboat_audit")];
    for (const id of ids) {
        await until(`${id} healthy`, 4 * MINUTE, async () => {
            const health = (await inspect(id)).State.Health;
            expect(health.Status).not.toBe("unhealthy");
            return health.Status === "healthy" ? true : undefined;
        }, 5000);
    }
    for (const dir of folders) {
        for (const p of walk(dir)) {
            const st = statSync(p);
            expect({ p, uid: st.uid, gid: st.gid }).toEqual({ p, uid: 1000, gid: 1000 });
            if (st.isFile()) {
                expect({ p, mode: (st.mode & 0o777).toString(8) }).toEqual({ p, mode: "640" });
            }
        }
    }
    // one archive per database (.dump, or .dump.zst: the default codec with pg_dump 15) and the manifest
    const names = (dir: string) => [...new Set(sets(dir).filter((s) => s.complete).flatMap((s) => s.files).map((f) => f.replace(/\.zst$/, "")))].sort();
    expect(names(planDir)).toEqual(["main.dump", "manifest.json"]);
    expect(names(path.join(composeDir, "audit_db"))).toEqual(["audit.dump", "manifest.json"]);
    const committed = (await logEvents(containerName)).filter((e) => e.event === "set.committed");
    expect(committed.length).toBeGreaterThan(0);
});

test("`lifeboat restore` of the sets into a fresh Compose database gives back every row, owner and grant", async () => {
    await composeOk("up", "--detach", "restored_db");
    await waitHealthy("restored_db");
    // the roles the dumps name exist on the new server, as a responder creates them first
    await sql("restored_db", "postgres", "CREATE ROLE app LOGIN; CREATE ROLE audit_owner NOLOGIN");
    const restoreMain = await run(DOCKER, ["exec", containerName, "lifeboat", "restore", "--target", "file:///backups", "--set", "latest",
        "--database", "main", "--into", "postgresql://casework@restored_db:5432/main"]);
    expect(restoreMain.stderr).toBe("");
    expect(restoreMain.code).toBe(0);
    const restoreAudit = await compose("exec", "-T", "lifeboat_audit", "lifeboat", "restore", "--target", "file:///backups", "--set", "latest",
        "--database", "audit", "--into", "postgresql://casework@restored_db:5432/audit");
    expect(restoreAudit.stderr).toBe("");
    expect(restoreAudit.code).toBe(0);

    expect(await digestDatabase(await url("restored_db", "main"))).toEqual(await digestDatabase(await url("db", "main")));
    expect(await digestDatabase(await url("restored_db", "audit"))).toEqual(await digestDatabase(await url("audit_db", "audit")));
    const rows = await sql("restored_db", "audit", "SELECT tableowner, has_table_privilege('app', 'audit_log', 'INSERT') AS ins, has_table_privilege('app', 'audit_log', 'UPDATE') AS upd FROM pg_tables WHERE tablename = 'audit_log'");
    expect(rows).toEqual([{ tableowner: "audit_owner", ins: true, upd: false }]);
});

test("`docker stop` during a backup rolls the set back: no complete-looking set remains", async () => {
    let before: ReturnType<typeof sets> = [];
    // hold a lock that pg_dump waits for, so that the next scheduled backup is caught mid-way
    const lock = new Client({ connectionString: await url("db", "main") });
    await lock.connect();
    try {
        await lock.query("BEGIN");
        await lock.query("LOCK TABLE cases IN ACCESS EXCLUSIVE MODE");
        // (asked outside the locking transaction: its view of pg_stat_activity stays as it began)
        await until("pg_dump of main waiting for the lock", 2 * MINUTE, async () => {
            const r = await sql("db", "postgres", "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = 'main' AND application_name = 'pg_dump' AND wait_event_type = 'Lock'");
            return Number(r[0].n) > 0 ? true : undefined;
        }, 1000);
        // now the only set in progress is the one waiting for the lock
        before = sets(planDir).filter((s) => s.complete);
        await docker("stop", containerName);
    } finally {
        await lock.query("ROLLBACK").catch(() => undefined);
        await lock.end();
    }
    const state = (await inspect(containerName)).State;
    expect({ status: state.Status, exitCode: state.ExitCode }).toEqual({ status: "exited", exitCode: 0 });
    const events = await logEvents(containerName);
    const started = events.filter((e) => e.event === "backup.start").pop();
    expect(started).toBeDefined();
    const interrupted = String(started?.set);
    expect(events.some((e) => e.event === "set.rolled_back" && e.set === interrupted)).toBe(true);
    expect(events.some((e) => e.event === "schedule.stopped")).toBe(true);
    const after = sets(planDir);
    expect(after.filter((s) => s.complete).map((s) => s.id).sort()).toEqual(before.map((s) => s.id).sort());
    expect(before.map((s) => s.id)).not.toContain(interrupted);
    expect(after.filter((s) => s.id === interrupted).flatMap((s) => s.files)).toEqual([]);
    expect(after.filter((s) => !s.complete && s.files.length > 0)).toEqual([]);
});
