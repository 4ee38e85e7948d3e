/**
 * The Lifeboat policy pack, served to the Pulumi CLI:
 *   pulumi preview --policy-pack policies [--policy-pack-config file.json]
 * Nothing imports this module: the PolicyPack constructor starts a gRPC server. Tests and the
 * offline plan import the policies from registry.ts and run them through offline.ts.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_DESCRIPTION, PACK_ENFORCEMENT_LEVEL, PACK_NAME, policies } from "./registry";

new PolicyPack(PACK_NAME, {
    description: PACK_DESCRIPTION,
    enforcementLevel: PACK_ENFORCEMENT_LEVEL,
    policies,
});
