/**
 * Adopting what a user already runs: an existing Flexible Server (servers[].existingServerId) is
 * imported with the settings its config states, never replaced, its login and password never
 * touched; a server without geo-redundant backup is reported with the migration; an existing
 * storage account is refused with the reason.
 */
import { planStack, PlanResult, PlannedResource } from "../../tools/plan";

const SERVER_ID = "/subscriptions/0f1e2d3c-0000-4000-8000-000000000001/resourceGroups/casework-prod/providers/Microsoft.DBforPostgreSQL/flexibleServers/casework-prod-pg";
/** The prod server as `az postgres flexible-server show` reports it, copied into config. */
const ADOPTED = {
    name: "casework-prod-pg", location: "West Europe", existingServerId: SERVER_ID,
    version: "16", sku: "Standard_D4ds_v5", storageSizeGb: 256, backupRetentionDays: 35, geoRedundantBackup: true,
    highAvailability: "ZoneRedundant", publicNetworkAccess: false, administratorLogin: "casework_admin", databases: ["main", "audit"],
};
const PASSWORDS = { "casework-prod-pg": "the-apps-own-password" };

function only(result: PlanResult, type: string): PlannedResource[] {
    return result.resources.filter((r) => r.type === type);
}

describe("prod with its existing server adopted", () => {
    let result: PlanResult;
    beforeAll(async () => {
        result = await planStack({ stack: "prod", config: { servers: [ADOPTED], serverPasswords: PASSWORDS } });
    });

    it("plans with every mandatory policy passing", () => {
        expect(result.configErrors).toEqual([]);
        expect(result.error).toBeUndefined();
        expect(result.verdicts.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
        expect(result.exitCode).toBe(0);
    });

    it("imports the server by its ID under the logical name a created one has, protected, with the settings from config", () => {
        const [server] = only(result, "azure-native:dbforpostgresql:Server");
        expect(server.name).toBe("casework-prod-pg-server");
        expect(server.importId).toBe(SERVER_ID);
        expect(server.opts.protect).toBe(true);
        expect(server.props).toMatchObject({
            resourceGroupName: "casework-prod",
            serverName: "casework-prod-pg",
            location: "westeurope",
            version: "16",
            sku: { name: "Standard_D4ds_v5", tier: "GeneralPurpose" },
            storage: { storageSizeGB: 256 },
            backup: { backupRetentionDays: 35, geoRedundantBackup: "Enabled" },
            highAvailability: { mode: "ZoneRedundant" },
            network: { publicNetworkAccess: "Disabled" },
        });
    });

    it("never sets or rotates the app's login and password, and keeps what Azure chose (no update there, no replacement)", () => {
        const [server] = only(result, "azure-native:dbforpostgresql:Server");
        expect(server.props.administratorLoginPassword).toBeUndefined();
        expect(server.opts.ignoreChanges).toEqual(expect.arrayContaining(["administratorLogin", "administratorLoginPassword", "authConfig", "availabilityZone", "highAvailability.standbyAvailabilityZone"]));
        expect(only(result, "random:index/randomPassword:RandomPassword").map((r) => r.name)).toEqual([]);
    });

    it("imports the server's databases too, keeping their charset and collation", () => {
        const dbs = only(result, "azure-native:dbforpostgresql:Database");
        expect(dbs.map((d) => [d.name, d.importId])).toEqual([
            ["casework-prod-pg-main", `${SERVER_ID}/databases/main`],
            ["casework-prod-pg-audit", `${SERVER_ID}/databases/audit`],
        ]);
        for (const d of dbs) {
            expect(d.opts.protect).toBe(true);
            expect(d.opts.ignoreChanges).toEqual(["charset", "collation"]);
        }
    });

    it("dumps it as the app's own login, the password a secret from lifeboat:serverPasswords", () => {
        const [dump] = only(result, "azure-native:app:Job").filter((j) => (j.props.tags as Record<string, string>)["lifeboat-job"] === undefined);
        const env = ((dump.props.template as { containers: Array<{ env: Array<{ name: string; value?: string }> }> }).containers[0].env);
        expect(env.find((e) => e.name === "PGUSER")?.value).toBe("casework_admin");
        expect(dump.secretPaths.some((p) => p === "configuration" || p.startsWith("configuration.secrets"))).toBe(true);
        expect(JSON.stringify(dump.props)).toContain("the-apps-own-password");
    });
});

describe("adoption: what the config must say", () => {
    it("names every setting the import must match, and the missing password", async () => {
        const { databases, location, name, existingServerId } = ADOPTED;
        const result = await planStack({ stack: "prod", config: { servers: [{ name, location, existingServerId, databases }] } });
        expect(result.exitCode).toBe(1);
        const copy = "required with existingServerId: the server's current value (docs/EXISTING-AZURE.md: what to copy from `az postgres flexible-server show`), or the import's first update would change it";
        expect(result.configErrors).toEqual(expect.arrayContaining([
            ...["version", "sku", "storageSizeGb", "geoRedundantBackup", "highAvailability", "publicNetworkAccess"].map((k) => `lifeboat:servers[0].${k}: missing; ${copy}`),
            "lifeboat:servers[0].administratorLogin: missing; required with existingServerId: the server's admin login and its password (the dump job logs in with them; Lifeboat never changes them)",
        ]));
        expect(result.configErrors.some((e) => e.startsWith("lifeboat:serverPasswords.casework-prod-pg: ") && e.includes("pulumi config set --secret --path 'lifeboat:serverPasswords.casework-prod-pg'"))).toBe(true);
    });

    it("refuses an ID that is not a Flexible Server's, or another server's name", async () => {
        const result = await planStack({ stack: "prod", config: { servers: [{ ...ADOPTED, name: "other-pg" }, { ...ADOPTED, name: "third-pg", existingServerId: "/subscriptions/x/resourceGroups/y/providers/Microsoft.Sql/servers/z" }], serverPasswords: { "other-pg": "p", "third-pg": "p" } } });
        expect(result.configErrors).toEqual(expect.arrayContaining([
            "lifeboat:servers[0].name: got \"other-pg\"; allowed: the adopted server's own name, casework-prod-pg (the last part of existingServerId)",
            "lifeboat:servers[1].existingServerId: got \"/subscriptions/x/resourceGroups/y/providers/Microsoft.Sql/servers/z\"; allowed: a Flexible Server resource ID, /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.DBforPostgreSQL/flexibleServers/<name> (`az postgres flexible-server show --query id`)",
        ]));
    });

    it("reports an adopted server without geo-redundant backup as a mandatory violation with the migration", async () => {
        const result = await planStack({ stack: "prod", config: { servers: [{ ...ADOPTED, geoRedundantBackup: false }], serverPasswords: PASSWORDS } });
        expect(result.configErrors).toEqual([]);
        const [server] = only(result, "azure-native:dbforpostgresql:Server");
        expect(server.importId).toBe(SERVER_ID);
        expect((server.props.backup as Record<string, unknown>).geoRedundantBackup).toBe("Disabled");
        const geo = result.verdicts.filter((v) => v.policy === "postgres-geo-redundant-backup");
        expect(geo).toHaveLength(1);
        expect(geo[0].enforcementLevel).toBe("mandatory");
        expect(geo[0].message).toContain("restore it point-in-time into a new server created with geo-redundant backup (lifeboat:restore.mode pointInTime), then cut over: docs/RUNBOOK.md");
        expect(result.exitCode).toBe(1);
    });

    it("refuses an existing storage account, naming why", async () => {
        const result = await planStack({ stack: "prod", config: { backupStorage: { location: "westeurope", existingAccountId: "/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/appfiles" } } });
        expect(result.configErrors.filter((e) => e.startsWith("lifeboat:backupStorage.existingAccountId: "))).toHaveLength(1);
        expect(result.configErrors.find((e) => e.startsWith("lifeboat:backupStorage.existingAccountId: "))).toContain("A storage account has exactly one lifecycle management policy (always named default)");
    });
});

describe("an adopted VNet-integrated server", () => {
    const SUBNET = "/subscriptions/0f1e2d3c-0000-4000-8000-000000000001/resourceGroups/casework-net/providers/Microsoft.Network/virtualNetworks/casework-vnet/subnets/postgres";
    const ZONE = "/subscriptions/0f1e2d3c-0000-4000-8000-000000000001/resourceGroups/casework-net/providers/Microsoft.Network/privateDnsZones/casework-prod-pg.private.postgres.database.azure.com";
    const network = { delegatedSubnetResourceId: SUBNET, privateDnsZoneArmResourceId: ZONE };
    let result: PlanResult;
    beforeAll(async () => {
        result = await planStack({ stack: "prod", config: { servers: [{ ...ADOPTED, network }], serverPasswords: PASSWORDS } });
    });

    it("is imported with its own subnet and DNS zone, so the import matches and nothing moves", () => {
        expect([result.configErrors, result.error, result.verdicts.filter((v) => v.enforcementLevel === "mandatory")]).toEqual([[], undefined, []]);
        const [server] = only(result, "azure-native:dbforpostgresql:Server");
        expect(server.importId).toBe(SERVER_ID);
        expect(server.props.network).toEqual({ publicNetworkAccess: "Disabled", delegatedSubnetResourceId: SUBNET, privateDnsZoneArmResourceId: ZONE });
    });

    it("takes no private endpoint: the jobs' VNet is peered with the server's both ways and linked to its zone, before any job runs", () => {
        expect(only(result, "azure-native:network:PrivateEndpoint")).toEqual([]);
        const peerings = only(result, "azure-native:network:VirtualNetworkPeering");
        expect(peerings.map((p) => [p.name, p.props.resourceGroupName, p.props.virtualNetworkName])).toEqual([
            ["jobs-network-peer-casework-prod-pg", "lifeboat-prod-data", "jobs-network-vnet"],
            ["jobs-network-peer-casework-prod-pg-back", "casework-net", "casework-vnet"],
        ]);
        expect(peerings[0].props.remoteVirtualNetwork).toEqual({ id: SUBNET.replace(/\/subnets\/postgres$/, "") });
        const link = only(result, "azure-native:privatedns:VirtualNetworkLink").find((l) => l.name === "jobs-network-dns-casework-prod-pg") as PlannedResource;
        expect([link.props.resourceGroupName, link.props.privateZoneName, link.props.registrationEnabled]).toEqual(["casework-net", "casework-prod-pg.private.postgres.database.azure.com", false]);
        const env = only(result, "azure-native:app:ManagedEnvironment")[0];
        expect(env.opts.dependencies).toEqual(expect.arrayContaining([...peerings.map((p) => p.urn), link.urn]));
    });

    it("is refused on a server the stack creates, and with IDs that are not a subnet's and a zone's", async () => {
        const bad = await planStack({ stack: "prod", config: { servers: [{ name: "casework-prod-pg", location: "westeurope", databases: ["main"], network: { delegatedSubnetResourceId: "casework-vnet/postgres", privateDnsZoneArmResourceId: ZONE.replace("privateDnsZones", "dnsZones") } }] } });
        expect(bad.configErrors.map((e) => e.split(";")[0])).toEqual(expect.arrayContaining([
            expect.stringMatching(/^lifeboat:servers\[0\]\.network: got /),
            "lifeboat:servers[0].network.delegatedSubnetResourceId: got \"casework-vnet/postgres\"",
            expect.stringMatching(/^lifeboat:servers\[0\]\.network\.privateDnsZoneArmResourceId: got /),
        ]));
        expect(bad.configErrors.find((e) => e.startsWith("lifeboat:servers[0].network: "))).toContain("allowed: only with existingServerId");
    });
});
