/**
 * The register of restore tests: `lifeboat verify` stores each run's report in the target under
 * `verifications/` (scripts/layout.ts; the storage components expire it after VERIFICATIONS_DAYS),
 * and `lifeboat report` plots them: the measured restore time is the real RTO.
 */
import type { z } from "zod";
import { messageOf } from "./errors";
import { VERIFICATION_FORMAT, verificationKey, verificationsPrefix } from "./layout";
import { log } from "./log";
import { readAll } from "./manifest";
import type { VerifyReport } from "./restore";
import { Target } from "./targets";

/** The schema of a stored restore-test report, built on first use (zod loads only where reports are read). */
function verificationSchema() {
    const { z } = require("zod") as typeof import("zod");
    return z.object({
        format: z.literal(VERIFICATION_FORMAT),
        verifiedAt: z.string(),
        set: z.string(),
        tier: z.string(),
        createdAt: z.string(),
        databases: z.array(z.object({ name: z.string(), tables: z.number(), rows: z.number(), largeObjects: z.number(), seconds: z.number(), ok: z.boolean(), error: z.string().optional() })),
        totalSeconds: z.number(),
        ok: z.boolean(),
    });
}

let schema: ReturnType<typeof verificationSchema> | undefined;

export type Verification = z.infer<ReturnType<typeof verificationSchema>>;

/**
 * Stores a verify report in the target. Best effort: a restore test that passed still passed
 * when its record cannot be written (an identity that may only read), so that is a warning.
 */
export async function recordVerification(target: Target, report: VerifyReport, at: Date = new Date()): Promise<string | undefined> {
    const key = verificationKey(at, report.set, target.prefix);
    const body: Verification = { format: VERIFICATION_FORMAT, verifiedAt: at.toISOString(), ...report };
    try {
        await target.putSmall(key, Buffer.from(`${JSON.stringify(body)}\n`));
        log.event("verify.recorded", { target: target.display, key });
        return key;
    } catch (e) {
        log.warn("verify.not_recorded", { target: target.display, key, reason: messageOf(e) });
        return undefined;
    }
}

/** Every readable restore-test report of a target, oldest first; unreadable ones are warned and skipped. */
export async function readVerifications(target: Target): Promise<Verification[]> {
    const keys = (await target.list(verificationsPrefix(target.prefix))).filter((k) => k.endsWith(".json"));
    const out: Verification[] = [];
    for (const key of keys) {
        try {
            schema ??= verificationSchema();
            const r = schema.safeParse(JSON.parse((await readAll(await target.get(key), 1024 * 1024)).toString("utf8")));
            if (r.success) {
                out.push(r.data);
            } else {
                log.warn("verification.invalid", { target: target.display, key, reason: r.error.issues[0]?.message ?? "?" });
            }
        } catch (e) {
            log.warn("verification.invalid", { target: target.display, key, reason: messageOf(e) });
        }
    }
    return out.sort((a, b) => (a.verifiedAt < b.verifiedAt ? -1 : a.verifiedAt > b.verifiedAt ? 1 : 0));
}
