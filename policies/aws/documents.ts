/** Reading IAM-style JSON policy documents (IAM, key, bucket and trust policies). */

export interface Statement {
    Sid?: string;
    Effect?: string;
    Principal?: unknown;
    Action?: unknown;
    NotAction?: unknown;
    Resource?: unknown;
    Condition?: unknown;
}

/** A value or a list of values, as a list. */
export const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** The statements of a policy document; undefined when it is not valid JSON. */
export function statementsOf(document: string): Statement[] | undefined {
    try {
        return listOf((JSON.parse(document) as { Statement?: unknown }).Statement) as Statement[];
    } catch {
        return undefined;
    }
}

/** The principals a statement names (`"*"`, `{AWS: ...}`, `{Service: ...}`, `{Federated: ...}`), flattened. */
export function principalsOf(st: Statement): string[] {
    if (st.Principal === "*") {
        return ["*"];
    }
    if (st.Principal !== null && typeof st.Principal === "object") {
        return Object.values(st.Principal as Record<string, unknown>).flatMap((v) => listOf(v).map(String));
    }
    return [];
}

/** An Allow statement for every principal. */
export const allowsEveryone = (st: Statement): boolean => st?.Effect === "Allow" && principalsOf(st).includes("*");
