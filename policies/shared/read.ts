/**
 * Reading resource properties without ever passing by not knowing.
 *
 * Under `pulumi preview` the policy SDK wraps every resource's properties in a proxy that throws
 * an `UnknownValueError` when a policy reads a value that is not known yet, and then downgrades
 * the whole policy to an advisory "can't run ... during preview" diagnostic. A mandatory Lifeboat
 * policy must not be downgraded that way, so the policies read through `read()`, which turns an
 * unknown value (thrown by the proxy, or a raw sentinel when there is no proxy) into a result the
 * policy reports as a violation itself.
 */

/** The sentinels Pulumi uses for values that are unknown during preview (@pulumi/policy proxy.js). */
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
    "030794c1-ac77-496b-92df-f27374a8bd58", // asset
    "e48ece36-62e2-4504-bad9-02848725956a", // archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

export function isUnknownSentinel(value: unknown): boolean {
    return typeof value === "string" && UNKNOWN_SENTINELS.has(value);
}

/** The SDK's UnknownValueError is not exported with types; recognise it by its shape. */
export function isUnknownValueError(e: unknown): boolean {
    return e instanceof Error && "unknownTypeSentinel" in e && "props" in e;
}

export type Read =
    | { kind: "known"; value: unknown }
    | { kind: "unknown" }
    | { kind: "missing" };

export const MISSING: Read = { kind: "missing" };
export const UNKNOWN: Read = { kind: "unknown" };

/** Reads `obj.a.b[0]...`; null and undefined count as missing. Never throws for an unknown value. */
export function read(obj: unknown, ...path: (string | number)[]): Read {
    let current: unknown = obj;
    if (isUnknownSentinel(current)) {
        return UNKNOWN;
    }
    for (const key of path) {
        if (current === null || current === undefined || typeof current !== "object") {
            return MISSING;
        }
        let next: unknown;
        try {
            next = (current as Record<string | number, unknown>)[key];
        } catch (e) {
            if (isUnknownValueError(e)) {
                return UNKNOWN;
            }
            throw e;
        }
        if (isUnknownSentinel(next)) {
            return UNKNOWN;
        }
        current = next;
    }
    return current === null || current === undefined ? MISSING : { kind: "known", value: current };
}

export function knownString(r: Read): string | undefined {
    return r.kind === "known" && typeof r.value === "string" ? r.value : undefined;
}

export function knownNumber(r: Read): number | undefined {
    return r.kind === "known" && typeof r.value === "number" ? r.value : undefined;
}

export function knownBoolean(r: Read): boolean | undefined {
    return r.kind === "known" && typeof r.value === "boolean" ? r.value : undefined;
}

/** The elements of a known array, each read safely; undefined when the value is not a known array. */
export function knownArray(r: Read): Read[] | undefined {
    if (r.kind !== "known" || !Array.isArray(r.value)) {
        return undefined;
    }
    const array = r.value as unknown[];
    const result: Read[] = [];
    const length = array.length;
    for (let i = 0; i < length; i++) {
        result.push(read(array, i));
    }
    return result;
}

/** The own keys of a known object. */
export function knownKeys(r: Read): string[] {
    return r.kind === "known" && typeof r.value === "object" && r.value !== null ? Object.keys(r.value) : [];
}

/** How a value appears in a message: `"TLS1_0"`, `7`, `not set`, `an unknown value`. */
export function show(r: Read): string {
    switch (r.kind) {
        case "missing":
            return "not set";
        case "unknown":
            return "a value unknown until the update runs";
        case "known":
            return showValue(r.value);
    }
}

export function showValue(value: unknown): string {
    if (typeof value === "string") {
        return JSON.stringify(value);
    }
    try {
        return JSON.stringify(value) ?? String(value);
    } catch {
        return String(value);
    }
}

/**
 * The IP rules in `rules` (a known array of objects holding the range in `field`) that admit every
 * address, or nearly: `0.0.0.0/0`, `::/0`, `*`, or an IPv4 prefix shorter than /8 (a few such
 * ranges cover the whole Internet). A firewall with one of these is open, whatever its default.
 */
export function allowAllRanges(rules: Read, field: string): string[] {
    const open: string[] = [];
    for (const rule of knownArray(rules) ?? []) {
        const range = knownString(read(rule.kind === "known" ? rule.value : undefined, field))?.trim();
        if (range === undefined) {
            continue;
        }
        const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(range);
        const v6 = /^[0-9a-f:]+\/(\d{1,3})$/i.exec(range);
        if (range === "*" || /^any$|^internet$/i.test(range) || (v4 !== null && Number(v4[2]) < 8) || (v6 !== null && Number(v6[1]) < 16)) {
            open.push(range);
        }
    }
    return open;
}
