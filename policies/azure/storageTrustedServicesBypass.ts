import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

/** Checkov CKV_AZURE_36, Trivy AZU-0010: the firewall lets trusted Azure services (backup, monitoring) through. */
export const storageTrustedServicesBypass = propertyPolicy({
    name: "storage-trusted-services-bypass",
    description: "Storage account firewalls let trusted Microsoft services through (networkRuleSet.bypass includes AzureServices).",
    enforcementLevel: "advisory",
    types: [TYPES.storageAccount],
    path: ["networkRuleSet", "bypass"],
    // Not set: Azure's default is "AzureServices".
    accept: (found) => found.kind === "missing" || (found.kind === "known" && typeof found.value === "string" && found.value.split(",").map((x) => x.trim()).includes("AzureServices")),
    problem: "the firewall blocks trusted Microsoft services, such as Azure Monitor and Azure Backup",
    fix: 'set networkRuleSet.bypass to "AzureServices" (comma-separated with Logging, Metrics if wanted).',
});
