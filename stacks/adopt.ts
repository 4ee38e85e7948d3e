/**
 * Adopting what a user already runs: `servers[].existingServerId` (an existing Flexible Server,
 * imported, never replaced) and the refusal of `backupStorage.existingAccountId`.
 */
import * as pulumi from "@pulumi/pulumi";
import { parseServerId } from "../components/azure";
import { Problems } from "../components/validation";
import { LifeboatConfig, NAMESPACE } from "./config";

/** The adopted server's resource group and subscription, from its ID; undefined for a server the stack creates. */
export function adoptedServer(server: { existingServerId?: string }): { subscriptionId: string; resourceGroupName: string; serverName: string } | undefined {
    return server.existingServerId === undefined ? undefined : parseServerId(server.existingServerId);
}

/** What adoption needs beyond the server's own args (those PostgresServer checks): the password, the target, no restore. */
export function checkAdoption(cfg: LifeboatConfig, problems: Problems): void {
    if (cfg.backupStorage.existingAccountId !== undefined) {
        problems.add(`${NAMESPACE}:backupStorage.existingAccountId`, cfg.backupStorage.existingAccountId,
            "allowed: not set. A storage account has exactly one lifecycle management policy (always named default), and Lifeboat's per-tier delete rules would replace the rules already in it; its other settings (shared keys, network rules, redundancy) are the account's users', and the policies require Lifeboat's. Let the stack create its own account (backupStorage.accountName names it), and copy older dumps into its container if you keep them");
    }
    cfg.servers.forEach((s, i) => {
        if (s.existingServerId === undefined) {
            return;
        }
        const at = `${NAMESPACE}:servers[${i}]`;
        if (cfg.target !== "azure") {
            problems.add(`${at}.existingServerId`, s.existingServerId, "allowed: only with target azure (adopting an RDS instance is not built)");
            return;
        }
        if (cfg.restore.mode !== "none") {
            problems.add(`${at}.existingServerId`, s.existingServerId, `allowed: only with restore.mode none (a recovery creates new servers; got mode ${cfg.restore.mode})`);
        }
        if ((s.authentication ?? "password") === "password" && !cfg.serverPasswordNames.includes(s.name)) {
            problems.addSecret(`${NAMESPACE}:serverPasswords.${s.name}`, `required for the adopted server ${s.name}: its admin password, set with \`pulumi config set --secret --path '${NAMESPACE}:serverPasswords.${s.name}'\` (the jobs log in with it; the stack never changes it)`);
        }
    });
    for (const name of cfg.serverPasswordNames) {
        if (!cfg.servers.some((s) => s.name === name && s.existingServerId !== undefined)) {
            problems.addSecret(`${NAMESPACE}:serverPasswords.${name}`, `allowed: only for an adopted server (a servers[] entry named ${name} with existingServerId); the stack generates the others' passwords`);
        }
    }
}

/** The adopted server's password, read as a secret; undefined for a server the stack creates. */
export function adoptedPassword(server: { name: string; existingServerId?: string }): pulumi.Output<string> | undefined {
    if (server.existingServerId === undefined) {
        return undefined;
    }
    return new pulumi.Config(NAMESPACE).requireSecretObject<Record<string, string>>("serverPasswords").apply((p) => p[server.name] ?? "");
}
