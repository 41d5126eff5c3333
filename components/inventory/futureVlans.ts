/**
 * Seed 004's "VLANs without renumbering": a flat network whose `futureVlans` name the /24s it will be
 * split into. Every static address of the site — guests (checked with the services in load.ts), the
 * Proxmox hosts' management addresses, the gateway, the DHCP range, reservations — must already sit in
 * one of those /24s, and the future VLANs must be disjoint with distinct tags and names, so that phase 4
 * changes masks and tags, never an address. `futureVlanOf` tells `plan` which VLAN each address moves to.
 */
import type { Inventory } from "./schema";
import { contains, findOverlaps, parsePrefix, Prefix, Range } from "./net";

type Fail = (path: string, value: unknown, problem: string) => never;

/** The future VLAN of `address` among the site's networks, if any network plans VLANs for it. */
export function futureVlanOf(networks: Inventory["networks"], address: string): { vlan: number; name: string } | undefined {
  if (address.includes(":")) return undefined;
  for (const n of networks) {
    for (const fv of n.futureVlans) if (contains(parsePrefix(fv.prefix), address)) return { vlan: fv.vlan, name: fv.name };
  }
  return undefined;
}

/** The loader's checks of every network with future VLANs (see the file comment); the first problem fails. */
export function checkFutureVlans(inv: Inventory, resolved: ReadonlyMap<string, { ipv4Prefix?: Prefix; dhcpRange?: Range }>, fail: Fail): void {
  inv.networks.forEach((n, i) => {
    if (n.futureVlans.length === 0) return;
    const p = `networks[${i}]`;
    const fvs = n.futureVlans.map((fv) => ({ ...fv, ...parsePrefix(fv.prefix) }));
    const inside = (a: string) => fvs.some((fv) => contains(fv, a));
    const list = fvs.map((fv) => `${fv.name} ${fv.prefix}`).join(", ");
    const tags = new Map<number, string>();
    const names = new Set<string>();
    n.futureVlans.forEach((fv, j) => {
      if (tags.has(fv.vlan)) fail(`${p}.futureVlans[${j}].vlan`, fv.vlan, `VLAN ${fv.vlan} is already "${tags.get(fv.vlan)}"`);
      if (names.has(fv.name)) fail(`${p}.futureVlans[${j}].name`, fv.name, "another future VLAN has this name");
      tags.set(fv.vlan, fv.name);
      names.add(fv.name);
    });
    const [a, b] = findOverlaps(fvs)[0] ?? [];
    if (a && b) fail(`${p}.futureVlans`, [a.prefix, b.prefix], `future VLANs "${a.name}" and "${b.name}" overlap`);
    if (n.gateway && !inside(n.gateway)) fail(`${p}.gateway`, n.gateway, `not inside any future VLAN of "${n.name}" (${list}); it would need renumbering`);
    if (resolved.get(n.name)?.dhcpRange && n.dhcp && !fvs.some((fv) => contains(fv, n.dhcp!.start) && contains(fv, n.dhcp!.end))) {
      fail(`${p}.dhcp`, n.dhcp, `not inside one future VLAN of "${n.name}" (${list}); DHCP clients would straddle two VLANs`);
    }
    n.reserved.forEach((res, j) => {
      if (!inside(res.address)) fail(`${p}.reserved[${j}].address`, res.address, `not inside any future VLAN of "${n.name}" (${list}); it would need renumbering`);
    });
    const v4 = resolved.get(n.name)?.ipv4Prefix;
    inv.hosts.forEach((h, j) => {
      if (!h.address || !v4 || !contains(v4, h.address) || inside(h.address)) return;
      fail(`hosts[${j}].address`, h.address, `host "${h.name}" is not inside any future VLAN of "${n.name}" (${list}); it would need renumbering`);
    });
  });
}
