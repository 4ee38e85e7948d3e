/** @type {import('jest').Config} Jest for test/engine only (run by .ci/engine, never by `npm test`). */
module.exports = {
    rootDir: "../..",
    displayName: "engine",
    preset: "ts-jest",
    testEnvironment: "node",
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.jest.json" }] },
    testMatch: ["<rootDir>/test/engine/**/*.test.ts"],
    // real containers on a one-minute cron: minutes, not seconds
    testTimeout: 900000,
};
