import { happyStack, verdictsOf, withProp } from "../fixtures";

const POLICY = "storage-trusted-services-bypass";

describe(POLICY, () => {
    it("passes a firewall that lets Azure services through", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it.each(["Logging, Metrics, AzureServices", undefined])("passes bypass %p", async (bypass) => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "backups-account", "networkRuleSet.bypass", bypass))).toEqual([]);
    });

    it("reports a firewall that blocks trusted services", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "backups-account", "networkRuleSet.bypass", "None"))).toEqual([{
            enforcementLevel: "advisory",
            name: "backups-account",
            message: 'azure-native:storage:StorageAccount "backups-account": the firewall blocks trusted Microsoft services, such as Azure Monitor and Azure Backup ' +
                '(found "None"). Fix: set networkRuleSet.bypass to "AzureServices" (comma-separated with Logging, Metrics if wanted).',
        }]);
    });
});
