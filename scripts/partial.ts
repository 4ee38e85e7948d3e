/**
 * Partial recovery: `lifeboat restore --table schema.table` (repeatable) and `--schema name`,
 * into a new database only. The new database gets the definitions of the archive's pre-data
 * section (schemas, types, functions, tables, views, sequences), the rows of only the tables
 * asked for (a partitioned table's partitions with it), and the sequences' values; no indexes,
 * constraints, triggers, policies, grants or large objects, and every object is owned by the
 * restoring role: a copy to read from and copy back out of, where nothing fires or refuses.
 */
import { entryNames, statements, TableRef, TocEntry, tocEntries } from "./archive";
import { EXIT_USAGE, LifeboatError } from "./errors";
import { CatalogTable, DatabaseEntry } from "./manifest";

/** `schema.table` with SQL's rules: "quoted" parts kept as written, bare parts folded to lower case. */
export function parseTableName(value: string, flag = "--table"): TableRef {
    const parts = identifiers(value);
    if (parts === undefined || parts.length !== 2) {
        throw new LifeboatError(
            `${flag} ${value} is not schema.table`,
            `${flag}: give the schema and the table, e.g. public.clients; quote a name with dots, spaces or capitals: '"Sales Data"."Orders"'`,
            EXIT_USAGE,
            "usage",
        );
    }
    return { schema: parts[0], name: parts[1] };
}

export function parseSchemaName(value: string, flag = "--schema"): string {
    const parts = identifiers(value);
    if (parts === undefined || parts.length !== 1) {
        throw new LifeboatError(`${flag} ${value} is not a schema name`, `${flag}: one schema, e.g. public; quote a name with dots, spaces or capitals: '"Sales Data"'`, EXIT_USAGE, "usage");
    }
    return parts[0];
}

function identifiers(value: string): string[] | undefined {
    const tokens = statements(value)[0]?.tokens ?? [];
    const out: string[] = [];
    for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i];
        if (i % 2 === 1) {
            if (t.kind !== "op" || t.value !== ".") {
                return undefined;
            }
            continue;
        }
        if (t.kind !== "word" && t.kind !== "ident") {
            return undefined;
        }
        out.push(t.value);
    }
    return tokens.length % 2 === 1 ? out : undefined;
}

export interface Selection {
    /** The tables asked for, and the partitions under them: their rows are restored. */
    tables: TableRef[];
    /** OIDs of those tables in the source: their TABLE DATA entries. */
    oids: Set<number>;
}

const display = (t: TableRef): string => `${t.schema}.${t.name}`;

/** The tables `--table`/`--schema` select, from the manifest's table list, else from the archive's TOC. */
export function selectTables(entry: DatabaseEntry, toc: string, tables: TableRef[], schemas: string[]): Selection {
    const catalog: CatalogTable[] =
        entry.tableList ??
        tocEntries(toc)
            .filter((e) => e.type === "TABLE")
            .flatMap((e) => {
                // no table list (a set made before it was recorded): match the TOC text of each name asked for
                const asked = tables.find((t) => entryNames(e, t.schema, t.name)) ?? (schemas.some((s) => e.rest.startsWith(`${s} `)) ? tocRef(e, schemas) : undefined);
                return asked === undefined ? [] : [{ ...asked, oid: e.oid }];
            });
    const chosen = new Map<number, CatalogTable>();
    const missing: string[] = [];
    for (const t of tables) {
        const found = catalog.filter((c) => c.schema === t.schema && c.name === t.name);
        if (found.length === 0) {
            missing.push(display(t));
        }
        found.forEach((c) => chosen.set(c.oid, c));
    }
    for (const s of schemas) {
        const found = catalog.filter((c) => c.schema === s);
        if (found.length === 0) {
            missing.push(`schema ${s}`);
        }
        found.forEach((c) => chosen.set(c.oid, c));
    }
    if (missing.length > 0) {
        const have = catalog.slice(0, 20).map(display).join(", ");
        throw new LifeboatError(
            `the archive of ${JSON.stringify(entry.name)} has no ${missing.join(", ")}`,
            `--table/--schema (names are case-sensitive when quoted); it has ${entry.tableList === undefined ? "tables listed by pg_restore --list" : `${catalog.length} table(s): ${have}${catalog.length > 20 ? ", ..." : ""}`}`,
            EXIT_USAGE,
            "usage",
        );
    }
    // a partitioned table's rows live in its partitions, at any depth
    for (let grew = true; grew; ) {
        grew = false;
        for (const c of catalog) {
            if (c.partitionOf !== undefined && chosen.has(c.partitionOf) && !chosen.has(c.oid)) {
                chosen.set(c.oid, c);
                grew = true;
            }
        }
    }
    const picked = [...chosen.values()];
    return { tables: picked.map((c) => ({ schema: c.schema, name: c.name })), oids: new Set(picked.map((c) => c.oid)) };
}

function tocRef(e: TocEntry, schemas: string[]): TableRef {
    const schema = schemas.find((s) => e.rest.startsWith(`${s} `)) as string;
    const rest = e.rest.slice(schema.length + 1);
    // the owner is the last word unless it has spaces too: the name as far as can be told
    return { schema, name: rest.includes(" ") ? rest.slice(0, rest.lastIndexOf(" ")) : rest };
}

/** Large objects' entries and user mappings: left out of a partial restore. */
const LEFT_OUT = new Set(["BLOB", "BLOBS", "BLOB METADATA", "LARGE OBJECT", "USER", "USER MAPPING"]);

/**
 * The `--use-list` file of a partial restore: every pre-data entry (but large objects and user
 * mappings), the TABLE DATA of the selected tables, and every SEQUENCE SET.
 */
export function partialList(preData: string, full: string, selection: Selection): string {
    const pre = new Set(tocEntries(preData).filter((e) => !LEFT_OUT.has(e.type) && !e.rest.startsWith("- LARGE OBJECT ")).map((e) => e.id));
    // in the archive's order: pg_restore restores a list's entries in the order they are listed
    const keep = tocEntries(full).filter((e) => pre.has(e.id) || (e.type === "TABLE DATA" && selection.oids.has(e.oid)) || e.type === "SEQUENCE SET");
    return `${keep.map((e) => e.line).join("\n")}\n`;
}
