#!/usr/bin/env node
/**
 * lifeboat: the backup job. See docs/JOB.md.
 *
 *   lifeboat backup --databases a,b --target URL [--target URL ...] [--jobs N] [--compress M]
 *   lifeboat list --target URL
 *   lifeboat restore --target URL --set ID|latest --database NAME --into POSTGRES_URL [--force] [--allow-missing-roles]
 *                    [--table SCHEMA.TABLE ... | --schema NAME ...]   (partial: into a new database only)
 *   lifeboat verify --target URL --set latest --scratch POSTGRES_URL
 *   lifeboat freshness --target URL --max-age 26h
 *   lifeboat report --target URL [--target URL] --out report.html [--max-age 26h]
 *   lifeboat fingerprint < key
 *   lifeboat prune --target file:///dir [--keep-daily-days 30 --keep-weekly-days 90 --keep-monthly-days 365]
 *   lifeboat schedule --cron "0 2 * * *" --databases a,b --target URL [--status-file F]
 *   lifeboat health --max-age 26h [--status-file F]
 *   lifeboat cleanup --into POSTGRES_URL
 */
// first: the young generation stays small before any module grows the heap (scripts/heap.ts)
import "./heap";
import { Command, CommanderError, Option } from "commander";
import * as os from "os";
import { backup } from "./backup";
import { killChildren } from "./children";
import { EXIT_FAILED, EXIT_USAGE, isLifeboatError, LifeboatError, messageOf } from "./errors";
import { fingerprintKey, isFingerprint } from "./fingerprint";
import { CronError, parseCron } from "./cron";
import { freshness, parseDuration } from "./freshness";
import { report } from "./report";
import { log, wasLogged } from "./log";
import { readAll, readManifest } from "./manifest";
import { normalisePrefix, parseManifestKey } from "./layout";
import { expectSizes, LOG_FORMATS, LogFormat, logFormat, setLogFormat } from "./progress";
import { renderVerifyReport } from "./terminal";
import { listing, ListOptions, renderListing } from "./listing";
import { parseBefore } from "./selection";
import { ConnSpec, connFromEnv, connFromUrl, describeServer } from "./pg";
import { parseSchemaName, parseTableName } from "./partial";
import { prune, retentionFrom } from "./prune";
import { redact, registerEnvironmentSecrets, registerSecret } from "./redact";
import { cleanup, restore, verify } from "./restore";
import { health, readStatus, schedule } from "./schedule";
import { FileTarget } from "./targets/file";
import { openTarget, Target, targetUrls } from "./targets";
import { recordVerification } from "./verifications";
import { toolVersion } from "./version";

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function targetOption(): Option {
    return new Option("--target <url>", "file:///dir, azblob://ACCOUNT/CONTAINER[/prefix] or s3://BUCKET[/prefix]; repeatable").env("LIFEBOAT_TARGET").argParser(collect);
}

function targets(values: string[] | undefined): Target[] {
    const urls = targetUrls(values ?? []);
    if (urls.length === 0) {
        throw new LifeboatError("no target given", "--target or LIFEBOAT_TARGET", EXIT_USAGE, "usage");
    }
    return urls.map(openTarget);
}

function oneTarget(values: string[] | undefined, command: string): Target {
    const all = targets(values);
    if (all.length !== 1) {
        throw new LifeboatError(`${command} reads one target, got ${all.length}`, "--target / LIFEBOAT_TARGET: give exactly one", EXIT_USAGE, "usage");
    }
    return all[0];
}

function positiveInt(name: string) {
    return (value: string): number => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 64) {
            throw new LifeboatError(`${name} ${value} is not a whole number from 1 to 64`, name, EXIT_USAGE, "usage");
        }
        return n;
    };
}

function keyFingerprint(value: string | undefined): string | undefined {
    if (value === undefined || value === "") {
        return undefined;
    }
    if (!isFingerprint(value)) {
        throw new LifeboatError(`LIFEBOAT_KEY_FINGERPRINT ${value} is not a fingerprint`, "the value: `lifeboat fingerprint < key` prints one (sha256: and 16 hex characters)", EXIT_USAGE, "usage");
    }
    return value;
}

const defaultRestoreJobs = (): number => Math.max(1, Math.min(4, os.cpus().length));

