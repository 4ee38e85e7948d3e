import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as random from "@pulumi/random";
import { fingerprintKey } from "../../scripts/fingerprint";
import { ROLE_TAG, ROLES } from "../roles";
import { checkIntRange, Problems } from "../validation";

/** Content type stored on the secret, so a reader knows what the value is. */
export const FIELD_KEY_CONTENT_TYPE = "application/vnd.lifeboat.fernet-key";

/** A Fernet key: 32 bytes, URL-safe base64 with padding (44 characters). */
export function isFernetKey(key: string): boolean {
    const trimmed = key.trim();
    return /^[A-Za-z0-9_-]{43}=$/.test(trimmed) && Buffer.from(trimmed, "base64url").length === 32;
}

/** Standard base64 (what random.RandomBytes gives) to the URL-safe alphabet Fernet uses. */
export function toUrlSafeBase64(b64: string): string {
    return b64.replace(/\+/g, "-").replace(/\//g, "_");
}

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
     * kept in state as a secret and never regenerated.
     */
    fieldEncryptionKey?: pulumi.Input<string>;
    /** Recover a soft-deleted vault of the same name instead of creating one. @default false */
    recover?: boolean;
    /** Reachable from public networks (subject to networkAcls). @default true */
    publicNetworkAccess?: boolean;
    /** IPv4 addresses or CIDR ranges allowed through the vault firewall (default action Deny). @default [] */
    allowedIpRanges?: string[];
    /** Extra tags. */
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
    (args.allowedIpRanges ?? []).forEach((ip, i) => {
        if (!/^(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?$/.test(ip)) {
            problems.add(`${path}.allowedIpRanges[${i}]`, ip, "allowed: an IPv4 address or CIDR range such as 203.0.113.0/24");
        }
    });
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
    public readonly vault: keyvault.Vault;
    public readonly secret: keyvault.Secret;
    /** Present only when the key was generated here. */
    public readonly generator: random.RandomBytes | undefined;
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
        let key: pulumi.Output<string>;
        if (args.fieldEncryptionKey !== undefined) {
            key = pulumi.secret(pulumi.output(args.fieldEncryptionKey));
        } else {
            this.generator = new random.RandomBytes(`${name}-bytes`, { length: 32 }, keep);
            key = pulumi.secret(this.generator.base64.apply(toUrlSafeBase64));
        }

        this.vault = new keyvault.Vault(`${name}-vault`, vaultInputs(args), keep);
        this.secretName = args.secretName ?? "FIELD-ENCRYPTION-KEY";
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

        this.vaultUri = this.vault.properties.apply((p) => p.vaultUri ?? `https://${args.vaultName}.vault.azure.net/`);
        this.keyFingerprint = pulumi.unsecret(key.apply(fingerprintKey));
        this.registerOutputs({ vaultUri: this.vaultUri, secretName: this.secretName, keyFingerprint: this.keyFingerprint });
    }
}
