import { happyStack, verdictsOf, withProp } from "../fixtures";

const POLICY = "storage-geo-replication";

describe(POLICY, () => {
    it("passes GRS", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it.each(["Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS"])("passes %s", async (sku) => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "backups-account", "sku.name", sku))).toEqual([]);
    });

    it("reports locally redundant storage", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "backups-account", "sku.name", "Standard_LRS"))).toEqual([{
            enforcementLevel: "mandatory",
            name: "backups-account",
            message: 'azure-native:storage:StorageAccount "backups-account": the replication SKU is not one of Standard_GRS, Standard_RAGRS, Standard_GZRS, Standard_RAGZRS ' +
                '(found "Standard_LRS"). Fix: set sku.name to one of Standard_GRS, Standard_RAGRS, Standard_GZRS, Standard_RAGZRS ' +
                "(stack config lifeboat:backupStorage.redundancy), or change the policy's allowedSkus.",
        }]);
    });

    it("takes the required redundancy from the pack config", async () => {
        const config = { [POLICY]: { allowedSkus: ["Standard_GZRS", "Standard_RAGZRS"] } };
        expect(await verdictsOf(POLICY, happyStack(), config)).toEqual([{
            enforcementLevel: "mandatory",
            name: "backups-account",
            message: 'azure-native:storage:StorageAccount "backups-account": the replication SKU is not one of Standard_GZRS, Standard_RAGZRS ' +
                '(found "Standard_GRS"). Fix: set sku.name to one of Standard_GZRS, Standard_RAGZRS ' +
                "(stack config lifeboat:backupStorage.redundancy), or change the policy's allowedSkus.",
        }]);
    });

    it("checks a storage account tagged with another Lifeboat role too (tags are hints only)", async () => {
        const stack = withProp(happyStack(), "backups-account", "tags", { "lifeboat-role": "restore-test" });
        expect((await verdictsOf(POLICY, withProp(stack, "backups-account", "sku.name", "Standard_LRS"))).map((v) => v.name)).toEqual(["backups-account"]);
    });
});
