import { OfflineResource } from "../../../policies/offline";
import { happyStack, named, UNKNOWN, verdictsOf, withProp } from "../fixtures";

const POLICY = "keyvault-audit-logs";
const VAULT = 'azure-native:keyvault:Vault "field-key-vault"';
const FIX = 'Fix: declare a DiagnosticSetting on the vault with logs [{ category: "AuditEvent", enabled: true }] and a workspaceId (components/azure ResourceLogs).';

const without = (stack: OfflineResource[], name: string): OfflineResource[] => stack.filter((r) => r.name !== name);

describe(POLICY, () => {
    it("passes a vault whose AuditEvent log goes to the workspace", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it("reports a vault with no diagnostic setting: no record of who read the key", async () => {
        expect(await verdictsOf(POLICY, without(happyStack(), "logs-field-key"))).toEqual([{
            enforcementLevel: "mandatory",
            name: "field-key-vault",
            message: `${VAULT}: no diagnostic setting sends its AuditEvent logs anywhere, so there is no record of who read the field key, when and from where ` +
                `(found no azure-native:monitor:DiagnosticSetting whose resourceUri is this resource). ${FIX}`,
        }]);
    });

    it("does not count another resource's setting (the storage account's) for the vault", async () => {
        const stack = without(happyStack(), "logs-field-key");
        withProp(stack, "logs-backups", "logs", [{ category: "AuditEvent", enabled: true }]);
        expect((await verdictsOf(POLICY, stack)).map((v) => v.name)).toEqual(["field-key-vault"]);
    });

    it("reports the audit category disabled", async () => {
        const stack = withProp(happyStack(), "logs-field-key", "logs", [{ category: "AuditEvent", enabled: false }]);
        expect(await verdictsOf(POLICY, stack)).toEqual([{
            enforcementLevel: "mandatory",
            name: "field-key-vault",
            message: `${VAULT}: its diagnostic settings (azure-native:monitor:DiagnosticSetting "logs-field-key") do not send AuditEvent to a destination, so there is no full record of who read the field key, when and from where ` +
                `(found logs [{"category":"AuditEvent","enabled":false}]). ${FIX}`,
        }]);
    });

    it("reports a setting without a destination", async () => {
        const stack = withProp(happyStack(), "logs-field-key", "workspaceId", undefined);
        expect((await verdictsOf(POLICY, stack)).map((v) => v.name)).toEqual(["field-key-vault"]);
    });

    it("accepts the audit and allLogs category groups", async () => {
        for (const categoryGroup of ["audit", "allLogs"]) {
            expect(await verdictsOf(POLICY, withProp(happyStack(), "logs-field-key", "logs", [{ categoryGroup, enabled: true }]))).toEqual([]);
        }
    });

    it("reports logs it cannot see as undetermined, never as a pass", async () => {
        const stack = withProp(happyStack(), "logs-field-key", "logs", UNKNOWN);
        expect(await verdictsOf(POLICY, stack)).toEqual([{
            enforcementLevel: "mandatory",
            name: "logs-field-key",
            message: 'azure-native:monitor:DiagnosticSetting "logs-field-key": the log categories it enables cannot be determined, and a mandatory policy never passes by not knowing ' +
                "(found a value unknown until the update runs). Fix: set logs to a literal from stack config, so it is known during preview.",
        }]);
    });

    it("finds a setting whose resourceUri is the vault's literal ID (an adopted vault)", async () => {
        const stack = happyStack();
        const setting = named(stack, "logs-field-key");
        setting.props.resourceUri = "/subscriptions/s/resourceGroups/lifeboat-test-key/providers/Microsoft.KeyVault/vaults/LB-TEST-KEY";
        setting.opts.propertyDependencies.resourceUri = [];
        expect(await verdictsOf(POLICY, stack)).toEqual([]);
        setting.props.resourceUri = "/subscriptions/s/resourceGroups/lifeboat-test-key/providers/Microsoft.KeyVault/vaults/other-vault";
        expect((await verdictsOf(POLICY, stack)).map((v) => v.name)).toEqual(["field-key-vault"]);
    });
});
