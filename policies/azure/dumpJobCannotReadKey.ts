import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { ROLES } from "../../components/roles";
import { knownArray, knownBoolean, knownString, read, show } from "../shared/read";
import { label, nameOf, propertyDeps, refersTo, roleOf, TYPES, undetermined, violation } from "../shared/resources";

/**
 * Built-in roles that can read a Key Vault secret, directly (data actions) or by granting
 * themselves access (role assignments, vault access policies).
 */
export const KEY_READING_ROLES: Readonly<Record<string, string>> = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42e0-ab88-20f7382dd24c": "Contributor",
    "18d7d88d-d35e-458e-a08b-85d0d1b09028": "User Access Administrator",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
    "00482a5a-887f-4fb3-b363-3b7fe8e74483": "Key Vault Administrator",
    "b86a8fe4-44ce-4948-aee5-eccb2c155cd7": "Key Vault Secrets Officer",
    "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
    "f25e0fa2-a7c8-4e3f-868f-a3bd11e3a47b": "Key Vault Contributor",
    "8b54135c-b56d-4d72-a534-26097cfdbe84": "Key Vault Data Access Administrator",
    "a4417e6f-fecd-4de8-b567-7b0420556985": "Key Vault Certificates Officer",
    "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba": "Key Vault Certificate User",
};

/** Built-in roles known not to read secrets nor grant access. Any other role is treated as able to. */
export const NON_KEY_ROLES: Readonly<Record<string, string>> = {
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
    "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1": "Storage Blob Data Reader",
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
    "21090545-7ca7-4776-b22c-e363652d74d2": "Key Vault Reader",
    "3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher",
    "7f951dda-4ed3-4680-a7ca-43fe172d538d": "AcrPull",
};

type Tri = "yes" | "no" | "unknown";

const FIX =
    "remove this access: the dump job needs only Storage Blob Data Contributor on the backup container, and is given the key's fingerprint, never the key.";

/**
 * The identity that runs the dump jobs can never read the field key: no role assignment at a scope
 * covering the field-key vault or secret (vault, its resource group, the subscription or above),
 * no vault access policy, and no job secret or environment value taken from the vault.
 */
