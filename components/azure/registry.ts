import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import { JobImage } from "../docker/jobImage";
import { Problems } from "../validation";
import { roleDefinitionId } from "./dumpJob";

/** Built-in role: pull images (what the jobs' identities get on the registry, and nothing more). */
export const ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
/** Built-in role: push and pull images (what the identity running `pulumi up` needs, unless it is Owner or Contributor). */
export const ACR_PUSH = "8311e382-0749-4cb8-b61a-304f252e45ec";
/** The user name of a registry login with an ACR refresh token (what `az acr login --expose-token` prints). */
export const ACR_TOKEN_USER = "00000000-0000-0000-0000-000000000000";

/**
 * Exchanges an Entra (ARM) access token for an ACR refresh token at the registry's
 * `/oauth2/exchange` endpoint, as `az acr login` does: the way to `docker login` to a registry
 * whose admin user is off, with the identity that runs `pulumi up` (it needs AcrPush, or Owner or
 * Contributor, on the registry). The refresh token lasts about three hours: long enough for one
 * `pulumi up`, never stored anywhere but the state, as a secret.
 */
export async function exchangeAcrToken(loginServer: string, tenantId: string, armToken: string, fetchFn: typeof fetch = fetch): Promise<string> {
    const url = `https://${loginServer}/oauth2/exchange`;
    let response: Response;
    try {
        response = await fetchFn(url, {
            method: "POST",
            headers: { "Content-Type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({ grant_type: "access_token", service: loginServer, tenant: tenantId, access_token: armToken }).toString(),
        });
    } catch (e) {
        throw new Error(`ACR token exchange at ${url} failed: ${e instanceof Error ? e.message : String(e)} (check the network path to the registry)`);
    }
    if (!response.ok) {
        throw new Error(`ACR token exchange at ${url} failed with HTTP ${response.status} (check that the identity running pulumi up may push: AcrPush on the registry)`);
    }
    const body = (await response.json()) as { refresh_token?: unknown };
    if (typeof body.refresh_token !== "string" || body.refresh_token === "") {
        throw new Error(`ACR token exchange at ${url} returned no refresh token`);
    }
    return body.refresh_token;
}

/**
 * How the push credential is obtained. The offline plan replaces `exchange` with a stand-in (it has
 * no registry to talk to); `pulumi up` uses the real exchange. During a preview nothing is pushed,
 * so no exchange happens.
 */
export const acrLogin = { exchange: exchangeAcrToken };

export interface JobRegistryArgs {
    resourceGroupName: pulumi.Input<string>;
    /** Globally unique, 5-50 lowercase letters and digits. */
    registryName: string;
    /** Azure region of the registry: the jobs'. */
    location: string;
    /** Tenant and subscription of the deployment (role definition IDs, the token exchange). */
    tenantId: pulumi.Input<string>;
    subscriptionId: pulumi.Input<string>;
    /** Identities that pull the image (the jobs'): each gets AcrPull on the registry, nothing else. */
    pullers: Array<{ name: string; principalId: pulumi.Input<string> }>;
    /** Tag the image is pushed as (the jobs run its digest). @default "latest" */
    tag?: string;
    /** @default "Basic" */
    sku?: "Basic" | "Standard" | "Premium";
    /** Extra tags for the resources it declares (Lifeboat adds its own role tags). @default {} */
    tags?: Record<string, string>;
}

export function validateJobRegistryArgs(args: JobRegistryArgs, problems: Problems, path = "args"): void {
    if (!/^[a-z0-9]{5,50}$/.test(args.registryName)) {
        problems.add(`${path}.registryName`, args.registryName, "allowed: 5-50 lowercase letters and digits, unique in Azure");
    }
    if (args.tag !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(args.tag)) {
        problems.add(`${path}.tag`, args.tag, "allowed: a Docker tag (letters, digits, _ . -; at most 128)");
    }
}

/**
 * The Azure Container Registry of the job image: admin user off and anonymous pull off, so the
 * only ways in are Entra identities: the jobs' user-assigned identities pull with AcrPull (assigned
 * here, before any job exists); the identity running `pulumi up` pushes through the AAD-to-ACR
 * token exchange with the rights it already holds on the registry's resource group (Owner or
 * Contributor, which it needs to declare this stack at all, include push; with narrower custom
 * roles, give it AcrPush on the registry). No role is assigned to it here: its principal type is
 * unknown to the program (a user or a service principal), and a wrong one fails the assignment. The image is built from this repository's Dockerfile and pushed; `ref`
 * is its digest, which every job runs.
 */
export class JobRegistry extends pulumi.ComponentResource {
    public readonly registry: containerregistry.Registry;
    public readonly loginServer: pulumi.Output<string>;
    /** AcrPull of each puller, by name: a job depends on its identity's. */
    public readonly pullRoles: Record<string, authorization.RoleAssignment>;
    public readonly image: JobImage;
    /** `<loginServer>/lifeboat@sha256:<digest>`. */
    public readonly ref: pulumi.Output<string>;

    constructor(name: string, args: JobRegistryArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("lifeboat:azure:JobRegistry", name, {}, opts);
        const problems = new Problems();
        validateJobRegistryArgs(args, problems);
        problems.throwIfAny(`JobRegistry ${name}`);

        this.registry = new containerregistry.Registry(`${name}-registry`, {
            resourceGroupName: args.resourceGroupName,
            registryName: args.registryName,
            location: args.location,
            sku: { name: args.sku ?? "Basic" },
            adminUserEnabled: false,
            anonymousPullEnabled: false,
            tags: args.tags,
        }, { parent: this });
        this.loginServer = this.registry.loginServer;
        this.pullRoles = Object.fromEntries(args.pullers.map((p) => [p.name, new authorization.RoleAssignment(`${name}-pull-${p.name}`, {
            principalId: p.principalId,
            principalType: "ServicePrincipal",
            roleDefinitionId: roleDefinitionId(args.subscriptionId, ACR_PULL),
            scope: this.registry.id,
            description: "Lifeboat jobs pull the job image (AcrPull on this registry only)",
        }, { parent: this })]));

        // The push credential: an ACR refresh token for the deployer's own Entra token; secret throughout.
        const armToken = authorization.getClientTokenOutput({}, { parent: this }).token;
        const password = pulumi.secret(pulumi.all([this.loginServer, args.tenantId, armToken]).apply(async ([server, tenant, token]) =>
            pulumi.runtime.isDryRun() ? "preview: nothing is pushed" : acrLogin.exchange(server, tenant, token)));
        this.image = new JobImage(`${name}-job`, {
            imageName: pulumi.interpolate`${this.loginServer}/lifeboat:${args.tag ?? "latest"}`,
            registry: { server: this.loginServer, username: ACR_TOKEN_USER, password },
        }, { parent: this });
        this.ref = this.image.ref;
        this.registerOutputs({ loginServer: this.loginServer, ref: this.ref });
    }
}
