import { propertyPolicy } from "../shared/policy";
import { TYPES } from "../shared/resources";

const ACCEPTED = ["TLS1_2", "TLS1_3"];

/** Checkov CKV_AZURE_44, Trivy AZU-0011, Azure Policy fe83a0eb. */
export const storageMinTls = propertyPolicy({
    name: "storage-min-tls-1-2",
    description: "Storage accounts refuse TLS older than 1.2.",
    enforcementLevel: "mandatory",
    types: [TYPES.storageAccount],
    path: ["minimumTlsVersion"],
    accept: (found) => found.kind === "known" && ACCEPTED.includes(found.value as string),
    problem: "the account accepts TLS older than 1.2",
    fix: 'set minimumTlsVersion to "TLS1_2".',
});
