/** The router renderer (components/router/render) on orion's inventory; the files run for real in test/real/router.test.ts. */
import { loadInventory } from "../../components/inventory/load";
import { renderRouter, routerModel, routerService, routerSummary } from "../../components/router/render";
import { committedInventory } from "../helpers/inventory";
import { orion, orionInDocumentationRanges } from "./fixture";

const at = (phase: number, edit: (inv: any) => void = () => {}) => {
  const inv = committedInventory("orion");
  edit(inv);
  const site = loadInventory("orion", inv, phase);
  return { site, svc: routerService(site)! };
};
const routerOf = (inv: any) => inv.services.find((s: any) => s.name === "router");

describe("router model from orion's inventory", () => {
  const site = orion();
  const m = routerModel(site, routerService(site)!);

  // Interface names: qemu-server PVE/QemuServer/PCI.pm puts net0 at bus 0 addr 18 (ens18), net1 at 19, net2 at 20.
  it("has the upstream on the DHCP NIC and the inside zones in Proxmox NIC order", () => {
    expect(m.upstream).toEqual({ name: "wan", iface: "ens19" });
    expect(m.zones.map((z) => [z.name, z.iface, z.gateway4, z.gateway6, z.management])).toEqual([
      ["lan", "ens18", "192.168.100.1", "2602:f674:0:1000::1", true],
      ["guest", "ens20", "192.168.200.1", "2602:f674:0:2000::1", false],
    ]);
    expect(m.managementPrefixes.map((p) => p.text)).toEqual(["192.168.1.0/24"]);
  });

  it("publishes nothing at the committed phase and WireGuard once it exists (from: any); the LAN-only reverse proxy is not published (decision 184)", () => {
    expect(m.forwards).toEqual([]);
    const p3 = at(3);
    expect(routerModel(p3.site, p3.svc).forwards.map((f) => `${f.service} ${f.protocol}/${f.port} ${f.ipv4}`)).toEqual(["wireguard udp/51820 192.168.100.118"]);
    const nft = renderRouter(p3.site, p3.svc).nftables;
    expect(nft).toContain('iifname "ens19" udp dport 51820 dnat ip to 192.168.100.118:51820');
    expect(nft).not.toMatch(/dport (80|443|9180) dnat/); // the proxy's ports are from: [lan]
  });

  it("answers the names of the web apps behind the reverse proxy with the proxy's address (decision 184)", () => {
    const p3 = at(3);
    const dns = new Map(routerModel(p3.site, p3.svc).dns.map((r) => [r.name, r.addresses]));
    for (const app of ["flowise", "litellm", "n8n", "netbox", "open-webui"]) expect([app, dns.get(app)]).toEqual([app, ["192.168.100.117"]]);
    expect(dns.get("ollama")).toEqual(["192.168.100.110"]); // not a web app the proxy may reach
    expect(dns.get("router")).toEqual(["192.168.100.1", "2602:f674:0:1000::1"]);
  });

  it("BGP: AS394955 to AS6939, the /48 only; disabled until the neighbour address is set", () => {
    expect(m.bgp).toMatchObject({ asn: 394955, peerAsn: 6939, neighbor: undefined });
    expect(m.bgp!.aggregate.text).toBe("2602:f674::/48");
    const bird = renderRouter(site, routerService(site)!).bird!;
    expect(bird).toMatch(/protocol bgp upstream \{\n[^}]*disabled;/);
    expect(bird).toContain("route 2602:f674::/48 unreachable;");
    expect(bird).toContain("if net = 2602:f674::/48 && source = RTS_STATIC then accept;");
  });

  it("serves a record for every service with an address, and hands out the DHCP scopes", () => {
    const dnsmasq = renderRouter(site, routerService(site)!).dnsmasq;
    for (const s of site.services.filter((s) => s.ipv4)) expect(dnsmasq).toContain(`host-record=${s.name}.orion.internal,${s.name},${s.ipv4}`);
    expect(dnsmasq).toContain("dhcp-range=set:lan,192.168.100.150,192.168.100.249,255.255.255.0,12h");
    expect(dnsmasq).toContain("dhcp-range=set:guest,192.168.200.100,192.168.200.249,255.255.255.0,12h");
  });

  it("advertises each zone's /64 inside the /48 (decision 17)", () => {
    const radvd = renderRouter(site, routerService(site)!).radvd;
    expect(radvd.match(/prefix [0-9a-f:]+\/64/g)).toEqual(["prefix 2602:f674:0:1000::/64", "prefix 2602:f674:0:2000::/64"]);
  });

  it("summarises the policy for plan", () => {
    const s = routerSummary(m) as any;
    expect(s.zones[0]).toBe("wan (ens19): upstream, inbound denied");
    expect(s.nat).toEqual(["192.168.100.0/24 masqueraded on wan", "192.168.200.0/24 masqueraded on wan"]);
    expect(s.bgp.announced).toEqual(["2602:f674::/48"]);
    expect(s.forwarding).toContain("guest ↛ management");
  });
});

describe("router model: rejected inventories", () => {
  it("the upstream cannot be a management network", () => {
    const { site, svc } = at(2, (inv) => (routerOf(inv).app.management = ["wan"]));
    expect(() => routerModel(site, svc)).toThrow(/upstream network wan cannot be management/);
  });
  it("management must name a network of the router or a prefix", () => {
    const { site, svc } = at(2, (inv) => (routerOf(inv).app.management = ["office"]));
    expect(() => routerModel(site, svc)).toThrow(/neither a network of the router nor a prefix/);
  });
  it("one published IPv4 port goes to one service", () => {
    const { site, svc } = at(2, (inv) => {
      for (const n of ["netbox", "ai-coordinator"]) inv.services.find((s: any) => s.name === n).ports.push({ port: 443, from: ["any"] });
    });
    expect(() => routerModel(site, svc)).toThrow(/tcp\/443 is published by both/);
  });
  it("BGP: the neighbour and our link address come together (one line naming the missing one)", () => {
    const a = at(2, (inv) => (routerOf(inv).app.bgp.neighbor = "2001:db8:1::1"));
    expect(() => routerModel(a.site, a.svc)).toThrow('homelab: site "orion": router: bgp.neighbor 2001:db8:1::1 is set but bgp.localAddress (this router\'s address on the peering link) is not');
    const b = at(2, (inv) => (routerOf(inv).app.bgp.localAddress = "2001:db8:1::2/64"));
    expect(() => routerModel(b.site, b.svc)).toThrow('homelab: site "orion": router: bgp.localAddress 2001:db8:1::2/64 is set but bgp.neighbor (the upstream\'s address, from its provisioning) is not');
  });
  it("interfaces name only networks the router has a NIC on", () => {
    const { site, svc } = at(2, (inv) => (routerOf(inv).app.interfaces = { dmz: "eth9" }));
    expect(() => routerModel(site, svc)).toThrow(/no NIC on network dmz/);
  });
});

describe("the documentation-range copy used in namespaces", () => {
  it("holds no address outside the documentation ranges", () => {
    const { raw } = orionInDocumentationRanges();
    const text = JSON.stringify(raw.networks) + JSON.stringify(raw.services.map((s: any) => [s.ipv4, s.ipv6, s.extraNics, s.app]));
    expect(text).not.toMatch(/192\.168\.|2602:/i);
  });
});
