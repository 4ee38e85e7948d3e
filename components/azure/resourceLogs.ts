import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import { Problems } from "../validation";

/**
 * The resource log categories each kind of source sends (Azure Monitor "Supported logs" pages):
 * - a Key Vault's `AuditEvent`: every request to the vault, who made it and from where (AZKVAuditLogs),
 *   so a read of the field key is on record;
 * - a storage account's blob service: `StorageRead`, `StorageWrite`, `StorageDelete` (StorageBlobLogs),
 *   who read, wrote or deleted a backup set;
 * - a Flexible Server's `PostgreSQLLogs`: the server log (connections, errors).
 */
export const LOG_CATEGORIES = {
    vault: ["AuditEvent"],
    blob: ["StorageRead", "StorageWrite", "StorageDelete"],
    postgres: ["PostgreSQLLogs"],
} as const;

/** The diagnostic setting's own name on each source (one per source; Azure allows five). */
export const DIAGNOSTIC_SETTING_NAME = "lifeboat";

export interface ResourceLogSource {
    /** A short name for the child's logical name (`<component>-<name>`), e.g. `field-key`. */
    name: string;
    /** The source's ARM resource ID (for a storage account: the account's; its blob service is derived). */
    resourceId: pulumi.Input<string>;
}

export interface ResourceLogsArgs {
    /** The Log Analytics workspace the logs go to (ARM ID): e.g. the jobs' (JobEnvironment.workspace.id). */
    workspaceId: pulumi.Input<string>;
    /** Key vaults whose audit log (AuditEvent) is kept: the field key's. @default [] */
    vaults?: ResourceLogSource[];
    /** Storage accounts whose blob service logs reads, writes and deletes. @default [] */
    storageAccounts?: ResourceLogSource[];
    /** Flexible Servers whose server log (PostgreSQLLogs) is kept. @default [] */
    servers?: ResourceLogSource[];
}

export function validateResourceLogsArgs(args: ResourceLogsArgs, problems: Problems, path = "args"): void {
    const names = new Set<string>();
    for (const [kind, list] of [["vaults", args.vaults], ["storageAccounts", args.storageAccounts], ["servers", args.servers]] as const) {
        (list ?? []).forEach((source, i) => {
            if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(source.name)) {
                problems.add(`${path}.${kind}[${i}].name`, source.name, "allowed: lowercase letters, digits and single hyphens");
            } else if (names.has(source.name)) {
                problems.add(`${path}.${kind}[${i}].name`, source.name, "allowed: each name once across vaults, storage accounts and servers");
            }
            names.add(source.name);
        });
    }
}

/** The inputs of one diagnostic setting: the given log categories, enabled, to the workspace. */
export function diagnosticSettingInputs(resourceUri: pulumi.Input<string>, workspaceId: pulumi.Input<string>, categories: readonly string[], dedicated = false): monitor.DiagnosticSettingArgs {
    return {
        name: DIAGNOSTIC_SETTING_NAME,
        resourceUri,
        workspaceId,
        // "Dedicated": the resource-specific table (AZKVAuditLogs) rather than AzureDiagnostics.
        ...(dedicated ? { logAnalyticsDestinationType: "Dedicated" } : {}),
        logs: categories.map((category) => ({ category, enabled: true })),
    };
}

/**
 * Resource logs of the field-key vault, the backup storage and the servers, sent to a Log
 * Analytics workspace: an audit trail of who read the field key and who read, wrote or deleted a
 * backup set. The workspace may be in another region than a source (the vault's region holds no
 * backup; its log records hold no secret value).
 */
export class ResourceLogs extends pulumi.ComponentResource {
    public readonly settings: monitor.DiagnosticSetting[];

    constructor(name: string, args: ResourceLogsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("lifeboat:azure:ResourceLogs", name, {}, opts);
        const problems = new Problems();
        validateResourceLogsArgs(args, problems);
        problems.throwIfAny(`ResourceLogs ${name}`);

        const setting = (source: ResourceLogSource, uri: pulumi.Input<string>, categories: readonly string[], dedicated = false) =>
            new monitor.DiagnosticSetting(`${name}-${source.name}`, diagnosticSettingInputs(uri, args.workspaceId, categories, dedicated), { parent: this });
        this.settings = [
            ...(args.vaults ?? []).map((v) => setting(v, v.resourceId, LOG_CATEGORIES.vault, true)),
            // Blob logs are a setting of the account's blob service, not of the account.
            ...(args.storageAccounts ?? []).map((a) => setting(a, pulumi.interpolate`${a.resourceId}/blobServices/default`, LOG_CATEGORIES.blob)),
            ...(args.servers ?? []).map((s) => setting(s, s.resourceId, LOG_CATEGORIES.postgres)),
        ];
        this.registerOutputs({ settings: this.settings.map((s) => s.id) });
    }
}
