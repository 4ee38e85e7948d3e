import { happyStack, named, verdictsOf } from "../fixtures";

const POLICY = "stateful-resources-protected";

describe(POLICY, () => {
    it("passes when every stateful resource is protected", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it.each([
        ["app-server", "azure-native:dbforpostgresql:Server"],
        ["app-audit", "azure-native:dbforpostgresql:Database"],
        ["field-key-vault", "azure-native:keyvault:Vault"],
        ["field-key-secret", "azure-native:keyvault:Secret"],
        ["backups-account", "azure-native:storage:StorageAccount"],
        ["backups-container", "azure-native:storage:BlobContainer"],
    ])("reports %s (%s) without protect", async (name, type) => {
        const stack = happyStack();
        named(stack, name).opts.protect = false;
        expect(await verdictsOf(POLICY, stack)).toEqual([{
            enforcementLevel: "mandatory",
            name,
            message: `${type} "${name}": the resource is not protected, so \`pulumi destroy\` or a replacement would delete it and its data (found protect false). ` +
                "Fix: declare it with the resource option { protect: true }.",
        }]);
    });

    it("does not ask for protect on resources that can be recreated", async () => {
        const stack = happyStack();
        for (const name of ["dump-app-job", "jobs-blob-writer", "backups-lifecycle"]) {
            expect(named(stack, name).opts.protect).toBe(false);
        }
        expect(await verdictsOf(POLICY, stack)).toEqual([]);
    });
});
