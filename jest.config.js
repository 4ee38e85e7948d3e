/** @type {import('jest').Config} */
const common = {
    preset: "ts-jest",
    testEnvironment: "node",
    transform: { "^.+\\.ts$": ["ts-jest", { isolatedModules: true }] },
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
        },
    ],
};
