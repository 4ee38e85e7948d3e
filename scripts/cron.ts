/**
 * Cron matching for `lifeboat schedule`, in UTC: the five fields Container Apps jobs and the
 * stack config use (minute hour day-of-month month day-of-week), and an optional leading
 * seconds field (six fields) for schedules finer than a minute, e.g. `*\/5 * * * * *` in tests.
 * `*`, numbers, ranges `a-b`, steps `x/n` and `a-b/n`, lists `a,b`, month and day names;
 * day-of-week 0-7 (0 and 7 are Sunday). As in Vixie cron, when both day-of-month and
 * day-of-week are restricted a day matching either runs.
 */

interface FieldSpec {
    name: string;
    min: number;
    max: number;
    names?: string[];
}

const SECOND: FieldSpec = { name: "second", min: 0, max: 59 };
const FIELDS: FieldSpec[] = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
    { name: "day of week", min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

/** A parsed expression: the allowed values of each field. */
export interface CronSchedule {
    readonly expression: string;
    readonly seconds: ReadonlySet<number>;
    readonly minutes: ReadonlySet<number>;
    readonly hours: ReadonlySet<number>;
    readonly daysOfMonth: ReadonlySet<number>;
    readonly months: ReadonlySet<number>;
    /** 0-6, Sunday = 0. */
    readonly daysOfWeek: ReadonlySet<number>;
    readonly domRestricted: boolean;
    readonly dowRestricted: boolean;
}

export class CronError extends Error {}

function value(token: string, field: FieldSpec): number {
    if (/^\d+$/.test(token)) {
        const n = Number(token);
        if (n < field.min || n > field.max) {
            throw new CronError(`${field.name} "${token}" is out of range ${field.min}-${field.max}`);
        }
        return n;
    }
    const index = field.names?.indexOf(token.toUpperCase()) ?? -1;
    if (index < 0) {
        throw new CronError(`"${token}" is not a valid ${field.name}`);
    }
    return (field.name === "month" ? 1 : 0) + index;
}

function parseField(text: string, field: FieldSpec): Set<number> {
    const out = new Set<number>();
    for (const part of text.split(",")) {
        const [range, step, ...rest] = part.split("/");
        if (rest.length > 0 || range === "" || (step !== undefined && !/^[1-9]\d*$/.test(step))) {
            throw new CronError(`"${part}" is not a valid ${field.name}`);
        }
        let lo: number;
        let hi: number;
        if (range === "*") {
            lo = field.min;
            hi = field.max;
        } else {
            const bounds = range.split("-");
            if (bounds.length > 2) {
                throw new CronError(`"${part}" is not a valid ${field.name}`);
            }
            lo = value(bounds[0], field);
            // `5/15` means from 5 to the end, every 15
            hi = bounds.length === 2 ? value(bounds[1], field) : step !== undefined ? field.max : lo;
            if (lo > hi) {
                throw new CronError(`range "${range}" in the ${field.name} field runs backwards`);
            }
        }
        const by = step === undefined ? 1 : Number(step);
        for (let v = lo; v <= hi; v += by) {
            out.add(v);
        }
    }
    return out;
}

/** Parses five fields, or six with seconds first; throws CronError naming what is wrong. */
export function parseCron(expression: string): CronSchedule {
    const parts = expression.trim().split(/\s+/);
    if (parts.length !== 5 && parts.length !== 6) {
        throw new CronError(`a cron expression has 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first; this has ${parts.length}`);
    }
    const withSeconds = parts.length === 6;
    const [sec, min, hour, dom, month, dow] = withSeconds ? parts : ["0", ...parts];
    const daysOfWeek = new Set([...parseField(dow, FIELDS[4])].map((d) => d % 7));
    return {
        expression: parts.join(" "),
        seconds: parseField(sec, SECOND),
        minutes: parseField(min, FIELDS[0]),
        hours: parseField(hour, FIELDS[1]),
        daysOfMonth: parseField(dom, FIELDS[2]),
        months: parseField(month, FIELDS[3]),
        daysOfWeek,
        // Vixie cron: a field starting with `*` (also `*/n`) does not restrict the day
        domRestricted: !dom.startsWith("*"),
        dowRestricted: !dow.startsWith("*"),
    };
}

function dayMatches(s: CronSchedule, d: Date): boolean {
    const dom = s.daysOfMonth.has(d.getUTCDate());
    const dow = s.daysOfWeek.has(d.getUTCDay());
    if (s.domRestricted && s.dowRestricted) {
        return dom || dow;
    }
    return dom && dow;
}

/** Whether the schedule fires at this second (UTC). */
export function matches(s: CronSchedule, d: Date): boolean {
    return s.seconds.has(d.getUTCSeconds()) && s.minutes.has(d.getUTCMinutes()) && s.hours.has(d.getUTCHours())
        && s.months.has(d.getUTCMonth() + 1) && dayMatches(s, d);
}

/**
 * The first time strictly after `after` (UTC, whole seconds) when the schedule fires; undefined
 * when it never does within five years (e.g. 30 February).
 */
export function nextRun(s: CronSchedule, after: Date): Date | undefined {
    const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
    const limit = after.getTime() + 5 * 366 * 86400000;
    while (t.getTime() <= limit) {
        if (!s.months.has(t.getUTCMonth() + 1)) {
            t.setUTCMonth(t.getUTCMonth() + 1, 1);
            t.setUTCHours(0, 0, 0);
            continue;
        }
        if (!dayMatches(s, t)) {
            t.setUTCDate(t.getUTCDate() + 1);
            t.setUTCHours(0, 0, 0);
            continue;
        }
        if (!s.hours.has(t.getUTCHours())) {
            t.setUTCHours(t.getUTCHours() + 1, 0, 0);
            continue;
        }
        if (!s.minutes.has(t.getUTCMinutes())) {
            t.setUTCMinutes(t.getUTCMinutes() + 1, 0);
            continue;
        }
        if (!s.seconds.has(t.getUTCSeconds())) {
            t.setUTCSeconds(t.getUTCSeconds() + 1);
            continue;
        }
        return t;
    }
    return undefined;
}
