import { ResourceValidationPolicy } from "@pulumi/policy";
import { forTypes } from "../shared/policy";
import { read, show } from "../shared/read";
import { TYPES, violation } from "../shared/resources";

/**
 * An immutability policy protects backup sets from deletion only once it is locked: unlocked, anyone
 * who can write the account's settings can shorten or delete it (and then the blobs). Azure creates
 * every container immutability policy unlocked, and locking is an action (Lock Immutability Policy),
 * not a property Pulumi can set, so this is advisory: it reports each policy until its state is
 * `Locked` (the `state` output, seen once the policy exists).
 */
export const storageImmutabilityLocked: ResourceValidationPolicy = {
    name: "storage-immutability-locked",
    description: "Container immutability policies on backup containers are locked (an unlocked one can be shortened or deleted by an account admin).",
    enforcementLevel: "advisory",
    validateResource: forTypes([TYPES.immutabilityPolicy], (args, reportViolation) => {
        const state = read(args.props, "state");
        if (state.kind === "known" && state.value === "Locked") {
            return;
        }
        reportViolation(violation(args,
            "the immutability policy is unlocked, so whoever can change the account can shorten or remove it and then delete the backup sets",
            state.kind === "missing" ? "state not set (Azure creates it Unlocked)" : `state ${show(state)}`,
            "once the retention is right, lock it (Azure portal, REST Lock Immutability Policy, or az storage container immutability-policy lock with its ETag): a locked policy can only be extended, never shortened or removed."));
    }),
};
