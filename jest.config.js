/** @type {import('jest').Config} */
const common = {
    preset: "ts-jest",
    testEnvironment: "node",
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.jest.json" }] },
    // dist/ is build output (with a copy of policies/package.json): never a module the tests load.
    modulePathIgnorePatterns: ["<rootDir>/dist/"],
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
        {
            ...common,
            displayName: "package",
            testMatch: ["<rootDir>/test/package/**/*.test.ts"],
            // builds the library once: the tests pack it and use it as a dependency
            globalSetup: "<rootDir>/test/package/globalSetup.ts",
        },
    ],
};
