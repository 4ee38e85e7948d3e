import { happyStack, verdictsOf, withProp } from "../fixtures";

const POLICY = "keyvault-soft-delete";
const VAULT = 'azure-native:keyvault:Vault "field-key-vault"';

describe(POLICY, () => {
    it("passes 90 days of soft delete", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it("passes a vault relying on Azure's defaults (soft delete on, 90 days)", async () => {
        const stack = withProp(happyStack(), "field-key-vault", "properties.enableSoftDelete", undefined);
        expect(await verdictsOf(POLICY, withProp(stack, "field-key-vault", "properties.softDeleteRetentionInDays", undefined))).toEqual([]);
    });

    it("reports a retention shorter than the minimum", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "field-key-vault", "properties.softDeleteRetentionInDays", 7))).toEqual([{
            enforcementLevel: "mandatory",
            name: "field-key-vault",
            message: `${VAULT}: deleted vaults and secrets stay recoverable for fewer than 30 days (found 7). ` +
                "Fix: set properties.softDeleteRetentionInDays to at least 30 (stack config lifeboat:keyVault.softDeleteRetentionDays, 7-90).",
        }]);
    });

    it("reports soft delete turned off", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "field-key-vault", "properties.enableSoftDelete", false))).toEqual([{
            enforcementLevel: "mandatory",
            name: "field-key-vault",
            message: `${VAULT}: soft delete is off, so a deleted vault or secret is gone at once (found false). Fix: set properties.enableSoftDelete to true.`,
        }]);
    });

    it("takes its minimum from the pack config", async () => {
        const config = { [POLICY]: { minimumRetentionDays: 90 } };
        expect(await verdictsOf(POLICY, withProp(happyStack(), "field-key-vault", "properties.softDeleteRetentionInDays", 60), config)).toEqual([{
            enforcementLevel: "mandatory",
            name: "field-key-vault",
            message: `${VAULT}: deleted vaults and secrets stay recoverable for fewer than 90 days (found 60). ` +
                "Fix: set properties.softDeleteRetentionInDays to at least 90 (stack config lifeboat:keyVault.softDeleteRetentionDays, 7-90).",
        }]);
    });
});
