/**
 * The offline plan as a reviewer reads it: one renderer for the terminal (text, wrapped to the
 * width, colour only on a terminal) and for a pull-request comment (`--format markdown`), and the
 * JSON view (`--json`). Every policy gets one of four marks: pass, advisory, mandatory (blocks
 * `pulumi up`), not applicable; disabled policies say so.
 */
import type { PlannedResource, PlanResult, PolicySummary, Verdict } from "./plan";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface RenderOptions {
    /** @default "text" */
    format?: "text" | "markdown";
    /** Wrap text lines at this many columns. @default 100 */
    width?: number;
    /** ANSI colour for the marks (text only). @default false */
    colour?: boolean;
}

/** The settings that matter, per type: dotted input paths printed beside each resource. */
const KEY_SETTINGS: Record<string, string[]> = {
    "azure-native:resources:ResourceGroup": ["resourceGroupName", "location"],
    "azure-native:dbforpostgresql:Server": ["serverName", "location", "version", "sku.name", "sku.tier", "storage.storageSizeGB", "backup.backupRetentionDays", "backup.geoRedundantBackup", "highAvailability.mode", "network.publicNetworkAccess", "authConfig.passwordAuth", "createMode"],
    "azure-native:dbforpostgresql:Database": ["serverName", "databaseName"],
    "azure-native:keyvault:Vault": ["vaultName", "location", "properties.enableRbacAuthorization", "properties.enablePurgeProtection", "properties.softDeleteRetentionInDays", "properties.publicNetworkAccess", "properties.networkAcls.defaultAction", "properties.createMode"],
    "azure-native:keyvault:Secret": ["vaultName", "secretName", "properties.contentType", "properties.value"],
    "azure-native:storage:StorageAccount": ["accountName", "location", "sku.name", "minimumTlsVersion", "enableHttpsTrafficOnly", "allowBlobPublicAccess", "allowSharedKeyAccess", "encryption.requireInfrastructureEncryption", "networkRuleSet.defaultAction"],
    "azure-native:storage:BlobServiceProperties": ["isVersioningEnabled", "deleteRetentionPolicy.days", "containerDeleteRetentionPolicy.days"],
    "azure-native:storage:BlobContainer": ["containerName", "publicAccess"],
    "azure-native:storage:BlobContainerImmutabilityPolicy": ["immutabilityPeriodSinceCreationInDays"],
    "azure-native:app:Job": ["jobName", "location", "configuration.triggerType", "configuration.scheduleTriggerConfig.cronExpression", "configuration.registries[0].server", "template.containers[0].image"],
    "azure-native:containerregistry:Registry": ["registryName", "location", "sku.name", "adminUserEnabled", "anonymousPullEnabled", "publicNetworkAccess"],
    "docker:index/image:Image": ["imageName", "build.context", "build.dockerfile", "build.platform", "skipPush", "registry.server", "registry.username", "registry.password"],
    "docker:index/remoteImage:RemoteImage": ["name", "keepLocally"],
    "docker:index/container:Container": ["name", "image", "command", "networksAdvanced[0].name", "mounts[0].type", "mounts[0].source", "mounts[0].target", "restart", "healthcheck.tests", "envs"],
    "docker:index/volume:Volume": ["name"],
    "aws:ecr/repository:Repository": ["name", "region", "imageTagMutability", "imageScanningConfiguration.scanOnPush", "forceDelete"],
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": ["repository"],
    "azure-native:app:ManagedEnvironment": ["location", "vnetConfiguration.internal", "workloadProfiles[0].workloadProfileType"],
    "azure-native:network:VirtualNetwork": ["virtualNetworkName", "location", "addressSpace.addressPrefixes"],
    "azure-native:network:Subnet": ["subnetName", "addressPrefix", "delegations[0].serviceName", "serviceEndpoints[0].service"],
    "azure-native:network:PrivateEndpoint": ["privateEndpointName", "location", "privateLinkServiceConnections[0].groupIds"],
    "azure-native:network:PrivateDnsZoneGroup": ["privateEndpointName", "privateDnsZoneConfigs[0].name"],
    "azure-native:privatedns:PrivateZone": ["privateZoneName", "location"],
    "azure-native:privatedns:VirtualNetworkLink": ["privateZoneName", "registrationEnabled"],
    "azure-native:operationalinsights:Workspace": ["location", "retentionInDays"],
    "azure-native:managedidentity:UserAssignedIdentity": ["location"],
    "azure-native:authorization:RoleAssignment": ["roleDefinitionId", "principalType"],
    "aws:rds/instance:Instance": ["identifier", "region", "engineVersion", "instanceClass", "allocatedStorage", "backupRetentionPeriod", "multiAz", "storageEncrypted", "deletionProtection", "publiclyAccessible", "copyTagsToSnapshot", "skipFinalSnapshot"],
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": ["region", "retentionPeriod"],
    "aws:kms/key:Key": ["region", "enableKeyRotation", "deletionWindowInDays", "tags.lifeboat-role"],
    "aws:secretsmanager/secret:Secret": ["name", "region", "recoveryWindowInDays"],
    "aws:secretsmanager/secretVersion:SecretVersion": ["region", "secretString"],
    "aws:s3/bucket:Bucket": ["bucket", "region", "objectLockEnabled", "forceDestroy"],
    "aws:s3/bucketVersioning:BucketVersioning": ["versioningConfiguration.status"],
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": ["rule.defaultRetention.mode", "rule.defaultRetention.days"],
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": ["rules[0].applyServerSideEncryptionByDefault.sseAlgorithm", "rules[0].bucketKeyEnabled"],
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"],
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ["rules[0].expiration.days", "rules[1].expiration.days", "rules[2].expiration.days", "rules[3].abortIncompleteMultipartUpload.daysAfterInitiation"],
    "aws:ecs/taskDefinition:TaskDefinition": ["family", "region", "cpu", "memory"],
    "aws:scheduler/schedule:Schedule": ["name", "region", "scheduleExpression", "scheduleExpressionTimezone", "state"],
    "aws:cloudwatch/logGroup:LogGroup": ["name", "retentionInDays"],
    "aws:cloudwatch/metricAlarm:MetricAlarm": ["metricName", "comparisonOperator", "threshold", "period"],
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": ["url", "clientIdLists"],
    "aws:iam/role:Role": ["maxSessionDuration"],
    "pulumi:providers:aws": ["region"],
    "random:index/randomBytes:RandomBytes": ["length"],
    "random:index/randomPassword:RandomPassword": ["length"],
};

