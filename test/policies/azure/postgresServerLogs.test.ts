import { happyStack, verdictsOf, withProp } from "../fixtures";

const POLICY = "postgres-server-logs";
const SERVER = 'azure-native:dbforpostgresql:Server "app-server"';
const FIX = 'Fix: declare a DiagnosticSetting on the server with logs [{ category: "PostgreSQLLogs", enabled: true }] and a workspaceId (components/azure ResourceLogs).';

describe(POLICY, () => {
    it("passes a server whose server log goes to the workspace", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it("reports a server without a diagnostic setting", async () => {
        expect(await verdictsOf(POLICY, happyStack().filter((r) => r.name !== "logs-pg-app"))).toEqual([{
            enforcementLevel: "advisory",
            name: "app-server",
            message: `${SERVER}: no diagnostic setting sends its PostgreSQLLogs logs anywhere, so there is no record of who connected to the server and what failed ` +
                `(found no azure-native:monitor:DiagnosticSetting whose resourceUri is this resource). ${FIX}`,
        }]);
    });

    it("reports only other categories enabled", async () => {
        const stack = withProp(happyStack(), "logs-pg-app", "logs", [{ category: "PostgreSQLFlexSessions", enabled: true }]);
        expect((await verdictsOf(POLICY, stack)).map((v) => [v.name, v.enforcementLevel])).toEqual([["app-server", "advisory"]]);
    });
});
