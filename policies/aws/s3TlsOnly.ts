import { knownString, read } from "../shared/read";
import { bucketConfigPolicy } from "./buckets";
import { listOf, principalsOf, statementsOf } from "./documents";
import { AWS_TYPES } from "./types";

/** Whether a policy document denies every request that is not over TLS. */
export function deniesInsecureTransport(document: string): boolean {
    return (statementsOf(document) ?? []).some((st) => {
        const condition = st.Condition as Record<string, Record<string, unknown>> | undefined;
        return st.Effect === "Deny" && principalsOf(st).includes("*") && listOf(st.Action).some((a) => a === "s3:*" || a === "*") && String(condition?.Bool?.["aws:SecureTransport"]) === "false";
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
