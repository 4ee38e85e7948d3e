/** The archive readers: pg_restore's TOC lines and the archive's SQL, with the names that broke the old parser. */
import { countTables, databaseNameToken, entryNames, renameDatabase, roleReference, statements, tablesNotInToc, tocEntries, tocTablesMissing } from "../../scripts/archive";
import { parseSchemaName, parseTableName } from "../../scripts/partial";

const TOC = [
    ";     dbname: shop",
    '257; 1259 17828 TABLE Sales Data Orders "2024" DBA Team',
    "261; 1259 17856 TABLE public TABLE ATTACH postgres",
    "262; 1259 17861 TABLE public t_team DBA Team",
    "229; 1259 17641 TABLE public payment postgres",
    "4085; 0 0 TABLE ATTACH public payment_p2022_01 postgres",
    '4374; 0 17828 TABLE DATA Sales Data Orders "2024" DBA Team',
    "4375; 0 17641 TABLE DATA public payment postgres",
    "4393; 1262 16388 DATABASE - shop postgres",
].join("\n");

test("TOC entries are told apart by catalog: TABLE ATTACH and TABLE DATA are never tables, a table named TABLE ATTACH is", () => {
    expect(countTables(TOC)).toBe(4);
    const tables = tocEntries(TOC).filter((e) => e.type === "TABLE");
    expect(tables.map((e) => e.oid)).toEqual([17828, 17856, 17861, 17641]);
    expect(tocEntries(TOC).find((e) => e.id === 4085)?.type).toBe("TABLE ATTACH");
    expect(tocEntries(TOC).find((e) => e.id === 4374)).toMatchObject({ type: "TABLE DATA", oid: 17828 });
});

test("TOC lines are matched whole against real names, never split on spaces", () => {
    const [orders] = tocEntries(TOC);
    expect(entryNames(orders, "Sales Data", 'Orders "2024"')).toBe(true);
    expect(entryNames(orders, "Sales", 'Data Orders "2024"')).toBe(true); // the same text: pg_restore cannot tell them apart either
    expect(entryNames(orders, "Sales Data", "Order")).toBe(false);
    const present = [
        { schema: "Sales Data", name: 'Orders "2024"' },
        { schema: "public", name: "TABLE ATTACH" },
        { schema: "public", name: "t_team" },
    ];
    expect(tocTablesMissing(TOC, present)).toEqual(["public payment postgres"]);
    expect(tablesNotInToc(TOC, [{ schema: "public", name: "payment", oid: 17641 }, { schema: "x", name: "gone", oid: 1 }])).toEqual([{ schema: "x", name: "gone", oid: 1 }]);
});

test("statements: quoted identifiers, strings, dollar quotes, comments and meta-commands", () => {
    const sql = [
        "\\restrict abc",
        "-- Name: x; Type: TABLE",
        "COMMENT ON DATABASE shop IS 'it''s; \"DATABASE shop\"';",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $fn$SELECT 1; GRANT x TO y$fn$;",
        "\\connect shop",
        'GRANT SELECT ON TABLE "Sales Data"."Orders ""2024""" TO "DBA Team", reader WITH GRANT OPTION;',
        "/* a /* nested */ comment */ ALTER ROLE database IN DATABASE shop SET work_mem TO '8MB';",
    ].join("\n");
    const st = statements(sql);
    expect(st).toHaveLength(4);
    expect(st[0].tokens[5]).toMatchObject({ kind: "string", value: 'it\'s; "DATABASE shop"' });
    expect(roleReference(st[1])).toBeUndefined();
    expect(roleReference(st[2])).toEqual({ use: "grant", roles: ["DBA Team", "reader"] });
    expect(roleReference(st[3])).toEqual({ use: "database setting", roles: ["database"] });
    expect(databaseNameToken(st[3])).toBe(5);
    expect(renameDatabase(st[0], databaseNameToken(st[0]), '"shop restored"')).toBe(`COMMENT ON DATABASE "shop restored" IS 'it''s; "DATABASE shop"'`);
    expect(renameDatabase(st[3], 5, "x")).toContain("ALTER ROLE database IN DATABASE x SET");
});

test("quoted tokens: doubled quotes, E'' escapes, a ; inside, positions, an unterminated quote", () => {
    const sql = `SELECT 'a''b;c', E'x\\'y\\\\z', e'\\n', "q""r;s", "";SELECT 'open`;
    const [first, second] = statements(sql);
    expect(first.tokens.map((t) => [t.kind, t.value])).toEqual([
        ["word", "select"], ["string", "a'b;c"], ["op", ","], ["string", "x'y\\z"], ["op", ","], ["string", "n"], ["op", ","], ["ident", 'q"r;s'], ["op", ","], ["ident", ""],
    ]);
    // each token's span is its text in the statement, quotes and the E prefix included
    expect(first.tokens.map((t) => first.text.slice(t.start, t.end))).toEqual(["SELECT", "'a''b;c'", ",", "E'x\\'y\\\\z'", ",", "e'\\n'", ",", '"q""r;s"', ",", '""']);
    expect(second.tokens.map((t) => [t.kind, t.value, second.text.slice(t.start, t.end)])).toEqual([["word", "select", "SELECT"], ["string", "open", "'open"]]);
});

test("roles named by policies, default privileges, owners, revokes and user mappings", () => {
    const [policy, defaults, owner, revoke, mapping, lo] = statements(
        [
            "CREATE POLICY p ON app.doc FOR ALL TO writer, \"DBA Team\", PUBLIC USING (true) WITH CHECK (x IS NOT NULL);",
            "ALTER DEFAULT PRIVILEGES FOR ROLE corpus_owner IN SCHEMA app GRANT SELECT ON TABLES TO reader;",
            'ALTER TABLE "Sales Data".ledger OWNER TO "DBA Team";',
            "REVOKE ALL ON DATABASE shop FROM PUBLIC;",
            "CREATE USER MAPPING FOR reader SERVER elsewhere OPTIONS (\"user\" 'reader');",
            "GRANT SELECT ON LARGE OBJECT 424242 TO reader;",
        ].join("\n"),
    );
    expect(roleReference(policy)).toEqual({ use: "policy", roles: ["writer", "DBA Team"] });
    expect(roleReference(defaults)).toEqual({ use: "default privileges", roles: ["corpus_owner", "reader"] });
    expect(roleReference(owner)).toEqual({ use: "ownership", roles: ["DBA Team"] });
    expect(roleReference(revoke)).toEqual({ use: "revoke", roles: [] });
    expect(roleReference(mapping)).toEqual({ use: "user mapping", roles: ["reader"] });
    expect(roleReference(lo)).toEqual({ use: "grant", roles: ["reader"] });
});

test("--table and --schema take SQL names", () => {
    expect(parseTableName("public.Clients")).toEqual({ schema: "public", name: "clients" });
    expect(parseTableName('"Sales Data"."Orders ""2024"""')).toEqual({ schema: "Sales Data", name: 'Orders "2024"' });
    expect(parseTableName('"a.b"."x.y"')).toEqual({ schema: "a.b", name: "x.y" });
    expect(() => parseTableName("clients")).toThrow("--table clients is not schema.table");
    expect(() => parseTableName("a.b.c")).toThrow("is not schema.table");
    expect(parseSchemaName('"Sales Data"')).toBe("Sales Data");
    expect(() => parseSchemaName("a.b")).toThrow("--schema a.b is not a schema name");
});
