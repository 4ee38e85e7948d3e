/** No secret reaches a log line or an error message. */
import { redact, registerSecret } from "../../scripts/redact";
import { cleanEnv, cli } from "./helpers";

test("redact masks URL passwords, SAS signatures, account keys, conninfo passwords and registered values", () => {
    registerSecret("hunter2-registered");
    const cases: Array<[string, string]> = [
        ["postgres://app:s3cr%40t@db:5432/main", "postgres://app:***@db:5432/main"],
        ["https://acct.blob.core.windows.net/c?sv=2024-01-01&sp=rw&sig=abc%2Bdef%3D", "https://acct.blob.core.windows.net/c?sv=2024-01-01&sp=rw&sig=***"],
        ["DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9vYmFy==;EndpointSuffix=core.windows.net", "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=***;EndpointSuffix=core.windows.net"],
        ["host=db password='it\\'s' user=x", "host=db password=*** user=x"],
        ["PGPASSWORD=abc123 pg_dump", "PGPASSWORD=*** pg_dump"],
        ["failed with hunter2-registered", "failed with ***"],
    ];
    for (const [input, expected] of cases) {
        expect(redact(input)).toBe(expected);
    }
});

test("a SAS token or password in a target URL is refused, and not echoed", async () => {
    const sas = await cli(["list", "--target", "azblob://acct/backups?sv=2024&sig=TOPSECRETSIG"], cleanEnv());
    expect(sas.code).toBe(2);
    expect(sas.stderr).toContain("carries credentials or a query");
    expect(sas.stdout + sas.stderr).not.toContain("TOPSECRETSIG");
    const pw = await cli(["list", "--target", "s3://user:TOPSECRETPW@bucket"], cleanEnv());
    expect(pw.code).toBe(2);
    expect(pw.stdout + pw.stderr).not.toContain("TOPSECRETPW");
});

test("the environment's secrets are masked wherever they would appear", async () => {
    const r = await cli(["restore", "--target", "file:///nonexistent", "--database", "x", "--into", "postgres://u:URLSECRET123@127.0.0.1:1/x"], cleanEnv({ AWS_SECRET_ACCESS_KEY: "AWSSECRET456" }));
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toContain("URLSECRET123");
    expect(r.stdout + r.stderr).not.toContain("AWSSECRET456");
});
