/**
 * A require hook for the project's TypeScript that transpiles each file once and keeps the
 * result in node_modules/.cache/homelab-ts, keyed by the file's content, the TypeScript version
 * and the compiler options. `npm run plan` and the other scripts start in a fraction of the
 * time ts-node needs, because ts-node transpiles every file again on every run. Type-checking
 * is `npm run build`'s job, not this hook's.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const ts = require("typescript");

const root = path.resolve(__dirname, "..", "..");
const cacheDir = path.join(root, "node_modules", ".cache", "homelab-ts");
const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  resolveJsonModule: true,
  sourceMap: false,
  inlineSourceMap: true,
  inlineSources: false,
};
const salt = `${ts.version}:${JSON.stringify(compilerOptions)}`;

function compile(source, filename) {
  const key = crypto.createHash("sha256").update(salt).update("\0").update(filename).update("\0").update(source).digest("hex");
  const file = path.join(cacheDir, `${key}.js`);
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    const out = ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText;
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, out);
      fs.renameSync(tmp, file);
    } catch {
      // A read-only tree still works, just without the cache.
    }
    return out;
  }
}

require.extensions[".ts"] = function (module, filename) {
  if (filename.includes(`${path.sep}node_modules${path.sep}`)) throw new Error(`homelab: refusing to transpile ${filename}`);
  module._compile(compile(fs.readFileSync(filename, "utf8"), filename), filename);
};
