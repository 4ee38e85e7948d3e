import { ResourceValidationPolicy } from "@pulumi/policy";
import { forTypes } from "../shared/policy";
import { allowAllRanges, read } from "../shared/read";
import { TYPES, undetermined, violation } from "../shared/resources";

/** Checkov CKV_AZURE_35/59, Trivy AZU-0012, Azure Policy 34c877ad. */
export const storageNetworkDefaultDeny: ResourceValidationPolicy = {
    name: "storage-network-default-deny",
    description: "Storage accounts are closed to public networks, or their firewall denies by default.",
    enforcementLevel: "advisory",
    validateResource: forTypes([TYPES.storageAccount], (args, reportViolation) => {
        const publicAccess = read(args.props, "publicNetworkAccess");
        if (publicAccess.kind === "known" && publicAccess.value === "Disabled") {
            return;
        }
        const open = allowAllRanges(read(args.props, "networkRuleSet", "ipRules"), "iPAddressOrRange");
        if (open.length > 0) {
            reportViolation(violation(args, "an IP rule admits every address (or nearly), so the deny-by-default firewall is open to the Internet",
                `networkRuleSet.ipRules ${open.map((r) => JSON.stringify(r)).join(", ")}`, 'list only the addresses that need the account (the jobs reach it through their subnet\'s service endpoint), or set publicNetworkAccess to "Disabled".'));
        }
        const defaultAction = read(args.props, "networkRuleSet", "defaultAction");
        if (defaultAction.kind === "unknown") {
            reportViolation(undetermined(args, "networkRuleSet.defaultAction", defaultAction, "networkRuleSet.defaultAction"));
        } else if (!(defaultAction.kind === "known" && defaultAction.value === "Deny")) {
            reportViolation(violation(args, "the account is reachable from any network (public network access on, firewall default action not Deny)",
                `publicNetworkAccess ${publicAccess.kind === "known" ? JSON.stringify(publicAccess.value) : "not set"}, networkRuleSet.defaultAction ${defaultAction.kind === "known" ? JSON.stringify(defaultAction.value) : "not set"}`,
                'set networkRuleSet.defaultAction to "Deny" with virtual network or IP rules for the jobs, or publicNetworkAccess to "Disabled" with a private endpoint.'));
        }
    }),
};
