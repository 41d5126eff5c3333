"use strict";
/**
 * The `typescript` module for code under test, loaded on first use (jest.config.js maps `typescript`
 * here). @pulumi/pulumi requires it at import time for closure serialization, which offline renders
 * never do; jest compiles every module again for each test file, and TypeScript's 9 MB would cost
 * each file that imports @pulumi/pulumi most of a second. The first property read loads the real module.
 */
let ts;
const load = () => (ts ??= require("typescript/lib/typescript.js"));
module.exports = new Proxy(
  {},
  {
    get: (_, key) => load()[key],
    has: (_, key) => key in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Object.getOwnPropertyDescriptor(load(), key);
      return d && { ...d, configurable: true };
    },
  },
);
