/**
 * The IP plan, checked on the addresses guests really get (ipConfigs of
 * ContainerLegacy / VmLegacy, matched to a network by the NIC's bridge)
 * against the inventory's networks (pack config `networks`).
 *
 * All CIDR maths is components/inventory/net.ts. Uniqueness uses a map and
 * overlaps use findOverlaps (sort + sweep): no pairwise comparison.
 */
import type { ReportViolation } from "@pulumi/policy";
import {
  canonicalAddress,
  contains,
  containsPrefix,
  familyOf,
  findOverlaps,
  inRange,
  isAddress,
  isNetworkOrBroadcast,
  parsePrefix,
  parseRange,
  Prefix,
  Range,
  rangeInPrefix,
  rangeTouchesNetworkOrBroadcast,
} from "../components/inventory/net";
import type { SiteConfig } from "./config";
import { guestsOf, stackRule, who } from "./lib/common";

type NetworkConfig = SiteConfig["networks"][number];

interface ParsedNetwork {
  net: NetworkConfig;
  v4?: Prefix;
  v6?: Prefix;
  dhcp?: Range;
  pools: Array<Range & { name: string }>;
  futureVlans: Array<{ name: string; vlan: number; prefix: Prefix }>;
}

function tryParse<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

function parseNetworks(networks: readonly NetworkConfig[]): ParsedNetwork[] {
  return networks.map((net) => ({
    net,
    v4: net.ipv4 ? tryParse(() => parsePrefix(net.ipv4!)) : undefined,
    v6: net.ipv6 ? tryParse(() => parsePrefix(net.ipv6!.prefix)) : undefined,
    dhcp: net.dhcp ? tryParse(() => parseRange(net.dhcp!.start, net.dhcp!.end)) : undefined,
    pools: net.loadBalancerPools.flatMap((p) => {
      const r = tryParse(() => parseRange(p.start, p.end));
      return r ? [{ ...r, name: p.name }] : [];
    }),
    futureVlans: net.futureVlans.flatMap((f) => {
      const prefix = tryParse(() => parsePrefix(f.prefix));
      return prefix ? [{ name: f.name, vlan: f.vlan, prefix }] : [];
    }),
  }));
}

/** Networks by bridge (several VLANs may share a bridge). */
function byBridge(nets: ParsedNetwork[]): Map<string, ParsedNetwork[]> {
  const m = new Map<string, ParsedNetwork[]>();
  for (const n of nets) {
    if (!n.net.bridge) continue;
    m.set(n.net.bridge, [...(m.get(n.net.bridge) ?? []), n]);
  }
  return m;
}

/** Each static guest address with its network (matched by bridge and family/prefix). */
function guestAddresses(resources: Parameters<typeof guestsOf>[0], nets: ParsedNetwork[], report: ReportViolation) {
  const bridges = byBridge(nets);
  const out: Array<{ owner: string; hostname?: string; urn?: string; address: string; gateway?: string; net: ParsedNetwork; prefix: Prefix }> = [];
  for (const g of guestsOf(resources)) {
    for (const a of g.addresses) {
      if (!isAddress(a.address)) {
        report(`${who(g)}: "${a.cidr}" is not a valid address`, g.urn);
        continue;
      }
      const v6 = familyOf(a.address) === "ipv6";
      const candidates = (a.bridge ? bridges.get(a.bridge) : undefined) ?? [];
      if (candidates.length === 0) {
        report(`${who(g)}: address ${a.address} is on bridge ${a.bridge ?? "(none)"}, which carries no network of the inventory`, g.urn);
        continue;
      }
      const withFamily = candidates.filter((n) => (v6 ? n.v6 : n.v4));
      if (withFamily.length === 0) {
        report(`${who(g)}: address ${a.address} on bridge ${a.bridge}: network "${candidates[0].net.name}" has no ${v6 ? "IPv6" : "IPv4"} prefix`, g.urn);
        continue;
      }
      const net = withFamily.find((n) => contains((v6 ? n.v6 : n.v4)!, a.address)) ?? withFamily[0];
      out.push({ owner: who(g), hostname: g.hostname, urn: g.urn, address: a.address, gateway: a.gateway, net, prefix: (v6 ? net.v6 : net.v4)! });
    }
  }
  return out;
}

