/**
 * The compliant AWS stack as the policy pack sees it: the resources `npm run plan -- --stack aws`
 * declares (stacks/Pulumi.aws.yaml under Pulumi's mocks), saved as data in awsStack.json (the
 * generated key replaced by the unknown sentinel). Each spec starts from it and changes one field.
 * test/policies/plan.test.ts plans the shipped aws stack itself, so the two cannot drift apart unseen.
 */
import * as fs from "fs";
import * as path from "path";
import { OfflineResource } from "../../../policies/offline";

const DATA = fs.readFileSync(path.join(__dirname, "awsStack.json"), "utf8");

/** A fresh copy of the compliant AWS stack. */
export function awsStack(): OfflineResource[] {
    return JSON.parse(DATA) as OfflineResource[];
}

/** The stack without the named resources. */
export function without(resources: OfflineResource[], ...names: string[]): OfflineResource[] {
    for (const name of names) {
        if (!resources.some((r) => r.name === name)) {
            throw new Error(`no resource named ${name} in the AWS fixture`);
        }
    }
    return resources.filter((r) => !names.includes(r.name));
}
