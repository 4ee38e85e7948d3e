import { OfflineResource } from "../../../policies/offline";
import { named, UNKNOWN, verdictsOf, withProp } from "../fixtures";
import { awsStack } from "./fixtures";

const POLICY = "kms-key-policy";
const KEY = 'aws:kms/key:Key "field-key-kms"';
const FIX = "Fix: set the key's policy (components/aws fieldKeyPolicy): the account's own statement, the named administrators, and readers that decrypt only via Secrets Manager.";
const ROOT = { Sid: "AccountAdministersTheKey", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" };
const doc = (...statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

describe(POLICY, () => {
    it("passes the field key's key with the account's statement only", async () => {
        expect(JSON.parse(String(named(awsStack(), "field-key-kms").props.policy)).Statement).toEqual([ROOT]);
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
    });

    it("reports the field key's key without an explicit policy", async () => {
        expect(await verdictsOf(POLICY, withProp(awsStack(), "field-key-kms", "policy", undefined))).toEqual([{
            enforcementLevel: "mandatory", name: "field-key-kms",
            message: `${KEY}: the field key's KMS key has no explicit key policy, so who may decrypt the field key is not written where a reviewer sees it (found no policy and no aws:kms/keyPolicy:KeyPolicy for this key). ${FIX}`,
        }]);
    });

    it("reports a wildcard principal, even beside the account's statement", async () => {
        const policy = doc(ROOT, { Sid: "Everyone", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*" });
        expect(await verdictsOf(POLICY, withProp(awsStack(), "field-key-kms", "policy", policy))).toEqual([{
            enforcementLevel: "mandatory", name: "field-key-kms",
            message: `${KEY}: statement "Everyone" allows a wildcard principal (*): anyone who can call KMS may use the key (found the policy document). ${FIX}`,
        }]);
    });

    it("reports kms:* granted to a role, and accepts a Deny with a wildcard", async () => {
        const policy = doc(ROOT, { Effect: "Allow", Principal: { AWS: ["arn:aws:iam::123456789012:role/app"] }, Action: ["kms:*"], Resource: "*" },
            { Effect: "Deny", Principal: "*", Action: "kms:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
        expect((await verdictsOf(POLICY, withProp(awsStack(), "field-key-kms", "policy", policy))).map((v) => v.message.split(" (found")[0])).toEqual([
            `${KEY}: a statement grants kms:* to arn:aws:iam::123456789012:role/app: only the account's own statement may`,
        ]);
    });

    it("reports a policy it cannot see, and reads a separate KeyPolicy attached to the key", async () => {
        expect((await verdictsOf(POLICY, withProp(awsStack(), "field-key-kms", "policy", UNKNOWN))).map((v) => v.message.split(" (found")[0])).toEqual([
            `${KEY}: the key policy cannot be determined, and a mandatory policy never passes by not knowing`,
        ]);
        const stack = withProp(awsStack(), "field-key-kms", "policy", undefined);
        const key = named(stack, "field-key-kms");
        const attached: OfflineResource = {
            type: "aws:kms/keyPolicy:KeyPolicy", name: "field-key-kms-policy", urn: "urn:pulumi:aws::lifeboat::aws:kms/keyPolicy:KeyPolicy::field-key-kms-policy",
            props: { keyId: UNKNOWN, policy: doc({ Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" }) },
            opts: { protect: false, retainOnDelete: false, ignoreChanges: [], dependencies: [key.urn], propertyDependencies: { keyId: [key.urn], policy: [] } },
        };
        expect((await verdictsOf(POLICY, [...stack, attached])).map((v) => v.name)).toEqual(["field-key-kms-policy"]);
    });

    it("requires no policy of the other keys (the database's, the backups'), but reads one they have", async () => {
        expect(named(awsStack(), "backups-key").props.policy).toBeUndefined();
        const stack = withProp(awsStack(), "backups-key", "policy", doc({ Sid: "Open", Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" }));
        expect((await verdictsOf(POLICY, stack)).map((v) => v.message.split(" (found")[0])).toEqual([
            'aws:kms/key:Key "backups-key": statement "Open" allows a wildcard principal (*): anyone who can call KMS may use the key',
        ]);
    });
});
