import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as random from "@pulumi/random";
import { fingerprintKey } from "../../scripts/fingerprint";
import { fieldKeyOf } from "../fieldKey";
import { ROLE_TAG, ROLES } from "../roles";
import { checkIntRange, checkIpRanges, Problems } from "../validation";

/** Built-in role: read secret contents (what the application needs, and nothing that runs backups). */
export const KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";

/** A key fingerprint as `fingerprintKey` writes it. */
export const FINGERPRINT_PATTERN = /^sha256:[0-9a-f]{16}$/;

/** Content type stored on the secret, so a reader knows what the value is. */
export const FIELD_KEY_CONTENT_TYPE = "application/vnd.lifeboat.fernet-key";

export { isFernetKey, toUrlSafeBase64 } from "../fieldKey";

export interface FieldKeyVaultArgs {
    /** The resource group of the vault: its own, in the vault's region. */
    resourceGroupName: pulumi.Input<string>;
    /** The vault's name: globally unique, 3-24 letters, digits and hyphens. */
    vaultName: string;
    /** Azure region: must hold no backup. A literal, so that policies can read it during preview. */
    location: string;
    /** Entra tenant of the vault. */
    tenantId: pulumi.Input<string>;
    /** Name of the secret holding the key. @default "FIELD-ENCRYPTION-KEY" */
    secretName?: string;
    /** Days a deleted vault or secret can be recovered, 7-90. @default 90 */
    softDeleteRetentionDays?: number;
    /**
     * The key to store. When absent a new Fernet key is generated once (random.RandomBytes),
     * kept in state as a secret and never regenerated. @default undefined (generated)
     */
    fieldEncryptionKey?: pulumi.Input<string>;
    /**
     * Recover the soft-deleted vault of this name (with its secrets) instead of creating one.
     * The secret is then not managed here: its value was never known to this stack, and writing
     * one would add a new version over the key. @default false
     */
    recover?: boolean;
    /**
     * Adopt an existing vault by its resource ID: read, never managed or changed here; the
     * secret inside stays as it is. Exclusive with `recover`. @default undefined (a vault declared here)
     */
    existingVaultId?: string;
    /**
     * The fingerprint of the key the backups were made with (`sha256:` and 16 hex digits, from
     * `lifeboat list` or the old stack's `keyFingerprint` output). Required when recovering or
     * adopting, where this stack never sees the key; checked against a given key otherwise.
     * @default undefined (not checked)
     */
    expectedFingerprint?: string;
    /**
     * Principals (the application) given Key Vault Secrets User on the vault: an object ID, or an
     * output such as the app's managed identity's `principalId` (checked as a GUID when literal).
     * Recreated after a recovery. @default []
     */
    secretReaders?: { principalId: pulumi.Input<string>; principalType?: "User" | "Group" | "ServicePrincipal" }[];
    /** Subscription, for role definition IDs; required with secretReaders. @default undefined */
    subscriptionId?: pulumi.Input<string>;
    /** Reachable from public networks (subject to networkAcls). @default true */
    publicNetworkAccess?: boolean;
    /** IPv4 addresses or CIDR ranges allowed through the vault firewall (default action Deny). @default [] */
    allowedIpRanges?: string[];
    /** Extra tags for the resources it declares (Lifeboat adds its own role tags). @default {} */
    tags?: Record<string, string>;
}

export function validateFieldKeyVaultArgs(args: FieldKeyVaultArgs, problems: Problems, path = "args"): void {
    if (!/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/.test(args.vaultName)) {
        problems.add(`${path}.name`, args.vaultName, "allowed: 3-24 letters, digits and single hyphens, starting with a letter, not ending with a hyphen");
    }
    const secretName = args.secretName ?? "FIELD-ENCRYPTION-KEY";
    if (!/^[0-9a-zA-Z-]{1,127}$/.test(secretName)) {
        problems.add(`${path}.secretName`, secretName, "allowed: 1-127 letters, digits and hyphens");
    }
    checkIntRange(problems, `${path}.softDeleteRetentionDays`, args.softDeleteRetentionDays ?? 90, 7, 90);
    if (args.recover === true && args.existingVaultId !== undefined) {
        problems.add(`${path}.existingVaultId`, args.existingVaultId, "allowed: either recover a soft-deleted vault or adopt an existing one, not both");
    }
    if (args.existingVaultId !== undefined && !/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+$/i.test(args.existingVaultId)) {
        problems.add(`${path}.existingVaultId`, args.existingVaultId, "allowed: a Key Vault resource ID, /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<name>");
    }
    if (args.expectedFingerprint !== undefined && !FINGERPRINT_PATTERN.test(args.expectedFingerprint)) {
        problems.add(`${path}.expectedFingerprint`, args.expectedFingerprint, "allowed: sha256: and 16 hex digits, as `lifeboat list` and the stack output keyFingerprint show it");
    }
    if ((args.recover === true || args.existingVaultId !== undefined) && args.expectedFingerprint === undefined) {
        problems.add(`${path}.expectedFingerprint`, undefined, "required when recovering or adopting a vault: the fingerprint of the key the backups were made with (`lifeboat list --target ...` shows it per set)");
    }
    (args.secretReaders ?? []).forEach((r, i) => {
        if (typeof r.principalId === "string" && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(r.principalId)) {
            problems.add(`${path}.secretReaders[${i}].principalId`, r.principalId, "allowed: an Entra object ID (a GUID)");
        }
    });
    checkIpRanges(problems, `${path}.allowedIpRanges`, args.allowedIpRanges);
}

