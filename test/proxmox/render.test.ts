import { firewallOptions, firewallRules, lxcMountPoints, normalizeTags } from "../../components/proxmox/render";

describe("proxmox render helpers", () => {
  it("normalises tags the way Proxmox stores them (sorted, lower-case, unique)", () => {
    expect(normalizeTags(["BO-3", "homelab", "Stateful", "homelab", "db server"])).toEqual(["bo-3", "db-server", "homelab", "stateful"]);
  });

  it("firewall: one ACCEPT rule per opening and family, sources never mixed", () => {
    const rules = firewallRules([
      { port: 5432, protocol: "tcp", sources: ["192.168.50.22/32", "2602:f674:0:1000::5/128", "192.168.30.22/32"], description: "pg" },
      { port: 3478, protocol: "udp", sources: [] },
    ]);
    expect(rules).toEqual([
      { type: "in", action: "ACCEPT", proto: "tcp", dport: "5432", iface: "net0", enabled: true, source: "192.168.50.22/32,192.168.30.22/32", comment: "pg" },
      { type: "in", action: "ACCEPT", proto: "tcp", dport: "5432", iface: "net0", enabled: true, source: "2602:f674:0:1000::5/128", comment: "pg" },
      { type: "in", action: "ACCEPT", proto: "udp", dport: "3478", iface: "net0", enabled: true, comment: "udp/3478 from any" },
    ]);
  });

  it("firewall options: enabled, inbound default-deny, no spoofing", () => {
    expect(firewallOptions()).toMatchObject({ enabled: true, inputPolicy: "DROP", outputPolicy: "ACCEPT", ipfilter: true, macfilter: true });
  });

  it("mount points carry size with unit and are included in vzdump", () => {
    expect(lxcMountPoints([{ path: "/var/lib/postgresql", sizeGiB: 484, datastoreId: "local-lvm" }])).toEqual([{ volume: "local-lvm", size: "484G", path: "/var/lib/postgresql", backup: true }]);
  });
});
