/**
 * Secrets as Pulumi's CLI writes them: `{secure: ...}` at any depth works; a secret in plain text
 * in a stack file is a config error that names `pulumi config set --secret` and never the value;
 * and the dump job's own identity cannot be made a reader of the field key.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { planStack, REPO_ROOT } from "../../tools/plan";

/** A stack directory holding Pulumi.<stack>.yaml: the shipped dev stack with `extra` config. */
function stackDir(stack: string, extra: Record<string, unknown>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-secrets-"));
    const doc = parse(fs.readFileSync(path.join(REPO_ROOT, "stacks", "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
    doc.config = { ...doc.config, ...extra };
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify(doc));
    return dir;
}

const ENCRYPTED = { secure: "v1:0123456789abcdef:c2VjcmV0LW5vdC1kZWNyeXB0YWJsZS1vZmZsaW5l" };

describe("secret config", () => {
    it("a webhook URL set with `pulumi config set --secret --path lifeboat:alerts.webhookUrl` (nested secure) plans", async () => {
        const dir = stackDir("nested", { "lifeboat:alerts": { emails: ["oncall@example.test"], webhookUrl: ENCRYPTED } });
        const result = await planStack({ stack: "nested", stackConfigDir: dir });
        expect(result.configErrors).toEqual([]);
        expect(result.error).toBeUndefined();
        const group = result.resources.find((r) => r.type === "azure-native:monitor:ActionGroup");
        expect(group?.secretPaths.some((p) => p.startsWith("webhookReceivers"))).toBe(true);
        expect(result.outputs.alertReceivers).toBe(2);
    });

    it("secrets in plain text in a stack file are config errors naming `pulumi config set --secret`, the value never shown", async () => {
        const dir = stackDir("plain", {
            "lifeboat:fieldEncryptionKey": "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=",
            "lifeboat:alerts": { webhookUrl: "https://hooks.example.test/plain-token" },
            "lifeboat:postgresPassword": "plain-password",
            "lifeboat:offsiteCredential": "plain-credential",
        });
        const result = await planStack({ stack: "plain", stackConfigDir: dir });
        expect(result.exitCode).toBe(1);
        const plain = (p: string, flag = "") => `${p}: got (secret, not shown); allowed: a secret, encrypted in the stack file: this one is in plain text (anyone who reads the file or the repository has it). Remove it from the file and set it with \`pulumi config set --secret ${flag}${p}\``;
        expect(result.configErrors).toEqual(expect.arrayContaining([
            plain("lifeboat:fieldEncryptionKey"),
            plain("lifeboat:postgresPassword"),
            plain("lifeboat:offsiteCredential"),
            plain("lifeboat:alerts.webhookUrl", "--path "),
        ]));
        const shown = JSON.stringify(result);
        for (const value of ["cw_0x689RpI", "plain-token", "plain-password", "plain-credential"]) {
            expect(shown).not.toContain(value);
        }
    });

    it("the dump jobs' identity given as a secret reader of the key vault is refused", async () => {
        // The offline plan's mock gives every user-assigned identity this object ID, as Azure would give the dump identity its own.
        const dumpIdentity = "33333333-3333-3333-3333-333333333333";
        const result = await planStack({ stack: "dev", config: { keyVault: { location: "swedencentral", secretReaders: [{ principalId: "aaaaaaaa-0000-0000-0000-000000000001" }, { principalId: dumpIdentity.toUpperCase() }] } } });
        expect(result.exitCode).toBe(1);
        expect(result.configErrors).toEqual([
            `lifeboat:keyVault.secretReaders[1].principalId: got "${dumpIdentity.toUpperCase()}"; allowed: any principal but the dump jobs' identity: the dump job must never be able to read the field key (policy dump-job-cannot-read-key); remove this reader`,
        ]);
    });
});
