import { ResourceValidationPolicy } from "@pulumi/policy";
import { forTypes } from "../shared/policy";
import { allowAllRanges, read } from "../shared/read";
import { TYPES, undetermined, violation } from "../shared/resources";

/** The vault's firewall denies by default (Checkov CKV_AZURE_109/189, Trivy AZU-0013, Azure Policy 55615ac9/405c5871). */
export const keyvaultNetworkRestricted: ResourceValidationPolicy = {
    name: "keyvault-network-restricted",
    description: "Key vaults are closed to public networks, or their firewall denies by default and allows only listed addresses.",
    enforcementLevel: "advisory",
    validateResource: forTypes([TYPES.vault], (args, reportViolation) => {
        const publicAccess = read(args.props, "properties", "publicNetworkAccess");
        if (publicAccess.kind === "known" && publicAccess.value === "Disabled") {
            return;
        }
        const open = allowAllRanges(read(args.props, "properties", "networkAcls", "ipRules"), "value");
        if (open.length > 0) {
            reportViolation(violation(args, "an IP rule admits every address (or nearly), so the deny-by-default firewall is open to the Internet",
                `properties.networkAcls.ipRules ${open.map((r) => JSON.stringify(r)).join(", ")}`, 'remove the range from stack config lifeboat:keyVault.allowedIpRanges (list the addresses that manage the key, e.g. 203.0.113.0/24), or set lifeboat:keyVault.publicNetworkAccess: false.'));
        }
        const defaultAction = read(args.props, "properties", "networkAcls", "defaultAction");
        if (defaultAction.kind === "unknown") {
            reportViolation(undetermined(args, "properties.networkAcls.defaultAction", defaultAction, "properties.networkAcls.defaultAction"));
        } else if (!(defaultAction.kind === "known" && defaultAction.value === "Deny")) {
            reportViolation(violation(args, "the vault is reachable from any network (public network access on, firewall default action not Deny)",
                `publicNetworkAccess ${publicAccess.kind === "known" ? JSON.stringify(publicAccess.value) : "not set"}, networkAcls.defaultAction ${defaultAction.kind === "known" ? JSON.stringify(defaultAction.value) : "not set"}`,
                'set properties.networkAcls.defaultAction to "Deny" with the allowed ipRules (stack config lifeboat:keyVault.allowedIpRanges), or properties.publicNetworkAccess to "Disabled".'));
        }
    }),
};
