import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** Backups survive the loss of the server's region (Checkov CKV_AZURE_136, Azure Policy cee2f9fd). */
export const postgresGeoRedundantBackup = propertyPolicy({
    name: "postgres-geo-redundant-backup",
    description: "PostgreSQL Flexible Servers copy their backups to the paired region (geo-redundant backup).",
    enforcementLevel: "mandatory",
    types: [TYPES.postgresServer],
    path: ["backup", "geoRedundantBackup"],
    accept: (found) => found.kind === "known" && found.value === "Enabled",
    problem: "geo-redundant backup is off, so a regional outage takes the server and all its backups (Azure's default when not set is Disabled)",
    fix: 'set backup.geoRedundantBackup to "Enabled" (stack config lifeboat:servers[].geoRedundantBackup: true). Azure fixes it at creation: for an existing (adopted) server, restore it point-in-time into a new server created with geo-redundant backup (lifeboat:restore.mode pointInTime), then cut over: docs/RUNBOOK.md, "Geo-redundant backup for an existing server".',
});
