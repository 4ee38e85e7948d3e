import { StackValidationArgs } from "@pulumi/policy";
import { Tier, TIERS } from "../../scripts/layout";
import { DEFAULTS, LifecycleConfig, lifecycleSchema } from "../config";
import { knownArray, knownNumber, knownString, read, Read } from "../shared/read";
import { bucketConfigPolicy } from "./buckets";
import { AWS_TYPES } from "./types";

function minimums(args: StackValidationArgs): Record<Tier, number> {
    const config = args.getConfig<LifecycleConfig>();
    return {
        daily: config.minimumDailyDays ?? DEFAULTS.lifecycleMinimumDays.daily,
        weekly: config.minimumWeeklyDays ?? DEFAULTS.lifecycleMinimumDays.weekly,
        monthly: config.minimumMonthlyDays ?? DEFAULTS.lifecycleMinimumDays.monthly,
    };
}

/** A rule's key prefix ("" for the whole bucket); undefined when it filters on something else or cannot be read. */
function prefixOf(rule: unknown): string | undefined {
    const filter = read(rule, "filter");
    if (filter.kind === "missing") {
        const legacy = read(rule, "prefix");
        return legacy.kind === "missing" ? "" : knownString(legacy);
    }
    if (read(rule, "filter", "tag").kind !== "missing" || read(rule, "filter", "and").kind !== "missing") {
        return undefined;
    }
    const prefix = read(rule, "filter", "prefix");
    return prefix.kind === "missing" ? "" : knownString(prefix);
}

/** Whether a rule's prefix covers a tier's objects (the job writes `[prefix/]<tier>/<set>/...`). */
function coversTier(prefix: string, tier: Tier): boolean {
    return prefix === "" || prefix.endsWith(`${tier}/`) || `${tier}/`.startsWith(prefix);
}

/** Checkov CKV2_AWS_61 and CKV_AWS_300: each tier ages out on time, never sooner, and stale multipart uploads are aborted. */
export const s3LifecycleRules = bucketConfigPolicy({
    name: "s3-lifecycle-rules",
    description:
        "Every backup bucket has enabled lifecycle rules that expire each tier prefix the job writes (daily/, weekly/, monthly/) " +
        "no sooner than its minimum, and abort incomplete multipart uploads.",
    enforcementLevel: "mandatory",
    configSchema: lifecycleSchema,
    configType: AWS_TYPES.bucketLifecycle,
    missing: "the bucket has no lifecycle configuration, so backup sets are never aged out and stale multipart uploads are kept (and billed) for ever",
    check: (config, args, report) => {
        const min = minimums(args);
        const rulesRead = read(config.props, "rules");
        if (rulesRead.kind === "unknown") {
            report("the lifecycle rules cannot be determined, and a mandatory policy never passes by not knowing", "a value unknown until the update runs");
            return;
        }
        const rules = (knownArray(rulesRead) ?? [])
            .map((r: Read) => (r.kind === "known" ? r.value : undefined))
            .filter((r) => knownString(read(r, "status")) === "Enabled");
        for (const tier of TIERS) {
            const covering = rules.filter((r) => { const p = prefixOf(r); return p !== undefined && coversTier(p, tier); });
            const expiries = covering.map((r) => ({ id: knownString(read(r, "id")) ?? "(no id)", days: knownNumber(read(r, "expiration", "days")) }))
                .filter((e): e is { id: string; days: number } => e.days !== undefined);
            const early = expiries.filter((e) => e.days < min[tier]);
            if (early.length > 0) {
                report(`a rule expires ${tier} backup sets sooner than ${min[tier]} days`, early.map((e) => `rule ${JSON.stringify(e.id)} expiration.days ${e.days}`).join(", "));
            } else if (expiries.length === 0) {
                report(`no enabled rule expires the ${tier} tier (${tier}/)`, `${rules.length} enabled rule${rules.length === 1 ? "" : "s"}, none with expiration.days for ${tier}/`);
            }
        }
        const aborts = rules.some((r) => knownNumber(read(r, "abortIncompleteMultipartUpload", "daysAfterInitiation")) !== undefined && prefixOf(r) !== undefined);
        if (!aborts) {
            report("no enabled rule aborts incomplete multipart uploads", "no rule with abortIncompleteMultipartUpload.daysAfterInitiation");
        }
    },
    fix: (args) => {
        const min = minimums(args);
        return `declare an aws.s3.BucketLifecycleConfiguration with an enabled rule per tier prefix expiring daily/ after at least ${min.daily}, weekly/ after ${min.weekly} and monthly/ after ${min.monthly} days ` +
            "(stack config lifeboat:backupStorage.retention), and one with abortIncompleteMultipartUpload (components/aws bucketLifecycleRules).";
    },
});
