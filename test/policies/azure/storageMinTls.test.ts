import { happyStack, verdictsOf, withProp } from "../fixtures";

const POLICY = "storage-min-tls-1-2";
const old = (found: string): string =>
    `azure-native:storage:StorageAccount "backups-account": the account accepts TLS older than 1.2 (found ${found}). Fix: set minimumTlsVersion to "TLS1_2".`;

describe(POLICY, () => {
    it("passes TLS 1.2", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it.each([["TLS1_0", '"TLS1_0"'], ["TLS1_1", '"TLS1_1"'], [undefined, "not set"]])("reports minimumTlsVersion %p", async (value, found) => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "backups-account", "minimumTlsVersion", value)))
            .toEqual([{ enforcementLevel: "mandatory", name: "backups-account", message: old(found) }]);
    });
});
