import { happyStack, verdictsOf, withProp } from "../fixtures";

const POLICY = "keyvault-purge-protection";
const off = (found: string): string =>
    `azure-native:keyvault:Vault "field-key-vault": purge protection is off, so a deleted vault (and the field key every backup needs) can be purged at once ` +
    `(found ${found}). Fix: set properties.enablePurgeProtection to true (it cannot be turned off again).`;

describe(POLICY, () => {
    it("passes a vault with purge protection", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it("reports purge protection turned off", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "field-key-vault", "properties.enablePurgeProtection", false)))
            .toEqual([{ enforcementLevel: "mandatory", name: "field-key-vault", message: off("false") }]);
    });

    it("reports purge protection not set", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "field-key-vault", "properties.enablePurgeProtection", undefined)))
            .toEqual([{ enforcementLevel: "mandatory", name: "field-key-vault", message: off("not set") }]);
    });
});
