/**
 * Redaction of secrets in every log line and error message: passwords in URLs and conninfo
 * strings, SAS signatures, storage account keys, and every secret value registered at start
 * (PGPASSWORD, AWS secret keys, passwords of --into/--scratch URLs).
 */

const secrets = new Set<string>();

/** Registers a literal secret value (ignored when short, to avoid masking ordinary words). */
export function registerSecret(value: string | undefined): void {
    if (value !== undefined && value.length >= 4) {
        secrets.add(value);
        try {
            const encoded = encodeURIComponent(value);
            if (encoded !== value) {
                secrets.add(encoded);
            }
        } catch {
            // not encodable: the literal is enough
        }
    }
}

/** Registers the secrets the environment holds. */
export function registerEnvironmentSecrets(env: NodeJS.ProcessEnv = process.env): void {
    for (const name of ["PGPASSWORD", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AZURE_CLIENT_SECRET"]) {
        registerSecret(env[name]);
    }
    const conn = env.AZURE_STORAGE_CONNECTION_STRING;
    if (conn !== undefined) {
        for (const m of conn.matchAll(/(?:AccountKey|SharedAccessSignature)=([^;]+)/gi)) {
            registerSecret(m[1]);
        }
    }
}

const PATTERNS: Array<[RegExp, string]> = [
    // scheme://user:password@host
    [/([a-z][a-z0-9+.-]*:\/\/[^:/?#\s@"']*:)[^@\s"']*@/gi, "$1***@"],
    // SAS signature and account keys
    [/\b(sig=)[^&\s"';]+/gi, "$1***"],
    [/\b(AccountKey=)[^;\s"']+/gi, "$1***"],
    [/\b(SharedAccessSignature=)[^;\s"']+/gi, "$1***"],
    // conninfo / query string passwords
    [/\b(password=)('(?:[^'\\]|\\.)*'|[^\s&;"']+)/gi, "$1***"],
    [/\b(PGPASSWORD=)[^\s"';]+/g, "$1***"],
];

/** Returns `text` with every known secret and secret-shaped value replaced by ***. */
export function redact(text: string): string {
    let out = text;
    for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
        out = out.split(secret).join("***");
    }
    for (const [pattern, replacement] of PATTERNS) {
        out = out.replace(pattern, replacement);
    }
    return out;
}