function databaseList(value: string): string[] {
    const databases = value
        .split(",")
        .map((d) => d.trim())
        .filter((d) => d !== "");
    if (new Set(databases).size !== databases.length) {
        throw new LifeboatError(`--databases ${value} names a database twice`, "--databases", EXIT_USAGE, "usage");
    }
    return databases;
}

function days(name: string) {
    return (value: string): number => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 36500) {
            throw new LifeboatError(`${name} ${value} is not a whole number of days from 1 to 36500`, name, EXIT_USAGE, "usage");
        }
        return n;
    };
}

/** The retention windows of `prune` and `schedule`: the lifecycle rules' tiers, for file targets. */
function retentionOptions(command: Command): Command {
    return command
        .addOption(new Option("--keep-daily-days <n>", "days a daily set is kept").env("LIFEBOAT_KEEP_DAILY_DAYS").argParser(days("--keep-daily-days")).default(30))
        .addOption(new Option("--keep-weekly-days <n>", "days a weekly (Monday) set is kept").env("LIFEBOAT_KEEP_WEEKLY_DAYS").argParser(days("--keep-weekly-days")).default(90))
        .addOption(new Option("--keep-monthly-days <n>", "days a monthly (first of the month) set is kept").env("LIFEBOAT_KEEP_MONTHLY_DAYS").argParser(days("--keep-monthly-days")).default(365));
}

function statusFileOption(): Option {
    return new Option("--status-file <path>", "where schedule writes its last result, and health reads it").env("LIFEBOAT_STATUS_FILE");
}

/** `--log-format`: given, or text when a person watches stdout, else JSON for the log store. */
function chooseLogFormat(given: LogFormat | undefined): LogFormat {
    return given ?? (process.stdout.isTTY === true ? "text" : "json");
}

/** A backup's progress bars estimate each dump's size from the newest set (text format only: one manifest read). */
async function expectPreviousSizes(target: Target): Promise<void> {
    if (logFormat() !== "text") {
        return;
    }
    try {
        const newest = (await target.list(normalisePrefix(target.prefix))).map((k) => parseManifestKey(k, target.prefix)).filter((k) => k !== undefined).sort((a, b) => (a.setId < b.setId ? 1 : -1))[0];
        if (newest !== undefined) {
            const m = await readManifest(target, newest.tier, newest.setId);
            expectSizes(Object.fromEntries(m.databases.map((d) => [d.name, d.size])));
        }
    } catch {
        // no estimate: the bars show bytes and rate without an ETA; the backup's own checks report the target
    }
}

/** `restore --force` ends the application's sessions on the database it replaces: say so before. */
function announceForce(into: string, spec: ConnSpec): void {
    log.warn("restore.force", {
        database: into,
        server: describeServer(spec),
        message: `--force: every session connected to database ${JSON.stringify(into)} on ${describeServer(spec)} (the application's too) will be terminated for the swap; the database it replaces is kept as a dated copy`,
    });
}

/** `report`: one page for the first target, the second (if any) compared with it as the off-site copy. */
async function reportCommand(all: Target[], out: string, maxAgeMs: number): Promise<void> {
    if (all.length > 2) {
        throw new LifeboatError(`report compares at most two targets, got ${all.length}`, "--target: the primary, and optionally its off-site copy", EXIT_USAGE, "usage");
    }
    const r = await report({ targets: all, maxAgeMs, out });
    log.event("report.written", {
        out,
        target: r.target,
        databases: r.databases.map((d) => ({ name: d.name, sets: d.points.length, fresh: d.fresh, gaps: d.gaps.length, sizeWarnings: d.flags.filter((f) => f.kind === "shrink").length, restoreTests: d.tests.length })),
        ...(r.agreement === undefined ? {} : { missingOnSecondary: r.agreement.missingOnSecondary.length, missingOnPrimary: r.agreement.missingOnPrimary.length }),
    });
}

/** `list`: a table per target for people, or one JSON object per set (`--json`). */
async function listCommand(all: Target[], opts: ListOptions, json: boolean): Promise<void> {
    for (const target of all) {
        const sets = await listing(target, opts);
        if (json) {
            for (const s of sets) {
                process.stdout.write(`${JSON.stringify(s)}\n`);
            }
        } else {
            process.stdout.write(renderListing(target.display, sets, opts));
        }
    }
}

