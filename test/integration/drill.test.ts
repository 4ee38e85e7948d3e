/** `npm run drill` end to end (the README's showcase): it must print a verified restore and clean up. */
import { spawnSync } from "child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import { cleanEnv, ROOT } from "./helpers";

test("the drill backs up, loses cluster, state and vault, recovers the same key, restores into a new cluster and verifies row for row and every encrypted field", () => {
    // a private TMPDIR: other test files may run alongside, and the drill must leave nothing behind
    const tmp = mkdtempSync(path.join(os.tmpdir(), "drill-"));
    chmodSync(tmp, 0o755);
    const r = spawnSync(process.execPath, [path.join(ROOT, "dist", "tools", "drill.js")], { env: cleanEnv({ TMPDIR: tmp }), encoding: "utf8", timeout: 110000 });
    const left = readdirSync(tmp);
    rmSync(tmp, { recursive: true, force: true });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/set\.committed .*keyFingerprint=sha256:[0-9a-f]{16}/);
    expect(r.stdout).toContain("cluster stopped and deleted; state file deleted; vault soft-deleted");
    expect(r.stdout).toContain("recovered from soft delete; the stack never generates a key");
    expect(r.stdout).toMatch(/recovered key fingerprint (sha256:[0-9a-f]{16}): the one the newest set was made with/);
    expect(r.stdout).toMatch(/ok {7}main\.cases\.ssn_encrypted: 50000 of 50000 fields decrypt with the recovered key/);
    expect(r.stdout).toMatch(/restore\.failed +code=fingerprint-mismatch reason=key fingerprint mismatch/);
    expect(r.stdout).toMatch(/restore\.start .*keyFingerprintChecked=true/);
    expect(r.stdout).toMatch(/ok {7}main\.public\.cases: 50000 rows/);
    expect(r.stdout).toMatch(/ok {7}audit\.public\.audit_log: 25000 rows/);
    expect(r.stdout).toContain("audit_log is append-only for role app");
    expect(r.stdout).toMatch(/RESTORE VERIFIED\. loss-to-verified: \d+\.\d\d s/);
    expect(r.stdout).not.toContain("MISMATCH");
    expect(left).toEqual([]);
});
