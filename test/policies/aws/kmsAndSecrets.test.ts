import { verdictsOf, withProp } from "../fixtures";
import { awsStack } from "./fixtures";

describe("kms-key-rotation", () => {
    const POLICY = "kms-key-rotation";
    it("passes every key of the stack (database, replication, backups, field key)", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
    });
    it("reports a key without rotation", async () => {
        expect(await verdictsOf(POLICY, withProp(awsStack(), "field-key-kms", "enableKeyRotation", false))).toEqual([{
            enforcementLevel: "mandatory", name: "field-key-kms",
            message: 'aws:kms/key:Key "field-key-kms": key rotation is off, so one key material protects every backup for ever (found false). Fix: set enableKeyRotation to true.',
        }]);
    });
});

describe("secret-kms-encrypted", () => {
    const POLICY = "secret-kms-encrypted";
    const S = "field-key-secret";
    const message = (found: string) => `aws:secretsmanager/secret:Secret "${S}": the secret is encrypted with the AWS-managed key (or none is named), whose policy anyone with Secrets Manager access in the account can use (found ${found}). Fix: set kmsKeyId to the ARN of a customer-managed KMS key with rotation on.`;
    it("passes the field key's secret under its own key", async () => {
        expect(await verdictsOf(POLICY, awsStack())).toEqual([]);
    });
    it("reports a secret without a key", async () => {
        expect(await verdictsOf(POLICY, withProp(awsStack(), S, "kmsKeyId", undefined))).toEqual([{ enforcementLevel: "mandatory", name: S, message: message("not set") }]);
    });
    it("reports the AWS-managed key", async () => {
        expect(await verdictsOf(POLICY, withProp(awsStack(), S, "kmsKeyId", "alias/aws/secretsmanager"))).toEqual([{ enforcementLevel: "mandatory", name: S, message: message('"alias/aws/secretsmanager"') }]);
    });
});
