import { OfflineResource } from "../../../policies/offline";
import { happyStack, named, SUBSCRIPTION, UNKNOWN, urnOf, verdictsOf, withProp } from "../fixtures";

const POLICY = "dump-job-cannot-read-key";
const SECRETS_USER = `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`;
const KV_ADMIN = `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/00482a5a-887f-4fb3-b363-3b7fe8e74483`;
const READER = `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`;
const FIX = "Fix: remove this access: the dump job needs only Storage Blob Data Contributor on the backup container, and is given the key's fingerprint, never the key.";
const IDENTITY = 'azure-native:managedidentity:UserAssignedIdentity "jobs-identity"';
const VAULT = 'azure-native:keyvault:Vault "field-key-vault"';

/** A role assignment added to the stack; `from` names the resources principalId and scope were computed from. */
function assignment(stack: OfflineResource[], props: Record<string, unknown>, from: Record<string, string[]> = {}): OfflineResource[] {
    const propertyDependencies: Record<string, string[]> = {};
    for (const [key, names] of Object.entries(from)) {
        propertyDependencies[key] = names.map((n) => named(stack, n).urn);
    }
    stack.push({
        type: "azure-native:authorization:RoleAssignment",
        name: "extra",
        urn: urnOf("azure-native:authorization:RoleAssignment", "extra", "pulumi:pulumi:Stack"),
        props: { principalType: "ServicePrincipal", ...props },
        opts: { protect: false, retainOnDelete: false, ignoreChanges: [], dependencies: Object.values(propertyDependencies).flat(), propertyDependencies },
    });
    return stack;
}

function grants(role: string, found: string): string {
    return `azure-native:authorization:RoleAssignment "extra": gives the dump job's identity ${role} at a scope that covers the field-key vault, ` +
        `so the job could read the key and whoever controls it would hold backups and key together (found ${found}). ${FIX}`;
}

