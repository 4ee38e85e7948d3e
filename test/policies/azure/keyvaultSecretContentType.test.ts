import { happyStack, verdictsOf, withProp } from "../fixtures";

const POLICY = "keyvault-secret-content-type";

describe(POLICY, () => {
    it("passes a secret with a content type", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it.each([[undefined, "not set"], ["  ", '"  "']])("reports content type %p", async (value, found) => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "field-key-secret", "properties.contentType", value))).toEqual([{
            enforcementLevel: "advisory",
            name: "field-key-secret",
            message: `azure-native:keyvault:Secret "field-key-secret": the secret has no content type (found ${found}). ` +
                'Fix: set properties.contentType, e.g. "application/vnd.lifeboat.fernet-key".',
        }]);
    });
});
