import { logPolicy } from "../shared/diagnostics";
import { TYPES } from "../shared/resources";

/** Every request to the field key's vault is on record (AuditEvent to a workspace); anchors in README.md. */
export const keyvaultAuditLogs = logPolicy({
    name: "keyvault-audit-logs",
    description: "Every key vault sends its audit log (AuditEvent, or the audit / allLogs category group) to a Log Analytics workspace or another destination.",
    enforcementLevel: "mandatory",
    types: [TYPES.vault],
    nameProperty: "vaultName",
    uriPattern: (name) => new RegExp(`/providers/Microsoft\\.KeyVault/vaults/${name}$`, "i"),
    categories: ["AuditEvent"],
    groups: ["audit", "allLogs"],
    why: "who read the field key, when and from where",
    fix: "declare a DiagnosticSetting on the vault with logs [{ category: \"AuditEvent\", enabled: true }] and a workspaceId (components/azure ResourceLogs).",
});