describe(POLICY, () => {
    it("passes a dump job whose only role is Storage Blob Data Contributor on the container", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it("reports Key Vault Secrets User on the field-key vault", async () => {
        const stack = assignment(happyStack(), { principalId: UNKNOWN, roleDefinitionId: SECRETS_USER, scope: UNKNOWN }, { principalId: ["jobs-identity"], scope: ["field-key-vault"] });
        expect(await verdictsOf(POLICY, stack)).toEqual([{
            enforcementLevel: "mandatory", name: "extra",
            message: grants("Key Vault Secrets User", `principalId from ${IDENTITY}, roleDefinitionId "${SECRETS_USER}", scope from ${VAULT}`),
        }]);
    });

    it("reports a role on the field-key secret itself", async () => {
        const stack = assignment(happyStack(), { principalId: UNKNOWN, roleDefinitionId: SECRETS_USER, scope: UNKNOWN }, { principalId: ["jobs-identity"], scope: ["field-key-secret"] });
        const verdicts = await verdictsOf(POLICY, stack);
        expect(verdicts.map((v) => [v.enforcementLevel, v.name])).toEqual([["mandatory", "extra"]]);
    });

    it.each([
        [`/subscriptions/${SUBSCRIPTION}`, "the subscription"],
        [`/subscriptions/${SUBSCRIPTION}/resourceGroups/lifeboat-test-key`, "the key's resource group"],
        [`/subscriptions/${SUBSCRIPTION}/resourceGroups/lifeboat-test-key/providers/Microsoft.KeyVault/vaults/LB-TEST-KEY`, "the vault, by its ID"],
        ["/providers/Microsoft.Management/managementGroups/root", "a management group"],
    ])("reports Key Vault Administrator at literal scope %s (%s)", async (scope) => {
        const stack = assignment(happyStack(), { principalId: UNKNOWN, roleDefinitionId: KV_ADMIN, scope }, { principalId: ["jobs-identity"] });
        expect(await verdictsOf(POLICY, stack)).toEqual([{
            enforcementLevel: "mandatory", name: "extra",
            message: grants("Key Vault Administrator", `principalId from ${IDENTITY}, roleDefinitionId "${KV_ADMIN}", scope "${scope}"`),
        }]);
    });

    it("passes a role scoped to the data resource group", async () => {
        const stack = assignment(happyStack(), { principalId: UNKNOWN, roleDefinitionId: KV_ADMIN, scope: `/subscriptions/${SUBSCRIPTION}/resourceGroups/lifeboat-test-data` }, { principalId: ["jobs-identity"] });
        expect(await verdictsOf(POLICY, stack)).toEqual([]);
    });

    it("passes Reader on the vault (metadata, no secrets)", async () => {
        const stack = assignment(happyStack(), { principalId: UNKNOWN, roleDefinitionId: READER, scope: UNKNOWN }, { principalId: ["jobs-identity"], scope: ["field-key-vault"] });
        expect(await verdictsOf(POLICY, stack)).toEqual([]);
    });

    it("reports a custom role on the vault as able to read", async () => {
        const custom = `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/99999999-9999-9999-9999-999999999999`;
        const stack = assignment(happyStack(), { principalId: UNKNOWN, roleDefinitionId: custom, scope: UNKNOWN }, { principalId: ["jobs-identity"], scope: ["field-key-vault"] });
        expect(await verdictsOf(POLICY, stack)).toEqual([{
            enforcementLevel: "mandatory", name: "extra",
            message: grants("role 99999999-9999-9999-9999-999999999999 (not known to be unable to read secrets)",
                `principalId from ${IDENTITY}, roleDefinitionId "${custom}", scope from ${VAULT}`),
        }]);
    });

    it("passes another principal's access to the vault (e.g. the application's)", async () => {
        const stack = assignment(happyStack(), { principalId: "55555555-5555-5555-5555-555555555555", roleDefinitionId: SECRETS_USER, scope: UNKNOWN }, { scope: ["field-key-vault"] });
        expect(await verdictsOf(POLICY, stack)).toEqual([]);
    });

    it("reports a vault role for a principal it cannot identify", async () => {
        const stack = assignment(happyStack(), { principalId: UNKNOWN, roleDefinitionId: SECRETS_USER, scope: UNKNOWN }, { scope: ["field-key-vault"] });
        expect(await verdictsOf(POLICY, stack)).toEqual([{
            enforcementLevel: "mandatory", name: "extra",
            message: 'azure-native:authorization:RoleAssignment "extra": whether this role assignment lets the dump job read the field key cannot be determined ' +
                "(principalId unknown), and a mandatory policy never passes by not knowing " +
                `(found principalId a value unknown until the update runs, roleDefinitionId "${SECRETS_USER}", scope from ${VAULT}). ` +
                "Fix: make principalId a literal, or computed from the resources it names (so the property dependencies show whose and where), during preview.",
        }]);
    });

    it("reports a key-reading role for the dump job at a scope it cannot see", async () => {
        const stack = assignment(happyStack(), { principalId: UNKNOWN, roleDefinitionId: SECRETS_USER, scope: UNKNOWN }, { principalId: ["jobs-identity"] });
        expect(await verdictsOf(POLICY, stack)).toEqual([{
            enforcementLevel: "mandatory", name: "extra",
            message: 'azure-native:authorization:RoleAssignment "extra": whether this role assignment lets the dump job read the field key cannot be determined ' +
                "(scope unknown), and a mandatory policy never passes by not knowing " +
                `(found principalId from ${IDENTITY}, roleDefinitionId "${SECRETS_USER}", scope a value unknown until the update runs). ` +
                "Fix: make scope a literal, or computed from the resources it names (so the property dependencies show whose and where), during preview.",
        }]);
    });

    it("passes Storage Blob Data Contributor even at a scope it cannot see (the role reads no secret)", async () => {
        const stack = happyStack();
        named(stack, "jobs-blob-writer").opts.propertyDependencies.scope = [];
        expect(await verdictsOf(POLICY, stack)).toEqual([]);
    });

    it("reports a vault access policy for the dump job's identity", async () => {
        const stack = happyStack();
        stack.push({
            type: "azure-native:keyvault:AccessPolicy",
            name: "job-access",
            urn: urnOf("azure-native:keyvault:AccessPolicy", "job-access", "pulumi:pulumi:Stack"),
            props: { resourceGroupName: "lifeboat-test-key", vaultName: "lb-test-key", policy: { objectId: UNKNOWN, tenantId: "t", permissions: { secrets: ["get"] } } },
            opts: { protect: false, retainOnDelete: false, ignoreChanges: [], dependencies: [], propertyDependencies: { policy: [named(stack, "jobs-identity").urn] } },
        });
        expect(await verdictsOf(POLICY, stack)).toEqual([{
            enforcementLevel: "mandatory", name: "job-access",
            message: `azure-native:keyvault:AccessPolicy "job-access": grants the dump job's identity (${IDENTITY}) an access policy on the field-key vault ` +
                `(found policy.objectId a value unknown until the update runs). ${FIX}`,
        }]);
    });

    it("reports a job secret that references the field-key vault", async () => {
        const url = "https://lb-test-key.vault.azure.net/secrets/FIELD-ENCRYPTION-KEY";
        const stack = withProp(happyStack(), "dump-app-job", "configuration.secrets", [{ name: "pg-password", value: UNKNOWN }, { name: "key", keyVaultUrl: url, identity: UNKNOWN }]);
        expect(await verdictsOf(POLICY, stack)).toEqual([{
            enforcementLevel: "mandatory", name: "dump-app-job",
            message: `azure-native:app:Job "dump-app-job": a job secret is a reference to the field-key vault, so the job reads the key at start (found "${url}"). ${FIX}`,
        }]);
    });

    it("reports the key handed to the job in its environment", async () => {
        const stack = happyStack();
        const containers = (named(stack, "dump-app-job").props.template as { containers: { env: unknown[] }[] }).containers;
        containers[0].env.push({ name: "FIELD_ENCRYPTION_KEY", value: UNKNOWN });
        expect(await verdictsOf(POLICY, stack)).toEqual([{
            enforcementLevel: "mandatory", name: "dump-app-job",
            message: `azure-native:app:Job "dump-app-job": the job's environment variable FIELD_ENCRYPTION_KEY hands the job the field key (found "FIELD_ENCRYPTION_KEY"). ${FIX}`,
        }]);
    });

    it("reports a job template computed from the field-key secret", async () => {
        const stack = happyStack();
        named(stack, "dump-app-job").opts.propertyDependencies.template.push(named(stack, "field-key-secret").urn);
        expect(await verdictsOf(POLICY, stack)).toEqual([{
            enforcementLevel: "mandatory", name: "dump-app-job",
            message: 'azure-native:app:Job "dump-app-job": the job\'s template is computed from the field-key azure-native:keyvault:Secret "field-key-secret" ' +
                `(found template depends on azure-native:keyvault:Secret "field-key-secret"). ${FIX}`,
        }]);
    });
});