/** `--before`: the newest set taken before that instant, only with --set latest. */
function beforeOption(): Option {
    return new Option("--before <time>", "the newest complete set taken before this instant: 2026-11-21T14:30Z (UTC) or with an offset, 2026-11-21T14:30+01:00").env("LIFEBOAT_BEFORE").argParser(parseBefore);
}

/** What the process learns from its command: a schedule stopped by a signal stopped cleanly (exit 0). */
export interface ProgramState {
    cleanStop: boolean;
}

export function buildProgram(signal: AbortSignal, state: ProgramState = { cleanStop: false }): Command {
    const program = new Command("lifeboat")
        .description("Backup and restore of PostgreSQL databases whose fields are encrypted with an application key.\nConnection: libpq's PGHOST, PGPORT, PGUSER, PGPASSWORD, PGSSLMODE. Logs: one JSON line per event on stdout, or text with progress bars on a terminal (--log-format).")
        .version(toolVersion(), "-V, --version")
        .exitOverride()
        // usage errors are reported by main(): one line, a pointer to the help, one JSON event
        .configureOutput({ outputError: () => undefined })
        .addOption(new Option("--log-format <format>", "json: one JSON line per event (the default off a terminal); text: progress bars and a summary for people (the default on a terminal)").choices(LOG_FORMATS).env("LIFEBOAT_LOG_FORMAT"))
        .hook("preAction", (command) => setLogFormat(chooseLogFormat(command.opts<{ logFormat?: LogFormat }>().logFormat)));

    program
        .command("backup")
        .description("dump every database, stream it checksummed to every target, read it back, then write the manifest last")
        .addOption(new Option("--databases <names>", "comma-separated database names").env("LIFEBOAT_DATABASES").makeOptionMandatory())
        .addOption(targetOption())
        .addOption(new Option("--jobs <n>", "databases dumped at once").env("LIFEBOAT_JOBS").argParser(positiveInt("--jobs")).default(2))
        .addOption(new Option("--compress <method>", "pg_dump compression: 0-9, gzip[:level], none; lz4/zstd[:level] with pg_dump 16+").env("LIFEBOAT_COMPRESS"))
        .addOption(new Option("--key-fingerprint <fp>", "fingerprint of the field encryption key in force, recorded in the manifest").env("LIFEBOAT_KEY_FINGERPRINT"))
        .action(async (o: { databases: string; target?: string[]; jobs: number; compress?: string; keyFingerprint?: string }) => {
            const databases = databaseList(o.databases);
            const all = targets(o.target);
            await expectPreviousSizes(all[0]);
            await backup({ databases, targets: all, jobs: o.jobs, compress: o.compress, keyFingerprint: keyFingerprint(o.keyFingerprint), conn: connFromEnv(), signal });
            // committed: a signal that came after the commit changed nothing, the exit says so
            state.cleanStop = true;
        });

    program
        .command("list")
        .description("the complete sets, newest first: age, size and whether each database is restorable, key fingerprint (changes marked)")
        .addOption(targetOption())
        .addOption(new Option("--database <name>", "only the sets holding this database").env("LIFEBOAT_DATABASE"))
        .addOption(new Option("--key-fingerprint <fp>", "the key in force: sets made under another are not restorable with it").env("LIFEBOAT_KEY_FINGERPRINT"))
        .option("--json", "print JSON (one object per set) instead of a table")
        .action(async (o: { target?: string[]; database?: string; keyFingerprint?: string; json?: boolean }) => {
            await listCommand(targets(o.target), { database: o.database, keyFingerprint: keyFingerprint(o.keyFingerprint) }, o.json === true);
        });

    program
        .command("restore")
        .description("verify checksum and key fingerprint, restore into a scratch database, check it, swap it in")
        .addOption(targetOption())
        .addOption(new Option("--set <id>", "set id, a prefix of one, or latest (the newest set holding --database)").env("LIFEBOAT_SET").default("latest"))
        .addOption(beforeOption())
        .addOption(new Option("--database <name>", "database of the set to restore").env("LIFEBOAT_DATABASE").makeOptionMandatory())
        .addOption(new Option("--into <postgres-url>", "server and database to restore into (the database defaults to --database)").env("LIFEBOAT_INTO").makeOptionMandatory())
        .addOption(new Option("--force", "replace a non-empty database, keeping it as <name>__lifeboat_saved_<stamp>").env("LIFEBOAT_FORCE"))
        .addOption(new Option("--jobs <n>", "pg_restore --jobs").env("LIFEBOAT_JOBS").argParser(positiveInt("--jobs")).default(defaultRestoreJobs()))
        .addOption(new Option("--key-fingerprint <fp>", "refuse a set made under another key").env("LIFEBOAT_KEY_FINGERPRINT"))
        .addOption(new Option("--no-key-check", "restore without a key fingerprint to check, and without the warning").env("LIFEBOAT_NO_KEY_CHECK"))
        .addOption(new Option("--allow-missing-roles", "restore although roles the archive names are missing (what they lose is listed)").env("LIFEBOAT_ALLOW_MISSING_ROLES"))
        .addOption(new Option("--table <schema.table>", "partial recovery into a new database: only this table's rows; repeatable").argParser(collect))
        .addOption(new Option("--schema <name>", "partial recovery into a new database: every table of this schema; repeatable").argParser(collect))
        .action(async (o: { target?: string[]; set: string; before?: Date; database: string; into: string; force?: boolean | string; jobs: number; keyFingerprint?: string; keyCheck: boolean; allowMissingRoles?: boolean | string; table?: string[]; schema?: string[] }) => {
            const into = connFromUrl(o.into, "--into");
            const force = o.force === true || o.force === "1" || o.force === "true";
            if (force) {
                announceForce(into.database ?? o.database, into);
            }
            await restore({
                allowMissingRoles: o.allowMissingRoles === true || o.allowMissingRoles === "1" || o.allowMissingRoles === "true",
                tables: (o.table ?? []).map((t) => parseTableName(t)),
                schemas: (o.schema ?? []).map((x) => parseSchemaName(x)),
                target: oneTarget(o.target, "restore"),
                set: o.set,
                before: o.before,
                database: o.database,
                into,
                force,
                keyFingerprint: keyFingerprint(o.keyFingerprint),
                noKeyCheck: !o.keyCheck,
                jobs: o.jobs,
                signal,
            });
            // swapped in: a signal during the swap's transaction changed nothing, the exit says so
            state.cleanStop = true;
        });

    program
        .command("cleanup")
        .description("drop the scratch databases that killed restores and verifies left on a server (those of running ones are kept)")
        .addOption(new Option("--into <postgres-url>", "the server, as given to restore --into or verify --scratch").env("LIFEBOAT_INTO").makeOptionMandatory())
        .action(async (o: { into: string }) => {
            await cleanup(connFromUrl(o.into, "--into"));
        });

    program
        .command("verify")
        .description("restore every database of a set into scratch databases, check, drop; print a JSON report with the measured restore time")
        .addOption(targetOption())
        .addOption(new Option("--set <id>", "set id, a prefix of one, or latest").env("LIFEBOAT_SET").default("latest"))
        .addOption(beforeOption())
        .addOption(new Option("--scratch <postgres-url>", "server to restore the scratch databases on").env("LIFEBOAT_SCRATCH").makeOptionMandatory())
        .addOption(new Option("--jobs <n>", "pg_restore --jobs").env("LIFEBOAT_JOBS").argParser(positiveInt("--jobs")).default(defaultRestoreJobs()))
        .addOption(new Option("--key-fingerprint <fp>", "refuse a set made under another key").env("LIFEBOAT_KEY_FINGERPRINT"))
        .action(async (o: { target?: string[]; set: string; before?: Date; scratch: string; jobs: number; keyFingerprint?: string }) => {
            const target = oneTarget(o.target, "verify");
            const report = await verify({ target, set: o.set, before: o.before, scratch: connFromUrl(o.scratch, "--scratch"), jobs: o.jobs, keyFingerprint: keyFingerprint(o.keyFingerprint), signal });
            await recordVerification(target, report);
            if (logFormat() === "text") {
                renderVerifyReport(report);
            } else {
                process.stdout.write(`${redact(JSON.stringify({ event: "verify.report", ...report }))}\n`);
            }
            if (!report.ok) {
                const failed = report.databases.filter((d) => !d.ok);
                throw new LifeboatError(`verify of set ${report.set} failed for ${failed.map((d) => d.name).join(", ")}: ${failed[0]?.error ?? ""}`, undefined, EXIT_FAILED, "verify-failed");
            }
        });

    program
        .command("freshness")
        .description("exit 1 when the newest complete set is older than --max-age")
        .addOption(targetOption())
        .addOption(new Option("--max-age <duration>", "e.g. 26h, 90m, 2d").env("LIFEBOAT_MAX_AGE").makeOptionMandatory())
        .action(async (o: { target?: string[]; maxAge: string }) => {
            for (const target of targets(o.target)) {
                const r = await freshness(target, o.maxAge);
                log.event("freshness.ok", { ...r });
            }
        });

    program
        .command("report")
        .description("write the recovery-readiness page: set ages against the RPO, gaps, sizes, key fingerprints, restore tests; a second target is checked as the off-site copy")
        .addOption(targetOption())
        .addOption(new Option("--out <file.html>", "where to write the page").makeOptionMandatory())
        .addOption(new Option("--max-age <duration>", "the RPO: a set must exist within it, e.g. 26h").env("LIFEBOAT_MAX_AGE").default("26h"))
        .action(async (o: { target?: string[]; out: string; maxAge: string }) => {
            await reportCommand(targets(o.target), o.out, parseDuration(o.maxAge));
        });

    retentionOptions(program
        .command("prune")
        .description("delete the complete sets of a file target older than their tier's days (never the newest), and leftovers of failed runs older than a day")
        .addOption(targetOption())
        .option("--dry-run", "print what would be deleted, delete nothing"))
        .action(async (o: { target?: string[]; keepDailyDays: number; keepWeeklyDays: number; keepMonthlyDays: number; dryRun?: boolean }) => {
            const retention = retentionFrom({ daily: o.keepDailyDays, weekly: o.keepWeeklyDays, monthly: o.keepMonthlyDays });
            for (const target of targets(o.target)) {
                await prune({ target, retention, dryRun: o.dryRun === true });
            }
        });

    retentionOptions(program
        .command("schedule")
        .description("keep running: back up on a UTC cron (never two at once), prune file targets after each success, record the last result for `health`")
        .addOption(new Option("--cron <expr>", "five-field cron in UTC, e.g. \"0 2 * * *\"; six fields put seconds first").env("LIFEBOAT_CRON").makeOptionMandatory())
        .addOption(new Option("--databases <names>", "comma-separated database names").env("LIFEBOAT_DATABASES").makeOptionMandatory())
        .addOption(targetOption())
        .addOption(new Option("--jobs <n>", "databases dumped at once").env("LIFEBOAT_JOBS").argParser(positiveInt("--jobs")).default(2))
        .addOption(new Option("--compress <method>", "pg_dump compression, as for backup").env("LIFEBOAT_COMPRESS"))
        .addOption(new Option("--key-fingerprint <fp>", "fingerprint of the field encryption key in force, recorded in each manifest").env("LIFEBOAT_KEY_FINGERPRINT"))
        .addOption(statusFileOption())
        .option("--no-prune", "do not prune file targets after a backup"))
        .action(async (o: {
            cron: string; databases: string; target?: string[]; jobs: number; compress?: string; keyFingerprint?: string; statusFile?: string;
            prune: boolean; keepDailyDays: number; keepWeeklyDays: number; keepMonthlyDays: number;
        }) => {
            let cron;
            try {
                cron = parseCron(o.cron);
            } catch (e) {
                throw new LifeboatError(`--cron ${JSON.stringify(o.cron)} is not a cron expression: ${e instanceof CronError ? e.message : messageOf(e)}`, "--cron / LIFEBOAT_CRON, e.g. \"0 2 * * *\" (UTC)", EXIT_USAGE, "usage");
            }
            const databases = databaseList(o.databases);
            const all = targets(o.target);
            const fp = keyFingerprint(o.keyFingerprint);
            const retention = retentionFrom({ daily: o.keepDailyDays, weekly: o.keepWeeklyDays, monthly: o.keepMonthlyDays });
            const backupArgs = ["--databases", databases.join(","), ...all.flatMap((t) => ["--target", t.display]), "--jobs", String(o.jobs),
                ...(o.compress === undefined ? [] : ["--compress", o.compress]), ...(fp === undefined ? [] : ["--key-fingerprint", fp])];
            await schedule({
                cron, backupArgs, retention, signal, statusFile: o.statusFile,
                pruneTargets: o.prune ? all.filter((t) => t instanceof FileTarget) : [],
            });
            state.cleanStop = true;
        });

    program
        .command("health")
        .description("exit 1 unless the schedule runs, its last run succeeded, and the last successful backup is younger than --max-age (a container health check)")
        .addOption(new Option("--max-age <duration>", "e.g. 26h, 90m, 2d").env("LIFEBOAT_MAX_AGE").default("26h"))
        .addOption(statusFileOption().makeOptionMandatory())
        .action(async (o: { maxAge: string; statusFile: string }) => {
            const r = health(await readStatus(o.statusFile), o.maxAge);
            if (!r.ok) {
                throw new LifeboatError(`unhealthy: ${r.reason}`, undefined, EXIT_FAILED, "unhealthy");
            }
            log.event("health.ok", { reason: r.reason, lastSuccess: r.lastSuccess, maxAge: o.maxAge });
        });

    program
        .command("fingerprint")
        .description("read a key on stdin, print its fingerprint: sha256: and the first 16 hex characters of the SHA-256 of the trimmed key")
        .action(async () => {
            if (process.stdin.isTTY === true) {
                process.stderr.write("paste the key, then Ctrl-D\n");
            }
            const key = (await readAll(process.stdin, 1024 * 1024)).toString("utf8");
            registerSecret(key.trim());
            if (key.trim() === "") {
                throw new LifeboatError("no key on stdin", "the input: lifeboat fingerprint < keyfile", EXIT_USAGE, "usage");
            }
            process.stdout.write(`${fingerprintKey(key)}\n`);
        });

    return program;
}

