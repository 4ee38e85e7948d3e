/**
 * docs/REFERENCE.md, generated from the components' own source: for every ComponentResource
 * exported by `lifeboat/azure`, `lifeboat/aws` and `lifeboat/docker`, its type token, its inputs
 * (the args interface: name, type, required or the default from its `@default` tag, the doc
 * comment), its outputs (public readonly members) and the argument types it refers to.
 * `npm run docs` rewrites the page; test/unit/reference.test.ts fails when it drifts, and when an
 * optional input has no `@default` (STYLE.md: every optional arg documents its default).
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

export const ROOT = path.resolve(__dirname, "..");
export const REFERENCE = path.join(ROOT, "docs", "REFERENCE.md");
export const MODULES = ["azure", "aws", "docker"] as const;

export interface Member {
    name: string;
    type: string;
    optional: boolean;
    default?: string;
    doc: string;
}

export interface ComponentDoc {
    module: (typeof MODULES)[number];
    name: string;
    token: string;
    doc: string;
    argsType: string;
    inputs: Member[];
    outputs: Member[];
    file: string;
}

export interface TypeDoc {
    module: (typeof MODULES)[number];
    name: string;
    doc: string;
    members: Member[];
}

function docOf(symbol: ts.Symbol, checker: ts.TypeChecker): string {
    return ts.displayPartsToString(symbol.getDocumentationComment(checker)).replace(/\s+/g, " ").trim();
}

function defaultOf(symbol: ts.Symbol): string | undefined {
    const tag = symbol.getJsDocTags().find((t) => t.name === "default");
    return tag === undefined ? undefined : ts.displayPartsToString(tag.text).replace(/\s+/g, " ").trim();
}

function typeText(decl: ts.Declaration | undefined): string {
    const node = decl !== undefined && (ts.isPropertySignature(decl) || ts.isPropertyDeclaration(decl)) ? decl.type : undefined;
    return node === undefined ? "" : node.getText().replace(/\s+/g, " ");
}

function membersOf(symbols: ts.Symbol[], checker: ts.TypeChecker): Member[] {
    return symbols.map((s) => {
        const decl = s.declarations?.[0];
        return {
            name: s.getName(),
            type: typeText(decl),
            optional: (s.getFlags() & ts.SymbolFlags.Optional) !== 0,
            default: defaultOf(s),
            doc: docOf(s, checker),
        };
    });
}

function superToken(cls: ts.ClassDeclaration): string {
    let token = "";
    const visit = (node: ts.Node): void => {
        if (token === "" && ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.SuperKeyword && node.arguments[0] !== undefined && ts.isStringLiteral(node.arguments[0])) {
            token = node.arguments[0].text;
        }
        ts.forEachChild(node, visit);
    };
    visit(cls);
    return token;
}

/** Every component and the argument types they use, read with the type checker. */
export function readComponents(): { components: ComponentDoc[]; types: TypeDoc[] } {
    const entries = MODULES.map((m) => path.join(ROOT, "components", m, "index.ts"));
    // The components' own files only (noResolve): docs and type texts come from their source, so
    // the SDKs' huge declarations need not be read.
    const sources = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
    const program = ts.createProgram([...sources(path.join(ROOT, "components")), path.join(ROOT, "scripts", "layout.ts")], {
        target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, strict: true, noEmit: true, noResolve: true, types: [], noLib: true,
    });
    const checker = program.getTypeChecker();
    const components: ComponentDoc[] = [];
    const types: TypeDoc[] = [];
    MODULES.forEach((module, i) => {
        const source = program.getSourceFile(entries[i]);
        const moduleSymbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
        if (moduleSymbol === undefined) {
            throw new Error(`cannot read ${entries[i]}`);
        }
        const exported = checker.getExportsOfModule(moduleSymbol).map((s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s));
        const interfaces = new Map<string, ts.Symbol>();
        for (const s of exported) {
            if (s.flags & ts.SymbolFlags.Interface) {
                interfaces.set(s.getName(), s);
            }
        }
        const referenced = new Set<string>();
        const refer = (text: string): void => {
            for (const word of text.match(/[A-Z][A-Za-z0-9]*/g) ?? []) {
                if (interfaces.has(word) && !referenced.has(word)) {
                    referenced.add(word);
                    const decl = interfaces.get(word)!.declarations?.[0];
                    if (decl !== undefined && ts.isInterfaceDeclaration(decl)) {
                        decl.members.forEach((m) => refer(typeText(m as ts.Declaration)));
                    }
                }
            }
        };
        for (const s of exported) {
            const decl = s.declarations?.find(ts.isClassDeclaration);
            if (decl === undefined || !(s.flags & ts.SymbolFlags.Class)) {
                continue;
            }
            const heritage = decl.heritageClauses?.flatMap((h) => h.types.map((t) => t.expression.getText())) ?? [];
            if (!heritage.includes("pulumi.ComponentResource")) {
                continue;
            }
            const ctor = decl.members.find(ts.isConstructorDeclaration);
            const argsNode = ctor?.parameters[1]?.type;
            const argsType = argsNode?.getText() ?? "";
            const argsSymbol = interfaces.get(argsType);
            if (argsSymbol === undefined) {
                throw new Error(`${s.getName()}: its args type ${argsType} is not an exported interface of lifeboat/${module}`);
            }
            referenced.add(argsType);
            const inputs = membersOf(checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(argsSymbol)), checker);
            inputs.forEach((m) => refer(m.type));
            const outputs = membersOf(decl.members.filter((m): m is ts.PropertyDeclaration => ts.isPropertyDeclaration(m)
                && (m.modifiers ?? []).some((x) => x.kind === ts.SyntaxKind.PublicKeyword)
                && (m.modifiers ?? []).some((x) => x.kind === ts.SyntaxKind.ReadonlyKeyword))
                .map((m) => checker.getSymbolAtLocation(m.name)!), checker);
            components.push({
                module, name: s.getName(), token: superToken(decl), doc: docOf(s, checker), argsType, inputs, outputs,
                file: path.relative(ROOT, decl.getSourceFile().fileName),
            });
        }
        for (const name of [...referenced].sort()) {
            if (components.some((c) => c.module === module && c.argsType === name)) {
                continue;
            }
            const symbol = interfaces.get(name)!;
            types.push({ module, name, doc: docOf(symbol, checker), members: membersOf(checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol)), checker) });
        }
    });
    return { components, types };
}

