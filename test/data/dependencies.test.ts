/**
 * Dependencies (issue 10 item 14): exact pins that the lock file installs, the maintained
 * @pulumi/command line, and every package's Node range against the Node we support.
 *
 * Upstream facts carried over (checked with `npm view <pkg> dist-tags engines` and in source):
 * - @pulumi/command "4.5.0" is a 2022 publish with the 0.5.x API; the maintained line is 1.x (npm
 *   `latest` 1.2.1). Only 1.x authenticates with the SSH agent: pulumi/pulumi-command v1.2.1
 *   provider/pkg/provider/remote/connection.go (`agentSocketPath`, default SSH_AUTH_SOCK); v0.5.2's
 *   remotecommand.go has key and password auth only. The SDK's `types/input.d.ts` shows the field.
 * - @pulumi/pulumi 3.249.0 and later declare `engines.node: ">=22"`: 3.248.0 is the newest for Node 20.
 * - kubernetes-models 5.x / @kubernetes-models/* declare Node >= 22 but are devDependencies, loaded only by
 *   test/k8s/validate.ts in a child `node` (ESM) on the Node that runs the tests; the program imports
 *   their *types* only (erased by tsc). Their dist uses no Node-22-only API (checked: no
 *   Promise.withResolvers, Array.fromAsync, Object.groupBy, Set methods, import attributes,
 *   import.meta.dirname), and test/k8s passes on Node 20. Hence the engine warning is harmless.
 */
import * as fs from "fs";
import * as path from "path";
// semver is @pulumi/pulumi's own dependency (hoisted); it is npm's range semantics.
import * as semver from "semver";

const ROOT = path.resolve(__dirname, "../..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
const all: Record<string, string> = { ...pkg.dependencies, ...pkg.devDependencies };

/** Packages whose engines exclude our minimum Node, with the reason it is harmless (see header). */
const ENGINE_EXCEPTIONS: Record<string, string> = {
  "kubernetes-models": "devDependency, types-only in the program, validated in a child node process",
  "@kubernetes-models/cert-manager": "devDependency, types-only in the program, validated in a child node process",
};

describe("package.json and its lock", () => {
  test("every dependency is an exact version and the lock file installs that version", () => {
    for (const [name, version] of Object.entries(all)) {
      expect(`${name}@${version}`).toMatch(/@\d+\.\d+\.\d+$/);
      expect(`${name}@${lock.packages[`node_modules/${name}`]?.version}`).toBe(`${name}@${version}`);
    }
    expect(lock.packages[""].dependencies).toEqual(pkg.dependencies);
    expect(lock.packages[""].devDependencies).toEqual(pkg.devDependencies);
  });

  test("@pulumi/command is on the maintained 1.x line, whose SSH connection can use the agent", () => {
    expect(semver.major(all["@pulumi/command"])).toBe(1);
    const installed = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules/@pulumi/command/package.json"), "utf8"));
    expect(installed.version.replace(/^v/, "")).toBe(all["@pulumi/command"]);
    const inputTypes = fs.readFileSync(path.join(ROOT, "node_modules/@pulumi/command/types/input.d.ts"), "utf8");
    expect(inputTypes).toMatch(/agentSocketPath\?: pulumi\.Input<string>/);
    // 1.x pulls @pulumi/pulumi ^3.142.0; our pin satisfies it (one SDK in the tree).
    expect(semver.satisfies(all["@pulumi/pulumi"], lock.packages["node_modules/@pulumi/command"].dependencies["@pulumi/pulumi"])).toBe(true);
  });

  test("every dependency supports the Node versions we declare (or is a recorded, harmless exception)", () => {
    const ours = pkg.engines.node as string;
    const min = semver.minVersion(ours)!.version;
    expect(semver.satisfies(process.versions.node, ours)).toBe(true);
    const bad: string[] = [];
    for (const name of Object.keys(all)) {
      const range = lock.packages[`node_modules/${name}`]?.engines?.node as string | undefined;
      if (!range || semver.satisfies(min, range)) continue;
      if (!ENGINE_EXCEPTIONS[name]) bad.push(`${name}@${all[name]} wants node ${range}`);
    }
    expect(bad).toEqual([]);
    for (const name of Object.keys(ENGINE_EXCEPTIONS)) expect(pkg.devDependencies[name]).toBeDefined();
  });

  test("the program imports only types from the Node >= 22 packages", () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith(".ts")) {
          for (const line of fs.readFileSync(p, "utf8").split("\n")) {
            if (/from "(@kubernetes-models\/|kubernetes-models)/.test(line) && !/^import type /.test(line)) offenders.push(`${path.relative(ROOT, p)}: ${line}`);
          }
        }
      }
    };
    for (const d of ["components", "stacks", "policy", "scripts"]) walk(path.join(ROOT, d));
    expect(offenders).toEqual([]);
  });
});
