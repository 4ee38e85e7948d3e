import { fernetDecrypt, fernetEncrypt } from "../../tools/fernet";

// The test vector of the Fernet specification (generate.json / verify.json).
const KEY = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
const TOKEN = "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==";
const IV = Buffer.from([...Array(16).keys()]);
const TIME = new Date("1985-10-26T01:20:00-07:00");

describe("Fernet", () => {
    it("produces the specification's token for its key, IV, time and message", () => {
        expect(fernetEncrypt(KEY, "hello", { iv: IV, time: TIME })).toBe(TOKEN);
    });

    it("decrypts the specification's token", () => {
        expect(fernetDecrypt(KEY, TOKEN)).toBe("hello");
    });

    it("round-trips, and refuses another key or an altered token", () => {
        const other = Buffer.alloc(32, 9).toString("base64url") + "=";
        const token = fernetEncrypt(KEY, "123-45-6789");
        expect(fernetDecrypt(KEY, token)).toBe("123-45-6789");
        expect(() => fernetDecrypt(other, token)).toThrow("the token was not made with this key (HMAC mismatch)");
        const altered = token.slice(0, 30) + (token[30] === "A" ? "B" : "A") + token.slice(31);
        expect(() => fernetDecrypt(KEY, altered)).toThrow(/HMAC mismatch|not a Fernet token/);
    });
});
