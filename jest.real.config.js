/** Tests that run real processes: generated artifacts with real tools (PostgreSQL 15, restic, pgBackRest, shellcheck, systemd-analyze), the plan CLI and the policy pack as the Pulumi CLI starts it. */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test/real"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  testTimeout: 300000,
};
