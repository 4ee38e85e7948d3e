/**
 * `npm run drill`: the whole disaster-recovery story on one machine, with real parts.
 *
 *   1. a throwaway PostgreSQL cluster with the reference app: `main` (an encrypted column, a
 *      large object) and `audit` (append-only for the app role); Azurite as the blob store
 *   2. `lifeboat backup` of both databases to azblob://, with the key's fingerprint
 *   3. the cluster is destroyed (data folder deleted): the clock starts
 *   4. a new cluster; the responder recreates the roles; `lifeboat restore` of each database,
 *      refusing any set made under another key
 *   5. row-for-row verification against digests taken before the loss, and the audit table
 *      still append-only; the clock stops: the measured loss-to-verified time
 *
 * Everything is removed at the end. Exit 0 only when the restore is verified.
 */
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { Azurite, Cluster, startAzurite, startCluster } from "./cluster";
import { fingerprintKey } from "../scripts/fingerprint";
import { decryptCases, Digest, digestDatabase, encryptCases, seedReferenceApp } from "./sample";

/** The built job (dist/scripts/cli.js), beside this file's dist/tools/. */
const CLI = path.join(__dirname, "..", "scripts", "cli.js");
const CONTAINER = "backups";
const ROWS = 50000;
const VAULT = "lb-prod-drill";
const SECRET = "FIELD-ENCRYPTION-KEY";

function say(text: string): void {
    process.stdout.write(`${text}\n`);
}

function seconds(ms: number): string {
    return `${(ms / 1000).toFixed(2)} s`;
}

/** Runs the CLI, echoing the command and a short form of its JSON events; rejects unless it exits `expect`. */
async function lifeboat(args: string[], env: NodeJS.ProcessEnv, expect = 0): Promise<Array<Record<string, unknown>>> {
    say(`  $ lifeboat ${args.map((a) => (/[\s'"]/.test(a) ? JSON.stringify(a) : a)).join(" ").replace(/:\/\/postgres:[^@]+@/, "://postgres:***@")}`);
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
        child.on("close", (code) => {
            const lines = out.split("\n").filter((l) => l.trim() !== "");
            for (const l of lines.filter((x) => !x.startsWith("{"))) {
                say(`    ${l}`);
            }
            const events = lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
            for (const e of events) {
                const { time: _t, level: _l, event, ...rest } = e;
                const brief = Object.entries(rest)
                    .filter(([k]) => !["sha256", "databases", "targets"].includes(k) || event === "verify.report")
                    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
                    .join(" ");
                say(`    ${String(event ?? "(set)").padEnd(16)} ${brief}`);
            }
            const failedEvent = events.some((e) => String(e.event).endsWith(".failed"));
            const errLines = err
                .trim()
                .split("\n")
                .filter((l) => l !== "" && !(failedEvent && l.startsWith("lifeboat: error:")));
            for (const l of errLines) {
                say(`    ! ${l}`);
            }
            if (code === expect) {
                resolve(events);
            } else {
                reject(new Error(`lifeboat ${args[0]} exited ${code}: ${err.trim()}`));
            }
        });
    });
}

async function appendOnly(url: string): Promise<boolean> {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
        await c.query("INSERT INTO audit_log (actor, action) VALUES ('drill', 'append after restore')");
        try {
            await c.query("UPDATE audit_log SET action = 'tampered'");
            return false;
        } catch (e) {
            return /permission denied/.test((e as Error).message);
        }
    } finally {
        await c.end();
    }
}

function compare(before: Digest, after: Digest): string[] {
    const problems: string[] = [];
    for (const [table, d] of Object.entries(before)) {
        const a = after[table];
        if (a === undefined) {
            problems.push(`${table}: missing`);
        } else if (a.rows !== d.rows || a.md5 !== d.md5) {
            problems.push(`${table}: ${a.rows} rows (md5 ${a.md5}) instead of ${d.rows} (md5 ${d.md5})`);
        }
    }
    return problems;
}

/**
 * The stack's key store, simulated locally: Key Vault with soft delete and purge protection.
 * A deleted vault is kept (recoverable) rather than removed, as Azure does for 7-90 days.
 */
