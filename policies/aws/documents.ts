/** Reading JSON documents resources carry: IAM-style policies (IAM, key, bucket, trust) and ECS container definitions. */
import { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { knownString, read } from "../shared/read";
import { undetermined, violation } from "../shared/resources";

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

/** One container of an ECS task definition's `containerDefinitions` JSON, as far as the policies read it. */
export interface ContainerDefinition {
    name?: string;
    privileged?: boolean;
    user?: string;
    environment?: { name?: string; value?: string }[];
}

/**
 * The containers of a task definition, or undefined after reporting why they cannot be read
 * (unknown during preview, or not JSON).
 */
export function containersOf(args: ResourceValidationArgs, reportViolation: ReportViolation): ContainerDefinition[] | undefined {
    const found = read(args.props, "containerDefinitions");
    if (found.kind === "unknown") {
        reportViolation(undetermined(args, "the container definitions", found, "containerDefinitions"));
        return undefined;
    }
    try {
        return JSON.parse(knownString(found) ?? "[]") as ContainerDefinition[];
    } catch {
        reportViolation(violation(args, "the container definitions are not valid JSON", found, "declare containerDefinitions with JSON.stringify."));
        return undefined;
    }
}
