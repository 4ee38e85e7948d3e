import { happyStack, verdictsOf, withProp } from "../fixtures";

const POLICY = "postgres-public-network-disabled";

describe(POLICY, () => {
    it("passes a server closed to public networks", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it("reports public network access (advisory)", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "app-server", "network.publicNetworkAccess", "Enabled"))).toEqual([{
            enforcementLevel: "advisory",
            name: "app-server",
            message: 'azure-native:dbforpostgresql:Server "app-server": public network access is on (Azure\'s default without a virtual network) (found "Enabled"). ' +
                'Fix: set network.publicNetworkAccess to "Disabled" and reach the server through a private endpoint or virtual network.',
        }]);
    });
});