/** The subcommand argv names, when it names one. */
function commandOf(program: Command, argv: string[]): string | undefined {
    const names = program.commands.map((c) => c.name());
    return argv.slice(2).find((a) => names.includes(a));
}

/**
 * Every failure of every command, reported once: one JSON error event `<command>.failed` with a
 * stable `code` on stdout (what the alerts match; skipped when the command already logged it,
 * as backup does with its set id), and one line on stderr. A usage error adds where the help is.
 */
function reportFailure(e: unknown, command: string | undefined): number {
    if (e instanceof CommanderError && e.exitCode === 0) {
        return 0; // --help, --version
    }
    const err =
        e instanceof CommanderError
            ? new LifeboatError(e.message.replace(/^error: /, ""), undefined, EXIT_USAGE, "usage")
            : isLifeboatError(e)
              ? e
              : new LifeboatError(messageOf(e), undefined, EXIT_FAILED, "failed");
    if (!wasLogged(e)) {
        log.error(`${command ?? "lifeboat"}.failed`, { code: err.code, reason: err.line() });
    }
    process.stderr.write(`lifeboat: error: ${redact(err.line())}\n`);
    if (err.exitCode === EXIT_USAGE) {
        process.stderr.write(`see \`lifeboat ${command === undefined ? "" : `${command} `}--help\`\n`);
    }
    return err.exitCode;
}

