import * as pulumi from "@pulumi/pulumi";

/** One thing wrong with an input: where, what was given, and what is allowed. */
export interface Problem {
    /** The key path as the user wrote it, e.g. `lifeboat:servers[1].backupRetentionDays`. */
    path: string;
    /** What was given, already rendered (a secret is rendered as `(secret, not shown)`). */
    given: string;
    /** What is allowed, or what to do instead. */
    allowed: string;
}

/** Renders a value for an error message; undefined and strings are made unambiguous. */
export function show(value: unknown): string {
    if (value === undefined) {
        return "nothing";
    }
    return JSON.stringify(value);
}

export function formatProblem(p: Problem): string {
    return `${p.path}: ${p.given === "nothing" ? "missing" : `got ${p.given}`}; ${p.allowed}`;
}

/**
 * Collects every problem before anything is declared, so a user fixes them all in one go.
 * Components throw a `pulumi.InputPropertiesError`, which Pulumi reports per property.
 */
export class Problems {
    readonly list: Problem[] = [];

    add(path: string, value: unknown, allowed: string): void {
        this.list.push({ path, given: show(value), allowed });
    }

    /** Like add, but never renders the value. */
    addSecret(path: string, allowed: string): void {
        this.list.push({ path, given: "(secret, not shown)", allowed });
    }

    get empty(): boolean {
        return this.list.length === 0;
    }

    /** Throws one error that lists every problem, if there are any. */
    throwIfAny(what: string): void {
        if (this.empty) {
            return;
        }
        const lines = this.list.map(formatProblem);
        throw new pulumi.InputPropertiesError({
            message: `${what}: ${this.list.length} invalid value${this.list.length === 1 ? "" : "s"}:\n  ${lines.join("\n  ")}`,
            errors: this.list.map((p) => ({ propertyPath: p.path, reason: formatProblem(p) })),
        });
    }
}

export function checkIntRange(problems: Problems, path: string, value: number, min: number, max: number): void {
    if (!Number.isInteger(value) || value < min || value > max) {
        problems.add(path, value, `allowed: a whole number from ${min} to ${max}`);
    }
}
