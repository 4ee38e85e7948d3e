import { knownString, read } from "../shared/read";
import { bucketConfigPolicy } from "./buckets";
import { allowsEveryone, statementsOf } from "./documents";
import { AWS_TYPES } from "./types";

/** Checkov CKV_AWS_70: no bucket policy statement allows anything to every principal. */
export const s3PolicyNoPublicAllow = bucketConfigPolicy({
    name: "s3-policy-no-public-allow",
    description: "No backup bucket's policy has an Allow statement for every principal (`*` or `{AWS: \"*\"}`).",
    enforcementLevel: "mandatory",
    configType: AWS_TYPES.bucketPolicy,
    missing: "the bucket has no bucket policy (s3-tls-only reports it)",
    check: (config, _args, report) => {
        const found = read(config.props, "policy");
        if (found.kind === "unknown") {
            report("the bucket policy cannot be determined, and a mandatory policy never passes by not knowing", "a value unknown until the update runs");
            return;
        }
        const statements = statementsOf(knownString(found) ?? "{}");
        if (statements === undefined) {
            report("the bucket policy is not valid JSON", "a document that does not parse");
            return;
        }
        for (const st of statements) {
            if (allowsEveryone(st)) {
                report("the bucket policy allows every principal", `statement ${JSON.stringify(st.Sid ?? "(no Sid)")}`);
            }
        }
    },
    fix: "allow only the roles that write or read backup sets (components/aws BackupBucket); keep the Deny of insecure transport.",
});