export async function main(argv: string[]): Promise<number> {
    registerEnvironmentSecrets();
    // stderr carries one-line reasons only: the pinned AWS SDK supports Node 20; its notice that
    // future releases will not is for the maintainers, not for every job run
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    // until a command finishes, an exit (e.g. a drained event loop) is a failure
    process.exitCode = EXIT_FAILED;
    const controller = new AbortController();
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals): void => {
        signals++;
        if (signals > 1) {
            // a second signal stops at once: pg_dump/pg_restore die with the job, never orphaned
            killChildren();
            process.stderr.write(`lifeboat: second ${sig}: stopped at once; leftover scratch databases are reported by the next run (lifeboat cleanup)\n`);
            process.exit(sig === "SIGINT" ? 130 : 143);
        }
        process.stderr.write(`lifeboat: ${sig} received, stopping and rolling back\n`);
        controller.abort();
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    const state: ProgramState = { cleanStop: false };
    const program = buildProgram(controller.signal, state);
    try {
        await program.parseAsync(argv);
        return controller.signal.aborted && !state.cleanStop ? EXIT_FAILED : 0;
    } catch (e) {
        return reportFailure(e, commandOf(program, argv));
    } finally {
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
    }
}

if (require.main === module) {
    // exit explicitly: idle keep-alive sockets of the storage SDKs must not hold the job open
    void main(process.argv).then((code) => process.exit(code));
}
