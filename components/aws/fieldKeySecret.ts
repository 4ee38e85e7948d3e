import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import { fingerprintKey } from "../../scripts/fingerprint";
import { fieldKeyOf } from "../fieldKey";
import { ROLE_TAG, ROLES } from "../roles";
import { checkIntRange, Problems } from "../validation";
import { knownAwsRegion } from "./regions";

export interface FieldKeySecretArgs {
    /** AWS region of the secret and its KMS key: must hold no backup. A literal, so that policies can read it during preview. */
    region: string;
    /** Name of the Secrets Manager secret. @default "lifeboat/field-encryption-key" */
    secretName?: string;
    /** Days a deleted secret can be restored, 7-30. @default 30 */
    recoveryWindowDays?: number;
    /** Days a scheduled deletion of the KMS key can be cancelled, 7-30. @default 30 */
    keyDeletionWindowDays?: number;
    /**
     * The key to store. When absent a new Fernet key is generated once (random.RandomBytes), kept
     * in state as a secret and never regenerated. @default undefined (generated)
     */
    fieldEncryptionKey?: pulumi.Input<string>;
    /**
     * IAM roles or users (ARNs) that administer the KMS key (describe, tag, schedule deletion...),
     * without using it to decrypt. @default [] (the account itself, through IAM policies)
     */
    keyAdministrators?: string[];
    /**
     * IAM roles or users (ARNs) that may decrypt the secret through Secrets Manager (the
     * application): kms:Decrypt only via secretsmanager in the key's region. Never a backup job.
     * @default [] (none by the key policy; the account may still grant it through IAM policies)
     */
    keyReaders?: string[];
    /** Extra tags for the resources it declares (Lifeboat adds its own role tags). @default {} */
    tags?: Record<string, string>;
}

const IAM_PRINCIPAL = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@\/-]+$/;

/** The actions of the AWS console's "key administrators" statement: manage the key, never use it. */
export const KEY_ADMIN_ACTIONS = [
    "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*", "kms:Disable*",
    "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
] as const;

/**
 * The field-key KMS key's policy, explicit rather than KMS's default: the account's own statement
 * (AWS KMS Developer Guide, "Allows access to the AWS account and enables IAM policies": without it
 * the key could become unmanageable, and KMS refuses such a policy), the named administrators, and
 * the named readers, who may decrypt only through Secrets Manager in the key's region. No statement
 * names a wildcard principal.
 */
