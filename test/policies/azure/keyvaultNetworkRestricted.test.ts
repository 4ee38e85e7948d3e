import { happyStack, verdictsOf, withProp } from "../fixtures";

const POLICY = "keyvault-network-restricted";

describe(POLICY, () => {
    it("passes a firewall that denies by default", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it("passes a vault closed to public networks whatever its firewall says", async () => {
        const stack = withProp(happyStack(), "field-key-vault", "properties.publicNetworkAccess", "Disabled");
        expect(await verdictsOf(POLICY, withProp(stack, "field-key-vault", "properties.networkAcls.defaultAction", "Allow"))).toEqual([]);
    });

    it("reports a vault open to every network", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "field-key-vault", "properties.networkAcls.defaultAction", "Allow"))).toEqual([{
            enforcementLevel: "advisory",
            name: "field-key-vault",
            message: 'azure-native:keyvault:Vault "field-key-vault": the vault is reachable from any network (public network access on, firewall default action not Deny) ' +
                '(found publicNetworkAccess "Enabled", networkAcls.defaultAction "Allow"). Fix: set properties.networkAcls.defaultAction to "Deny" with the allowed ipRules ' +
                '(stack config lifeboat:keyVault.allowedIpRanges), or properties.publicNetworkAccess to "Disabled".',
        }]);
    });
});