/**
 * Paths inside a secret input that are shown anyway: literals from non-secret stack config. A
 * Container Apps job's whole `configuration` is secret (it holds the job's secret references),
 * but its trigger and schedule are not, and a reviewer needs to see when the dumps run.
 */
const NOT_SECRET: Record<string, string[]> = {
    "azure-native:app:Job": ["configuration.triggerType", "configuration.scheduleTriggerConfig.cronExpression", "configuration.registries[0].server"],
};

function get(obj: unknown, dotted: string): unknown {
    let v: unknown = obj;
    for (const part of dotted.replace(/\[(\d+)\]/g, ".$1").split(".")) {
        if (v === null || typeof v !== "object") {
            return undefined;
        }
        v = (v as Record<string, unknown>)[part];
    }
    return v;
}

function isSecretAt(r: PlannedResource, key: string): boolean {
    if ((NOT_SECRET[r.type] ?? []).includes(key)) {
        return false;
    }
    const dotted = key.replace(/\[(\d+)\]/g, ".$1");
    return r.secretPaths.some((p) => {
        const q = p.replace(/\[(\d+)\]/g, ".$1");
        return q === dotted || dotted.startsWith(`${q}.`) || q.startsWith(`${dotted}.`);
    });
}

/** A management policy's rules as `name=delete 30 d after modification` (and any tier move), so the retention days are visible. */
function lifecycleSummary(r: PlannedResource): string[] {
    const rules = get(r.props, "policy.rules");
    if (!Array.isArray(rules)) {
        return [];
    }
    return rules.map((rule) => {
        const base = get(rule, "definition.actions.baseBlob") as Record<string, Record<string, unknown>> | undefined;
        const parts: string[] = [];
        for (const [action, days] of Object.entries(base ?? {})) {
            const d = Object.entries(days ?? {}).filter(([k]) => k.startsWith("days")).map(([k, v]) => `${v} d after ${k.replace(/^daysAfter/, "").replace(/GreaterThan$/, "").replace(/([A-Z])/g, " $1").trim().toLowerCase()}`);
            parts.push(`${action} ${d.join(" or ")}`);
        }
        return `${String(get(rule, "name") ?? "?")}=${parts.join(", ") || "no action"}`;
    });
}

