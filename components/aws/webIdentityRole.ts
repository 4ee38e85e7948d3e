import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ROLE_TAG, ROLES } from "../roles";
import { Problems } from "../validation";
import { backupWriterPolicy } from "./dumpTask";

/** The issuer of Entra v1 access tokens that managed identities get: `https://sts.windows.net/<tenant>/`. */
export function azureIssuerUrl(tenantId: string): string {
    return `https://sts.windows.net/${tenantId}/`;
}

export interface AzureWebIdentityRoleArgs {
    /** The Entra tenant of the managed identity. */
    tenantId: pulumi.Input<string>;
    /** The managed identity's principal (object) ID: the token's `sub`. */
    principalId: pulumi.Input<string>;
    /**
     * The token audience (`aud`): the application ID URI of an Entra app registration (e.g.
     * `api://lifeboat-offsite`) that the managed identity requests its token for. Its v1 access
     * tokens carry `iss` https://sts.windows.net/<tenant>/, `aud` this URI, `sub` the identity's object ID.
     */
    audience: string;
    /** The bucket (literal name), key prefix and KMS key the role may write to. */
    bucketName: string;
    prefix: string;
    bucketKeyArn: pulumi.Input<string>;
    /** Maximum session length in seconds, 3600-43200. @default 3600 */
    maxSessionSeconds?: number;
    /**
     * Use an existing IAM OIDC provider for this tenant (an account holds one per issuer URL)
     * instead of declaring it. @default undefined (declared here)
     */
    existingProviderArn?: pulumi.Input<string>;
    /** Extra tags for the resources it declares (Lifeboat adds its own role tags). @default {} */
    tags?: Record<string, string>;
}

export function validateAzureWebIdentityRoleArgs(args: AzureWebIdentityRoleArgs, problems: Problems, path = "args"): void {
    const audience = args.audience;
    if (typeof audience !== "string" || !/^(api:\/\/\S+|https:\/\/\S+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.test(audience)) {
        problems.add(`${path}.audience`, audience, "allowed: an Entra application ID URI (api://... or https://...) or application (client) ID that the managed identity requests its token for");
    }
    const seconds = args.maxSessionSeconds ?? 3600;
    if (!Number.isInteger(seconds) || seconds < 3600 || seconds > 43200) {
        problems.add(`${path}.maxSessionSeconds`, seconds, "allowed: a whole number from 3600 to 43200");
    }
}

/** The role's trust policy: only tokens of this tenant, for this identity and this audience. */
export function webIdentityTrustPolicy(providerArn: pulumi.Input<string>, tenantId: pulumi.Input<string>, principalId: pulumi.Input<string>, audience: string): pulumi.Output<string> {
    return pulumi.all([providerArn, tenantId, principalId]).apply(([arn, tenant, sub]) => {
        const issuer = `sts.windows.net/${tenant}/`;
        return JSON.stringify({
            Version: "2012-10-17",
            Statement: [{
                Effect: "Allow",
                Principal: { Federated: arn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: { [`${issuer}:sub`]: sub, [`${issuer}:aud`]: audience } },
            }],
        });
    });
}

/**
 * Access without long-lived keys for a job running in Azure: an IAM OIDC identity provider for the
 * Entra tenant and a role that one managed identity assumes by web identity (it gets a token for
 * `audience` and calls STS AssumeRoleWithWebIdentity), allowed to list and write its prefix and
 * nothing else: no delete.
 */
export class AzureWebIdentityRole extends pulumi.ComponentResource {
    public readonly provider: aws.iam.OpenIdConnectProvider | undefined;
    public readonly role: aws.iam.Role;
    public readonly policy: aws.iam.RolePolicy;
    public readonly roleArn: pulumi.Output<string>;
    public readonly audience: string;

    constructor(name: string, args: AzureWebIdentityRoleArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("lifeboat:aws:AzureWebIdentityRole", name, {}, opts);
        const problems = new Problems();
        validateAzureWebIdentityRoleArgs(args, problems);
        problems.throwIfAny(`AzureWebIdentityRole ${name}`);

        this.audience = args.audience;
        const tags = { ...args.tags, [ROLE_TAG]: ROLES.dumpJob };
        let providerArn: pulumi.Input<string>;
        if (args.existingProviderArn !== undefined) {
            providerArn = args.existingProviderArn;
        } else {
            this.provider = new aws.iam.OpenIdConnectProvider(`${name}-oidc`, {
                url: pulumi.output(args.tenantId).apply(azureIssuerUrl),
                clientIdLists: [this.audience],
                tags,
            }, { parent: this });
            providerArn = this.provider.arn;
        }
        this.role = new aws.iam.Role(`${name}-role`, {
            description: "Lifeboat off-site copy: the Azure dump job's managed identity writes backup sets here; no delete",
            assumeRolePolicy: webIdentityTrustPolicy(providerArn, args.tenantId, args.principalId, this.audience),
            maxSessionDuration: args.maxSessionSeconds ?? 3600,
            tags,
        }, { parent: this });
        this.policy = new aws.iam.RolePolicy(`${name}-backup-writer`, {
            role: this.role.name,
            policy: backupWriterPolicy(args.bucketName, args.prefix, args.bucketKeyArn),
        }, { parent: this });
        this.roleArn = this.role.arn;
        this.registerOutputs({ roleArn: this.roleArn, audience: this.audience });
    }
}
