import fc from "fast-check";
import { checkFlows, homelabMeshPlan, homelabRequiredFlows, prefixWithin, unmetFlows, validatePlan } from "../../components/mesh/render/meshPolicy";
import { serviceSans } from "../../components/mesh/render/certs";

describe("mesh policy", () => {
  const plan = homelabMeshPlan();
  it("the homelab plan is valid and allows every required flow", () => {
    expect(validatePlan(plan)).toEqual([]);
    expect(unmetFlows(plan, homelabRequiredFlows())).toEqual([]);
  });

  it("detects a missing policy", () => {
    const broken = { ...plan, policies: plan.policies.filter((p) => p.name !== "replicas-to-bo-pg") };
    expect(unmetFlows(broken, homelabRequiredFlows()).map((f) => f.id)).toEqual(["replica-bo-pg"]);
  });

  it("port and destination must match", () => {
    const checks = checkFlows(plan, [
      { id: "x", description: "", sourceGroup: "replicas", destination: "192.168.9.20", protocol: "tcp", port: 22 },
      { id: "y", description: "", sourceGroup: "replicas", destination: "192.168.9.21", protocol: "tcp", port: 5432 },
      { id: "z", description: "", sourceGroup: "restic-agents", destination: "192.168.9.22", protocol: "tcp", port: 8000 },
    ]);
    expect(checks.map((c) => c.allowedBy)).toEqual([[], [], ["restic-to-bo-rest-server"]]);
  });

  it("prefixWithin: a host inside its /24", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), (n) => prefixWithin(`192.168.9.${n}`, "192.168.9.0/24") && !prefixWithin(`192.168.10.${n}`, "192.168.9.0/24")));
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
