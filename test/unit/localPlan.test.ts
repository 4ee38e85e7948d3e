// The local target's plan (stacks/local.ts planLocal): config in, plain data out, checked before
// anything is declared; localStack only declares it.
import { Problems } from "../../components/validation";
import { parseConfig } from "../../stacks/config";
import { planLocal } from "../../stacks/local";
import { planningMocks } from "./mocks";

const declared = planningMocks("local");

afterAll(() => {
    // Planning declared nothing and called nothing.
    expect(declared).toEqual([]);
});

const values = {
    target: "local",
    servers: [{ name: "db", databases: ["main", "audit"] }],
    local: { network: "casework_default", backupDir: "/srv/lifeboat/casework", user: "casework", dockerHost: "ssh://backup@host" },
    keyVault: { expectedFingerprint: "sha256:d88a2cb53b61ef4d" },
};

describe("planLocal: config to plain data, checked in the same pass", () => {
    it("holds the container's args, the engine and the image, and no secret", () => {
        const problems = new Problems();
        const plan = planLocal(parseConfig({ values, secretsSet: ["postgresPassword"] }, "local"), problems);
        expect(problems.list).toEqual([]);
        expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
        expect([plan.dockerHost, plan.prebuiltImage, plan.imageName]).toEqual(["ssh://backup@host", undefined, "lifeboat-job:local"]);
        expect([plan.backup.network, plan.backup.host, plan.backup.user, plan.backup.databases, plan.backup.containerName]).toEqual(["casework_default", "db", "casework", ["main", "audit"], "lifeboat-local"]);
    });

    it("a prebuilt image is pulled instead of built; a missing password is reported with the plan", () => {
        const problems = new Problems();
        const plan = planLocal(parseConfig({ values: { ...values, schedule: { image: "ghcr.io/example/lifeboat:1" } } }, "local"), problems);
        expect(plan.prebuiltImage).toBe("ghcr.io/example/lifeboat:1");
        expect(problems.list.map((p) => p.path)).toEqual(["lifeboat:postgresPassword"]);
    });
});
