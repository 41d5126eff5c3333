import { InventoryError, loadInventory } from "../../components/inventory/load";
import { committedInventory, serviceIndex } from "../helpers/inventory";

/** Load a mutated copy of bo's inventory and return the error message (or fail). */
function errorOf(mutate: (inv: any) => void, site = "bo", phase = 2): string {
  const inv = committedInventory(site);
  mutate(inv);
  try {
    loadInventory(site, inv, phase);
  } catch (e) {
    expect(e).toBeInstanceOf(InventoryError);
    const msg = (e as Error).message;
    expect(msg).not.toContain("\n");
    expect(msg.startsWith(`homelab: site "${site}": inventory.`) || msg.startsWith(`homelab: site "${site}":`)).toBe(true);
    return msg;
  }
  throw new Error("expected an InventoryError");
}

describe("inventory: every committed site loads", () => {
  it.each(["bo", "bh", "ep", "orion", "sector7"])("%s", (site) => {
    expect(() => loadInventory(site, committedInventory(site), 9)).not.toThrow();
  });
});

describe("inventory: each kind of mistake gives one line naming site, key path and value", () => {
  const pg = () => serviceIndex(committedInventory("bo"), "postgres");
  const cases: Array<[string, (inv: any) => void, RegExp]> = [
    ["address outside its network", (inv) => (inv.services[pg()].ipv4 = "192.168.10.20"), /services\[\d+\]\.ipv4 = "192\.168\.10\.20": outside network "lan" 192\.168\.9\.0\/24 \(service "postgres"\)/],
    ["duplicate address", (inv) => (inv.services[pg()].ipv4 = "192.168.9.30"), /services\[\d+\]\.ipv4 = "192\.168\.9\.30": address already used by service "authentik"/],
    ["duplicate VMID", (inv) => (inv.services[pg()].vmid = 101), /services\[\d+\]\.vmid = 101: VMID already used by service "authentik"/],
    ["VMID out of range", (inv) => (inv.services[pg()].vmid = 42), /vmid = 42: (Too small|outside the allowed VMID range)/],
    ["unknown host", (inv) => (inv.services[pg()].host = "r9999"), /services\[\d+\]\.host = "r9999": no such host \(hosts: r7920, r740xd\)/],
    ["unknown datastore", (inv) => (inv.services[pg()].datastore = "ceph"), /datastore = "ceph": host "r7920" has no such datastore/],
    ["gateway outside the prefix", (inv) => (inv.networks[0].gateway = "192.168.8.1"), /networks\[0\]\.gateway = "192\.168\.8\.1": outside the network's prefix 192\.168\.9\.0\/24/],
    ["network address as guest address", (inv) => (inv.services[pg()].ipv4 = "192.168.9.0"), /is the network or broadcast address/],
    ["address inside DHCP range", (inv) => (inv.services[pg()].ipv4 = "192.168.9.150"), /inside the DHCP range 192\.168\.9\.100-192\.168\.9\.199/],
    ["malformed address", (inv) => (inv.services[pg()].ipv4 = "192.168.9.300"), /services\[\d+\]\.ipv4 = "192\.168\.9\.300": not an IP address/],
    ["wrong type", (inv) => (inv.services[pg()].cores = "four"), /services\[\d+\]\.cores = "four": .*number/i],
    ["unknown key (typo)", (inv) => (inv.services[pg()].memoryMb = 1), /Unrecognized key: "memoryMb"/],
    ["stateful without backup", (inv) => delete inv.services[pg()].backup, /services\[\d+\]\.backup = \(missing\): service "postgres" is stateful and needs backup paths or a stated exemption/],
    ["duplicate service name", (inv) => (inv.services[pg()].name = "authentik"), /services\[\d+\]\.name = "authentik": service name used twice/],
    ["unknown port source", (inv) => (inv.services[pg()].ports[0].from = ["nowhere"]), /ports\[0\]\.from\[0\] = "nowhere": not an address, prefix, network name, service name or `any`/],
    ["privileged without a reason", (inv) => (inv.services[pg()].privileged = { reason: "" }), /privileged\.reason = "": state the reason in a sentence/],
    ["overlapping load-balancer pools", (inv) => (inv.networks[0].loadBalancerPools = [{ name: "a", start: "192.168.9.200", end: "192.168.9.210" }, { name: "b", start: "192.168.9.205", end: "192.168.9.220" }]), /loadBalancerPools = .*pools "a" and "b" overlap/],
    ["pool overlapping DHCP", (inv) => (inv.networks[0].loadBalancerPools = [{ name: "a", start: "192.168.9.190", end: "192.168.9.210" }]), /overlaps the DHCP range/],
    ["unknown template", (inv) => (inv.services[pg()].template = "ubuntu"), /template = "ubuntu": no such template \(templates: debian12, debian12-cloud\)/],
    ["mesh routing peer LXC without /dev/net/tun", (inv) => (inv.services[serviceIndex(inv, "netbird")].devices = []), /services\[\d+\]\.devices = \[\]: service "netbird" is the mesh routing peer and runs WireGuard: an LXC needs \/dev\/net\/tun passed through/],
    ["mesh site without a routing peer", (inv) => delete inv.meshRouter, /inventory\.meshRouter = \(missing\): a mesh site needs the service that is its routing peer/],
    ["device passthrough on a VM", (inv) => (inv.services[serviceIndex(inv, "wazuh")].devices = ["/dev/net/tun"]), /services\[\d+\]\.devices = \["\/dev\/net\/tun"\]: only LXC containers take device passthrough/],
    ["missing inventory", (inv) => Object.keys(inv).forEach((k) => delete inv[k]), /inventory\.organisation = \(missing\)/],
  ];
  it.each(cases)("%s", (_name, mutate, expected) => {
    expect(errorOf(mutate)).toMatch(expected);
  });

  it("a flat network's addresses must sit in their future VLAN /24 (seed 004)", () => {
    const msg = errorOf((inv) => {
      inv.networks[0].ipv4 = "192.168.0.0/16";
      inv.networks[0].gateway = "192.168.9.1"; // in a future VLAN: the gateway is checked too (futureVlans.ts)
      inv.networks[0].dhcp = { start: "192.168.30.100", end: "192.168.30.199" };
      inv.networks[0].futureVlans = [{ vlan: 30, name: "LAN-USER", prefix: "192.168.30.0/24" }, { vlan: 9, name: "BACKEND", prefix: "192.168.9.0/24" }];
      inv.services[serviceIndex(inv, "postgres")].ipv4 = "192.168.40.20";
    });
    expect(msg).toMatch(/ipv4 = "192\.168\.40\.20": not inside any future VLAN \/24 of "lan" \(192\.168\.30\.0\/24, 192\.168\.9\.0\/24\)/);
  });

  it("IPv6 subnets must sit inside the site's delegated prefix (the seed's orion mistake)", () => {
    const msg = errorOf((inv) => (inv.networks[0].ipv6.prefix = "2602:f674:1000::/64"), "orion");
    expect(msg).toMatch(/networks\[0\]\.ipv6\.prefix = "2602:f674:1000::\/64": outside the site's delegated prefix 2602:f674::\/48/);
  });

  it("the phase must be an integer 0-9", () => {
    expect(() => loadInventory("bo", committedInventory("bo"), 12)).toThrow(/homelab:phase = 12: must be an integer from 0 to 9/);
  });

  it("phase decides which services exist", () => {
    const orion2 = loadInventory("orion", committedInventory("orion"), 2);
    expect(orion2.deferred.map((s) => s.name).sort()).toEqual(["minio", "n8n", "reverse-proxy", "wireguard"]);
    const orion3 = loadInventory("orion", committedInventory("orion"), 3);
    expect(orion3.deferred).toEqual([]);
    const bo0 = loadInventory("bo", committedInventory("bo"), 0);
    expect(bo0.services).toEqual([]);
  });

  it("port sources resolve to host prefixes, network prefixes and service addresses", () => {
    const bo = loadInventory("bo", committedInventory("bo"), 2);
    const pg = bo.services.find((s) => s.name === "postgres")!;
    expect(pg.firewall[0].sources).toEqual(["192.168.50.22/32", "192.168.30.22/32", "192.168.9.30/32", "192.168.9.31/32", "192.168.9.40/32", "192.168.9.41/32", "192.168.9.42/32"]);
    const restic = bo.services.find((s) => s.name === "restic")!;
    expect(restic.firewall[0].sources).toEqual(["192.168.9.0/24", "192.168.50.0/24", "192.168.30.0/24"]);
  });
});