class LocalVault {
    constructor(private readonly root: string) {}

    private live(name: string): string {
        return path.join(this.root, "vaults", name);
    }

    private deleted(name: string): string {
        return path.join(this.root, "deleted-vaults", name);
    }

    create(name: string, secret: string, value: string): void {
        fs.mkdirSync(this.live(name), { recursive: true, mode: 0o700 });
        fs.writeFileSync(path.join(this.live(name), secret), value, { mode: 0o600 });
    }

    /** What losing the resource group does to a vault with purge protection: a soft delete. */
    softDelete(name: string): void {
        fs.mkdirSync(path.dirname(this.deleted(name)), { recursive: true });
        fs.renameSync(this.live(name), this.deleted(name));
    }

    /** `keyVault.recover: true`: the vault comes back with its secrets. */
    recover(name: string): void {
        if (!fs.existsSync(this.deleted(name))) {
            throw new Error(`no soft-deleted vault ${name} to recover`);
        }
        fs.renameSync(this.deleted(name), this.live(name));
    }

    read(name: string, secret: string): string {
        return fs.readFileSync(path.join(this.live(name), secret), "utf8");
    }
}

async function main(): Promise<number> {
    const started = Date.now();
    let azurite: Azurite | undefined;
    let first: Cluster | undefined;
    let second: Cluster | undefined;
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-drill-stack-"));
    try {
        say("lifeboat drill: backup, complete loss, recovery with the same key, verification, on this machine\n");
        say("1. the environment: a PostgreSQL cluster with the reference app, Azurite as the blob store,");
        say("   and the stack's state and key vault (simulated in a local folder)");
        [first, azurite] = await Promise.all([startCluster(), startAzurite()]);
        seedReferenceApp(first, ROWS);
        const { BlobServiceClient } = await import("@azure/storage-blob");
        await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(CONTAINER).create();
        const target = `azblob://devstoreaccount1/${CONTAINER}`;
        // `pulumi up -s prod`: the key is generated once, kept in the vault; the state records its fingerprint.
        const vault = new LocalVault(home);
        const state = path.join(home, "state", "prod.json");
        const generated = randomBytes(32).toString("base64url") + "=";
        vault.create(VAULT, SECRET, generated);
        fs.mkdirSync(path.dirname(state), { recursive: true });
        fs.writeFileSync(state, JSON.stringify({ outputs: { keyVaultName: VAULT, keySecretName: SECRET, keyFingerprint: fingerprintKey(generated), backupTarget: target } }));
        const fingerprint = (JSON.parse(fs.readFileSync(state, "utf8")) as { outputs: { keyFingerprint: string } }).outputs.keyFingerprint;
        // The application encrypts its sensitive field with the key it reads from the vault.
        const encrypted = await encryptCases(first.url("main"), vault.read(VAULT, SECRET));
        const before: Record<string, Digest> = { main: await digestDatabase(first.url("main")), audit: await digestDatabase(first.url("audit")) };
        say(`   PostgreSQL on 127.0.0.1:${first.port}: main (${before.main["public.cases"].rows} cases, ${encrypted} fields Fernet-encrypted, 1 large object), audit (${before.audit["public.audit_log"].rows} entries, append-only for role app)`);
        say(`   key vault ${VAULT}: secret ${SECRET}, fingerprint ${fingerprint} (the stack output; the key itself never reaches the job)`);
        const baseEnv: NodeJS.ProcessEnv = {
            ...process.env,
            AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        };

        say("\n2. the nightly job: one backup set, streamed to blob storage, manifest last");
        await lifeboat(["backup", "--databases", "main,audit", "--target", target], { ...baseEnv, ...first.env(), LIFEBOAT_KEY_FINGERPRINT: fingerprint });

        say("\n3. complete loss: the server with its data folder, the stack's state, and the key vault's resource group");
        await first.stop();
        first = undefined;
        fs.rmSync(state);
        vault.softDelete(VAULT);
        const lost = Date.now();
        say("   cluster stopped and deleted; state file deleted; vault soft-deleted (purge protection keeps it recoverable); clock started");

        say("\n4. recovery: `pulumi up -s dr` recreates the environment, with the same key");
        say("   what the backups need: the key of their sets");
        const sets = (await lifeboat(["list", "--json", "--target", target], baseEnv)).filter((e) => typeof e.set === "string" && e.event === undefined);
        const needed = sets[0]?.keyFingerprint;
        if (typeof needed !== "string") {
            say("DRILL FAILED: no complete backup set with a key fingerprint");
            return 1;
        }
        say(`   keyVault.recover: true: vault ${VAULT} recovered from soft delete; the stack never generates a key`);
        vault.recover(VAULT);
        const key = vault.read(VAULT, SECRET);
        const recoveredFingerprint = fingerprintKey(key);
        say(`   recovered key fingerprint ${recoveredFingerprint}: ${recoveredFingerprint === needed ? "the one the newest set was made with" : `NOT the set's ${needed}`}`);
        if (recoveredFingerprint !== needed) {
            say("DRILL FAILED: the recovered key is not the key of the backups");
            return 1;
        }
        second = await startCluster();
        second.psql("CREATE ROLE app LOGIN PASSWORD 'app-password'; CREATE ROLE audit_owner NOLOGIN;");
        const serverUp = Date.now();
        say(`   new PostgreSQL on 127.0.0.1:${second.port} after ${seconds(serverUp - lost)}; roles from the runbook`);
        const env = { ...baseEnv, ...second.env(), LIFEBOAT_KEY_FINGERPRINT: recoveredFingerprint };
        say("   a key generated anew instead of the recovered one is refused (exit 3):");
        await lifeboat(["restore", "--target", target, "--set", "latest", "--database", "main", "--into", second.url("main")], { ...env, LIFEBOAT_KEY_FINGERPRINT: fingerprintKey(randomBytes(32).toString("base64url")) }, 3);
        say("   with the recovered key's fingerprint:");
        for (const db of ["main", "audit"]) {
            await lifeboat(["restore", "--target", target, "--set", "latest", "--database", db, "--into", second.url(db)], env);
        }
        const restored = Date.now();

        say("\n5. verification: row for row against digests taken before the loss, and every encrypted field read with the recovered key");
        const problems: string[] = [];
        for (const db of ["main", "audit"]) {
            const after = await digestDatabase(second.url(db));
            const p = compare(before[db], after);
            problems.push(...p.map((x) => `${db} ${x}`));
            for (const [table, d] of Object.entries(before[db])) {
                say(`   ${p.some((x) => x.startsWith(table)) ? "MISMATCH" : "ok      "} ${db}.${table}: ${d.rows} rows, md5 ${d.md5.slice(0, 12)}`);
            }
        }
        const readable = await decryptCases(second.url("main"), key);
        const allReadable = readable.rows === encrypted && readable.readable === encrypted;
        say(`   ${allReadable ? "ok      " : "FAILED  "} main.cases.ssn_encrypted: ${readable.readable} of ${encrypted} fields decrypt with the recovered key to what the application wrote`);
        if (!allReadable) {
            problems.push(`${encrypted - readable.readable} encrypted fields unreadable`);
        }
        const ao = await appendOnly(second.url("audit", "app", "app-password"));
        say(`   ${ao ? "ok      " : "FAILED  "} audit_log is append-only for role app (INSERT allowed, UPDATE denied)`);
        if (!ao) {
            problems.push("audit_log is not append-only");
        }
        const verified = Date.now();
        say("");
        if (problems.length > 0) {
            say(`DRILL FAILED: ${problems.join("; ")}`);
            return 1;
        }
        say(`RESTORE VERIFIED. loss-to-verified: ${seconds(verified - lost)} (new server ${seconds(serverUp - lost)}, restore ${seconds(restored - serverUp)}, verification ${seconds(verified - restored)}); whole drill ${seconds(verified - started)}`);
        return 0;
    } finally {
        await Promise.all([first?.stop(), second?.stop(), azurite?.stop()].map((p) => p?.catch(() => undefined)));
        fs.rmSync(home, { recursive: true, force: true });
    }
}

main().then(
    (code) => process.exit(code),
    (e: unknown) => {
        process.stderr.write(`drill failed: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
    },
);
