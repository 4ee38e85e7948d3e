/**
 * Validation of five-field cron expressions as Azure Container Apps jobs and EventBridge-style
 * schedulers read them: minute hour day-of-month month day-of-week, evaluated in UTC.
 * Supports `*`, numbers, ranges `a-b`, steps `x/n`, lists `a,b`, and month/day names.
 */

interface Field {
    name: string;
    min: number;
    max: number;
    names?: string[];
}

const FIELDS: Field[] = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
    { name: "day of week", min: 0, max: 6, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

function parseValue(token: string, field: Field): number | undefined {
    if (/^\d+$/.test(token)) {
        return Number(token);
    }
    const index = field.names?.indexOf(token.toUpperCase()) ?? -1;
    if (index >= 0) {
        return field.min + index;
    }
    return undefined;
}

function checkPart(part: string, field: Field): string | undefined {
    const [range, step, ...rest] = part.split("/");
    if (rest.length > 0 || range === "") {
        return `"${part}" is not a valid ${field.name}`;
    }
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) {
        return `step "${step}" in the ${field.name} field must be a positive whole number`;
    }
    if (range === "*") {
        return undefined;
    }
    const bounds = range.split("-");
    if (bounds.length > 2) {
        return `"${part}" is not a valid ${field.name}`;
    }
    const values = bounds.map((b) => parseValue(b, field));
    for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v === undefined || v < field.min || v > field.max) {
            return `${field.name} "${bounds[i]}" is out of range ${field.min}-${field.max}`;
        }
    }
    if (values.length === 2 && (values[0] as number) > (values[1] as number)) {
        return `range "${range}" in the ${field.name} field runs backwards`;
    }
    return undefined;
}

/** Returns undefined for a valid expression, otherwise why it is not one. */
export function cronProblem(expression: string): string | undefined {
    const parts = expression.trim().split(/\s+/);
    if (parts.length !== 5) {
        return `a cron expression has 5 fields (minute hour day-of-month month day-of-week), this has ${parts.length}`;
    }
    for (let i = 0; i < 5; i++) {
        for (const piece of parts[i].split(",")) {
            const problem = checkPart(piece, FIELDS[i]);
            if (problem !== undefined) {
                return problem;
            }
        }
    }
    return undefined;
}
