import { logPolicy } from "../shared/diagnostics";
import { TYPES } from "../shared/resources";

/** The server log (connections, errors, what the dump job did) is kept outside the server. */
export const postgresServerLogs = logPolicy({
    name: "postgres-server-logs",
    description: "Every Flexible Server sends its server log (PostgreSQLLogs, or allLogs) to a Log Analytics workspace or another destination.",
    enforcementLevel: "advisory",
    types: [TYPES.postgresServer],
    nameProperty: "serverName",
    uriPattern: (name) => new RegExp(`/providers/Microsoft\\.DBforPostgreSQL/flexibleServers/${name}$`, "i"),
    categories: ["PostgreSQLLogs"],
    groups: ["allLogs"],
    why: "who connected to the server and what failed",
    fix: "declare a DiagnosticSetting on the server with logs [{ category: \"PostgreSQLLogs\", enabled: true }] and a workspaceId (components/azure ResourceLogs).",
});
