import { happyStack, UNKNOWN, verdictsOf, withProp } from "../fixtures";

const POLICY = "postgres-geo-redundant-backup";
const off = (found: string): string =>
    `azure-native:dbforpostgresql:Server "app-server": geo-redundant backup is off, so a regional outage takes the server and all its backups ` +
    `(Azure's default when not set is Disabled) (found ${found}). Fix: set backup.geoRedundantBackup to "Enabled" ` +
    "(stack config lifeboat:servers[].geoRedundantBackup: true). Azure fixes it at creation: for an existing (adopted) server, restore it point-in-time " +
    "into a new server created with geo-redundant backup (lifeboat:restore.mode pointInTime), then cut over: docs/RUNBOOK.md, \"Geo-redundant backup for an existing server\".";

describe(POLICY, () => {
    it("passes geo-redundant backups", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it("reports geo-redundant backup turned off", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "app-server", "backup.geoRedundantBackup", "Disabled")))
            .toEqual([{ enforcementLevel: "mandatory", name: "app-server", message: off('"Disabled"') }]);
    });

    it("reports geo-redundant backup left to Azure's default", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "app-server", "backup.geoRedundantBackup", undefined)))
            .toEqual([{ enforcementLevel: "mandatory", name: "app-server", message: off("not set") }]);
    });

    it("reports an unknown setting", async () => {
        const [verdict] = await verdictsOf(POLICY, withProp(happyStack(), "app-server", "backup.geoRedundantBackup", UNKNOWN));
        expect(verdict).toEqual({
            enforcementLevel: "mandatory",
            name: "app-server",
            message: 'azure-native:dbforpostgresql:Server "app-server": backup.geoRedundantBackup cannot be determined, and a mandatory policy never passes by not knowing ' +
                "(found a value unknown until the update runs). Fix: set backup.geoRedundantBackup to a literal from stack config, so it is known during preview.",
        });
    });
});