const cell = (text: string): string => text.replace(/\|/g, "\\|");

function memberTable(members: Member[], withDefault: boolean): string[] {
    return [
        withDefault ? "| input | type | default | description |" : "| output | type | description |",
        withDefault ? "| --- | --- | --- | --- |" : "| --- | --- | --- |",
        ...members.map((m) => {
            const doc = cell(m.doc.replace(/@default.*$/, "").trim());
            return withDefault
                ? `| \`${m.name}\` | \`${cell(m.type)}\` | ${m.optional ? (m.default === undefined ? "optional" : cell(m.default)) : "**required**"} | ${doc} |`
                : `| \`${m.name}\` | \`${cell(m.type)}\` | ${doc} |`;
        }),
    ];
}

/** The whole page. */
export function reference(): string {
    const { components, types } = readComponents();
    const lines = [
        "# Component reference",
        "",
        "<!-- generated by `npm run docs` (tools/reference.ts) from the components' source; do not edit -->",
        "",
        "Every ComponentResource of the library, by module: `import { ... } from \"lifeboat/azure\"`",
        "(or `lifeboat/aws`, `lifeboat/docker`). Each takes `(name, args, opts)`; its children are",
        "named `<name>-...` and are part of the API (a renamed child would be replaced). Inputs are the",
        "args interface, outputs the component's public members. Pulumi `Input<T>` accepts a value or",
        "an output; a plain type must be a literal (policies read it during preview).",
        "",
    ];
    for (const module of MODULES) {
        lines.push(`## lifeboat/${module}`, "");
        for (const c of components.filter((x) => x.module === module)) {
            lines.push(`### ${c.name}`, "", `\`${c.token}\` (${c.file}). ${c.doc}`, "", `Inputs: \`${c.argsType}\``, "", ...memberTable(c.inputs, true), "", ...memberTable(c.outputs, false), "");
        }
        const own = types.filter((t) => t.module === module);
        if (own.length > 0) {
            lines.push(`### Argument types of lifeboat/${module}`, "");
            for (const t of own) {
                lines.push(`#### ${t.name}`, "", ...(t.doc === "" ? [] : [t.doc, ""]), ...memberTable(t.members, true), "");
            }
        }
    }
    return `${lines.join("\n").trimEnd()}\n`;
}

if (require.main === module) {
    const before = fs.existsSync(REFERENCE) ? fs.readFileSync(REFERENCE, "utf8") : "";
    const after = reference();
    fs.writeFileSync(REFERENCE, after);
    process.stdout.write(before === after ? "docs/REFERENCE.md is up to date\n" : "docs/REFERENCE.md regenerated\n");
}
