import { propertyPolicy } from "../shared/policy";
import { AWS_TYPES } from "./types";

/** Checkov CKV_AWS_163, Trivy AWS-0030: every pushed job image is scanned for known vulnerabilities. */
export const ecrScanOnPush = propertyPolicy({
    name: "ecr-scan-on-push",
    description: "ECR repositories scan each image on push.",
    enforcementLevel: "advisory",
    types: [AWS_TYPES.ecrRepository],
    path: ["imageScanningConfiguration", "scanOnPush"],
    accept: (found) => found.kind === "known" && found.value === true,
    problem: "images are not scanned on push",
    fix: "set imageScanningConfiguration.scanOnPush to true.",
});