export const dumpJobCannotReadKey: StackValidationPolicy = {
    name: "dump-job-cannot-read-key",
    description:
        "No role assignment, access policy or job setting lets the dump job's identity read the field-key vault or secret.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const resources = args.resources;
        // Every vault and vault secret: any of them can hold the field key (the role tag is a hint only).
        const vaults = resources.filter((r) => r.type === TYPES.vault);
        if (vaults.length === 0) {
            args.notApplicable("no key vault in the stack");
        }
        const secrets = resources.filter((r) => r.type === TYPES.vaultSecret);
        const groups = resources.filter((r) => r.type === TYPES.resourceGroup && vaults.some((v) => refersTo(v, "resourceGroupName", r, "resourceGroupName")));
        const keyResources = new Set([...vaults, ...secrets].map((r) => r.urn));
        const coveringResources = new Set([...vaults, ...secrets, ...groups].map((r) => r.urn));
        const vaultNames = vaults.map((v) => knownString(nameOf(v, "vaultName"))).filter((n): n is string => n !== undefined).map((n) => n.toLowerCase());
        const groupNames = [
            ...vaults.map((v) => knownString(read(v.props, "resourceGroupName"))),
            ...groups.map((g) => knownString(read(g.props, "resourceGroupName"))),
        ].filter((n): n is string => n !== undefined).map((n) => n.toLowerCase());

        // The dump job's principals: its identities and the jobs themselves (system-assigned identity).
        const jobs = resources.filter((r) => r.type === TYPES.containerAppJob && roleOf(r.props) === ROLES.dumpJob);
        const dumpPrincipals = new Map<string, PolicyResource>();
        for (const r of resources) {
            if (r.type === TYPES.userAssignedIdentity && roleOf(r.props) === ROLES.dumpJob) {
                dumpPrincipals.set(r.urn, r);
            }
        }
        for (const job of jobs) {
            dumpPrincipals.set(job.urn, job);
            for (const identity of propertyDeps(job, "identity")) {
                dumpPrincipals.set(identity.urn, identity);
            }
        }

        const scopeCovers = (scope: string): boolean => {
            const s = scope.toLowerCase().replace(/\/+$/, "");
            if (s === "" || s.startsWith("/providers/microsoft.management/managementgroups/")) {
                return true;
            }
            const group = /^\/subscriptions\/[^/]+(?:\/resourcegroups\/([^/]+)(\/.*)?)?$/.exec(s);
            if (group === null) {
                return false;
            }
            if (group[1] === undefined) {
                return true; // the subscription: covers every vault in it
            }
            if (group[2] === undefined) {
                return groupNames.includes(group[1]);
            }
            const vault = /\/providers\/microsoft\.keyvault\/vaults\/([^/]+)/.exec(group[2]);
            return vault !== null && vaultNames.includes(vault[1]);
        };

        for (const ra of resources.filter((r) => r.type === TYPES.roleAssignment)) {
            const principalRead = read(ra.props, "principalId");
            const principalDeps = propertyDeps(ra, "principalId");
            // By wiring (computed from the identity), or by value: a literal object ID equal to the
            // identity's principalId (known once the identity exists) is the same principal.
            const principalValue = knownString(principalRead)?.trim().toLowerCase();
            const dumpPrincipal = principalDeps.find((d) => dumpPrincipals.has(d.urn))
                ?? (principalValue === undefined ? undefined
                    : [...dumpPrincipals.values()].find((p) => knownString(read(p.props, "principalId"))?.toLowerCase() === principalValue));
            const principal: Tri = dumpPrincipal !== undefined ? "yes" : principalRead.kind === "unknown" && principalDeps.length === 0 ? "unknown" : "no";
            if (principal === "no") {
                continue;
            }
            const scopeRead = read(ra.props, "scope");
            const scopeDeps = propertyDeps(ra, "scope");
            let scope: Tri;
            if (scopeDeps.some((d) => coveringResources.has(d.urn))) {
                scope = "yes";
            } else if (scopeRead.kind === "known" && typeof scopeRead.value === "string") {
                scope = scopeCovers(scopeRead.value) ? "yes" : "no";
            } else {
                scope = scopeRead.kind === "unknown" && scopeDeps.length === 0 ? "unknown" : "no";
            }
            if (scope === "no") {
                continue;
            }
            const roleRead = read(ra.props, "roleDefinitionId");
            const roleId = knownString(roleRead)?.split("/").pop()?.toLowerCase();
            const role: Tri = roleId === undefined ? "unknown" : roleId in NON_KEY_ROLES ? "no" : "yes";
            if (role === "no") {
                continue;
            }
            const roleName = roleId === undefined ? "an undetermined role" : (KEY_READING_ROLES[roleId] ?? `role ${roleId} (not known to be unable to read secrets)`);
            const found = `principalId ${dumpPrincipal !== undefined ? (principalDeps.includes(dumpPrincipal) ? `from ${label(dumpPrincipal)}` : `${show(principalRead)}, the principalId of ${label(dumpPrincipal)}`) : show(principalRead)}, roleDefinitionId ${show(roleRead)}, scope ${scopeDeps.length > 0 ? `from ${scopeDeps.map(label).join(", ")}` : show(scopeRead)}`;
            if (principal === "yes" && scope === "yes" && role === "yes") {
                reportViolation(violation(ra,
                    `gives the dump job's identity ${roleName} at a scope that covers the field-key vault, so the job could read the key and whoever controls it would hold backups and key together`,
                    found, FIX), ra.urn);
            } else {
                const unknowns = [principal === "unknown" ? "principalId" : undefined, scope === "unknown" ? "scope" : undefined, role === "unknown" ? "roleDefinitionId" : undefined]
                    .filter((x): x is string => x !== undefined);
                reportViolation(violation(ra,
                    `whether this role assignment lets the dump job read the field key cannot be determined (${unknowns.join(", ")} unknown), and a mandatory policy never passes by not knowing`,
                    found, `make ${unknowns.join(", ")} a literal, or computed from the resources it names (so the property dependencies show whose and where), during preview.`), ra.urn);
            }
        }

        // Vault access policies (only honoured when the vault does not use RBAC).
        for (const vault of vaults) {
            const rbac = read(vault.props, "properties", "enableRbacAuthorization");
            if (knownBoolean(rbac) === true) {
                continue;
            }
            const fromDump = propertyDeps(vault, "properties").filter((d) => dumpPrincipals.has(d.urn));
            if (fromDump.length > 0) {
                reportViolation(violation(vault, `the vault's access policies are computed from the dump job's identity (${fromDump.map(label).join(", ")})`,
                    show(read(vault.props, "properties", "accessPolicies")), `${FIX} Use RBAC (properties.enableRbacAuthorization: true).`), vault.urn);
            }
        }
        for (const policy of resources.filter((r) => r.type === TYPES.vaultAccessPolicy)) {
            if (!vaults.some((v) => refersTo(policy, "vaultName", v, "vaultName"))) {
                continue;
            }
            const fromDump = propertyDeps(policy, "policy").filter((d) => dumpPrincipals.has(d.urn));
            const objectId = read(policy.props, "policy", "objectId");
            if (fromDump.length > 0) {
                reportViolation(violation(policy, `grants the dump job's identity (${fromDump.map(label).join(", ")}) an access policy on the field-key vault`,
                    `policy.objectId ${show(objectId)}`, FIX), policy.urn);
            } else if (objectId.kind === "unknown") {
                reportViolation(undetermined(policy, "whose access this field-key vault access policy grants", objectId, "policy.objectId"), policy.urn);
            }
        }

        // The job itself: a Key Vault reference among its secrets, or values taken from the vault.
        for (const job of jobs) {
            const jobSecrets = knownArray(read(job.props, "configuration", "secrets")) ?? [];
            for (const secret of jobSecrets) {
                const url = read(secret.kind === "known" ? secret.value : undefined, "keyVaultUrl");
                const value = knownString(url)?.toLowerCase();
                if (value !== undefined && vaultNames.some((n) => value.includes(`//${n}.`))) {
                    reportViolation(violation(job, "a job secret is a reference to the field-key vault, so the job reads the key at start", url, FIX), job.urn);
                }
            }
            for (const property of ["configuration", "template"]) {
                const fromKey = propertyDeps(job, property).filter((d) => keyResources.has(d.urn));
                if (fromKey.length > 0) {
                    reportViolation(violation(job, `the job's ${property} is computed from the field-key ${fromKey.map(label).join(", ")}`,
                        `${property} depends on ${fromKey.map(label).join(", ")}`, FIX), job.urn);
                }
            }
            const containers = knownArray(read(job.props, "template", "containers")) ?? [];
            for (const container of containers) {
                for (const env of knownArray(read(container.kind === "known" ? container.value : undefined, "env")) ?? []) {
                    const name = knownString(read(env.kind === "known" ? env.value : undefined, "name"));
                    if (name !== undefined && /FIELD_ENCRYPTION_KEY/i.test(name)) {
                        reportViolation(violation(job, `the job's environment variable ${name} hands the job the field key`, JSON.stringify(name), FIX), job.urn);
                    }
                }
            }
        }
    },
};
