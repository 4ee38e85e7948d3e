/**
 * What counts as the network failing (scripts/errors.ts isNetworkError): a store killed while a
 * block or part is still being sent surfaces as ECONNRESET or EPIPE, whichever the socket sees
 * first; both must be reported as the store unreachable, not as a failure of the store (seen as
 * "azblob target ... failed while uploading ...: write EPIPE" in test/integration/faults.test.ts).
 */
import { isNetworkError } from "../../scripts/errors";

const errno = (code: string, syscall = "write"): Error => Object.assign(new Error(`${syscall} ${code}`), { code, syscall });

test.each(["ECONNRESET", "EPIPE", "ECONNREFUSED", "ETIMEDOUT"])("%s is the network failing", (code) => {
    expect(isNetworkError(errno(code))).toBe(true);
});

test("an AggregateError of connect attempts is the network failing when one of them is", () => {
    expect(isNetworkError(Object.assign(new Error("connect"), { errors: [errno("EADDRNOTAVAIL", "connect"), errno("ECONNREFUSED", "connect")] }))).toBe(true);
});

test.each(["ENOSPC", "EACCES", "ENOENT"])("%s is not", (code) => {
    expect(isNetworkError(errno(code))).toBe(false);
});
