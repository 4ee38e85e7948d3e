/** @type {import('jest').Config} */
const common = {
    preset: "ts-jest",
    testEnvironment: "node",
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.jest.json" }] },
};

module.exports = {
    projects: [
        { ...common, displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts"] },
        { ...common, displayName: "policy", testMatch: ["<rootDir>/test/policies/**/*.test.ts"] },
        {
            ...common,
            displayName: "integration",
            testMatch: ["<rootDir>/test/integration/**/*.test.ts"],
            testTimeout: 120000,
            // builds dist/scripts once: the tests run the real CLI, `node dist/scripts/cli.js`
            globalSetup: "<rootDir>/test/integration/globalSetup.ts",
        },
    ],
};
