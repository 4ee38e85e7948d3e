import { OfflineResource } from "../../../policies/offline";
import { verdictsOf, withProp } from "../fixtures";
import { awsStack } from "./fixtures";

/** The stack with the job image's repository, as JobRepository declares it. */
function withRepository(): OfflineResource[] {
    const repo: OfflineResource = {
        type: "aws:ecr/repository:Repository", name: "registry-repo",
        urn: "urn:pulumi:aws::lifeboat::lifeboat:aws:JobRepository$aws:ecr/repository:Repository::registry-repo",
        props: {
            encryptionConfigurations: [{ encryptionType: "AES256" }], forceDelete: false, imageScanningConfiguration: { scanOnPush: true },
            imageTagMutability: "IMMUTABLE", name: "lifeboat/aws", region: "eu-central-1",
        },
        opts: { protect: false, retainOnDelete: false, ignoreChanges: [], dependencies: [], propertyDependencies: {} },
    };
    return [...awsStack(), repo];
}

describe("ecr-immutable-tags", () => {
    const POLICY = "ecr-immutable-tags";
    const message = (found: string) => `aws:ecr/repository:Repository "registry-repo": image tags are mutable (the default), so a push can silently replace the image a tag names (found ${found}). ` +
        'Fix: set imageTagMutability to "IMMUTABLE" and push each build under a tag of its own (components/aws JobRepository).';
    it("passes an immutable repository", async () => {
        expect(await verdictsOf(POLICY, withRepository())).toEqual([]);
    });
    it("reports MUTABLE and the default", async () => {
        expect(await verdictsOf(POLICY, withProp(withRepository(), "registry-repo", "imageTagMutability", "MUTABLE"))).toEqual([{ enforcementLevel: "advisory", name: "registry-repo", message: message('"MUTABLE"') }]);
        expect(await verdictsOf(POLICY, withProp(withRepository(), "registry-repo", "imageTagMutability", undefined))).toEqual([{ enforcementLevel: "advisory", name: "registry-repo", message: message("not set") }]);
    });
});

describe("ecr-scan-on-push", () => {
    const POLICY = "ecr-scan-on-push";
    it("passes a repository that scans on push", async () => {
        expect(await verdictsOf(POLICY, withRepository())).toEqual([]);
    });
    it("reports scanning off", async () => {
        expect(await verdictsOf(POLICY, withProp(withRepository(), "registry-repo", "imageScanningConfiguration.scanOnPush", false))).toEqual([{
            enforcementLevel: "advisory", name: "registry-repo",
            message: 'aws:ecr/repository:Repository "registry-repo": images are not scanned on push (found false). Fix: set imageScanningConfiguration.scanOnPush to true.',
        }]);
    });
});
