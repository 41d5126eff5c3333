/** Tests that execute generated artifacts with real tools (PostgreSQL 15, restic, shellcheck, systemd-analyze). */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test/real"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  testTimeout: 300000,
};
