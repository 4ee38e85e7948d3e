import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { Problems } from "../validation";

/**
 * The job image's build context: the root of the Lifeboat checkout this module belongs to (the
 * first folder up holding Lifeboat's package.json), when its Dockerfile is there (`.dockerignore`
 * keeps the context to scripts/ and the package files). Run from source (components/docker/) or
 * from a build in a checkout (dist/components/docker/) that is the repository root. The npm
 * package ships the built library without the Dockerfile: there it is undefined, and `context`
 * (a Lifeboat checkout) or a prebuilt image must be given.
 */
export function defaultBuildContext(from = __dirname): string | undefined {
    for (let dir = from; ; dir = path.dirname(dir)) {
        const manifest = path.join(dir, "package.json");
        if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string }).name === "lifeboat") {
            return fs.existsSync(path.join(dir, "Dockerfile")) ? dir : undefined;
        }
        if (path.dirname(dir) === dir) {
            return undefined;
        }
    }
}

/** Whether a context-relative path is excluded by a .dockerignore line: a name or a `*`-glob, at the top or at any depth. */
function ignoredBy(patterns: string[], relative: string): boolean {
    const segments = relative.split("/");
    return patterns.some((p) => {
        const re = new RegExp(`^${p.replace(/^\/+|\/+$/g, "").replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")}$`);
        return re.test(relative) || re.test(segments[0]) || re.test(segments[segments.length - 1]);
    });
}

/**
 * A short digest of the build context as Docker sends it: every file under `context` that the
 * context's `.dockerignore` does not exclude, by path and content. Where it cannot match a pattern
 * exactly it includes the file, so the digest changes whenever the image's inputs can: a tag
 * derived from it names one build, which an immutable registry requires.
 */
export function buildContextDigest(context: string): string {
    const ignoreFile = path.join(context, ".dockerignore");
    const patterns = fs.existsSync(ignoreFile)
        ? fs.readFileSync(ignoreFile, "utf8").split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#") && !l.startsWith("!"))
        : [];
    const hash = crypto.createHash("sha256");
    const walk = (dir: string): void => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const full = path.join(dir, entry.name);
            const relative = path.relative(context, full).split(path.sep).join("/");
            if (ignoredBy(patterns, relative)) {
                continue;
            }
            if (entry.isDirectory()) {
                walk(full);
            } else if (entry.isFile()) {
                hash.update(relative).update("\0").update(fs.readFileSync(full)).update("\0");
            }
        }
    };
    walk(context);
    return hash.digest("hex").slice(0, 12);
}

/** Where the built image goes: pushed to a registry, or kept on the local engine. */
export interface JobImageRegistry {
    /** Registry host, e.g. myregistry.azurecr.io or 123456789012.dkr.ecr.eu-central-1.amazonaws.com. */
    server: pulumi.Input<string>;
    username: pulumi.Input<string>;
    /** Kept secret: it is wrapped in pulumi.secret whatever it arrives as. */
    password: pulumi.Input<string>;
}

export interface JobImageArgs {
    /**
     * Repository and tag to build as, e.g. `myregistry.azurecr.io/lifeboat:prod`. The tag is only
     * a name: every consumer gets `ref`, the image's digest.
     */
    imageName: pulumi.Input<string>;
    /** Push to this registry; absent: the image stays on the local engine (target local). @default undefined */
    registry?: JobImageRegistry;
    /** The build context: a Lifeboat checkout. @default the checkout this module is in (defaultBuildContext); required when installed from the npm package */
    context?: string;
    /** The Dockerfile, relative to the context. @default "Dockerfile" */
    dockerfile?: string;
    /** Target platform: Container Apps jobs and Fargate run linux/amd64. @default "linux/amd64" when pushing, else the engine's own */
    platform?: string;
    /** `PG_MAJOR` build argument: the PostgreSQL client major version, or `newest`. @default "newest" */
    pgMajor?: string;
}

export function validateJobImageArgs(args: JobImageArgs, problems: Problems, path = "args"): void {
    if ((args.context ?? defaultBuildContext()) === undefined) {
        problems.add(`${path}.context`, args.context, "required where Lifeboat is installed as a package (it ships no Dockerfile): a Lifeboat checkout to build the job image from, or run a prebuilt image instead (lifeboat:schedule.image, or the jobs' image arg)");
    }
    const pg = args.pgMajor ?? "newest";
    if (pg !== "newest" && !/^(1[3-9]|[2-9]\d)$/.test(pg)) {
        problems.add(`${path}.pgMajor`, pg, "allowed: newest, or a PostgreSQL major version from 13, e.g. 17");
    }
    if (args.platform !== undefined && !/^linux\/(amd64|arm64)$/.test(args.platform)) {
        problems.add(`${path}.platform`, args.platform, "allowed: linux/amd64 or linux/arm64");
    }
}

/**
 * The job image, built from this repository's Dockerfile by the Docker engine Pulumi runs beside,
 * and pushed to the stack's registry (or kept locally). `ref` is what jobs run: for a pushed image
 * `<registry>/<repository>@sha256:<digest>` (immutable: a new build is a new reference, so the jobs
 * are updated), for a local one the image ID `sha256:<id>`.
 */
export class JobImage extends pulumi.ComponentResource {
    public readonly image: docker.Image;
    /** The reference jobs run: by digest, never by a mutable tag. */
    public readonly ref: pulumi.Output<string>;

    constructor(name: string, args: JobImageArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("lifeboat:docker:JobImage", name, {}, opts);
        const problems = new Problems();
        validateJobImageArgs(args, problems);
        problems.throwIfAny(`JobImage ${name}`);

        const registry = args.registry;
        const push = registry !== undefined;
        const platform = args.platform ?? (push ? "linux/amd64" : undefined);
        const context = args.context ?? defaultBuildContext() ?? "";
        this.image = new docker.Image(`${name}-image`, {
            imageName: args.imageName,
            build: {
                context,
                dockerfile: path.join(context, args.dockerfile ?? "Dockerfile"),
                ...(platform === undefined ? {} : { platform }),
                args: { PG_MAJOR: args.pgMajor ?? "newest" },
            },
            ...(registry !== undefined
                ? { registry: { server: registry.server, username: registry.username, password: pulumi.secret(registry.password) } }
                : { skipPush: true }),
        }, { parent: this });
        this.ref = this.image.repoDigest;
        this.registerOutputs({ ref: this.ref, imageName: this.image.imageName });
    }
}
