/**
 * Every TCP port of every guest is probed (issue 11, decision 230): the organisation's Prometheus
 * guest is admitted on each port it scrapes or probes (`firewallOf`, derived from the inventories),
 * across sites as a mesh flow; the ports it deliberately does not probe carry a reason.
 */
import { loadInventory, Site } from "../../components/inventory/load";
import { organisationOf } from "../../components/inventory/org";
import { firewallOf, probeExemption, probeTargets } from "../../components/inventory/monitoring";
import { monitoringPlan } from "../../components/monitoring/plan";
import { lxcArgs } from "../../components/site/guestArgs";
import { requiredFlowsFrom } from "../../components/mesh/render/meshPolicy";
import { loadStackSite, siblingSites } from "../../components/site/stackFiles";
import { runPolicies } from "../../scripts/lib/policies";
import { policyPackConfigForStack } from "../../scripts/policy-config";
import { committedInventory, committedPhase, serviceIndex } from "../helpers/inventory";
import { renderSite } from "../helpers/render";

const orgOf = (name: string): Site[] => {
  const site = loadStackSite(name);
  return organisationOf(site, siblingSites(site));
};
const svc = (site: Site, name: string) => site.services.find((s) => s.name === name)!;
const PROM = "192.168.9.23/32"; // bo's Prometheus guest (Pulumi.bo.yaml BO-6)

describe("the Prometheus guest's access is derived from the inventories", () => {
  const org = orgOf("bh");
  const bh = org[0];

  it("bh's Ollama, Open WebUI, Odoo and Home Assistant ports admit bo's Prometheus in the rendered firewall", () => {
    for (const [name, port] of [["ollama", 11434], ["open-webui", 8080], ["odoo", 8069], ["home-assistant", 8123]] as const) {
      const declared = svc(bh, name).firewall.find((f) => f.port === port)!;
      expect(declared.sources).not.toContain(PROM);
      const rendered = lxcArgs(bh, svc(bh, name), "t", { org }).firewall!.find((f) => f.port === port)!;
      expect(rendered.sources).toEqual([...declared.sources, PROM]);
    }
  });

  it("Ollama's API stays closed to everything but its front ends and the Prometheus guest (decision 11)", () => {
    const rule = firewallOf(org, bh, svc(bh, "ollama")).find((f) => f.port === 11434)!;
    const want = [svc(bh, "open-webui").ipv4, svc(bh, "odoo").ipv4].map((a) => `${a}/32`);
    expect([...rule.sources].sort()).toEqual([...want, PROM].sort());
  });

  it("a database port keeps its allowlist and a UDP port is unchanged, each with its reason", () => {
    const replica = svc(bh, "pg-replica");
    const pg = firewallOf(org, bh, replica).find((f) => f.port === 5432)!;
    expect(pg.sources).not.toContain(PROM);
    expect(probeExemption(replica, pg)).toMatch(/^database port/);
    expect(probeExemption(replica, { port: 514, protocol: "udp" })).toMatch(/TCP ports only/);
    expect(probeExemption(svc(bh, "ollama"), { port: 11434, protocol: "tcp" })).toBeUndefined();
  });

  it("the cross-site access is a mesh flow from bo", () => {
    const flows = requiredFlowsFrom(org).flows.filter((f) => f.source === PROM && f.destinationSite === "bh");
    expect(flows.map((f) => f.port).sort((a, b) => a - b)).toEqual(expect.arrayContaining([8069, 8080, 8123, 11434]));
    expect(flows.every((f) => f.sourceSite === "bo")).toBe(true);
  });

  it("the Prometheus guest itself is not given an opening to itself", () => {
    const bo = org.find((s) => s.name === "bo")!;
    const prom = svc(bo, "prometheus");
    expect(firewallOf(org, bo, prom)).toBe(prom.firewall);
  });
});

describe("every TCP port is probed or carries a reason", () => {
  it("bo's organisation: nothing is unprobed without a reason, and every reason is UDP or a database port", () => {
    const plan = monitoringPlan(orgOf("bo"))!;
    expect(plan.unprobed.length).toBeGreaterThan(0);
    for (const u of plan.unprobed) expect(u).toMatch(/^\w[\w-]*\/[\w-]+ (udp\/\d+: blackbox probes TCP ports only|tcp\/5432: database port)/);
    const probed = plan.probes.map((p) => `${p.site}/${p.instance}:${p.port}`);
    expect(probed).toEqual(expect.arrayContaining(["bh/ollama:11434", "bh/open-webui:8080", "bh/odoo:8069", "bh/home-assistant:8123", "ep/odoo:8069", "ep/ollama:11434", "ep/konstanze:8080"]));
  });

  it("ryzen9: the Prometheus guest probes its own ports locally (Grafana on LXC 9)", () => {
    const plan = monitoringPlan(orgOf("ryzen9"))!;
    expect(plan.unprobed.filter((u) => !/: (blackbox probes TCP ports only|database port)/.test(u))).toEqual([]);
    expect(plan.probes.some((p) => p.address === plan.prometheus.address)).toBe(true);
  });

  it("a TCP port added to a remote site's inventory is probed, and opened to Prometheus, with no other edit", () => {
    const inv = committedInventory("ep");
    const i = serviceIndex(inv, "konstanze");
    inv.services[i].ports.push({ port: 8443, from: ["lan"], description: "added" });
    const ep = loadInventory("ep", inv, committedPhase("ep"));
    const org = organisationOf(ep, siblingSites(ep));
    const { probes, unreachable } = probeTargets(org, "192.168.9.23");
    expect(probes.some((p) => p.site === "ep" && p.instance === "konstanze" && p.port === 8443)).toBe(true);
    expect(unreachable.some((u) => u.includes("8443"))).toBe(false);
    expect(firewallOf(org, ep, svc(ep, "konstanze")).find((f) => f.port === 8443)!.sources).toContain(PROM);
    expect(requiredFlowsFrom(org).flows.some((f) => f.destinationSite === "ep" && f.port === 8443 && f.source === PROM)).toBe(true);
  });
});

describe("policy harness: the derived openings pass the mesh-flows policy and only with the plan's flows", () => {
  const mesh = async (site: string, config = policyPackConfigForStack(site)) => (await runPolicies(await renderSite(site), { config })).filter((v) => v.policy === "homelab-mesh-flows");

  it("bh's rendered firewall (with bo's Prometheus on every probed port) passes", async () => {
    expect(await mesh("bh")).toEqual([]);
  });

  it("without Ollama's port in bo's policy to bh, the probe opening is refused", async () => {
    const config = policyPackConfigForStack("bh") as any;
    const pol = config["homelab-mesh-flows"].meshPlan.policies.find((p: any) => p.name === "bo-to-bh-tcp");
    pol.ports = pol.ports.filter((p: number) => p !== 11434);
    const msgs = (await mesh("bh", config)).map((v) => v.message);
    expect(msgs).toEqual([expect.stringMatching(/ollama.*tcp\/11434 from 192\.168\.9\.23\/32 \(bo\) is not carried by the mesh/)]);
  });
});