export const addressInNetwork = stackRule({
  name: "homelab-address-in-network",
  description: "Every static guest address (IPv4 and IPv6) lies inside its network's prefix, is not its network/broadcast address, uses a gateway inside the prefix, and sits inside a future VLAN /24 when the network has them (seed 004).",
  enforcementLevel: "mandatory",
  sections: ["networks", "fixedAddresses"],
  validate: (resources, config, report) => {
    const nets = parseNetworks(config.networks);
    for (const a of guestAddresses(resources, nets, report)) {
      const name = a.net.net.name;
      if (!contains(a.prefix, a.address)) {
        report(`${a.owner}: address ${a.address} is outside network "${name}" ${a.prefix.text}`, a.urn);
        continue;
      }
      if (isNetworkOrBroadcast(a.prefix, a.address)) report(`${a.owner}: address ${a.address} is the network or broadcast address of "${name}" ${a.prefix.text}`, a.urn);
      if (a.gateway !== undefined && (!isAddress(a.gateway) || !contains(a.prefix, a.gateway))) report(`${a.owner}: gateway ${a.gateway} is outside network "${name}" ${a.prefix.text}`, a.urn);
      if (a.prefix.family === "ipv4" && a.net.futureVlans.length > 0 && !a.net.futureVlans.some((f) => contains(f.prefix, a.address))) {
        report(`${a.owner}: address ${a.address} is not inside any future VLAN /24 of "${name}" (${a.net.futureVlans.map((f) => `${f.name} ${f.prefix.text}`).join(", ")}); it would need renumbering`, a.urn);
      }
    }
    // Seed 004: the addresses that are not guests (hosts, reservations, native services, the gateway, the DHCP range) too.
    for (const n of nets.filter((x) => x.v4 && x.futureVlans.length > 0)) {
      const list = n.futureVlans.map((f) => `${f.name} ${f.prefix.text}`).join(", ");
      const vlanOf = (address: string) => n.futureVlans.find((f) => contains(f.prefix, address));
      const fixed = [
        ...config.fixedAddresses.filter((x) => familyOf(x.address) === "ipv4" && contains(n.v4!, x.address)),
        ...(n.net.gateway ? [{ address: n.net.gateway, owner: `gateway of "${n.net.name}"` }] : []),
      ];
      for (const x of fixed) if (!vlanOf(x.address)) report(`${x.owner}: address ${x.address} is not inside any future VLAN /24 of "${n.net.name}" (${list}); it would need renumbering`);
      if (n.net.dhcp) {
        const v = vlanOf(n.net.dhcp.start);
        if (!v || !contains(v.prefix, n.net.dhcp.end)) report(`DHCP range ${n.net.dhcp.start}-${n.net.dhcp.end} of "${n.net.name}" is not inside one future VLAN /24 (${list})`);
      }
    }
  },
});

export const addressNotDynamic = stackRule({
  name: "homelab-address-not-dynamic",
  description: "No static guest address falls inside its network's DHCP range or a load-balancer pool.",
  enforcementLevel: "mandatory",
  sections: ["networks"],
  validate: (resources, config, report) => {
    const nets = parseNetworks(config.networks);
    for (const a of guestAddresses(resources, nets, report)) {
      const { dhcp, pools, net } = a.net;
      if (dhcp && inRange(dhcp, a.address)) report(`${a.owner}: address ${a.address} is inside the DHCP range ${dhcp.text} of "${net.name}"`, a.urn);
      for (const p of pools) if (inRange(p, a.address)) report(`${a.owner}: address ${a.address} is inside load-balancer pool "${p.name}" ${p.text} of "${net.name}"`, a.urn);
    }
  },
});

export const addressUnique = stackRule({
  name: "homelab-address-unique",
  description: "No address is used twice in the site (guests, hosts, reservations), and only a router guest holds its network's gateway.",
  enforcementLevel: "mandatory",
  sections: ["networks", "fixedAddresses", "routers"],
  validate: (resources, config, report) => {
    const owners = new Map<string, string>();
    for (const f of config.fixedAddresses) if (isAddress(f.address)) owners.set(canonicalAddress(f.address), f.owner);
    const gateways = new Map<string, string>();
    for (const n of config.networks) {
      if (n.gateway && isAddress(n.gateway)) gateways.set(canonicalAddress(n.gateway), n.name);
      if (n.ipv6?.gateway && isAddress(n.ipv6.gateway)) gateways.set(canonicalAddress(n.ipv6.gateway), n.name);
    }
    const routers = new Set(config.routers);
    for (const g of guestsOf(resources)) {
      for (const a of g.addresses) {
        if (!isAddress(a.address)) continue;
        const key = canonicalAddress(a.address);
        const prior = owners.get(key);
        if (prior) report(`${who(g)}: address ${key} is already used by ${prior}`, g.urn);
        else owners.set(key, who(g));
        const gw = gateways.get(key);
        if (gw !== undefined && !(g.hostname && routers.has(g.hostname))) report(`${who(g)}: address ${key} is the gateway of "${gw}" and the guest is not the site's router`, g.urn);
      }
    }
  },
});

