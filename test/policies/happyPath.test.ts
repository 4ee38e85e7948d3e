import { evaluatePolicies } from "../../policies/offline";
import { policies } from "../../policies/registry";
import { happyStack } from "./fixtures";

describe("the compliant fixture stack", () => {
    it("passes every policy of the pack, advisory ones included", async () => {
        const result = await evaluatePolicies(happyStack());
        expect(result.verdicts).toEqual([]);
        expect(result.policies.map((p) => p.policy)).toEqual(policies.map((p) => p.name));
        expect(result.policies.every((p) => p.violations === 0)).toBe(true);
    });
});
