/**
 * libpq's sslmode for the CLI's own connections (node-postgres), checked against libpq itself:
 * for every mode, server and role below, `connect()` must succeed or fail exactly when psql
 * (libpq, as pg_dump and pg_restore use it) does, and use SSL exactly when psql does.
 * One server runs without SSL (plain initdb, the usual Compose `db`), one with a self-signed
 * certificate made here, whose pg_hba.conf rejects one role without SSL and one role with it.
 */
import { execFileSync, spawnSync } from "child_process";
import { chownSync, copyFileSync, statSync, writeFileSync } from "fs";
import * as path from "path";
import { LifeboatError } from "../../scripts/errors";
import { connect, ConnSpec, pgBin } from "../../scripts/pg";
import { cleanEnv, cli, Cluster, removeDir, startCluster, tempDir } from "./helpers";

const MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;
type Root = "none" | "right" | "wrong";

let plain: Cluster;
let tls: Cluster;
let dir: string;
let home: string;
let rightRoot: string;
let wrongRoot: string;
const ROLE_PASSWORD = "ssl-test-pw";

function selfSigned(name: string, cn: string): { crt: string; key: string } {
    const crt = path.join(dir, `${name}.crt`);
    const key = path.join(dir, `${name}.key`);
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${cn}`,
        "-addext", `subjectAltName=DNS:${cn}`, "-keyout", key, "-out", crt], { stdio: "ignore" });
    return { crt, key };
}

beforeAll(async () => {
    dir = tempDir("ssl");
    home = tempDir("ssl-home"); // no ~/.postgresql/root.crt, for libpq and for us
    [plain, tls] = await Promise.all([startCluster(), startCluster()]);
    const server = selfSigned("server", "localhost");
    rightRoot = server.crt;
    wrongRoot = selfSigned("other", "localhost").crt;
    // the server's key: owned by the cluster's user, 0600 (PostgreSQL refuses anything looser)
    const data = path.join(tls.dir, "data");
    const owner = statSync(data);
    for (const [from, to] of [[server.crt, "server.crt"], [server.key, "server.key"]]) {
        copyFileSync(from, path.join(data, to));
        chownSync(path.join(data, to), owner.uid, owner.gid);
    }
    execFileSync("chmod", ["600", path.join(data, "server.key")]);
    const hba = path.join(data, "pg_hba.conf");
    const rules = "hostnossl all sslonly all reject\nhostssl all plainonly all reject\n";
    writeFileSync(hba, rules + execFileSync("cat", [hba], { encoding: "utf8" }));
    tls.psql(`CREATE ROLE sslonly LOGIN PASSWORD '${ROLE_PASSWORD}'; CREATE ROLE plainonly LOGIN PASSWORD '${ROLE_PASSWORD}';`);
    tls.psql("ALTER SYSTEM SET ssl = on");
    tls.psql("SELECT pg_reload_conf()");
    for (let i = 0; i < 50 && tls.psql("SHOW ssl") !== "on"; i++) {
        await new Promise((r) => setTimeout(r, 100));
    }
    expect(tls.psql("SHOW ssl")).toBe("on");
});

afterAll(async () => {
    await Promise.all([plain?.stop(), tls?.stop()]);
    removeDir(dir);
    removeDir(home);
});

interface Outcome {
    ok: boolean;
    ssl?: boolean;
}

const SSL_QUERY = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

function rootFile(root: Root): string | undefined {
    return root === "right" ? rightRoot : root === "wrong" ? wrongRoot : undefined;
}

/** What libpq does: psql with the same settings. */
function libpq(spec: ConnSpec): Outcome & { error: string } {
    const conninfo = [`host=${spec.host}`, `port=${spec.port}`, `user=${spec.user}`, "dbname=postgres", `sslmode=${spec.sslmode}`, "connect_timeout=10"];
    if (spec.sslrootcert !== undefined) conninfo.push(`sslrootcert=${spec.sslrootcert}`);
    const r = spawnSync(pgBin("psql"), ["-X", "-A", "-t", "-w", "-d", conninfo.join(" "), "-c", SSL_QUERY], {
        encoding: "utf8",
        env: cleanEnv({ HOME: home, PGPASSWORD: spec.password }),
    });
    return r.status === 0 ? { ok: true, ssl: r.stdout.trim() === "t", error: "" } : { ok: false, error: r.stderr.trim() };
}

/** What the CLI does. */
async function ours(spec: ConnSpec): Promise<Outcome & { error: string }> {
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
        const client = await connect(spec, "postgres");
        try {
            const rows = (await client.query<{ ssl: boolean }>(SSL_QUERY)).rows;
            return { ok: true, ssl: rows[0]?.ssl === true, error: "" };
        } finally {
            await client.end();
        }
    } catch (e) {
        return { ok: false, error: e instanceof LifeboatError ? e.line() : (e as Error).message };
    } finally {
        process.env.HOME = saved;
    }
}

interface Case {
    server: "plain" | "tls";
    user: "postgres" | "sslonly" | "plainonly";
    mode: (typeof MODES)[number];
    root: Root;
    host: "127.0.0.1" | "localhost";
}

function cases(): Case[] {
    const out: Case[] = [];
    const targets: Array<Pick<Case, "server" | "user">> = [
        { server: "plain", user: "postgres" },
        { server: "tls", user: "postgres" },
        { server: "tls", user: "sslonly" },
        { server: "tls", user: "plainonly" },
    ];
    for (const t of targets) {
        for (const mode of MODES) {
            const roots: Root[] = mode === "require" || mode.startsWith("verify") ? ["none", "right", "wrong"] : ["none"];
            const hosts: Case["host"][] = mode === "verify-full" ? ["127.0.0.1", "localhost"] : ["127.0.0.1"];
            for (const root of roots) {
                for (const host of hosts) {
                    out.push({ ...t, mode, root, host });
                }
            }
        }
    }
    return out;
}

function specFor(c: Case): ConnSpec {
    const cluster = c.server === "plain" ? plain : tls;
    return {
        host: c.host,
        port: cluster.port,
        user: c.user,
        password: c.user === "postgres" ? cluster.password : ROLE_PASSWORD,
        sslmode: c.mode,
        sslrootcert: rootFile(c.root),
    };
}

test("every sslmode connects (or refuses) and uses SSL exactly as libpq does, on a server without SSL and one with it", async () => {
    const differences: string[] = [];
    let sslUsed = 0;
    for (const c of cases()) {
        const spec = specFor(c);
        const want = libpq(spec);
        const got = await ours(spec);
        if (want.ok !== got.ok || want.ssl !== got.ssl) {
            differences.push(`${JSON.stringify(c)}: libpq ${JSON.stringify({ ok: want.ok, ssl: want.ssl })} ${want.error}; lifeboat ${JSON.stringify({ ok: got.ok, ssl: got.ssl })} ${got.error}`);
        }
        sslUsed += got.ssl === true ? 1 : 0;
    }
    expect(differences).toEqual([]);
    // the matrix really exercised both sides
    expect(sslUsed).toBeGreaterThan(5);
});

test("prefer and allow against a server without SSL connect in plain text; require names the reason", async () => {
    for (const mode of ["prefer", "allow"]) {
        expect(await ours({ host: "127.0.0.1", port: plain.port, user: "postgres", password: plain.password, sslmode: mode })).toEqual({ ok: true, ssl: false, error: "" });
    }
    const refused = await ours({ host: "127.0.0.1", port: plain.port, user: "postgres", password: plain.password, sslmode: "require" });
    expect(refused.ok).toBe(false);
    expect(refused.error).toMatch(/does not support SSL.*sslmode require/);
});

test("verify-ca without a root certificate names the file libpq would read and the two ways out", async () => {
    const got = await ours({ host: "127.0.0.1", port: tls.port, user: "postgres", password: tls.password, sslmode: "verify-ca" });
    expect(got.ok).toBe(false);
    expect(got.error).toContain(path.join(home, ".postgresql", "root.crt"));
    expect(got.error).toMatch(/PGSSLROOTCERT|sslrootcert/);
});

test("an unknown sslmode is a usage error naming the value and the six modes", async () => {
    const got = await ours({ host: "127.0.0.1", port: plain.port, user: "postgres", password: plain.password, sslmode: "on" });
    expect(got.ok).toBe(false);
    expect(got.error).toMatch(/sslmode "on".*disable, allow, prefer, require, verify-ca, verify-full/);
});

test("a Unix socket ignores sslmode, as libpq does", async () => {
    const spec: ConnSpec = { host: tls.socketDir, port: tls.port, user: "postgres", sslmode: "require" };
    expect(libpq(spec)).toMatchObject({ ok: true, ssl: false });
    expect(await ours(spec)).toEqual({ ok: true, ssl: false, error: "" });
});

test("lifeboat backup with PGSSLMODE=prefer (the local target's default) works against a server without SSL, and pg_dump agrees on the SSL server", async () => {
    const out = tempDir("ssl-backup");
    try {
        plain.psql("CREATE DATABASE app; ");
        plain.psql("CREATE TABLE t (id int); INSERT INTO t VALUES (1);", "app");
        const env = cleanEnv({ HOME: home, PGHOST: "127.0.0.1", PGPORT: String(plain.port), PGUSER: "postgres", PGPASSWORD: plain.password, PGSSLMODE: "prefer" });
        const r = await cli(["backup", "--databases", "app", "--target", `file://${out}`], env);
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);

        tls.psql("CREATE DATABASE app OWNER sslonly;");
        const envTls = cleanEnv({ HOME: home, PGHOST: "localhost", PGPORT: String(tls.port), PGUSER: "sslonly", PGPASSWORD: ROLE_PASSWORD, PGSSLMODE: "verify-full", PGSSLROOTCERT: rightRoot });
        const r2 = await cli(["backup", "--databases", "app", "--target", `file://${out}`], envTls);
        expect(r2.stderr).toBe("");
        expect(r2.code).toBe(0);
    } finally {
        removeDir(out);
    }
});
