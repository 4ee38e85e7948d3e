/**
 * The fidelity checker: everything a restore must bring back, read from a database so that the
 * original and the restored one can be compared with one toEqual. The schema comes from
 * `pg_dump --schema-only --create` (database-level properties included), compared exactly; the
 * rest is read from the catalogs: rows (count and hash in key order per table), sequences, ACLs,
 * row-level security, large objects, database-level properties.
 */
import { spawnSync } from "child_process";
import { Client } from "pg";
import { pgBin } from "../../scripts/pg";
import { Cluster } from "./helpers";

export interface Fidelity {
    schema: string;
    rows: Record<string, { n: number; hash: string } | "not populated">;
    sequences: Array<Record<string, unknown>>;
    acls: Array<Record<string, unknown>>;
    rls: Array<Record<string, unknown>>;
    largeObjects: Array<Record<string, unknown>>;
    database: Record<string, unknown>;
}

/** pg_dump's schema, without the random `\restrict` key newer releases print. */
export function schemaDump(pg: Cluster, database: string): string {
    const r = spawnSync(pgBin("pg_dump"), ["--schema-only", "--create", `--dbname=${pg.url(database)}`], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) {
        throw new Error(`pg_dump failed: ${r.stderr}`);
    }
    return r.stdout
        .split("\n")
        .filter((l) => !/^\\(un)?restrict /.test(l))
        .join("\n");
}

async function rows(c: Client): Promise<Fidelity["rows"]> {
    const rels = await c.query<{ schema: string; name: string; kind: string; populated: boolean; key: string | null }>(`
        SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind, c.relispopulated AS populated,
               (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY array_position(i.indkey::int2[], a.attnum))
                  FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                 WHERE i.indrelid = c.oid AND i.indisprimary) AS key
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
         ORDER BY 1, 2`);
    const out: Fidelity["rows"] = {};
    for (const r of rels.rows) {
        const name = `${JSON.stringify(r.schema)}.${JSON.stringify(r.name)}`;
        if (!r.populated) {
            out[name] = "not populated";
            continue;
        }
        const rel = `${quote(r.schema)}.${quote(r.name)}`;
        const order = r.key ?? "t::text";
        const q = await c.query<{ n: string; hash: string }>(
            `SELECT count(*) AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY ${order.split(", ").map((k) => (k === "t::text" ? k : `t.${k}`)).join(", ")}), '')) AS hash FROM ${r.kind === "r" ? "ONLY " : ""}${rel} t`,
        );
        out[name] = { n: Number(q.rows[0].n), hash: q.rows[0].hash };
    }
    return out;
}

const quote = (x: string): string => `"${x.replace(/"/g, '""')}"`;

async function sequences(c: Client): Promise<Fidelity["sequences"]> {
    const seqs = await c.query<{ schemaname: string; sequencename: string }>("SELECT * FROM pg_sequences ORDER BY schemaname, sequencename");
    const out: Fidelity["sequences"] = [];
    for (const s of seqs.rows) {
        const state = await c.query(`SELECT last_value::text, is_called FROM ${quote(s.schemaname)}.${quote(s.sequencename)}`);
        out.push({ ...s, ...state.rows[0] });
    }
    return out;
}

async function acls(c: Client): Promise<Fidelity["acls"]> {
    const r = await c.query(`
        SELECT 'relation' AS kind, c.oid::regclass::text AS name, c.relacl::text AS acl FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND c.relacl IS NOT NULL
        UNION ALL SELECT 'column', a.attrelid::regclass::text || '.' || quote_ident(a.attname), a.attacl::text FROM pg_attribute a WHERE a.attacl IS NOT NULL
           AND a.attrelid IN (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))
        UNION ALL SELECT 'schema', quote_ident(nspname), nspacl::text FROM pg_namespace WHERE nspacl IS NOT NULL
        UNION ALL SELECT 'function', p.oid::regprocedure::text, p.proacl::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.proacl IS NOT NULL AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        UNION ALL SELECT 'type', t.oid::regtype::text, t.typacl::text FROM pg_type t WHERE t.typacl IS NOT NULL
        UNION ALL SELECT 'default', pg_get_userbyid(d.defaclrole) || ' ' || coalesce(d.defaclnamespace::regnamespace::text, '-') || ' ' || d.defaclobjtype::text, d.defaclacl::text FROM pg_default_acl d
        UNION ALL SELECT 'server', srvname, srvacl::text FROM pg_foreign_server
        ORDER BY 1, 2`);
    return r.rows;
}

async function rls(c: Client): Promise<Fidelity["rls"]> {
    const tables = await c.query("SELECT c.oid::regclass::text AS name, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c WHERE c.relrowsecurity OR c.relforcerowsecurity ORDER BY 1");
    const policies = await c.query("SELECT schemaname, tablename, policyname, permissive, roles::text, cmd, qual, with_check FROM pg_policies ORDER BY 1, 2, 3");
    return [...tables.rows, ...policies.rows];
}

async function largeObjects(c: Client): Promise<Fidelity["largeObjects"]> {
    const r = await c.query(`SELECT m.oid::int8::text AS oid, pg_get_userbyid(m.lomowner) AS owner, m.lomacl::text AS acl, obj_description(m.oid, 'pg_largeobject') AS comment, md5(lo_get(m.oid)) AS hash
        FROM pg_largeobject_metadata m ORDER BY m.oid`);
    return r.rows;
}

async function database(c: Client): Promise<Fidelity["database"]> {
    const d = await c.query(`SELECT datname, pg_get_userbyid(datdba) AS owner, datacl::text AS acl, datconnlimit, datallowconn, datistemplate, pg_encoding_to_char(encoding) AS encoding, datcollate, datctype,
        shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = current_database()`);
    const s = await c.query(`SELECT CASE WHEN setrole = 0 THEN '' ELSE pg_get_userbyid(setrole) END AS role, setconfig::text AS config
        FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY 1`);
    return { ...d.rows[0], settings: s.rows };
}

export async function fidelity(pg: Cluster, db: string): Promise<Fidelity> {
    const c = new Client({ connectionString: pg.url(db) });
    await c.connect();
    try {
        return {
            schema: schemaDump(pg, db),
            rows: await rows(c),
            sequences: await sequences(c),
            acls: await acls(c),
            rls: await rls(c),
            largeObjects: await largeObjects(c),
            database: await database(c),
        };
    } finally {
        await c.end();
    }
}
