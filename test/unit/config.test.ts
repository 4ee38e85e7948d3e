import { planStack, PlanResult } from "../../tools/plan";

/** Plans the dev stack with some keys replaced. */
async function planDevWith(config: Record<string, unknown>): Promise<PlanResult> {
    return planStack({ stack: "dev", config });
}

const devServer = { name: "casework-dev-pg", location: "westeurope", sku: "Standard_B2s", storageSizeGb: 32, backupRetentionDays: 14, geoRedundantBackup: true, databases: ["main", "audit"] };

describe("invalid stack configs fail before any resource, naming the key, the value and what is allowed", () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
        ["target missing", { target: undefined }, "lifeboat:target: missing; required: one of azure, aws, local"],
        ["unknown target", { target: "gcp" }, "lifeboat:target: got \"gcp\"; allowed: one of azure, aws, local"],
        ["retention above 35 days", { servers: [{ ...devServer, backupRetentionDays: 40 }] }, "lifeboat:servers[0].backupRetentionDays: got 40; allowed: a whole number from 7 to 35"],
        ["retention below 7 days", { servers: [{ ...devServer, backupRetentionDays: 3 }] }, "lifeboat:servers[0].backupRetentionDays: got 3; allowed: a whole number from 7 to 35"],
        ["misspelt server region", { servers: [{ ...devServer, location: "westeurop" }] }, "lifeboat:servers[0].location: got \"westeurop\"; allowed: an Azure region name such as westeurope, westus, westus2 (case and spaces do not matter)"],
        ["unknown key vault region", { keyVault: { location: "Mars Central" } }, "lifeboat:keyVault.location: got \"Mars Central\"; allowed: an Azure region name such as uaecentral, koreacentral, qatarcentral (case and spaces do not matter)"],
        ["high availability mode", { servers: [{ ...devServer, highAvailability: "Always" }] }, "lifeboat:servers[0].highAvailability: got \"Always\"; allowed: one of Disabled, SameZone, ZoneRedundant"],
        ["HA on a Burstable SKU", { servers: [{ ...devServer, highAvailability: "ZoneRedundant" }] }, "lifeboat:servers[0].highAvailability: got \"ZoneRedundant\"; allowed: only Disabled on a Burstable SKU (Standard_B2s); choose a GeneralPurpose or MemoryOptimized SKU for high availability"],
        ["not a Flexible Server SKU", { servers: [{ ...devServer, sku: "Basic_A1" }] }, "lifeboat:servers[0].sku: got \"Basic_A1\"; allowed: a Flexible Server SKU name such as Standard_B1ms (Burstable), Standard_D2ds_v5 (GeneralPurpose) or Standard_E4ds_v5 (MemoryOptimized)"],
        ["storage size", { servers: [{ ...devServer, storageSizeGb: 100 }] }, "lifeboat:servers[0].storageSizeGb: got 100; allowed: one of 32, 64, 128, 256, 512, 1024, 2048, 4095, 4096, 8192, 16384, 32767"],
        ["geo-redundancy as a string", { servers: [{ ...devServer, geoRedundantBackup: "yes" }] }, "lifeboat:servers[0].geoRedundantBackup: got \"yes\"; allowed: a boolean"],
        ["no databases", { servers: [{ ...devServer, databases: [] }] }, "lifeboat:servers[0].databases: got []; allowed: at least one database name"],
        ["misspelt key inside a server", { servers: [{ ...devServer, geoRedundant: true }] }, "lifeboat:servers[0].geoRedundant: got an unknown key; remove it or fix its spelling"],
        ["misspelt top-level key", { server: [devServer] }, "lifeboat:server: got an unknown key; known keys: target, servers, backupStorage, keyVault, fieldEncryptionKey, schedule, alerts, restore, offsite, local, postgresPassword, offsiteCredential, serverPasswords, operatorIpRanges, network"],
        ["vault soft delete", { keyVault: { location: "swedencentral", softDeleteRetentionDays: 120 } }, "lifeboat:keyVault.softDeleteRetentionDays: got 120; allowed: a whole number from 7 to 90"],
        ["key vault missing", { keyVault: undefined }, "lifeboat:keyVault: missing; required: {location} at least: the region of the field-key vault, holding no backup"],
        ["storage redundancy", { backupStorage: { location: "westeurope", redundancy: "GEO" } }, "lifeboat:backupStorage.redundancy: got \"GEO\"; allowed: one of LRS, ZRS, GRS, RAGRS, GZRS, RAGZRS"],
        ["lifecycle days", { backupStorage: { location: "westeurope", retention: { dailyDays: 0 } } }, "lifeboat:backupStorage.retention.dailyDays: got 0; allowed: a whole number from 1 to 99999"],
        ["cron with four fields", { schedule: { cron: "0 2 * *", image: "img:1" } }, "lifeboat:schedule.cron: got \"0 2 * *\"; allowed: a five-field cron in UTC such as \"0 2 * * *\" (a cron expression has 5 fields (minute hour day-of-month month day-of-week), this has 4)"],
        ["alert email", { alerts: { emails: ["oncall"] } }, "lifeboat:alerts.emails[0]: got \"oncall\"; allowed: an email address"],
        ["duplicate server names", { servers: [devServer, devServer] }, "lifeboat:servers[1].name: got \"casework-dev-pg\"; allowed: a name not used by another server of this stack"],
        ["servers not a list", { servers: { name: "x" } }, "lifeboat:servers: got {\"name\":\"x\"}; allowed: a list"],
    ];

    it.each(cases)("%s", async (_title, config, message) => {
        const result = await planDevWith(config);
        expect(result.exitCode).toBe(1);
        expect(result.configErrors).toContain(message);
        // Nothing but the stack itself was registered.
        expect(result.resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
    });

    it("reports every problem at once", async () => {
        const result = await planDevWith({ target: "azure", servers: [{ ...devServer, backupRetentionDays: 99, location: "nowhere" }], keyVault: { location: "atlantis" } });
        expect(result.configErrors.map((e) => e.split(":").slice(0, 2).join(":"))).toEqual([
            "lifeboat:servers[0].location",
            "lifeboat:keyVault.location",
            "lifeboat:servers[0].backupRetentionDays",
        ]);
    });

    it("never shows a secret's value, even when it is wrong", async () => {
        const result = await planDevWith({ fieldEncryptionKey: "my-precious-key" });
        expect(result.configErrors).toEqual([
            "lifeboat:fieldEncryptionKey: got (secret, not shown); allowed: a Fernet key, 32 bytes in URL-safe base64 (44 characters ending in =), set with `pulumi config set --secret lifeboat:fieldEncryptionKey`",
        ]);
        expect(JSON.stringify(result)).not.toContain("my-precious-key");
    });

    it("target local needs its own section, and says what it is", async () => {
        const result = await planDevWith({ target: "local" });
        expect(result.configErrors).toEqual(["lifeboat:local: missing; required for target local: {network} at least: the application's Docker network"]);
        expect(result.resources).toEqual([]);
    });
});
