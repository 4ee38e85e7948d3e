import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { buildContextDigest, defaultBuildContext, JobImage } from "../docker/jobImage";
import { Problems } from "../validation";

export interface JobRepositoryArgs {
    /** Region of the repository: the dump tasks'. */
    region: string;
    /** 2-256 lowercase letters, digits and . _ - / (e.g. lifeboat/prod). */
    repositoryName: string;
    /**
     * Tag prefix the image is pushed as: `<tag>-<digest of the build context>`, a new tag for each
     * build, since the repository's tags are immutable (the tasks run the image's digest). @default "latest"
     */
    tag?: string;
    /** The build context (a Lifeboat checkout). @default the checkout this module is in (defaultBuildContext) */
    context?: string;
    /** Untagged images kept (earlier builds, for a rollback of the task definition). @default 10 */
    keepUntagged?: number;
    /** Extra tags for the resources it declares (Lifeboat adds its own role tags). @default {} */
    tags?: Record<string, string>;
}

export function validateJobRepositoryArgs(args: JobRepositoryArgs, problems: Problems, path = "args"): void {
    if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(args.repositoryName) || args.repositoryName.length < 2 || args.repositoryName.length > 256) {
        problems.add(`${path}.repositoryName`, args.repositoryName, "allowed: 2-256 lowercase letters and digits, separated by single . _ - or /");
    }
    if (args.tag !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(args.tag)) {
        problems.add(`${path}.tag`, args.tag, "allowed: a Docker tag (letters, digits, _ . -; at most 128)");
    }
    const keep = args.keepUntagged ?? 10;
    if (!Number.isInteger(keep) || keep < 1 || keep > 1000) {
        problems.add(`${path}.keepUntagged`, keep, "allowed: a whole number from 1 to 1000");
    }
}

/**
 * The ECR repository of the job image: tags immutable (a pushed tag always names the same image),
 * scanned on push, encrypted, untagged builds expired beyond the last few. The image is built from this repository's Dockerfile and pushed with the
 * repository's short-lived authorization token (a secret); `ref` is its digest, which the task
 * definitions run.
 */
export class JobRepository extends pulumi.ComponentResource {
    public readonly repository: aws.ecr.Repository;
    public readonly image: JobImage;
    /** `<account>.dkr.ecr.<region>.amazonaws.com/<name>@sha256:<digest>`. */
    public readonly ref: pulumi.Output<string>;

    constructor(name: string, args: JobRepositoryArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("lifeboat:aws:JobRepository", name, {}, opts);
        const problems = new Problems();
        validateJobRepositoryArgs(args, problems);
        problems.throwIfAny(`JobRepository ${name}`);

        this.repository = new aws.ecr.Repository(`${name}-repo`, {
            region: args.region,
            name: args.repositoryName,
            // A tag can never be moved to another image: each build is pushed under a tag of its own.
            imageTagMutability: "IMMUTABLE",
            imageScanningConfiguration: { scanOnPush: true },
            encryptionConfigurations: [{ encryptionType: "AES256" }],
            forceDelete: false,
            tags: args.tags,
        }, { parent: this });
        new aws.ecr.LifecyclePolicy(`${name}-lifecycle`, {
            region: args.region,
            repository: this.repository.name,
            policy: JSON.stringify({
                rules: [{
                    rulePriority: 1,
                    description: `keep the ${args.keepUntagged ?? 10} most recent untagged builds`,
                    selection: { tagStatus: "untagged", countType: "imageCountMoreThan", countNumber: args.keepUntagged ?? 10 },
                    action: { type: "expire" },
                }, {
                    // Every build has a tag of its own: keep as many of the newest as of untagged ones.
                    rulePriority: 2,
                    description: `keep the ${args.keepUntagged ?? 10} most recent builds tagged ${args.tag ?? "latest"}-*`,
                    selection: { tagStatus: "tagged", tagPrefixList: [`${args.tag ?? "latest"}-`], countType: "imageCountMoreThan", countNumber: args.keepUntagged ?? 10 },
                    action: { type: "expire" },
                }],
            }),
        }, { parent: this });
        const context = args.context ?? defaultBuildContext();
        const tag = `${args.tag ?? "latest"}-${context === undefined ? "unbuilt" : buildContextDigest(context)}`.slice(0, 128);
        const token = aws.ecr.getAuthorizationTokenOutput({ registryId: this.repository.registryId, region: args.region }, { parent: this });
        this.image = new JobImage(`${name}-job`, {
            imageName: pulumi.interpolate`${this.repository.repositoryUrl}:${tag}`,
            context,
            registry: { server: this.repository.repositoryUrl, username: token.userName, password: pulumi.secret(token.password) },
        }, { parent: this });
        this.ref = this.image.ref;
        this.registerOutputs({ repositoryUrl: this.repository.repositoryUrl, ref: this.ref });
    }
}
