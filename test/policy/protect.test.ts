/** homelab-stateful-protected on rendered resources: one passing render, one flag mutated per failing case. */
import { RenderResult } from "../../scripts/lib/offline";
import { runPolicies } from "../../scripts/lib/policies";
import { policyPackConfigForStack } from "../../scripts/policy-config";
import { render } from "./render";

const rule = "homelab-stateful-protected";
const copy = (r: RenderResult): RenderResult => ({ ...r, resources: r.resources.map((x) => ({ ...x, props: JSON.parse(JSON.stringify(x.props)) })) });
async function messages(r: RenderResult, site: string) {
  return (await runPolicies(r, { config: policyPackConfigForStack(site) })).filter((v) => v.policy === rule).map((v) => `${v.level}: ${v.message}`);
}
function mutate(r: RenderResult, name: string, type: string, change: Partial<RenderResult["resources"][number]>): RenderResult {
  const out = copy(r);
  const i = out.resources.findIndex((x) => x.name === name && x.type === type);
  if (i < 0) throw new Error(`no ${type} ${name}`);
  out.resources[i] = { ...out.resources[i], ...change };
  return out;
}

describe(rule, () => {
  let bo: RenderResult;
  let sector7: RenderResult;
  beforeAll(async () => {
    bo = await render("bo");
    sector7 = await render("sector7");
  });

  it("the committed stacks pass", async () => {
    expect(await messages(bo, "bo")).toEqual([]);
    expect(await messages(sector7, "sector7")).toEqual([]);
  });

  it.each([
    ["bo", "bo-postgres", "proxmoxve:index/containerLegacy:ContainerLegacy", { protect: false }, /^mandatory: lxc postgres \(vmid 103\) is tagged stateful but not protected/],
    ["bo", "bo-wazuh", "proxmoxve:index/vmLegacy:VmLegacy", { deleteBeforeReplace: false }, /^mandatory: vm wazuh \(vmid 108\) has the fixed VMID 108 but no deleteBeforeReplace/],
    ["sector7", "sector7-apps-n8n-persistentvolumeclaim-n8n-data", "kubernetes:core/v1:PersistentVolumeClaim", { protect: false }, /PersistentVolumeClaim sector7-apps-n8n-persistentvolumeclaim-n8n-data holds data but is not protected/],
    ["sector7", "sector7-apps-postgres-statefulset-postgres", "kubernetes:apps/v1:StatefulSet", { protect: false }, /StatefulSet sector7-apps-postgres-statefulset-postgres holds data/],
    ["sector7", "sector7-platform-longhorn", "kubernetes:helm.sh/v3:Release", { protect: false }, /Release sector7-platform-longhorn holds data/],
    ["sector7", "sector7-apps-n8n-namespace", "kubernetes:core/v1:Namespace", { protect: false }, /Namespace sector7-apps-n8n-namespace holds data/],
  ] as const)("%s %s: %o is refused", async (site, name, type, change, expected) => {
    const base = site === "bo" ? bo : sector7;
    const msgs = await messages(mutate(base, name, type, change), site);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatch(expected);
  });

  it("a Deployment (no volumes) is not concerned", async () => {
    const dep = sector7.resources.find((x) => x.type === "kubernetes:apps/v1:Deployment")!;
    expect(await messages(mutate(sector7, dep.name, dep.type, { protect: false }), "sector7")).toEqual([]);
  });
});
