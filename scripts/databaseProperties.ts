/**
 * Database-level properties: owner, CONNECT/CREATE/TEMPORARY grants (and REVOKEs from PUBLIC),
 * ALTER DATABASE .. SET and CONNECTION LIMIT, ALTER ROLE .. IN DATABASE .. SET, the comment.
 * pg_dump writes them into every archive, but pg_restore applies them only with --create, which
 * would create the database under its original name. Here they are read from the archive's SQL
 * and applied to the restored database under whatever name it has.
 */
import { Client } from "pg";
import { databaseNamed, databaseNameToken, renameDatabase, roleReference, Statement, summary } from "./archive";
import { LifeboatError, messageOf } from "./errors";
import { quoteIdent } from "./pg";

export interface DatabaseProperties {
    /** The archive's database name, as its CREATE DATABASE statement names it. */
    name: string | undefined;
    /** CREATE DATABASE, for the scratch database (TEMPLATE, ENCODING, LOCALE...). */
    create: Statement | undefined;
    /** Everything else: owner, settings, grants, comment. */
    statements: Statement[];
}

export function databaseProperties(sql: Statement[]): DatabaseProperties {
    const create = sql.find((s) => databaseNameToken(s) === 2 && s.tokens[0].value === "create");
    const name = create === undefined ? undefined : databaseNamed(create, 2);
    const statements = sql.filter((s) => s !== create && name !== undefined && databaseNameToken(s) >= 0 && databaseNamed(s, databaseNameToken(s)) === name);
    return { name, create, statements };
}

/** The statement rewritten for the database `into`. */
export function forDatabase(s: Statement, into: string): string {
    return renameDatabase(s, databaseNameToken(s), quoteIdent(into));
}

/** Is this the `ALTER DATABASE x OWNER TO r` statement? */
export function isOwnerStatement(s: Statement): boolean {
    return roleReference(s)?.use === "ownership";
}

/**
 * Applies the properties to `into`, except statements naming a role in `missing` (already
 * reported as dropped). Returns how many were applied.
 */
export async function applyDatabaseProperties(admin: Client, props: DatabaseProperties, into: string, missing: string[], label: string): Promise<number> {
    const gone = new Set(missing);
    let applied = 0;
    for (const s of props.statements) {
        if (roleReference(s)?.roles.some((r) => gone.has(r)) === true) {
            continue;
        }
        try {
            await admin.query(forDatabase(s, into));
            applied++;
        } catch (e) {
            throw new LifeboatError(
                `could not restore a database-level property of ${label}: ${summary(s)}: ${messageOf(e)}`,
                "the server's settings and the restoring role's privileges (it must own the database)",
                1,
                "database-properties-failed",
            );
        }
    }
    return applied;
}
