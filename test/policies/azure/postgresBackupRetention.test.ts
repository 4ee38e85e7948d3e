import { happyStack, UNKNOWN, verdictsOf, withProp } from "../fixtures";

const POLICY = "postgres-backup-retention";
const SERVER = 'azure-native:dbforpostgresql:Server "app-server"';
const short = (found: string, minimum = 14): string =>
    `${SERVER}: keeps point-in-time backups for fewer than ${minimum} days${found === "not set" ? " (Azure keeps 7 when it is not set)" : ""} (found ${found}). ` +
    `Fix: set backup.backupRetentionDays to at least ${minimum} (stack config lifeboat:servers[].backupRetentionDays, 7-35), or lower the policy's minimumDays.`;

describe(POLICY, () => {
    it("passes a server keeping 35 days", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it("passes exactly the minimum", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "app-server", "backup.backupRetentionDays", 14))).toEqual([]);
    });

    it("reports a shortened retention", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "app-server", "backup.backupRetentionDays", 7)))
            .toEqual([{ enforcementLevel: "mandatory", name: "app-server", message: short("7") }]);
    });

    it("reports a retention left to Azure's default", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "app-server", "backup.backupRetentionDays", undefined)))
            .toEqual([{ enforcementLevel: "mandatory", name: "app-server", message: short("not set") }]);
    });

    it("reports an unknown retention instead of passing", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "app-server", "backup.backupRetentionDays", UNKNOWN))).toEqual([{
            enforcementLevel: "mandatory",
            name: "app-server",
            message: `${SERVER}: backup.backupRetentionDays cannot be determined, and a mandatory policy never passes by not knowing ` +
                "(found a value unknown until the update runs). Fix: set backup.backupRetentionDays to a literal from stack config, so it is known during preview.",
        }]);
    });

    it("takes its minimum from the pack config", async () => {
        const config = { [POLICY]: { minimumDays: 35 } };
        expect(await verdictsOf(POLICY, withProp(happyStack(), "app-server", "backup.backupRetentionDays", 30), config))
            .toEqual([{ enforcementLevel: "mandatory", name: "app-server", message: short("30", 35) }]);
    });
});
