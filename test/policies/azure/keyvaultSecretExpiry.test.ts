import { happyStack, verdictsOf, withProp } from "../fixtures";

const POLICY = "keyvault-secret-expiry";

describe(POLICY, () => {
    it("passes the field key without expiry (deliberately: an expired key cannot be read)", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it("reports an expiry on the field key, saying why it is dangerous", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "field-key-secret", "properties.attributes.expires", 1893456000))).toEqual([{
            enforcementLevel: "advisory",
            name: "field-key-secret",
            message: 'azure-native:keyvault:Secret "field-key-secret": the field-encryption key has an expiry date; once it passes, Key Vault refuses to return the key ' +
                "and every backup encrypted with it cannot be decrypted (found 1893456000). " +
                "Fix: remove properties.attributes.expires from the field-key secret; rotate the key by re-encrypting, not by expiry.",
        }]);
    });

    it("reports another secret that never expires", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "field-key-secret", "tags", {}))).toEqual([{
            enforcementLevel: "advisory",
            name: "field-key-secret",
            message: 'azure-native:keyvault:Secret "field-key-secret": the secret never expires (found not set). ' +
                "Fix: set properties.attributes.expires (seconds since the epoch), unless the secret is a key that data depends on (then tag it lifeboat-role: field-key).",
        }]);
    });
});
