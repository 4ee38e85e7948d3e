import { happyStack, verdictsOf, withProp } from "../fixtures";

const POLICY = "keyvault-rbac-authorization";

describe(POLICY, () => {
    it("passes a vault using RBAC", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it("reports a vault using access policies", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "field-key-vault", "properties.enableRbacAuthorization", false))).toEqual([{
            enforcementLevel: "advisory",
            name: "field-key-vault",
            message: 'azure-native:keyvault:Vault "field-key-vault": the vault uses access policies, which anyone with Contributor on the vault can change to read the key ' +
                "(found false). Fix: set properties.enableRbacAuthorization to true and grant access with role assignments.",
        }]);
    });
});
