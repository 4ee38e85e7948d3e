import { propertyPolicy } from "../shared/policy";
import { AWS_TYPES } from "./types";

/** Checkov CKV_AWS_51, Trivy AWS-0031: a pushed tag always names the same image. */
export const ecrImmutableTags = propertyPolicy({
    name: "ecr-immutable-tags",
    description: "ECR repositories have immutable image tags (imageTagMutability IMMUTABLE).",
    enforcementLevel: "advisory",
    types: [AWS_TYPES.ecrRepository],
    path: ["imageTagMutability"],
    accept: (found) => found.kind === "known" && found.value === "IMMUTABLE",
    problem: "image tags are mutable (the default), so a push can silently replace the image a tag names",
    fix: 'set imageTagMutability to "IMMUTABLE" and push each build under a tag of its own (components/aws JobRepository).',
});
