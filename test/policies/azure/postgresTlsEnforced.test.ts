import { OfflineResource } from "../../../policies/offline";
import { happyStack, verdictsOf } from "../fixtures";

const POLICY = "postgres-tls-enforced";

function withParameter(name: string, value: string): OfflineResource[] {
    const parameter: OfflineResource = {
        type: "azure-native:dbforpostgresql:Configuration", name: `app-${name}`,
        urn: `urn:pulumi:test::lifeboat::azure-native:dbforpostgresql:Configuration::app-${name}`,
        props: { resourceGroupName: "lifeboat-test-data", serverName: "lifeboat-test-app", configurationName: name, value, source: "user-override" },
        opts: { protect: false, retainOnDelete: false, ignoreChanges: [], dependencies: [], propertyDependencies: {} },
    };
    return [...happyStack(), parameter];
}

describe(POLICY, () => {
    it("passes the server's defaults, and parameters that keep TLS 1.2 or newer", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
        expect(await verdictsOf(POLICY, withParameter("require_secure_transport", "ON"))).toEqual([]);
        expect(await verdictsOf(POLICY, withParameter("ssl_min_protocol_version", "TLSv1.3"))).toEqual([]);
        expect(await verdictsOf(POLICY, withParameter("log_connections", "off"))).toEqual([]);
    });

    it("reports TLS turned off, and TLS 1.1 allowed", async () => {
        expect(await verdictsOf(POLICY, withParameter("require_secure_transport", "off"))).toEqual([{
            enforcementLevel: "mandatory", name: "app-require_secure_transport",
            message: 'azure-native:dbforpostgresql:Configuration "app-require_secure_transport": require_secure_transport lets clients connect without TLS 1.2 or newer, so the database\'s traffic (the dump job\'s too) can be read on the way (found "off"). ' +
                'Fix: set require_secure_transport to "on", or remove the parameter (the server\'s default is safe).',
        }]);
        expect((await verdictsOf(POLICY, withParameter("ssl_min_protocol_version", "TLSv1.1"))).map((v) => v.name)).toEqual(["app-ssl_min_protocol_version"]);
    });
});
