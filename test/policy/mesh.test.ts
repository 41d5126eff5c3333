/** homelab-mesh-flows on rendered resources: cross-site openings must be carried by the mesh plan. */
import { RenderResult } from "../../scripts/lib/offline";
import { runPolicies } from "../../scripts/lib/policies";
import { policyPackConfigForStack } from "../../scripts/policy-config";
import { render } from "./render";

describe("homelab-mesh-flows", () => {
  let bo: RenderResult;
  beforeAll(async () => {
    bo = await render("bo");
  });
  const fresh = (): RenderResult => ({ ...bo, resources: bo.resources.map((r) => ({ ...r, props: JSON.parse(JSON.stringify(r.props)) })) });
  const pgRules = (r: RenderResult) => r.resources.find((x) => x.name === "bo-postgres-fw-rules")!.props.rules as Array<Record<string, unknown>>;
  const meshViolations = async (r: RenderResult, config = policyPackConfigForStack("bo")) => (await runPolicies(r, { config })).filter((v) => v.policy === "homelab-mesh-flows");

  it("the committed bo stack's cross-site openings are all carried", async () => {
    expect(await meshViolations(bo)).toEqual([]);
  });

  it("a rule for a private source outside every member's LAN is refused", async () => {
    const r = fresh();
    pgRules(r)[0].source = `${pgRules(r)[0].source},192.168.51.22/32`;
    const v = await meshViolations(r);
    expect(v.map((x) => x.message)).toEqual([expect.stringMatching(/^lxc postgres \(vmid 103\) tcp\/5432 allows 192\.168\.51\.22\/32, which is in no mesh member's LAN \(192\.168\.50\.0\/24, 192\.168\.9\.0\/24, 192\.168\.30\.0\/24\)/)]);
    expect(v[0].level).toBe("mandatory");
  });

  it("a mesh plan without the replicas' policy leaves bo's primary unreachable from bh", async () => {
    const config = policyPackConfigForStack("bo") as any;
    const name = Object.keys(config).find((k) => k === "homelab-mesh-flows")!;
    config[name].meshPlan.policies = config[name].meshPlan.policies.filter((p: any) => p.name !== "bh-to-bo-tcp");
    const msgs = (await meshViolations(bo, config)).map((x) => x.message);
    expect(msgs).toEqual(expect.arrayContaining([expect.stringMatching(/^lxc postgres \(vmid 103\) tcp\/5432 from 192\.168\.50\.22\/32 \(bh\) is not carried by the mesh: no policy lets routers-bh reach routers-bo on tcp\/5432/)]));
    expect(msgs.some((m) => m.includes("(ep)"))).toBe(false);
  });

  it("a masquerading route is refused", async () => {
    const config = policyPackConfigForStack("bo") as any;
    config["homelab-mesh-flows"].meshPlan.routes[0].masquerade = true;
    const msgs = (await meshViolations(bo, config)).map((x) => x.message);
    expect(msgs).toEqual(expect.arrayContaining([expect.stringMatching(/mesh route lan-bh \(192\.168\.50\.0\/24\) masquerades/)]));
  });

  it("the pack config carries the plan derived from the inventories", () => {
    const config = policyPackConfigForStack("bh") as any;
    expect(config["homelab-mesh-flows"].meshPlan.sites.map((s: any) => s.id)).toEqual(["bh", "bo", "ep"]);
    expect(policyPackConfigForStack("orion")["homelab-mesh-flows"]).toMatchObject({ meshPlan: null });
  });
});
