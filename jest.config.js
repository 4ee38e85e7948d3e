/** @type {import('jest').Config} */
const common = {
    preset: "ts-jest",
    testEnvironment: "node",
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.jest.json" }] },
};

module.exports = {
    // Jest 29 reads testTimeout globally only; the integration tests run real servers.
    testTimeout: 120000,
    projects: [
        { ...common, displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts"] },
        { ...common, displayName: "policy", testMatch: ["<rootDir>/test/policies/**/*.test.ts"] },
        {
            ...common,
            displayName: "integration",
            testMatch: ["<rootDir>/test/integration/**/*.test.ts"],
            // builds dist/scripts once: the tests run the real CLI, `node dist/scripts/cli.js`
            globalSetup: "<rootDir>/test/integration/globalSetup.ts",
            setupFilesAfterEnv: ["<rootDir>/test/integration/setup.ts"],
        },
    ],
};