function showSetting(r: PlannedResource, key: string): string | undefined {
    const value = get(r.props, key);
    if (value === undefined) {
        return undefined;
    }
    const shown = isSecretAt(r, key) ? "[secret]" : value === UNKNOWN ? "(known after apply)" : typeof value === "string" ? value : JSON.stringify(value);
    // `networksAdvanced[0].name` reads as `networksAdvanced.name`, not as a second `name`
    const label = /\.name$/.test(key) && key.includes("[") ? key.replace(/\[\d+\]/g, "").split(".").slice(-2).join(".") : key.split(".").pop();
    return `${label}=${shown}`;
}

function settingsOf(r: PlannedResource): string[] {
    const settings = (KEY_SETTINGS[r.type] ?? ["location"]).map((k) => showSetting(r, k)).filter((s): s is string => s !== undefined);
    if (r.type === "azure-native:storage:ManagementPolicy") {
        settings.push(...(isSecretAt(r, "policy") ? ["rules=[secret]"] : lifecycleSummary(r)));
    }
    return settings;
}

/** A derived, printable view of one resource: what the tree and --json show. */
export function describe(r: PlannedResource): { type: string; name: string; parent?: string; protect: boolean; settings: Record<string, string> } {
    const settings: Record<string, string> = {};
    for (const shown of settingsOf(r)) {
        const key = shown.slice(0, shown.indexOf("="));
        const full = (KEY_SETTINGS[r.type] ?? ["location"]).find((k) => k === key || k.endsWith(`.${key}`) || k.replace(/\[\d+\]/g, "").endsWith(key)) ?? key;
        settings[full] = shown.slice(shown.indexOf("=") + 1);
    }
    return { type: r.type, name: r.name, parent: r.opts.parent, protect: r.opts.protect, settings };
}

// ---------------------------------------------------------------- marks, wrapping, colour

type Status = PolicySummary["status"];

const MARKS: Record<Status, { text: string; markdown: string; colour: string; meaning: string }> = {
    pass: { text: "✓", markdown: "✅", colour: "32", meaning: "pass" },
    advisory: { text: "!", markdown: "⚠️", colour: "33", meaning: "advisory" },
    mandatory: { text: "✗", markdown: "❌", colour: "31", meaning: "mandatory: blocks pulumi up" },
    "not-applicable": { text: "–", markdown: "➖", colour: "2", meaning: "not applicable" },
    disabled: { text: "·", markdown: "⏸️", colour: "2", meaning: "disabled by pack config" },
};

