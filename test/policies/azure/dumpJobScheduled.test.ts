import { happyStack, named, UNKNOWN, verdictsOf, withProp } from "../fixtures";

const POLICY = "dump-job-scheduled";
const JOB = 'azure-native:app:Job "dump-app-job"';
const CRON_FIX = 'Fix: set configuration.scheduleTriggerConfig.cronExpression to a daily UTC cron such as "0 2 * * *" (stack config lifeboat:schedule.cron).';

function notDumped(db: string, tag: string): string {
    return `azure-native:dbforpostgresql:Database "app-${db}": database "${db}" of server "lifeboat-test-app" is not dumped by any scheduled dump job ` +
        `(found ${JOB} lifeboat-databases ${tag}). Fix: add "${db}" to the server's databases in stack config (lifeboat:servers[].databases), ` +
        "so its dump job dumps it and its lifeboat-databases tag lists it.";
}

describe(POLICY, () => {
    it("passes a nightly job dumping both databases", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it.each(["30 1 * * *", "0 */6 * * *", "15 3 * * ?"])("passes the daily cron %p", async (cron) => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "dump-app-job", "configuration.scheduleTriggerConfig.cronExpression", cron))).toEqual([]);
    });

    it("reports a database the job does not dump", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "dump-app-job", "tags.lifeboat-databases", "main"))).toEqual([
            { enforcementLevel: "mandatory", name: "app-audit", message: notDumped("audit", '"main"') },
        ]);
    });

    it.each([
        ["0 2 * * 1", "it does not run every day, so some days have no backup set"],
        ["0 2 1 * *", "it does not run every day, so some days have no backup set"],
        ["0 2 * *", "it has 4 fields, not the five (minute hour day-of-month month day-of-week) Container Apps reads"],
    ])("reports the cron %p", async (cron, why) => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "dump-app-job", "configuration.scheduleTriggerConfig.cronExpression", cron))).toEqual([
            { enforcementLevel: "mandatory", name: "dump-app-job", message: `${JOB}: the dump job's schedule is not daily: ${why} (found "${cron}"). ${CRON_FIX}` },
        ]);
    });

    it("reports a job that only runs when started by hand", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "dump-app-job", "configuration.triggerType", "Manual"))).toEqual([{
            enforcementLevel: "mandatory", name: "dump-app-job",
            message: `${JOB}: the dump job is not triggered by a schedule, so no backup runs unless someone starts it (found "Manual"). ` +
                'Fix: set configuration.triggerType to "Schedule" with scheduleTriggerConfig.cronExpression (stack config lifeboat:schedule.cron).',
        }]);
    });

    it("reports a server without any dump job", async () => {
        const stack = happyStack().filter((r) => r.name !== "dump-app-job");
        expect(await verdictsOf(POLICY, stack)).toEqual([{
            enforcementLevel: "mandatory", name: "app-server",
            message: 'azure-native:dbforpostgresql:Server "app-server": no dump job backs up this server ' +
                '(found no resource of type azure-native:app:Job tagged lifeboat-server: "lifeboat-test-app"). ' +
                'Fix: declare a scheduled dump job for it (lifeboat:azure:DumpJob) tagged lifeboat-server: "lifeboat-test-app" and lifeboat-databases listing its databases.',
        }]);
    });

    it("reports a job whose server tag names another server", async () => {
        const verdicts = await verdictsOf(POLICY, withProp(happyStack(), "dump-app-job", "tags.lifeboat-server", "other-server"));
        expect(verdicts.map((v) => v.name)).toEqual(["app-server"]);
    });

    it("matches databases to their server through a shared component even without a literal serverName", async () => {
        const stack = withProp(happyStack(), "app-audit", "serverName", UNKNOWN);
        named(stack, "app-audit").opts.propertyDependencies.serverName = [];
        expect(await verdictsOf(POLICY, withProp(stack, "dump-app-job", "tags.lifeboat-databases", "main"))).toEqual([
            { enforcementLevel: "mandatory", name: "app-audit", message: notDumped("audit", '"main"') },
        ]);
    });

    it("reports an unknown schedule instead of passing", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "dump-app-job", "configuration.scheduleTriggerConfig.cronExpression", UNKNOWN))).toEqual([{
            enforcementLevel: "mandatory", name: "dump-app-job",
            message: `${JOB}: the schedule cannot be determined, and a mandatory policy never passes by not knowing (found a value unknown until the update runs). ` +
                "Fix: set configuration.scheduleTriggerConfig.cronExpression to a literal from stack config, so it is known during preview.",
        }]);
    });

    it("reports an unknown server name instead of passing", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "app-server", "serverName", UNKNOWN))).toEqual([{
            enforcementLevel: "mandatory", name: "app-server",
            message: 'azure-native:dbforpostgresql:Server "app-server": the server name (which dump jobs name in their lifeboat-server tag) cannot be determined, ' +
                "and a mandatory policy never passes by not knowing (found a value unknown until the update runs). " +
                "Fix: set serverName to a literal from stack config, so it is known during preview.",
        }]);
    });
});
