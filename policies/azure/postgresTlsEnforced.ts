import { ResourceValidationPolicy } from "@pulumi/policy";
import { forTypes } from "../shared/policy";
import { knownString, read } from "../shared/read";
import { TYPES, undetermined, violation } from "../shared/resources";

/** What each TLS server parameter may be set to (a Flexible Server's defaults: on, TLSv1.2). */
const ALLOWED: Record<string, string[]> = {
    require_secure_transport: ["on"],
    ssl_min_protocol_version: ["tlsv1.2", "tlsv1.3"],
};

/**
 * Azure Policy c29c38cb (enforce SSL) and a43d5475 (TLS 1.2 or newer) for Flexible Servers: a
 * server requires TLS 1.2 or newer by default, and only a server parameter can lower that. No
 * Configuration resource may turn require_secure_transport off or allow a TLS version below 1.2.
 */
export const postgresTlsEnforced: ResourceValidationPolicy = {
    name: "postgres-tls-enforced",
    description: "No Flexible Server parameter turns off require_secure_transport or allows TLS older than 1.2 (ssl_min_protocol_version).",
    enforcementLevel: "mandatory",
    validateResource: forTypes([TYPES.postgresConfiguration], (args, reportViolation) => {
        const name = knownString(read(args.props, "configurationName"))?.toLowerCase();
        const allowed = name === undefined ? undefined : ALLOWED[name];
        if (allowed === undefined) {
            return;
        }
        const value = read(args.props, "value");
        if (value.kind === "unknown") {
            reportViolation(undetermined(args, `the value of ${name}`, value, "value"));
        } else if (!allowed.includes((knownString(value) ?? "").toLowerCase())) {
            reportViolation(violation(args, `${name} lets clients connect without TLS 1.2 or newer, so the database's traffic (the dump job's too) can be read on the way`, value,
                `set ${name} to ${allowed.map((a) => JSON.stringify(a)).join(" or ")}, or remove the parameter (the server's default is safe).`));
        }
    }),
};