function paint(text: string, code: string, colour: boolean): string {
    return colour ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/**
 * Word-wraps `text` to `width` columns: the first line after `first`, the others after `rest`
 * (a hanging indent). A word longer than a line stays whole.
 */
export function wrap(text: string, width: number, first: string, rest: string): string[] {
    const lines: string[] = [];
    let line = first;
    let empty = true;
    for (const word of text.split(/\s+/).filter((w) => w !== "")) {
        if (!empty && line.length + 1 + word.length > width) {
            lines.push(line);
            line = rest + word;
        } else {
            line += (empty ? "" : " ") + word;
        }
        empty = false;
    }
    lines.push(line);
    return lines;
}

function plural(n: number, one: string, many = `${one}s`): string {
    return `${n} ${n === 1 ? one : many}`;
}

function statusText(p: PolicySummary): string {
    switch (p.status) {
        case "pass":
            return "pass";
        case "disabled":
            return "disabled by pack config";
        case "not-applicable":
            return `not applicable: ${p.notApplicable ?? "nothing it checks"}`;
        case "advisory":
            return p.enforcementLevel === "mandatory"
                ? `${plural(p.violations, "advisory finding")} (downgraded by the policy; nothing blocks)`
                : plural(p.violations, "advisory finding");
        case "mandatory":
            return plural(p.violations, "violation");
    }
}

function verdictStatus(v: Verdict): Status {
    return v.enforcementLevel === "mandatory" ? "mandatory" : "advisory";
}

interface Tally {
    mandatory: number;
    advisory: number;
}

function tally(result: PlanResult): Tally {
    return {
        mandatory: result.verdicts.filter((v) => v.enforcementLevel === "mandatory").length,
        advisory: result.verdicts.filter((v) => v.enforcementLevel === "advisory").length,
    };
}

function conclusion(t: Tally): string {
    if (t.mandatory > 0) {
        return `${plural(t.mandatory, "mandatory policy violation")}: pulumi up would be blocked.${t.advisory > 0 ? ` Also ${plural(t.advisory, "advisory finding")}.` : ""}`;
    }
    return t.advisory > 0 ? `No mandatory policy violation; ${plural(t.advisory, "advisory finding")} to review.` : "No mandatory policy violation.";
}

function counts(policies: PolicySummary[]): string {
    const by = (s: Status) => policies.filter((p) => p.status === s).length;
    const parts = [`${by("pass")} pass`, `${by("advisory")} advisory`, `${by("mandatory")} mandatory`, `${by("not-applicable")} not applicable`];
    if (by("disabled") > 0) {
        parts.push(`${by("disabled")} disabled`);
    }
    return parts.join(", ");
}

function childrenByParent(result: PlanResult): Map<string, PlannedResource[]> {
    const byParent = new Map<string, PlannedResource[]>();
    for (const r of result.resources) {
        const key = r.opts.parent ?? "";
        byParent.set(key, [...(byParent.get(key) ?? []), r]);
    }
    return byParent;
}

function heading(result: PlanResult): string {
    return `Offline plan of stack ${result.stack}: ${plural(result.resources.filter((r) => r.custom).length, "resource")} in ${plural(result.resources.filter((r) => !r.custom).length, "component")} (Pulumi mocks; no CLI, cloud or credentials)`;
}

// ---------------------------------------------------------------- text

function renderText(result: PlanResult, width: number, colour: boolean): string {
    const lines: string[] = [];
    const mark = (s: Status) => paint(MARKS[s].text, MARKS[s].colour, colour);
    if (result.configErrors.length > 0 || result.error !== undefined) {
        lines.push(`Stack ${result.stack}: the configuration cannot be used; nothing would be declared.`);
        for (const e of [...result.configErrors, ...(result.error === undefined ? [] : [result.error])]) {
            const wrapped = wrap(e, width, "  error: ", "    ");
            lines.push(wrapped[0].replace("error:", paint("error:", "31", colour)), ...wrapped.slice(1));
        }
        return lines.join("\n");
    }
    const byParent = childrenByParent(result);
    const verdictsFor = (urn: string) => result.verdicts.filter((v) => v.urn === urn);
    const verdictLines = (v: Verdict, indent: string): string[] => {
        const s = verdictStatus(v);
        const wrapped = wrap(`${v.policy} (${v.enforcementLevel}): ${v.message}`, width, `${indent}${MARKS[s].text} `, `${indent}  `);
        return [wrapped[0].replace(`${indent}${MARKS[s].text} `, `${indent}${mark(s)} `), ...wrapped.slice(1)];
    };
    const walk = (parent: string, indent: string) => {
        const children = byParent.get(parent) ?? [];
        children.forEach((r, i) => {
            const last = i === children.length - 1;
            const branch = parent === "" ? "" : last ? "└─ " : "├─ ";
            const nextIndent = parent === "" ? "" : indent + (last ? "   " : "│  ");
            const own = byParent.has(r.urn) ? `${nextIndent}│     ` : `${nextIndent}      `;
            const title = `${r.type} ${r.name}${r.opts.protect ? " [protected]" : ""}${r.importId !== undefined ? " [adopted]" : ""}${r.readId !== undefined ? " [existing, read]" : ""}`;
            // A setting is never split across lines (`cronExpression=0 2 * * *` stays whole).
            const units = [title.replace(/ /g, "\u0001"), ...settingsOf(r).map((x) => x.replace(/\s/g, "\u0001"))];
            lines.push(...wrap(units.join(" "), width, `${indent}${branch}`, own).map((l) => l.replace(/\u0001/g, " ")));
            for (const v of verdictsFor(r.urn)) {
                lines.push(...verdictLines(v, `${nextIndent}   `));
            }
            walk(r.urn, nextIndent);
        });
    };
    lines.push(...wrap(heading(result), width, "", "  "));
    for (const note of result.notes) {
        lines.push(...wrap(note, width, "  note: ", "        "));
    }
    lines.push("");
    walk("", "");
    const stackVerdicts = result.verdicts.filter((v) => v.urn === undefined);
    if (stackVerdicts.length > 0) {
        lines.push("", "Stack-level verdicts:");
        for (const v of stackVerdicts) {
            lines.push(...verdictLines(v, "  "));
        }
    }
    lines.push("", `Policies (pack lifeboat): ${result.policies.length}: ${counts(result.policies)}`);
    lines.push(`  ${(["pass", "advisory", "mandatory", "not-applicable"] as Status[]).map((s) => `${mark(s)} ${MARKS[s].meaning}`).join("   ")}`);
    const nameWidth = Math.max(...result.policies.map((p) => p.policy.length), 0);
    for (const p of result.policies) {
        const first = `  ${MARKS[p.status].text} ${p.policy.padEnd(nameWidth)} [${p.enforcementLevel}] `;
        const wrapped = wrap(statusText(p), width, first, " ".repeat(first.length > width - 30 ? 6 : first.length));
        lines.push(wrapped[0].replace(`  ${MARKS[p.status].text} `, `  ${mark(p.status)} `), ...wrapped.slice(1));
    }
    lines.push("", ...wrap(conclusion(tally(result)), width, "", ""), "", "Outputs:");
    for (const [k, v] of Object.entries(result.outputs)) {
        lines.push(...wrap(typeof v === "string" ? v : JSON.stringify(v), width, `  ${k}: `, "    "));
    }
    return lines.join("\n");
}

// ---------------------------------------------------------------- markdown

function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function renderMarkdown(result: PlanResult): string {
    const out: string[] = [];
    if (result.configErrors.length > 0 || result.error !== undefined) {
        out.push(`### ${MARKS.mandatory.markdown} Offline plan of stack \`${result.stack}\`: configuration error`, "", "The configuration cannot be used; nothing would be declared.", "");
        for (const e of [...result.configErrors, ...(result.error === undefined ? [] : [result.error])]) {
            out.push(`- ${e}`);
        }
        return out.join("\n");
    }
    const t = tally(result);
    const verdict = t.mandatory > 0 ? `${MARKS.mandatory.markdown} blocked` : t.advisory > 0 ? `${MARKS.advisory.markdown} passed with advisories` : `${MARKS.pass.markdown} passed`;
    out.push(`### Offline plan of stack \`${result.stack}\`: ${verdict}`, "", heading(result).replace(/^Offline plan of stack \S+: /, ""), "");
    for (const note of result.notes) {
        out.push(`> note: ${note}`, "");
    }
    out.push(`**${conclusion(t)}** Policies: ${counts(result.policies)}.`, "");
    const findings = [...result.verdicts].sort((a, b) => (a.enforcementLevel === b.enforcementLevel ? 0 : a.enforcementLevel === "mandatory" ? -1 : 1));
    if (findings.length > 0) {
        out.push("#### Findings", "");
        for (const v of findings) {
            const where = v.type === undefined ? "the stack" : `\`${v.type}\` \`${v.name}\``;
            out.push(`- ${MARKS[verdictStatus(v)].markdown} **${v.policy}** (${v.enforcementLevel}) on ${where}: ${v.message}`);
        }
        out.push("");
    }
    out.push("#### Policies", "", "| | policy | level | result |", "| --- | --- | --- | --- |");
    for (const p of result.policies) {
        out.push(`| ${MARKS[p.status].markdown} | \`${p.policy}\` | ${p.enforcementLevel} | ${cell(statusText(p))} |`);
    }
    out.push("", `${(["pass", "advisory", "mandatory", "not-applicable"] as Status[]).map((s) => `${MARKS[s].markdown} ${MARKS[s].meaning}`).join(" · ")}`, "");
    out.push(`<details><summary>Resources (${result.resources.filter((r) => r.custom).length})</summary>`, "", "```text", renderText({ ...result, verdicts: [] }, 140, false).split("\n\nPolicies (pack")[0], "```", "", "</details>", "");
    out.push("<details><summary>Outputs</summary>", "", "| output | value |", "| --- | --- |");
    for (const [k, v] of Object.entries(result.outputs)) {
        out.push(`| \`${k}\` | ${cell(typeof v === "string" ? v : JSON.stringify(v))} |`);
    }
    out.push("", "</details>");
    return out.join("\n");
}

/** The plan for a reader: text (the terminal) or markdown (a pull-request comment or job summary). */
export function renderPlan(result: PlanResult, options: RenderOptions = {}): string {
    return options.format === "markdown" ? renderMarkdown(result) : renderText(result, options.width ?? 100, options.colour ?? false);
}

export function planJson(result: PlanResult): unknown {
    return {
        stack: result.stack,
        exitCode: result.exitCode,
        configErrors: result.configErrors,
        error: result.error,
        notes: result.notes,
        resources: result.resources.map((r) => ({ ...describe(r), urn: r.urn })),
        verdicts: result.verdicts,
        policies: result.policies,
        outputs: result.outputs,
    };
}
