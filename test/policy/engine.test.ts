/**
 * The in-process engine emulation, the image rule on Kubernetes workloads, the
 * pack layout (config schema, names) and that nothing imports policy/index.ts.
 */
import * as fs from "fs";
import * as path from "path";
import { allPolicies } from "../../policy/all";
import { HomelabPolicy, packConfigFor } from "../../policy/config";
import { runPolicyPack, levelOf, toPolicyResources } from "../../policy/lib/engine";
import { unpinnedImage } from "../../policy/safety";
import { baseConfig, baseResources, run, STACK } from "./harness";

const deployment = (image: string, init?: string) => ({
  urn: `urn:pulumi:${STACK}::homelab::kubernetes:apps/v1:Deployment::web`,
  type: "kubernetes:apps/v1:Deployment",
  name: "web",
  props: { spec: { template: { spec: { containers: [{ name: "web", image }], initContainers: init ? [{ name: "init", image: init }] : [] } } } },
});
const cronjob = (image: string) => ({
  urn: `urn:pulumi:${STACK}::homelab::kubernetes:batch/v1:CronJob::job`,
  type: "kubernetes:batch/v1:CronJob",
  name: "job",
  props: { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "c", image }] } } } } } },
});

describe("homelab-image-pinned", () => {
  it.each([
    ["nginx:1.27.3", undefined],
    ["registry.example.com:5000/team/app:v2", undefined],
    ["ghcr.io/x/y@sha256:" + "a".repeat(64), undefined],
    ["nginx:latest", /floating tag :latest/],
    ["nginx", /has no tag/],
    ["registry.example.com:5000/team/app", /has no tag/],
  ])("%s", (image, expected) => {
    const why = unpinnedImage(image);
    if (expected) expect(why).toMatch(expected);
    else expect(why).toBeUndefined();
  });

  it("passes pinned workloads; refuses :latest containers, untagged initContainers and CronJob containers", async () => {
    const ok = await run([...baseResources(), deployment("nginx:1.27.3", "busybox:1.36")]);
    expect(ok.violations).toEqual([]);
    const bad = await run([...baseResources(), deployment("nginx:latest", "busybox"), cronjob("alpine")]);
    const msgs = bad.violations.filter((v) => v.policy === "homelab-image-pinned").map((v) => v.message);
    expect(msgs).toEqual([
      'Deployment web: initContainer "init" image "busybox" has no tag',
      'Deployment web: container "web" image "nginx:latest" uses the floating tag :latest',
      'CronJob job: container "c" image "alpine" has no tag',
    ]);
    expect(bad.violations.find((v) => v.policy === "homelab-image-pinned")?.urn).toMatch(/Deployment::web$/);
  });
});

