/**
 * What the source catalog says at backup time, taken in the very snapshot pg_dump dumps: the
 * backup exports a snapshot, reads the table list in it, and runs `pg_dump --snapshot` on it, so
 * the list in the manifest is exactly the tables the archive holds (a table created or dropped
 * during the run cannot make the two disagree). Restore checks against this list: no parsing of
 * pg_restore's output, whose names are printed unquoted.
 */
import { Client } from "pg";
import { classifyPgError, ConnSpec, connect } from "./pg";
import { CatalogTable } from "./manifest";

export interface CatalogSnapshot {
    /** The exported snapshot, for `pg_dump --snapshot`; undefined where the server cannot export one (a standby). */
    snapshot: string | undefined;
    tables: CatalogTable[];
    /** Ends the exporting transaction (after pg_dump has exited). */
    release(): Promise<void>;
}

/**
 * The ordinary and partitioned tables pg_dump dumps: outside the system schemas, not temporary,
 * not created by an extension. Partitions name their parent's OID.
 */
export const TABLES_SQL = `SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, c.relkind = 'p' AS partitioned,
        (SELECT i.inhparent::int8 FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid AND c.relispartition) AS parent
   FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't'
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
    AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  ORDER BY n.nspname, c.relname`;

export async function tablesIn(client: Client): Promise<CatalogTable[]> {
    const r = await client.query<{ oid: string; schema: string; name: string; partitioned: boolean; parent: string | null }>(TABLES_SQL);
    return r.rows.map((x) => ({ schema: x.schema, name: x.name, oid: Number(x.oid), ...(x.partitioned ? { partitioned: true } : {}), ...(x.parent !== null ? { partitionOf: Number(x.parent) } : {}) }));
}

export async function catalogSnapshot(conn: ConnSpec, database: string): Promise<CatalogSnapshot> {
    const client = await connect(conn, database);
    try {
        await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        let snapshot: string | undefined;
        try {
            await client.query("SAVEPOINT export");
            snapshot = (await client.query<{ s: string }>("SELECT pg_catalog.pg_export_snapshot() AS s")).rows[0].s;
        } catch {
            // a server in recovery cannot export a snapshot: the list is then taken just before pg_dump starts
            await client.query("ROLLBACK TO SAVEPOINT export");
        }
        const tables = await tablesIn(client);
        let released = false;
        return {
            snapshot,
            tables,
            release: async () => {
                if (released) {
                    return;
                }
                released = true;
                await client.query("COMMIT").catch(() => undefined);
                await client.end().catch(() => undefined);
            },
        };
    } catch (e) {
        await client.end().catch(() => undefined);
        throw classifyPgError(e, conn, database);
    }
}
