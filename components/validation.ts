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

/**
 * Firewall IP rules (storage account, key vault): public IPv4 addresses, or CIDR ranges of /30
 * or wider. Azure Storage refuses /31 and /32 (a single address is written without a prefix)
 * and private ranges (traffic from a private network reaches the account through a subnet).
 */
export function checkIpRanges(problems: Problems, path: string, ranges: string[] | undefined): void {
    (ranges ?? []).forEach((range, i) => {
        const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(typeof range === "string" ? range : "");
        const octets = m === null ? [] : m.slice(1, 5).map(Number);
        const prefix = m?.[5] === undefined ? undefined : Number(m[5]);
        if (m === null || octets.some((o) => o > 255) || (prefix !== undefined && (prefix < 8 || prefix > 30))) {
            problems.add(`${path}[${i}]`, range, "allowed: a public IPv4 address such as 203.0.113.7, or a CIDR range from /8 to /30 such as 203.0.113.0/24 (a single address without /32)");
        } else if (octets[0] === 10 || octets[0] === 127 || (octets[0] === 172 && octets[1] >= 16 && octets[1] <= 31) || (octets[0] === 192 && octets[1] === 168)) {
            problems.add(`${path}[${i}]`, range, "allowed: a public address or range; the firewall never sees private addresses (reach the account from a private network through a subnet or private endpoint)");
        }
    });
}
