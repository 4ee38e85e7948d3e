/**
 * The stacks' derived names live in one module (stacks/naming.ts) and keep their values (a
 * changed name is a new resource); stacks/*.ts import each other without a cycle.
 */
import { createHash } from "crypto";
import { readdirSync, readFileSync } from "fs";
import * as path from "path";
import * as ts from "typescript";
import { boundedName, containerFor, dumpJobName, dumpTaskName, jobName } from "../../stacks/naming";
import { LifeboatConfig } from "../../stacks/config";

const STACKS = path.resolve(__dirname, "..", "..", "stacks");
const hash8 = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 8);

describe("one boundedName for every shortened name, values as before", () => {
    const long = "casework-production-primary-postgres-server-in-west-europe-number-two";
    it("Container Apps job names: 32 characters, the first 23 and a hash of the whole name", () => {
        expect(jobName("verify", "casework-pg")).toBe("verify-casework-pg");
        const name = `verify-${long}`;
        expect(jobName("verify", long)).toBe(`${name.slice(0, 23).replace(/-+$/, "")}-${hash8(name)}`);
        expect(dumpJobName(long)).toHaveLength(32);
    });

    it("further containers: 63 characters, the first 54 and a hash of the whole name", () => {
        const cfg = { backupStorage: {}, servers: [{ name: "a" }, { name: long }] } as unknown as LifeboatConfig;
        expect(containerFor(cfg, 0)).toBe("dumps");
        const name = `dumps-${long}`;
        expect(containerFor(cfg, 1)).toBe(`${name.slice(0, 54).replace(/-+$/, "")}-${hash8(name)}`);
    });

    it("ECS task names: 64 characters, the first 55 and a hash of the server's name", () => {
        const server = `${long}-and-some-more-to-pass-sixty-four`;
        const name = `lifeboat-dump-${server}`;
        expect(dumpTaskName(server)).toBe(`${name.slice(0, 55).replace(/-+$/, "")}-${hash8(server)}`);
        expect(dumpTaskName("casework-pg")).toBe("lifeboat-dump-casework-pg");
    });

    it("drops the hyphens a cut leaves before the hash", () => {
        expect(boundedName("abcdefgh-ijklmnop", 16)).toBe(`abcdefg-${hash8("abcdefgh-ijklmnop")}`);
    });
});

describe("stacks/*.ts import each other without a cycle", () => {
    it("has no import cycle", () => {
        const files = readdirSync(STACKS).filter((f) => f.endsWith(".ts"));
        const deps = new Map(files.map((f) => [f, ts.preProcessFile(readFileSync(path.join(STACKS, f), "utf8"), true, true).importedFiles
            .map((i) => i.fileName).filter((n) => n.startsWith("./")).map((n) => `${n.slice(2)}.ts`)]));
        const cycles: string[] = [];
        const visit = (f: string, trail: string[]): void => {
            if (trail.includes(f)) {
                cycles.push([...trail.slice(trail.indexOf(f)), f].join(" -> "));
                return;
            }
            for (const d of deps.get(f) ?? []) {
                visit(d, [...trail, f]);
            }
        };
        files.forEach((f) => visit(f, []));
        expect([...new Set(cycles)]).toEqual([]);
    });
});
