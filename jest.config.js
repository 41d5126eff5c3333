/** Unit and render tests: fast, in-process, no external tools. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/real/"],
  // TypeScript to CommonJS as tsconfig.json asks (ES2022, define semantics for class fields, esModuleInterop's
  // interop). swc only strips types: type checking is `npm run build` (tsc), as with ts-jest's diagnostics off.
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022", transform: { useDefineForClassFields: true } }, module: { type: "commonjs" } }],
  },
  // @pulumi/pulumi requires typescript at import time and never calls it offline: load it on first use (see the file).
  moduleNameMapper: { "^typescript$": "<rootDir>/test/helpers/lazyTypescript.js" },
  testTimeout: 30000,
  // Every committed stack rendered once for the suite, read by test/helpers/render.ts.
  globalSetup: "<rootDir>/test/helpers/globalSetup.ts",
  globalTeardown: "<rootDir>/test/helpers/globalTeardown.ts",
  // Renders are CPU-bound; use both cores of the 2-core CI machine (jest defaults to cores - 1).
  maxWorkers: 2,
};
