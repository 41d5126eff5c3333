/**
 * The library's shape: no source file over ~400 lines (files by artifact), and the stack config read
 * in one place (components/site/config.ts for the inventory and phase, components/site/deployment.ts
 * for the rest), so every component takes its settings as arguments.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../components/site/stackFiles";

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : /\.(ts|sh)$/.test(e.name) ? [p] : [];
  });
}
const sources = ["components", "stacks", "policy", "scripts"].flatMap((d) => files(path.join(PROJECT_ROOT, d))).map((f) => path.relative(PROJECT_ROOT, f));

describe("library structure", () => {
  it("no source file over 400 lines", () => {
    const long = sources.map((f) => [f, fs.readFileSync(path.join(PROJECT_ROOT, f), "utf8").split("\n").length] as const).filter(([, n]) => n > 400);
    expect(long).toEqual([]);
  });
  it("stack config is read only in components/site/config.ts and components/site/deployment.ts", () => {
    const readers = sources.filter((f) => /new pulumi\.Config\(/.test(fs.readFileSync(path.join(PROJECT_ROOT, f), "utf8")));
    expect(readers.sort()).toEqual(["components/site/config.ts", "components/site/deployment.ts"]);
  });
});
