import { propertyPolicy } from "../shared/policy";
import { knownString } from "../shared/read";
import { AWS_TYPES } from "./types";

/** Checkov CKV_AWS_26, Trivy AWS-0095: alarm messages are encrypted at rest. */
export const snsTopicEncrypted = propertyPolicy({
    name: "sns-topic-encrypted",
    description: "SNS topics are encrypted with a KMS key (kmsMasterKeyId).",
    enforcementLevel: "advisory",
    types: [AWS_TYPES.snsTopic],
    path: ["kmsMasterKeyId"],
    accept: (found) => (knownString(found) ?? "") !== "",
    problem: "the topic is not encrypted at rest",
    fix: "set kmsMasterKeyId to a customer-managed key that CloudWatch may use (components/aws TaskEnvironment alarmKey).",
});
