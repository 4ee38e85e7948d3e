import { OfflineResource } from "../../../policies/offline";
import { happyStack, named, UNKNOWN, verdictsOf, withProp } from "../fixtures";

const POLICY = "backup-lifecycle-rules";
const CONTAINER = 'azure-native:storage:BlobContainer "backups-container"';
const LIFECYCLE = 'azure-native:storage:ManagementPolicy "backups-lifecycle"';

function fix(path: string, minimum: number): string {
    return `Fix: give the account's management policy an enabled rule with filters { blobTypes: ["blockBlob"], prefixMatch: ["${path}"] } ` +
        `and actions.baseBlob.delete.daysAfterModificationGreaterThan of at least ${minimum} (stack config lifeboat:backupStorage.retention), ` +
        "and no rule matching that prefix that deletes sooner.";
}

function missing(tier: string, minimum: number, found: string): string {
    return `${CONTAINER}: no enabled lifecycle rule deletes the ${tier} backup sets under "dumps/${tier}/", so the tier has no retention rule (found ${found}). ${fix(`dumps/${tier}/`, minimum)}`;
}

function tooSoon(rule: string, tier: string, days: number, minimum: number): string {
    return `${CONTAINER}: lifecycle rule "${rule}" of ${LIFECYCLE} deletes the ${tier} backup sets under "dumps/${tier}/" after ${days} days, ` +
        `sooner than the ${minimum} days they must be kept (found ${days} days). ${fix(`dumps/${tier}/`, minimum)}`;
}

function rules(stack: OfflineResource[]): Record<string, unknown>[] {
    return (named(stack, "backups-lifecycle").props.policy as { rules: Record<string, unknown>[] }).rules;
}

describe(POLICY, () => {
    it("passes one delete rule per tier at 30/90/365 days", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it("reports a tier without a rule", async () => {
        const stack = happyStack();
        rules(stack).splice(2, 1);
        expect(await verdictsOf(POLICY, stack)).toEqual([
            { enforcementLevel: "mandatory", name: "backups-container", message: missing("monthly", 365, 'rules "lifeboat-daily", "lifeboat-weekly"') },
        ]);
    });

    it("reports a disabled rule as missing", async () => {
        const stack = happyStack();
        rules(stack)[0].enabled = false;
        expect(await verdictsOf(POLICY, stack)).toEqual([
            { enforcementLevel: "mandatory", name: "backups-container", message: missing("daily", 30, 'rules "lifeboat-weekly", "lifeboat-monthly"') },
        ]);
    });

    it("reports a shortened retention", async () => {
        const stack = happyStack();
        (rules(stack)[1].definition as { actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: number } } } }).actions.baseBlob.delete.daysAfterModificationGreaterThan = 60;
        expect(await verdictsOf(POLICY, stack)).toEqual([
            { enforcementLevel: "mandatory", name: "backups-container", message: tooSoon("lifeboat-weekly", "weekly", 60, 90) },
        ]);
    });

    it("reports a rule for the whole account that deletes every tier too soon", async () => {
        const stack = happyStack();
        rules(stack).push({
            name: "cleanup", enabled: true, type: "Lifecycle",
            definition: { filters: { blobTypes: ["blockBlob"] }, actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: 60 } } } },
        });
        expect(await verdictsOf(POLICY, stack)).toEqual([
            { enforcementLevel: "mandatory", name: "backups-container", message: tooSoon("cleanup", "weekly", 60, 90) },
            { enforcementLevel: "mandatory", name: "backups-container", message: tooSoon("cleanup", "monthly", 60, 365) },
        ]);
    });

    it("reports a rule whose prefix does not match the container the job writes to", async () => {
        const stack = happyStack();
        (rules(stack)[0].definition as { filters: { prefixMatch: string[] } }).filters.prefixMatch = ["backups/daily/"];
        expect(await verdictsOf(POLICY, stack)).toEqual([
            { enforcementLevel: "mandatory", name: "backups-container", message: missing("daily", 30, 'rules "lifeboat-daily", "lifeboat-weekly", "lifeboat-monthly"') },
        ]);
    });

    it("reports every tier when the account has no management policy", async () => {
        const stack = happyStack().filter((r) => r.name !== "backups-lifecycle");
        expect(await verdictsOf(POLICY, stack)).toEqual(["daily", "weekly", "monthly"].map((tier, i) => ({
            enforcementLevel: "mandatory", name: "backups-container", message: missing(tier, [30, 90, 365][i], "no management policy on the account"),
        })));
    });

    it("takes the per-tier minimums from the pack config", async () => {
        expect(await verdictsOf(POLICY, happyStack(), { [POLICY]: { minimumDailyDays: 45 } })).toEqual([
            { enforcementLevel: "mandatory", name: "backups-container", message: tooSoon("lifeboat-daily", "daily", 30, 45) },
        ]);
    });

    it("reports an unknown container name instead of passing", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "backups-container", "containerName", UNKNOWN))).toEqual([{
            enforcementLevel: "mandatory", name: "backups-container",
            message: `${CONTAINER}: the container name (which the lifecycle rules' prefixes must match) cannot be determined, and a mandatory policy never passes by not knowing ` +
                "(found a value unknown until the update runs). Fix: set containerName to a literal from stack config, so it is known during preview.",
        }]);
    });

    it("reports unknown rules instead of passing", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "backups-lifecycle", "policy.rules", UNKNOWN))).toEqual([{
            enforcementLevel: "mandatory", name: "backups-lifecycle",
            message: `${LIFECYCLE}: the lifecycle rules cannot be determined, and a mandatory policy never passes by not knowing ` +
                "(found a value unknown until the update runs). Fix: set policy.rules to a literal from stack config, so it is known during preview.",
        }]);
    });
});