export function vaultInputs(args: FieldKeyVaultArgs): keyvault.VaultArgs {
    return {
        resourceGroupName: args.resourceGroupName,
        vaultName: args.vaultName,
        location: args.location,
        properties: {
            tenantId: args.tenantId,
            sku: { family: "A", name: "standard" },
            enableRbacAuthorization: true,
            enableSoftDelete: true,
            softDeleteRetentionInDays: args.softDeleteRetentionDays ?? 90,
            // Irreversible: once on, a deleted vault cannot be purged before its retention ends.
            enablePurgeProtection: true,
            enabledForDeployment: false,
            enabledForTemplateDeployment: false,
            enabledForDiskEncryption: false,
            // Required on create unless recovering (SDK: "Otherwise, access policies are
            // required"; pulumi-azure-native#1478); ignored by an RBAC vault, so none.
            accessPolicies: [],
            publicNetworkAccess: (args.publicNetworkAccess ?? true) ? "Enabled" : "Disabled",
            networkAcls: {
                defaultAction: "Deny",
                bypass: "AzureServices",
                ipRules: (args.allowedIpRanges ?? []).map((value) => ({ value })),
            },
            createMode: (args.recover ?? false) ? "recover" : undefined,
        },
        tags: { ...args.tags, [ROLE_TAG]: ROLES.fieldKey },
    };
}

/**
 * The Key Vault that holds the field encryption key, and the key itself.
 * Vault, secret and key generator are protected and retained on delete: `pulumi destroy`
 * can never take the key with it.
 */
export class FieldKeyVault extends pulumi.ComponentResource {
    /** The vault: managed (created or recovered) or, when adopted, read only. */
    public readonly vault: keyvault.Vault;
    /** The secret; undefined when the vault was recovered or adopted (the key is already in it). */
    public readonly secret: keyvault.Secret | undefined;
    /** Present only when the key was generated here. */
    public readonly generator: random.RandomBytes | undefined;
    public readonly readers: authorization.RoleAssignment[];
    public readonly vaultUri: pulumi.Output<string>;
    public readonly secretName: string;
    /** A short hash of the key, safe to show (not secret): labels backups made under this key. */
    public readonly keyFingerprint: pulumi.Output<string>;

    constructor(name: string, args: FieldKeyVaultArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("lifeboat:azure:FieldKeyVault", name, {}, opts);
        const problems = new Problems();
        validateFieldKeyVaultArgs(args, problems);
        problems.throwIfAny(`FieldKeyVault ${name}`);

        const keep = { parent: this, protect: true, retainOnDelete: true };
        this.secretName = args.secretName ?? "FIELD-ENCRYPTION-KEY";
        const keyIsInVault = args.recover === true || args.existingVaultId !== undefined;

        if (args.existingVaultId !== undefined) {
            this.vault = keyvault.Vault.get(`${name}-vault`, args.existingVaultId, { parent: this });
        } else {
            // createMode only matters the day the vault is recovered: never a reason to touch it later.
            this.vault = new keyvault.Vault(`${name}-vault`, vaultInputs(args), { ...keep, ignoreChanges: ["properties.createMode"] });
        }

        if (keyIsInVault) {
            this.keyFingerprint = pulumi.output(args.expectedFingerprint as string);
        } else {
            const { key, generator } = fieldKeyOf(name, args.fieldEncryptionKey, keep);
            this.generator = generator;
            this.secret = new keyvault.Secret(`${name}-secret`, {
                resourceGroupName: args.resourceGroupName,
                vaultName: args.vaultName,
                secretName: this.secretName,
                properties: {
                    value: key,
                    contentType: FIELD_KEY_CONTENT_TYPE,
                    // No expiry on purpose: an expired secret cannot be read, and every backup would be unreadable.
                    attributes: { enabled: true },
                },
                tags: { ...args.tags, [ROLE_TAG]: ROLES.fieldKey },
            }, { ...keep, dependsOn: [this.vault], additionalSecretOutputs: ["properties"] });
            // A given key is checked against expectedFingerprint where its plaintext is at hand:
            // the stack config validation (stacks/config.ts), before anything is declared.
            this.keyFingerprint = pulumi.unsecret(key.apply(fingerprintKey));
        }

        // RBAC role assignments do not survive a vault's soft delete: declaring them here recreates them on recovery.
        const scope = args.existingVaultId ?? this.vault.id;
        this.readers = (args.secretReaders ?? []).map((reader, i) => new authorization.RoleAssignment(`${name}-reader-${i}`, {
            principalId: reader.principalId,
            principalType: reader.principalType ?? "ServicePrincipal",
            roleDefinitionId: pulumi.interpolate`/subscriptions/${args.subscriptionId ?? ""}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_SECRETS_USER}`,
            scope,
            description: "Reads the field encryption key (the application); never a backup job",
        }, { parent: this, dependsOn: [this.vault] }));

        this.vaultUri = this.vault.properties.apply((p) => p.vaultUri ?? `https://${args.vaultName}.vault.azure.net/`);
        this.registerOutputs({ vaultUri: this.vaultUri, secretName: this.secretName, keyFingerprint: this.keyFingerprint });
    }
}