export const networkPlan = stackRule({
  name: "homelab-network-plan",
  description: "Network gateways sit inside their prefix; DHCP ranges and load-balancer pools sit inside their subnet and are disjoint; pools hold neither the gateway nor the network/broadcast address; IPv6 subnets sit inside the site's delegated prefix.",
  enforcementLevel: "mandatory",
  sections: ["networks", "ipv6Prefix"],
  validate: (_resources, config, report) => {
    const site = config.ipv6Prefix ? tryParse(() => parsePrefix(config.ipv6Prefix!)) : undefined;
    if (config.ipv6Prefix && !site) report(`site ${config.site}: delegated IPv6 prefix "${config.ipv6Prefix}" is not a prefix`);
    for (const n of config.networks) {
      const v4 = n.ipv4 ? tryParse(() => parsePrefix(n.ipv4!)) : undefined;
      if (n.ipv4 && !v4) report(`network "${n.name}": ipv4 "${n.ipv4}" is not a prefix`);
      if (n.gateway) {
        if (!v4 || !isAddress(n.gateway) || !contains(v4, n.gateway)) report(`network "${n.name}": gateway ${n.gateway} is outside ${v4?.text ?? "(no IPv4 prefix)"}`);
        else if (isNetworkOrBroadcast(v4, n.gateway)) report(`network "${n.name}": gateway ${n.gateway} is the network or broadcast address of ${v4.text}`);
      }
      const v6 = n.ipv6 ? tryParse(() => parsePrefix(n.ipv6!.prefix)) : undefined;
      if (n.ipv6 && !v6) report(`network "${n.name}": ipv6 prefix "${n.ipv6.prefix}" is not a prefix`);
      if (v6 && n.ipv6?.gateway && (!isAddress(n.ipv6.gateway) || !contains(v6, n.ipv6.gateway))) report(`network "${n.name}": IPv6 gateway ${n.ipv6.gateway} is outside ${v6.text}`);
      if (v6 && site && !containsPrefix(site, v6)) report(`network "${n.name}": IPv6 subnet ${v6.text} is outside the site's delegated prefix ${site.text}`);
      if (v6 && !site) report(`network "${n.name}": IPv6 subnet ${v6.text} but site ${config.site} has no delegated ipv6Prefix`);
      const ranges: Array<Range & { name: string; pool: boolean }> = [];
      if (n.dhcp) {
        const r = tryParse(() => parseRange(n.dhcp!.start, n.dhcp!.end));
        if (!r) report(`network "${n.name}": DHCP range ${n.dhcp.start}-${n.dhcp.end} is not a range`);
        else ranges.push({ ...r, name: "DHCP range", pool: false });
      }
      for (const p of n.loadBalancerPools) {
        const r = tryParse(() => parseRange(p.start, p.end));
        if (!r) report(`network "${n.name}": load-balancer pool "${p.name}" ${p.start}-${p.end} is not a range`);
        else ranges.push({ ...r, name: `load-balancer pool "${p.name}"`, pool: true });
      }
      for (const r of ranges) {
        const prefix = r.family === "ipv4" ? v4 : v6;
        if (!prefix || !rangeInPrefix(r, prefix)) report(`network "${n.name}": ${r.name} ${r.text} is outside the subnet ${prefix?.text ?? "(none)"}`);
        else if (r.pool && rangeTouchesNetworkOrBroadcast(r, prefix)) report(`network "${n.name}": ${r.name} ${r.text} contains the network or broadcast address of ${prefix.text}`);
        // MetalLB would hand the gateway to a Service: a pool must not hold it (the DHCP server excludes its own gateway).
        if (r.pool && n.gateway && isAddress(n.gateway) && inRange(r, n.gateway)) report(`network "${n.name}": ${r.name} ${r.text} contains the gateway ${n.gateway}`);
      }
      for (const [a, b] of findOverlaps(ranges)) report(`network "${n.name}": ${a.name} ${a.text} and ${b.name} ${b.text} overlap`);
    }
  },
});

export const meshDisjoint = stackRule({
  name: "homelab-mesh-disjoint",
  description: "Sites of one organisation's mesh route disjoint subnets (this site's networks against every other member's).",
  enforcementLevel: "mandatory",
  sections: ["networks", "mesh"],
  validate: (_resources, config, report) => {
    if (config.mesh.length === 0) return;
    const items: Array<Prefix & { site: string }> = [];
    const add = (site: string, text: string) => {
      const p = tryParse(() => parsePrefix(text));
      if (p) items.push({ ...p, site });
    };
    for (const n of config.networks) {
      if (n.ipv4) add(config.site, n.ipv4);
      if (n.ipv6) add(config.site, n.ipv6.prefix);
    }
    for (const m of config.mesh) for (const p of m.prefixes) add(m.site, p);
    const seen = new Set<string>();
    for (const [a, b] of findOverlaps(items)) {
      if (a.site === b.site || (a.site !== config.site && b.site !== config.site)) continue;
      const [mine, theirs] = a.site === config.site ? [a, b] : [b, a];
      const key = `${mine.text}|${theirs.site}|${theirs.text}`;
      if (seen.has(key)) continue;
      seen.add(key);
      report(`site ${config.site} subnet ${mine.text} overlaps mesh member ${theirs.site}'s ${theirs.text}`);
    }
  },
});

export const ipplanPolicies = [addressInNetwork, addressNotDynamic, addressUnique, networkPlan, meshDisjoint];
