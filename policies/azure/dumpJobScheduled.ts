import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { DATABASES_TAG, ROLES, SERVER_TAG } from "../../components/roles";
import { knownString, read, Read, show } from "../shared/read";
import { label, nameOf, refersTo, roleOf, TYPES, undetermined, violation } from "../shared/resources";

const EVERY_DAY = new Set(["*", "?", "*/1"]);

/** Why a five-field cron does not run at least once every day (UTC), or undefined when it does. */
export function notDaily(cron: string): string | undefined {
    const fields = cron.trim().split(/\s+/);
    if (fields.length !== 5) {
        return `it has ${fields.length} fields, not the five (minute hour day-of-month month day-of-week) Container Apps reads`;
    }
    const [, , dayOfMonth, month, dayOfWeek] = fields;
    if (!EVERY_DAY.has(dayOfMonth) || !EVERY_DAY.has(month) || !EVERY_DAY.has(dayOfWeek)) {
        return "it does not run every day, so some days have no backup set";
    }
    return undefined;
}

/** Whether two resources are children of the same component (not merely of the stack). */
function sameComponent(a: PolicyResource, b: PolicyResource): boolean {
    return a.parent !== undefined && b.parent !== undefined && a.parent.urn === b.parent.urn && a.parent.type !== "pulumi:pulumi:Stack";
}

interface JobView {
    job: PolicyResource;
    server: Read;
    databases: Read;
}

/** Every database of every Flexible Server is dumped by a job on a (daily) schedule. */
export const dumpJobScheduled: StackValidationPolicy = {
    name: "dump-job-scheduled",
    description:
        "Every database of every PostgreSQL server is covered by a dump job (tagged lifeboat-role=dump-job) that runs on a daily schedule.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const servers = args.resources.filter((r) => r.type === TYPES.postgresServer);
        if (servers.length === 0) {
            args.notApplicable("no PostgreSQL Flexible Server in the stack");
        }
        const databases = args.resources.filter((r) => r.type === TYPES.postgresDatabase);
        const jobs: JobView[] = [];
        for (const job of args.resources) {
            if (job.type !== TYPES.containerAppJob || roleOf(job.props) !== ROLES.dumpJob) {
                continue;
            }
            const triggerType = read(job.props, "configuration", "triggerType");
            const cron = read(job.props, "configuration", "scheduleTriggerConfig", "cronExpression");
            if (triggerType.kind === "unknown") {
                reportViolation(undetermined(job, "the trigger type", triggerType, "configuration.triggerType"), job.urn);
            } else if (!(triggerType.kind === "known" && triggerType.value === "Schedule")) {
                reportViolation(violation(job, "the dump job is not triggered by a schedule, so no backup runs unless someone starts it", triggerType,
                    'set configuration.triggerType to "Schedule" with scheduleTriggerConfig.cronExpression (stack config lifeboat:schedule.cron).'), job.urn);
            } else if (cron.kind === "unknown") {
                reportViolation(undetermined(job, "the schedule", cron, "configuration.scheduleTriggerConfig.cronExpression"), job.urn);
            } else {
                const expression = knownString(cron);
                const why = expression === undefined ? "no cron expression is set" : notDaily(expression);
                if (why !== undefined) {
                    reportViolation(violation(job, `the dump job's schedule is not daily: ${why}`, cron,
                        'set configuration.scheduleTriggerConfig.cronExpression to a daily UTC cron such as "0 2 * * *" (stack config lifeboat:schedule.cron).'), job.urn);
                }
            }
            jobs.push({ job, server: read(job.props, "tags", SERVER_TAG), databases: read(job.props, "tags", DATABASES_TAG) });
        }
        for (const job of jobs) {
            for (const [tag, value] of [[SERVER_TAG, job.server], [DATABASES_TAG, job.databases]] as const) {
                if (value.kind !== "known") {
                    reportViolation(undetermined(job.job, `which server or databases this dump job covers (tag ${tag})`, value, `tags["${tag}"]`), job.job.urn);
                }
            }
        }

        for (const server of servers) {
            const nameRead = nameOf(server, "serverName");
            const serverName = knownString(nameRead);
            if (serverName === undefined) {
                reportViolation(undetermined(server, "the server name (which dump jobs name in their lifeboat-server tag)", nameRead, "serverName"), server.urn);
                continue;
            }
            const serverJobs = jobs.filter((j) => knownString(j.server) === serverName);
            if (serverJobs.length === 0) {
                reportViolation(violation(server, "no dump job backs up this server",
                    `no resource of type ${TYPES.containerAppJob} tagged ${SERVER_TAG}: ${JSON.stringify(serverName)}`,
                    `declare a scheduled dump job for it (lifeboat:azure:DumpJob) tagged ${SERVER_TAG}: ${JSON.stringify(serverName)} and ${DATABASES_TAG} listing its databases.`), server.urn);
                continue;
            }
            // Databases listed by a job that is not on a daily schedule are reported on that job, above.
            const covered = new Set<string>();
            for (const j of serverJobs) {
                const list = knownString(j.databases);
                if (list !== undefined) {
                    list.split(",").map((d) => d.trim()).filter((d) => d !== "").forEach((d) => covered.add(d));
                }
            }
            const serverDatabases = databases.filter((db) => refersTo(db, "serverName", server, "serverName") || sameComponent(db, server));
            for (const db of serverDatabases) {
                const dbRead = nameOf(db, "databaseName");
                const dbName = knownString(dbRead);
                if (dbName === undefined) {
                    reportViolation(undetermined(db, "the database name", dbRead, "databaseName"), db.urn);
                    continue;
                }
                if (!covered.has(dbName)) {
                    const found = serverJobs.map((j) => `${label(j.job)} ${DATABASES_TAG} ${show(j.databases)}`).join("; ");
                    reportViolation(violation(db, `database ${JSON.stringify(dbName)} of server ${JSON.stringify(serverName)} is not dumped by any scheduled dump job`, found,
                        `add ${JSON.stringify(dbName)} to the server's databases in stack config (lifeboat:servers[].databases), so its dump job dumps it and its ${DATABASES_TAG} tag lists it.`), db.urn);
                }
            }
        }
    },
};
