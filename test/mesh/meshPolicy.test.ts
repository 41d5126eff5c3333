import { loadInventory } from "../../components/inventory/load";
import { flowProblems, gatewayRoutes, meshPlanFromSites, meshPrefixesDisjoint, meshSitesFrom, requiredFlowsFrom, unmetFlows, validatePlan } from "../../components/mesh/render/meshPolicy";
import { serviceSans } from "../../components/mesh/render/certs";
import { committedMesh, committedSite } from "../helpers/mesh";
import { committedInventory, serviceIndex } from "../helpers/inventory";

describe("mesh plan derived from the inventories", () => {
  const { plan, flows, unroutable } = committedMesh();

  it("has the three members with their LANs and routing peers", () => {
    expect(plan.sites).toEqual([
      { id: "bh", lan: "192.168.50.0/24", router: { service: "pg-replica", ipv4: "192.168.50.22" } },
      { id: "bo", lan: "192.168.9.0/24", router: { service: "netbird", ipv4: "192.168.9.31" } },
      { id: "ep", lan: "192.168.30.0/24", router: { service: "pg-replica", ipv4: "192.168.30.22" } },
    ]);
  });

  it("routes every LAN without masquerade to the routers of the sites it talks to", () => {
    expect(plan.routes.map((r) => [r.networkId, r.network, r.peerGroup, r.distributionGroups, r.masquerade])).toEqual([
      ["lan-bh", "192.168.50.0/24", "routers-bh", ["routers-bo", "admins"], false],
      ["lan-bo", "192.168.9.0/24", "routers-bo", ["routers-bh", "routers-ep", "admins"], false],
      ["lan-ep", "192.168.30.0/24", "routers-ep", ["routers-bo", "admins"], false],
    ]);
  });

  it("derives the flows from the firewall openings: replicas, restic agents, Prometheus, SSO, Wazuh, Gitea", () => {
    const find = (src: string, dst: string, port: number) => flows.filter((f) => f.sourceSite === src && f.destination === dst && f.port === port);
    expect(find("bh", "192.168.9.20", 5432).map((f) => f.source)).toEqual(["192.168.50.22/32"]);
    expect(find("ep", "192.168.9.20", 5432).map((f) => f.source)).toEqual(["192.168.30.22/32"]);
    expect(find("bh", "192.168.9.22", 8000).map((f) => f.source)).toEqual(["192.168.50.0/24"]);
    expect(find("bo", "192.168.50.22", 9187).map((f) => f.source)).toEqual(["192.168.9.23/32"]);
    expect(flows.every((f) => f.sourceSite !== f.destinationSite)).toBe(true);
    expect(unroutable).toEqual([]);
  });

  it("policies connect the routing peers of sites with flows, with exactly the ports the openings need", () => {
    expect(plan.policies.map((p) => [p.name, p.sources, p.destinations, p.protocol, p.ports])).toEqual([
      ["bh-to-bo-tcp", ["routers-bh"], ["routers-bo"], "tcp", [1514, 1515, 3000, 5432, 8000, 9443]],
      ["bo-to-bh-tcp", ["routers-bo"], ["routers-bh"], "tcp", [8069, 8080, 8123, 9100, 9187, 11434]], // the apps' ports: bo's Prometheus probes them (decision 230)
      ["bo-to-ep-tcp", ["routers-bo"], ["routers-ep"], "tcp", [8069, 8080, 9100, 9187, 11434]],
      ["ep-to-bo-tcp", ["routers-ep"], ["routers-bo"], "tcp", [1514, 1515, 3000, 5432, 8000, 9443]],
      ["admins-to-everything", ["admins"], ["routers-bh", "routers-bo", "routers-ep"], "all", []],
    ]);
    expect(validatePlan(plan)).toEqual([]);
    expect(unmetFlows(plan, flows)).toEqual([]);
  });

  it("names the gateway routes each site's router must carry", () => {
    expect(gatewayRoutes(plan)).toEqual([
      { site: "bh", destination: "192.168.9.0/24", via: "192.168.50.22" },
      { site: "bo", destination: "192.168.50.0/24", via: "192.168.9.31" },
      { site: "bo", destination: "192.168.30.0/24", via: "192.168.9.31" },
      { site: "ep", destination: "192.168.9.0/24", via: "192.168.30.22" },
    ]);
  });

  describe("each broken plan names its problem", () => {
    const flow = flows.find((f) => f.sourceSite === "bh" && f.port === 5432)!;
    it.each([
      ["missing policy", { ...plan, policies: plan.policies.filter((p) => p.name !== "bh-to-bo-tcp") }, /no policy lets routers-bh reach routers-bo on tcp\/5432/],
      ["policy without the port", { ...plan, policies: plan.policies.map((p) => (p.name === "bh-to-bo-tcp" ? { ...p, ports: [8000] } : p)) }, /no policy lets routers-bh reach routers-bo on tcp\/5432/],
      ["route not distributed", { ...plan, routes: plan.routes.map((r) => (r.networkId === "lan-bo" ? { ...r, distributionGroups: ["routers-ep"] } : r)) }, /route lan-bo is not distributed to routers-bh/],
      ["masquerading route", { ...plan, routes: plan.routes.map((r) => (r.networkId === "lan-bo" ? { ...r, masquerade: true } : r)) }, /route lan-bo masquerades/],
      ["no return route", { ...plan, routes: plan.routes.filter((r) => r.networkId !== "lan-bh") }, /no return route for 192\.168\.50\.0\/24 on routers-bo/],
    ])("%s", (_n, broken, expected) => {
      expect(flowProblems(broken, flow).join("; ")).toMatch(expected);
    });
  });

  it("an opening for a private source outside every member's LAN is reported as unroutable", () => {
    const inv = committedInventory("bo");
    inv.services[serviceIndex(inv, "postgres")].ports[0].from.push("192.168.51.22");
    const bo = loadInventory("bo", inv, 2);
    const { unroutable: u } = requiredFlowsFrom([bo, committedSite("bh"), committedSite("ep")]);
    expect(u).toEqual([expect.stringMatching(/^bo\/postgres tcp\/5432 allows 192\.168\.51\.22\/32, which is in no mesh member's LAN/)]);
  });

  it("a site that leaves the mesh takes its LAN out of the plan", () => {
    const inv = committedInventory("ep");
    inv.mesh = false;
    const ep = loadInventory("ep", inv, 2);
    expect(meshSitesFrom([committedSite("bo"), committedSite("bh"), ep]).map((s) => s.id)).toEqual(["bh", "bo"]);
    const r = meshPlanFromSites([committedSite("bo"), committedSite("bh"), ep]);
    expect(r.unroutable).toEqual(expect.arrayContaining([expect.stringMatching(/allows 192\.168\.30\.22\/32, which is in no mesh member's LAN/)]));
  });

  it("overlapping member prefixes are reported", () => {
    expect(meshPrefixesDisjoint([{ site: "bo", prefix: "192.168.9.0/24" }, { site: "x", prefix: "192.168.0.0/16" }])).toEqual(["mesh prefixes overlap: x 192.168.0.0/16 and bo 192.168.9.0/24"]);
  });
});

describe("certs", () => {
  it("computes deterministic SANs", () => {
    expect(serviceSans({ hostname: "netbird", domain: "bo.home.arpa", ips: ["192.168.9.31", "192.168.9.31"], extraDnsNames: ["NB.bo.home.arpa"] })).toEqual({
      commonName: "netbird.bo.home.arpa",
      dnsNames: ["netbird.bo.home.arpa", "nb.bo.home.arpa", "netbird"],
      ipAddresses: ["192.168.9.31"],
    });
    expect(() => serviceSans({ hostname: "bad_name", ips: [] })).toThrow();
    expect(() => serviceSans({ hostname: "x", ips: ["300.1.1.1"] })).toThrow();
  });
});
