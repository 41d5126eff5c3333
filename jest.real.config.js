/** Tests that run real processes: generated artifacts with real tools (PostgreSQL 15, restic, pgBackRest, shellcheck, systemd-analyze), the plan CLI and the policy pack as the Pulumi CLI starts it. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test/real"],
  testMatch: ["**/*.test.ts"],
  // The unit suite's transform (swc; type checking is tsc's).
  transform: require("./jest.config").transform,
  testTimeout: 300000,
};
