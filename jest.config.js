/** Unit and render tests: fast, in-process, no external tools. */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/real/"],
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  // @pulumi/pulumi requires typescript at import time and never calls it offline: load it on first use (see the file).
  moduleNameMapper: { "^typescript$": "<rootDir>/test/helpers/lazyTypescript.js" },
  testTimeout: 30000,
  // Every committed stack rendered once for the suite, read by test/helpers/render.ts.
  globalSetup: "<rootDir>/test/helpers/globalSetup.ts",
  globalTeardown: "<rootDir>/test/helpers/globalTeardown.ts",
  // Renders are CPU-bound; use both cores of the 2-core CI machine (jest defaults to cores - 1).
  maxWorkers: 2,
};
