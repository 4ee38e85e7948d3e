import { happyStack, UNKNOWN, verdictsOf, withProp } from "../fixtures";

const POLICY = "blob-container-private";
const open = (found: string): string =>
    `azure-native:storage:BlobContainer "backups-container": the container allows anonymous read access to its blobs (found ${found}). Fix: set publicAccess to "None".`;

describe(POLICY, () => {
    it("passes a private container", async () => {
        expect(await verdictsOf(POLICY, happyStack())).toEqual([]);
    });

    it("passes a container without publicAccess (Azure creates it private)", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "backups-container", "publicAccess", undefined))).toEqual([]);
    });

    it.each(["Blob", "Container"])("reports publicAccess %s", async (access) => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "backups-container", "publicAccess", access)))
            .toEqual([{ enforcementLevel: "mandatory", name: "backups-container", message: open(`"${access}"`) }]);
    });

    it("reports an unknown setting", async () => {
        expect(await verdictsOf(POLICY, withProp(happyStack(), "backups-container", "publicAccess", UNKNOWN))).toEqual([{
            enforcementLevel: "mandatory",
            name: "backups-container",
            message: 'azure-native:storage:BlobContainer "backups-container": publicAccess cannot be determined, and a mandatory policy never passes by not knowing ' +
                "(found a value unknown until the update runs). Fix: set publicAccess to a literal from stack config, so it is known during preview.",
        }]);
    });
});