describe("engine emulation", () => {
  it("resolves levels like the analyzer: policy entry, then `all`, then the policy, then the pack", () => {
    const p = { name: "x", enforcementLevel: "mandatory" as const };
    expect(levelOf(p, {}, "advisory")).toBe("mandatory");
    expect(levelOf(p, { all: "advisory" }, "mandatory")).toBe("advisory");
    expect(levelOf(p, { all: "advisory", x: { enforcementLevel: "disabled" } }, "mandatory")).toBe("disabled");
    expect(levelOf(p, { x: "remediate" }, "mandatory")).toBe("remediate");
    expect(levelOf({ name: "y" }, {}, "advisory")).toBe("advisory");
  });

  it("skips disabled policies, reports advisory ones as advisory", async () => {
    const rs = baseResources();
    rs[1].props.vmId = 999; // out of range
    rs.find((r) => r.name === "t-app-monitoring")!.props.vmid = 999; // the same guest, still measured
    const config = packConfigFor(baseConfig(), allPolicies);
    const adv = await runPolicyPack(allPolicies, rs, { ...config, "homelab-vmid": { ...(config["homelab-vmid"] as object), enforcementLevel: "advisory" } });
    expect(adv.violations.map((v) => [v.policy, v.level])).toEqual([["homelab-vmid", "advisory"]]);
    const off = await runPolicyPack(allPolicies, rs, { ...config, "homelab-vmid": { ...(config["homelab-vmid"] as object), enforcementLevel: "disabled" } });
    expect(off.violations).toEqual([]);
  });

  it("records notApplicable() instead of a violation, for stack and resource policies", async () => {
    const stackNA: HomelabPolicy = { name: "na-stack", description: "d", sections: [], validateStack: (args) => args.notApplicable("nothing to check") };
    const resNA: HomelabPolicy = { name: "na-res", description: "d", sections: [], validateResource: (args) => args.notApplicable() };
    const r = await runPolicyPack([stackNA, resNA], baseResources().slice(0, 2), {});
    expect(r.violations).toEqual([]);
    expect(r.notApplicable).toEqual([{ policy: "na-stack", reason: "nothing to check" }, { policy: "na-res", reason: undefined }, { policy: "na-res", reason: undefined }]);
  });

  it("passes getConfig() the policy's entry plus enforcementLevel, and links parent/dependencies", async () => {
    let seen: any;
    let parentName: string | undefined;
    const p: HomelabPolicy = {
      name: "probe",
      description: "d",
      sections: [],
      validateStack: (args) => {
        seen = args.getConfig();
        parentName = args.resources.find((r) => r.name === "child")?.parent?.name;
      },
    };
    const parent = { urn: "urn:pulumi:t::homelab::c:C::parent", type: "c:C", name: "parent", props: {} };
    const child = { urn: "urn:pulumi:t::homelab::c:C$x:X::child", type: "x:X", name: "child", props: {}, parent: parent.urn, dependencies: [parent.urn] };
    await runPolicyPack([p], [parent, child], { probe: { a: 1 } });
    expect(seen).toEqual({ a: 1, enforcementLevel: "mandatory" });
    expect(parentName).toBe("parent");
    expect(toPolicyResources([parent, child])[1].dependencies[0].name).toBe("parent");
  });
});

describe("pack layout", () => {
  it("policy names are unique, not `all`, and every policy has a config schema without enforcementLevel", () => {
    const names = allPolicies.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).not.toContain("all");
    for (const p of allPolicies) {
      expect(p.configSchema?.properties.site).toBeDefined();
      expect(p.configSchema?.properties.enforcementLevel).toBeUndefined();
      expect(p.configSchema?.required).not.toContain("enforcementLevel");
      for (const s of p.sections) expect(p.configSchema?.properties[s]).toBeDefined();
    }
  });

  it("the pack files exist and declare the nodejs runtime and a version", () => {
    const dir = path.resolve(__dirname, "../../policy");
    expect(fs.readFileSync(path.join(dir, "PulumiPolicy.yaml"), "utf8")).toMatch(/^runtime: nodejs$/m);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("no module imports policy/index.ts (constructing the pack starts a gRPC server)", () => {
    const root = path.resolve(__dirname, "../..");
    const index = path.join(root, "policy", "index.ts");
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.name === "node_modules" || e.name.startsWith(".")) continue;
        const full = path.join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else if (/\.ts$/.test(e.name) && full !== index) {
          const text = fs.readFileSync(full, "utf8");
          for (const m of text.matchAll(/(?:from\s+|require\(\s*|import\(\s*)["'](\.[^"']*)["']/g)) {
            const target = path.resolve(path.dirname(full), m[1]).replace(/\.ts$/, "");
            if (target === path.join(root, "policy") || target === path.join(root, "policy", "index")) offenders.push(path.relative(root, full));
          }
        }
      }
    };
    for (const d of ["policy", "scripts", "test", "components", "stacks"]) if (fs.existsSync(path.join(root, d))) walk(path.join(root, d));
    expect(offenders).toEqual([]);
    // And nothing loaded in this test process did.
    expect(Object.keys(require.cache).some((k) => k.endsWith(path.join("policy", "index.ts")))).toBe(false);
  });
});
