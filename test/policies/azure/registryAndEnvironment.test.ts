import { OfflineResource } from "../../../policies/offline";
import { happyStack, named, verdictsOf, withProp } from "../fixtures";

/** The stack with the job image's registry, as JobRegistry declares it. */
function withRegistry(): OfflineResource[] {
    const registry: OfflineResource = {
        type: "azure-native:containerregistry:Registry", name: "registry-registry",
        urn: "urn:pulumi:test::lifeboat::lifeboat:azure:JobRegistry$azure-native:containerregistry:Registry::registry-registry",
        props: { resourceGroupName: "lifeboat-test-data", registryName: "lbcrtest", location: "westeurope", sku: { name: "Basic" }, adminUserEnabled: false, anonymousPullEnabled: false },
        opts: { protect: false, retainOnDelete: false, ignoreChanges: [], dependencies: [], propertyDependencies: {} },
    };
    return [...happyStack(), registry];
}
const REGISTRY = 'azure-native:containerregistry:Registry "registry-registry"';

describe("registry-admin-user-disabled", () => {
    const POLICY = "registry-admin-user-disabled";
    it("passes the admin user off, and unset (Azure's default)", async () => {
        expect(await verdictsOf(POLICY, withRegistry())).toEqual([]);
        expect(await verdictsOf(POLICY, withProp(withRegistry(), "registry-registry", "adminUserEnabled", undefined))).toEqual([]);
    });
    it("reports the admin user on", async () => {
        expect(await verdictsOf(POLICY, withProp(withRegistry(), "registry-registry", "adminUserEnabled", true))).toEqual([{
            enforcementLevel: "advisory", name: "registry-registry",
            message: `${REGISTRY}: the admin user is on: one shared password can push a job image that every job then runs (found true). Fix: set adminUserEnabled to false and pull with AcrPull role assignments (components/azure JobRegistry).`,
        }]);
    });
});

describe("registry-anonymous-pull-disabled", () => {
    const POLICY = "registry-anonymous-pull-disabled";
    it("passes anonymous pull off", async () => {
        expect(await verdictsOf(POLICY, withRegistry())).toEqual([]);
    });
    it("reports anonymous pull on", async () => {
        expect(await verdictsOf(POLICY, withProp(withRegistry(), "registry-registry", "anonymousPullEnabled", true))).toEqual([{
            enforcementLevel: "advisory", name: "registry-registry",
            message: `${REGISTRY}: anonymous pull is on, so anyone can read the job image (found true). Fix: set anonymousPullEnabled to false.`,
        }]);
    });
});

describe("job-environment-internal", () => {
    const POLICY = "job-environment-internal";
    const ENV = 'azure-native:app:ManagedEnvironment "jobs-env"';
    const FIX = "Fix: set vnetConfiguration { infrastructureSubnetId: <a delegated subnet>, internal: true } (components/azure JobEnvironment network).";
    it("passes an internal environment in the stack's network", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });
    it("reports an environment outside any network of the stack's", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "jobs-env", "vnetConfiguration", undefined))).toEqual([{
            enforcementLevel: "advisory", name: "jobs-env",
            message: `${ENV}: the environment is not in a virtual network of the stack's, so its jobs reach only public endpoints and it gets a public ingress IP (found not set). ${FIX}`,
        }]);
    });
    it("reports a public ingress IP", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "jobs-env", "vnetConfiguration.internal", false))).toEqual([{
            enforcementLevel: "advisory", name: "jobs-env",
            message: `${ENV}: the environment has a public ingress IP (internal is off), though jobs take no requests (found false). ${FIX}`,
        }]);
    });
});

describe("postgres-private-endpoint", () => {
    const POLICY = "postgres-private-endpoint";
    it("passes a server reached through a private endpoint, or in a delegated subnet", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
        const delegated = withProp(happyStack().filter((r) => r.type !== "azure-native:network:PrivateEndpoint"), "app-server", "network.delegatedSubnetResourceId", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/pg");
        expect(await verdictsOf(POLICY, delegated)).toEqual([]);
    });
    it("reports a server no private endpoint reaches, and finds one by its literal ID", async () => {
        const stack = happyStack().filter((r) => r.type !== "azure-native:network:PrivateEndpoint");
        expect(await verdictsOf(POLICY, stack)).toEqual([{
            enforcementLevel: "advisory", name: "app-server",
            message: 'azure-native:dbforpostgresql:Server "app-server": no private endpoint reaches the server and it is not in a delegated subnet, so the dump job can reach it only over a public endpoint ' +
                "(found no azure-native:network:PrivateEndpoint to this server). Fix: declare a private endpoint for it (components/azure JobNetwork servers), or give it network.delegatedSubnetResourceId.",
        }]);
        const literal = happyStack();
        const pe = named(literal, "jobs-network-pe-lifeboat-test-app");
        pe.opts.propertyDependencies.privateLinkServiceConnections = [];
        pe.props.privateLinkServiceConnections = [{ name: "x", privateLinkServiceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/lifeboat-test-app", groupIds: ["postgresqlServer"] }];
        expect(await verdictsOf(POLICY, literal)).toEqual([]);
    });
});
