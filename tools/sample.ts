/**
 * The reference application's data, for the drill, the benchmark and the integration tests:
 * `main` (cases with a Fernet-encrypted-looking column, a document as a large object) and
 * `audit` (an append-only log owned by audit_owner; the app role may INSERT and SELECT only).
 */
import { Client } from "pg";
import { Cluster } from "./cluster";
import { fernetDecrypt, fernetEncrypt } from "./fernet";
import { quoteIdent } from "../scripts/pg";

/** A Fernet-looking ciphertext: what an encrypted field looks like at rest. */
export const FERNET_LIKE = "'gAAAAAB' || encode(convert_to(md5(g::text) || md5((g * 7)::text), 'UTF8'), 'base64')";

export function seedReferenceApp(cluster: Cluster, rows = 2000): void {
    cluster.psql(`
        CREATE ROLE app LOGIN PASSWORD 'app-password';
        CREATE ROLE audit_owner NOLOGIN;
        CREATE DATABASE main;
        CREATE DATABASE audit OWNER audit_owner;
    `);
    cluster.psql(
        `
        CREATE TABLE cases (id int PRIMARY KEY, title text NOT NULL, ssn_encrypted text NOT NULL, opened date NOT NULL);
        INSERT INTO cases SELECT g, 'case ' || g, ${FERNET_LIKE}, date '2020-01-01' + (g % 1000) FROM generate_series(1, ${rows}) g;
        CREATE TABLE documents (id int PRIMARY KEY, case_id int REFERENCES cases(id), blob oid);
        INSERT INTO documents VALUES (1, 1, lo_from_bytea(0, convert_to('scanned consent form', 'UTF8')));
        GRANT SELECT, INSERT, UPDATE ON cases TO app;
    `,
        "main",
    );
    cluster.psql(
        `
        SET ROLE audit_owner;
        CREATE TABLE audit_log (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), actor text NOT NULL, action text NOT NULL);
        INSERT INTO audit_log (actor, action) SELECT 'user' || (g % 17), 'viewed case ' || g FROM generate_series(1, ${Math.max(10, Math.floor(rows / 2))}) g;
        GRANT SELECT, INSERT ON audit_log TO app;
        GRANT USAGE ON SEQUENCE audit_log_id_seq TO app;
        REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM app;
    `,
        "audit",
    );
}

/** A database whose dump takes seconds: poorly compressible text (about 80 bytes of dump per row). */
export function seedBig(cluster: Cluster, name: string, rows: number): void {
    cluster.psql(`CREATE DATABASE ${quoteIdent(name)};`);
    cluster.psql(
        `CREATE TABLE big (id int PRIMARY KEY, payload text, at timestamptz DEFAULT now());
         INSERT INTO big (id, payload) SELECT g, md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) FROM generate_series(1, ${rows}) g;
         CREATE INDEX big_payload ON big (payload);`,
        name,
    );
}

/** Per table: row count and an MD5 over every row in a fixed order; plus large objects. */
export type Digest = Record<string, { rows: number; md5: string }>;

export async function digestDatabase(url: string): Promise<Digest> {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
        const tables = await c.query<{ s: string; t: string }>(
            "SELECT n.nspname AS s, c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1, 2",
        );
        const out: Digest = {};
        for (const { s, t } of tables.rows) {
            const name = `${quoteIdent(s)}.${quoteIdent(t)}`;
            const r = await c.query<{ n: string; h: string | null }>(`SELECT count(*) AS n, md5(string_agg(x::text, E'\\n' ORDER BY x::text)) AS h FROM ${name} x`);
            out[`${s}.${t}`] = { rows: Number(r.rows[0].n), md5: r.rows[0].h ?? "" };
        }
        const lo = await c.query<{ n: string; h: string | null }>("SELECT count(*) AS n, md5(string_agg(encode(lo_get(oid), 'hex'), ',' ORDER BY oid)) AS h FROM pg_largeobject_metadata");
        out["(large objects)"] = { rows: Number(lo.rows[0].n), md5: lo.rows[0].h ?? "" };
        return out;
    } finally {
        await c.end();
    }
}

/** The synthetic plaintext of case `id`'s encrypted field. */
export function syntheticSsn(id: number): string {
    return `${String(100 + (id % 900)).padStart(3, "0")}-${String(10 + (id % 90)).padStart(2, "0")}-${String(id % 10000).padStart(4, "0")}`;
}

/** Encrypts every case's `ssn_encrypted` with the key, as the application does (real Fernet tokens). */
export async function encryptCases(url: string, key: string): Promise<number> {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
        const ids = (await c.query<{ id: number }>("SELECT id FROM cases ORDER BY id")).rows.map((r) => r.id);
        for (let i = 0; i < ids.length; i += 5000) {
            const batch = ids.slice(i, i + 5000);
            await c.query("UPDATE cases c SET ssn_encrypted = v.t FROM unnest($1::int[], $2::text[]) AS v(id, t) WHERE c.id = v.id",
                [batch, batch.map((id) => fernetEncrypt(key, syntheticSsn(id)))]);
        }
        return ids.length;
    } finally {
        await c.end();
    }
}

/** Decrypts every case's field with the key: how many came back as the application wrote them. */
export async function decryptCases(url: string, key: string): Promise<{ rows: number; readable: number }> {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
        const rows = (await c.query<{ id: number; ssn_encrypted: string }>("SELECT id, ssn_encrypted FROM cases ORDER BY id")).rows;
        let readable = 0;
        for (const r of rows) {
            try {
                readable += fernetDecrypt(key, r.ssn_encrypted) === syntheticSsn(r.id) ? 1 : 0;
            } catch {
                // not readable with this key
            }
        }
        return { rows: rows.length, readable };
    } finally {
        await c.end();
    }
}
