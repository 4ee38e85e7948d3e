import { knownString, read } from "../shared/read";
import { bucketConfigPolicy } from "./buckets";
import { AWS_TYPES } from "./types";

/** Whether a policy document denies every request that is not over TLS. */
export function deniesInsecureTransport(document: string): boolean {
    let parsed: { Statement?: unknown };
    try {
        parsed = JSON.parse(document) as { Statement?: unknown };
    } catch {
        return false;
    }
    const statements = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
    return statements.some((s) => {
        const st = s as { Effect?: string; Principal?: unknown; Action?: unknown; Condition?: Record<string, Record<string, unknown>> } | undefined;
        const actions = Array.isArray(st?.Action) ? st?.Action : [st?.Action];
        const principal = st?.Principal === "*" || JSON.stringify(st?.Principal) === JSON.stringify({ AWS: "*" });
        return st?.Effect === "Deny" && principal && actions.some((a) => a === "s3:*" || a === "*") && String(st?.Condition?.Bool?.["aws:SecureTransport"]) === "false";
    });
}

/** AWS Foundational Security Best Practices S3.5: backups never travel in the clear. */
export const s3TlsOnly = bucketConfigPolicy({
    name: "s3-tls-only",
    description: "Every backup bucket's policy denies requests that do not use TLS (aws:SecureTransport false).",
    enforcementLevel: "mandatory",
    configType: AWS_TYPES.bucketPolicy,
    missing: "the bucket has no bucket policy, so requests over plain HTTP are accepted",
    check: (config, _args, report) => {
        const found = read(config.props, "policy");
        const document = knownString(found);
        if (found.kind === "unknown") {
            report("the bucket policy cannot be determined, and a mandatory policy never passes by not knowing", "a value unknown until the update runs");
        } else if (document === undefined || !deniesInsecureTransport(document)) {
            report("the bucket policy does not deny requests without TLS", document === undefined ? "no policy document" : "no Deny of s3:* for every principal when aws:SecureTransport is false");
        }
    },
    fix: 'add a statement {Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucket ARN, bucket ARN/*], Condition: {Bool: {"aws:SecureTransport": "false"}}} (components/aws tlsOnlyPolicy).',
});
