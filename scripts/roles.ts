/**
 * Missing roles: what a restore would drop because a role the archive names does not exist on
 * the server. pg_restore turns each such statement into an error and goes on, so an owner, a
 * grant, a whole RLS policy, a default privilege or a large object's grant silently vanishes.
 * Here every statement of the archive's SQL that names a missing role is listed beforehand.
 */
import { Client } from "pg";
import { roleReference, RoleUse, Statement, summary } from "./archive";
import { quoteIdent } from "./pg";

export interface DroppedItem {
    /** ownership, grant, revoke, policy, default privileges, database setting, user mapping, session. */
    use: RoleUse;
    /** The missing roles the statement names. */
    roles: string[];
    /** The statement, on one line. */
    statement: string;
}

export interface MissingRoles {
    /** Every role the archive names (owners, grantees, policy roles, ...). */
    named: string[];
    /** Those the server lacks. */
    missing: string[];
    /** Every statement that would fail for them: what the restore would drop. */
    dropped: DroppedItem[];
    /** The commands that avoid it. */
    commands: string[];
}

export async function missingRoles(admin: Client, sql: Statement[]): Promise<MissingRoles> {
    const refs = sql.map((s) => ({ s, ref: roleReference(s) })).filter((x) => x.ref !== undefined && x.ref.roles.length > 0);
    const named = [...new Set(refs.flatMap((x) => x.ref?.roles ?? []))].sort();
    if (named.length === 0) {
        return { named, missing: [], dropped: [], commands: [] };
    }
    const r = await admin.query<{ rolname: string }>("SELECT rolname FROM pg_catalog.pg_roles WHERE rolname = ANY($1::text[])", [named]);
    const present = new Set(r.rows.map((x) => x.rolname));
    const missing = named.filter((x) => !present.has(x));
    const gone = new Set(missing);
    const dropped = refs
        .filter((x) => x.ref?.roles.some((role) => gone.has(role)))
        .map((x) => ({ use: x.ref?.use as RoleUse, roles: [...new Set(x.ref?.roles.filter((role) => gone.has(role)))], statement: summary(x.s) }));
    return { named, missing, dropped, commands: missing.map((x) => `CREATE ROLE ${quoteIdent(x)};`) };
}

/** The report printed on stderr: every dropped item, then the commands that avoid it. */
export function missingRolesReport(database: string, server: string, m: MissingRoles, refused: boolean): string {
    const lines = [
        `lifeboat: ${refused ? "refusing: restoring" : "warning: restored"} ${JSON.stringify(database)} on ${server} ${refused ? "would drop" : "without"} ${m.dropped.length} item(s): role(s) ${m.missing.join(", ")} do not exist there:`,
        ...m.dropped.map((d) => `  ${d.use} (${d.roles.join(", ")}): ${d.statement}`),
        "Create the role(s) first to keep them:",
        ...m.commands.map((c) => `  ${c}`),
    ];
    return `${lines.join("\n")}\n`;
}
