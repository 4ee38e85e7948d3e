import { planStack } from "../../tools/plan";

describe("an adopted vault (keyVault.existingVaultId)", () => {
    it("counts where it is: beside the backups, the plan is blocked", async () => {
        const result = await planStack({
            stack: "dev",
            config: { keyVault: { location: "westeurope", existingVaultId: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/lifeboat-old-key/providers/Microsoft.KeyVault/vaults/lb-old-key", expectedFingerprint: "sha256:0123456789abcdef" } },
        });
        expect(result.configErrors).toEqual([]);
        const vault = result.resources.find((r) => r.type === "azure-native:keyvault:Vault");
        expect(vault).toMatchObject({ readId: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/lifeboat-old-key/providers/Microsoft.KeyVault/vaults/lb-old-key", props: { location: "westeurope" } });
        const separation = result.verdicts.filter((v) => v.policy === "key-separate-from-backups" && v.enforcementLevel === "mandatory");
        expect(separation.map((v) => v.message)).toContainEqual(expect.stringContaining("the field key is in the same region as azure-native:dbforpostgresql:Server"));
        // A read vault is not managed here: resource policies (purge protection, protect) do not judge it.
        expect(result.verdicts.filter((v) => v.name === "field-key-vault").map((v) => v.policy)).toEqual(["key-separate-from-backups", "key-separate-from-backups"]);
        expect(result.exitCode).toBe(1);
    });
});
