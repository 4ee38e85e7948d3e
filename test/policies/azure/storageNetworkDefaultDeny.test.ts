import { happyStack, verdictsOf, withProp } from "../fixtures";

const POLICY = "storage-network-default-deny";

describe(POLICY, () => {
    it("passes a firewall that denies by default", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it("passes an account closed to public networks", async () => {
        const stack = withProp(happyStack(), "backups-account", "publicNetworkAccess", "Disabled");
        expect(await verdictsOf(POLICY, withProp(stack, "backups-account", "networkRuleSet", undefined))).toEqual([]);
    });

    it("reports an account open to every network", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "backups-account", "networkRuleSet.defaultAction", "Allow"))).toEqual([{
            enforcementLevel: "advisory",
            name: "backups-account",
            message: 'azure-native:storage:StorageAccount "backups-account": the account is reachable from any network (public network access on, firewall default action not Deny) ' +
                '(found publicNetworkAccess "Enabled", networkRuleSet.defaultAction "Allow"). Fix: set networkRuleSet.defaultAction to "Deny" with virtual network or IP rules for the jobs, ' +
                'or publicNetworkAccess to "Disabled" with a private endpoint.',
        }]);
    });
});