export function fieldKeyPolicy(accountId: string, args: Pick<FieldKeySecretArgs, "region" | "keyAdministrators" | "keyReaders">): string {
    const admins = args.keyAdministrators ?? [];
    const readers = args.keyReaders ?? [];
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Sid: "AccountAdministersTheKey", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" },
            ...(admins.length === 0 ? [] : [{ Sid: "KeyAdministrators", Effect: "Allow", Principal: { AWS: admins }, Action: [...KEY_ADMIN_ACTIONS], Resource: "*" }]),
            ...(readers.length === 0 ? [] : [{
                Sid: "ReadTheFieldKeyThroughSecretsManager",
                Effect: "Allow",
                Principal: { AWS: readers },
                Action: ["kms:Decrypt", "kms:DescribeKey"],
                Resource: "*",
                Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${args.region}.amazonaws.com`, "kms:CallerAccount": accountId } },
            }]),
        ],
    });
}

export function validateFieldKeySecretArgs(args: FieldKeySecretArgs, problems: Problems, path = "args"): void {
    if (knownAwsRegion(args.region) === undefined) {
        problems.add(`${path}.location`, args.region, "allowed: an AWS region code such as eu-west-3");
    }
    const secretName = args.secretName ?? "lifeboat/field-encryption-key";
    if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(secretName) || /-[A-Za-z0-9]{6}$/.test(secretName)) {
        problems.add(`${path}.secretName`, secretName, "allowed: 1-512 letters, digits and /_+=.@-, not ending in a hyphen and six characters (Secrets Manager's own suffix)");
    }
    checkIntRange(problems, `${path}.softDeleteRetentionDays`, args.recoveryWindowDays ?? 30, 7, 30);
    checkIntRange(problems, `${path}.keyDeletionWindowDays`, args.keyDeletionWindowDays ?? 30, 7, 30);
    for (const key of ["keyAdministrators", "keyReaders"] as const) {
        (args[key] ?? []).forEach((arn, i) => {
            if (!IAM_PRINCIPAL.test(arn)) {
                problems.add(`${path}.${key}[${i}]`, arn, "allowed: an IAM role or user ARN, arn:aws:iam::<12-digit account>:role/<name>");
            }
        });
    }
}

export function fieldKeyKmsInputs(args: FieldKeySecretArgs, policy: pulumi.Input<string>): aws.kms.KeyArgs {
    return {
        region: args.region,
        description: "Lifeboat: encrypts the field-encryption key secret",
        enableKeyRotation: true,
        deletionWindowInDays: args.keyDeletionWindowDays ?? 30,
        // Known during preview (the account comes from an invoke), so the policy pack can read it.
        policy,
        tags: { ...args.tags, [ROLE_TAG]: ROLES.fieldKey },
    };
}

export function fieldKeySecretInputs(args: FieldKeySecretArgs, kmsKeyId: pulumi.Input<string>): aws.secretsmanager.SecretArgs {
    return {
        region: args.region,
        name: args.secretName ?? "lifeboat/field-encryption-key",
        description: "Lifeboat: the application's Fernet FIELD_ENCRYPTION_KEY. Without it no encrypted field of any backup can be read.",
        kmsKeyId,
        recoveryWindowInDays: args.recoveryWindowDays ?? 30,
        tags: { ...args.tags, [ROLE_TAG]: ROLES.fieldKey },
    };
}

/**
 * The field encryption key in Secrets Manager, encrypted with its own rotating KMS key, in a region
 * that holds no backup. Key, secret, version and generator are protected and retained on delete:
 * `pulumi destroy` can never take the key with it, and a recovery never generates a new one.
 */
export class FieldKeySecret extends pulumi.ComponentResource {
    public readonly kmsKey: aws.kms.Key;
    public readonly secret: aws.secretsmanager.Secret;
    public readonly version: aws.secretsmanager.SecretVersion;
    /** Present only when the key was generated here. */
    public readonly generator: random.RandomBytes | undefined;
    public readonly secretName: string;
    public readonly region: string;
    /** A short hash of the key, safe to show (not secret): labels backups made under this key. */
    public readonly keyFingerprint: pulumi.Output<string>;

    constructor(name: string, args: FieldKeySecretArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("lifeboat:aws:FieldKeySecret", name, {}, opts);
        const problems = new Problems();
        validateFieldKeySecretArgs(args, problems);
        problems.throwIfAny(`FieldKeySecret ${name}`);

        const keep = { parent: this, protect: true, retainOnDelete: true };
        const { key, generator } = fieldKeyOf(name, args.fieldEncryptionKey, keep);
        this.generator = generator;
        this.region = args.region;
        this.secretName = args.secretName ?? "lifeboat/field-encryption-key";
        const caller = aws.getCallerIdentityOutput({}, { parent: this });
        this.kmsKey = new aws.kms.Key(`${name}-kms`, fieldKeyKmsInputs(args, caller.accountId.apply((id) => fieldKeyPolicy(id, args))), keep);
        this.secret = new aws.secretsmanager.Secret(`${name}-secret`, fieldKeySecretInputs(args, this.kmsKey.arn), keep);
        this.version = new aws.secretsmanager.SecretVersion(`${name}-version`, {
            region: args.region,
            secretId: this.secret.id,
            secretString: key,
        }, { ...keep, additionalSecretOutputs: ["secretString"] });

        this.keyFingerprint = pulumi.unsecret(key.apply(fingerprintKey));
        this.registerOutputs({ secretName: this.secretName, secretArn: this.secret.arn, keyFingerprint: this.keyFingerprint });
    }
}
