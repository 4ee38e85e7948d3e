import { EnforcementLevel, PolicyResource, ReportViolation } from "@pulumi/policy";
import { ROLE_TAG } from "../../components/roles";
import { knownString, read, Read, show } from "./read";

/** The type tokens the policies inspect. */
export const TYPES = {
    resourceGroup: "azure-native:resources:ResourceGroup",
    postgresServer: "azure-native:dbforpostgresql:Server",
    postgresDatabase: "azure-native:dbforpostgresql:Database",
    postgresConfiguration: "azure-native:dbforpostgresql:Configuration",
    vault: "azure-native:keyvault:Vault",
    vaultSecret: "azure-native:keyvault:Secret",
    vaultAccessPolicy: "azure-native:keyvault:AccessPolicy",
    storageAccount: "azure-native:storage:StorageAccount",
    blobService: "azure-native:storage:BlobServiceProperties",
    blobContainer: "azure-native:storage:BlobContainer",
    managementPolicy: "azure-native:storage:ManagementPolicy",
    immutabilityPolicy: "azure-native:storage:BlobContainerImmutabilityPolicy",
    containerAppJob: "azure-native:app:Job",
    userAssignedIdentity: "azure-native:managedidentity:UserAssignedIdentity",
    roleAssignment: "azure-native:authorization:RoleAssignment",
    diagnosticSetting: "azure-native:monitor:DiagnosticSetting",
    containerRegistry: "azure-native:containerregistry:Registry",
    managedEnvironment: "azure-native:app:ManagedEnvironment",
    privateEndpoint: "azure-native:network:PrivateEndpoint",
    s3Bucket: "aws:s3/bucket:Bucket",
    s3BucketV2: "aws:s3/bucketV2:BucketV2",
    rdsInstance: "aws:rds/instance:Instance",
    rdsBackupReplication: "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
    kmsKey: "aws:kms/key:Key",
    secretsManagerSecret: "aws:secretsmanager/secret:Secret",
} as const;

/** `azure-native:storage:StorageAccount "backups-account"`: how messages name a resource. */
export function label(resource: { type: string; name: string }): string {
    return `${resource.type} "${resource.name}"`;
}

/**
 * One violation message: what is wrong, on which resource, the value found, and the fix.
 * `found` is a Read or an already formatted value.
 */
export function violation(resource: { type: string; name: string }, problem: string, found: Read | string, fix: string): string {
    const value = typeof found === "string" ? found : show(found);
    return `${label(resource)}: ${problem} (found ${value}). Fix: ${fix}`;
}

/** The message for a value a policy needs but cannot see. */
export function undetermined(resource: { type: string; name: string }, what: string, found: Read, property: string): string {
    return violation(
        resource,
        `${what} cannot be determined, and a mandatory policy never passes by not knowing`,
        found,
        `set ${property} to a literal from stack config, so it is known during preview.`,
    );
}

/** The `lifeboat-role` tag of a resource, when known. */
export function roleOf(props: Record<string, unknown>): string | undefined {
    return knownString(read(props, "tags", ROLE_TAG));
}

/**
 * Reports a violation at a given level rather than the policy's configured one. The policy SDK's
 * reportViolation accepts an object (name, message, urn, enforcementLevel) at run time although
 * its type only declares a string; the offline evaluator accepts the same.
 */
export function reportAt(reportViolation: ReportViolation, level: EnforcementLevel, message: string, urn?: string): void {
    const diagnostic = { message, urn, enforcementLevel: level };
    (reportViolation as unknown as (d: typeof diagnostic) => void)(diagnostic);
}

/** Resources that a property of `resource` was computed from (Pulumi's propertyDependencies). */
export function propertyDeps(resource: PolicyResource, property: string): PolicyResource[] {
    return resource.propertyDependencies?.[property] ?? [];
}

/** Every resource this one depends on, through any property or dependsOn. */
export function allDeps(resource: PolicyResource): PolicyResource[] {
    const seen = new Map<string, PolicyResource>();
    for (const d of resource.dependencies ?? []) {
        seen.set(d.urn, d);
    }
    for (const list of Object.values(resource.propertyDependencies ?? {})) {
        for (const d of list) {
            seen.set(d.urn, d);
        }
    }
    return [...seen.values()];
}

/**
 * Whether `resource` refers to `target` through `property`: either the property was computed from
 * the target (property dependency), or it is a literal equal to the target's name literal
 * (e.g. a container's `accountName` against the account's `accountName`).
 */
export function refersTo(resource: PolicyResource, property: string, target: PolicyResource, targetNameProperty: string): boolean {
    if (propertyDeps(resource, property).some((d) => d.urn === target.urn)) {
        return true;
    }
    const value = read(resource.props, property);
    if (value.kind === "missing") {
        // Stack policies under the CLI see outputs, which often drop the parent's name
        // (a container's outputs have no accountName): fall back to the dependency.
        return (resource.dependencies ?? []).some((d) => d.urn === target.urn);
    }
    const literal = knownString(value);
    const targetName = knownString(nameOf(target, targetNameProperty));
    return literal !== undefined && targetName !== undefined && literal === targetName;
}

/**
 * A resource's own name: the input (`serverName`, `containerName`, ...) the resource policies and
 * the offline plan see, else the `name` output that stack policies see under the CLI.
 */
export function nameOf(resource: { props: Record<string, unknown> }, inputProperty: string): Read {
    const input = read(resource.props, inputProperty);
    return input.kind === "missing" ? read(resource.props, "name") : input;
}

/** The type a Pulumi URN names: urn:pulumi:stack::project::parent$type::name -> type. */
export function typeFromUrn(urn: string): string {
    const parts = urn.split("::");
    const qualified = parts.length >= 3 ? parts[2] : "";
    const segments = qualified.split("$");
    return segments[segments.length - 1];
}

/** The name a Pulumi URN ends with. */
export function nameFromUrn(urn: string): string {
    const parts = urn.split("::");
    return parts.length >= 4 ? parts.slice(3).join("::") : urn;
}
