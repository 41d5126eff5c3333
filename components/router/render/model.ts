/**
 * The router's policy as data, derived from a site's inventory: its zones (one per network the
 * router VM has a NIC on), the upstream (WAN), the management sources, the published ports and the
 * BGP session. Every renderer (nftables, dnsmasq, radvd, BIRD2) and the plan's summary read this
 * model and nothing else, so they cannot disagree. Pure: no Pulumi, no I/O.
 *
 * Rules (docs/decisions.md, Router):
 * - The upstream is the network the router's NIC takes by DHCP (or, failing that, one without an
 *   IPv4 prefix). Exactly one.
 * - Every other network of the router is an inside zone; the router holds its gateway address.
 *   Inside zones reach the upstream (IPv4 masqueraded, IPv6 routed) and never each other.
 * - Management sources (setting `management`, default the router's primary network) may SSH to the
 *   router; an inside zone that is not management cannot reach the management prefixes at all.
 * - A port is published when its `from` includes `any` and its service sits in an inside zone:
 *   IPv4 DNAT from the upstream to the service's address, and IPv6 forwarding to its IPv6 address.
 */
import type { ResolvedNetwork, ResolvedService, Site } from "../../inventory/load";
import type { AppOf } from "../../inventory/apps";
import { canonicalAddress, familyOf, parsePrefix, Prefix } from "../../inventory/net";
import { siteProxy, webRoutes } from "../../apps/reverseProxy";

/** The router app's settings (components/inventory/apps.ts). */
export type RouterSettings = AppOf<"router">;

/** A network the router routes for. */
export interface Zone {
  /** Network name (the inventory's). */
  readonly name: string;
  /** Interface name inside the router VM. */
  readonly iface: string;
  readonly ipv4?: Prefix;
  /** The router's IPv4 address on it (the network's gateway). */
  readonly gateway4?: string;
  readonly ipv6?: Prefix;
  /** The router's IPv6 address on it (the network's IPv6 gateway). */
  readonly gateway6?: string;
  /** DHCP scope, if the inventory declares one. */
  readonly dhcp?: { readonly start: string; readonly end: string };
  /** Whether this zone is a management source (may SSH to the router and reach management prefixes). */
  readonly management: boolean;
}

/** A published port: reachable from the upstream. */
export interface Forward {
  readonly service: string;
  readonly protocol: "tcp" | "udp";
  readonly port: number;
  readonly ipv4?: string;
  readonly ipv6?: string;
  readonly description?: string;
}

/** The BGP session, when configured. */
export interface Bgp {
  readonly asn: number;
  readonly peerAsn: number;
  /** The announced aggregate (the site's `ipv6Prefix`). */
  readonly aggregate: Prefix;
  readonly neighbor?: string;
  readonly localAddress?: string;
}

/** A DNS record the router serves for the site's domain. */
export interface DnsRecord {
  readonly name: string;
  readonly addresses: readonly string[];
}

/** The whole policy. */
export interface RouterModel {
  readonly site: string;
  /** The router service's name. */
  readonly router: string;
  /** BGP router id and SSH address: the router's primary IPv4 address. */
  readonly routerId: string;
  readonly upstream: { readonly name: string; readonly iface: string };
  readonly zones: readonly Zone[];
  /** Prefixes (besides management zones) that are management: SSH to the router, and closed to non-management zones. */
  readonly managementPrefixes: readonly Prefix[];
  readonly forwards: readonly Forward[];
  readonly bgp?: Bgp;
  readonly domain?: string;
  readonly dns: readonly DnsRecord[];
}

/**
 * Proxmox puts net0, net1, … on PCI bus 0 slots 18, 19, … of its default i440fx machine (qemu-server
 * `PVE/QemuServer/PCI.pm`: `net0 => { bus => 0, addr => 18 }`), which systemd's predictable names call
 * ens18, ens19, … (VmService sets no machine type, so the default applies).
 */
export function defaultInterface(index: number): string {
  return `ens${18 + index}`;
}

function fail(site: string, msg: string): never {
  throw new Error(`homelab: site "${site}": router: ${msg}`);
}

/** The router service of `site` (app kind `router`), if any. */
export function routerService(site: Site): ResolvedService | undefined {
  const rs = site.services.filter((s) => s.app?.kind === "router");
  if (rs.length > 1) fail(site.name, `more than one service has app router (${rs.map((s) => s.name).join(", ")})`);
  return rs[0];
}

/** The policy of router `service` at `site`. */
export function routerModel(site: Site, service: ResolvedService): RouterModel {
  const settings = service.app as RouterSettings;
  if (service.kind !== "vm") fail(site.name, `${service.name} must be a VM (it has ${service.extraNics.length + 1} NICs)`);
  const nics: { network: string; ipv4?: string }[] = [{ network: service.network, ipv4: service.ipv4 }, ...service.extraNics.map((n) => ({ network: n.network, ipv4: n.ipv4 }))];
  const byName = new Map<string, ResolvedNetwork>(site.networks.map((n) => [n.name, n]));
  const ifaceOf = (name: string, i: number) => settings.interfaces[name] ?? defaultInterface(i);
  for (const k of Object.keys(settings.interfaces)) if (!nics.some((n) => n.network === k)) fail(site.name, `interfaces.${k}: the router has no NIC on network ${k}`);
  const upstreams = nics.map((n, i) => ({ ...n, i })).filter((n) => n.ipv4 === "dhcp" || !byName.get(n.network)?.ipv4Prefix);
  if (upstreams.length !== 1) fail(site.name, `needs exactly one upstream NIC (ipv4: dhcp or a network without an IPv4 prefix), found ${upstreams.length}`);
  const up = upstreams[0];
  const mgmtEntries = settings.management ?? [service.network];
  const networkNames = new Set(nics.map((n) => n.network));
  const managementPrefixes: Prefix[] = [];
  const mgmtZones = new Set<string>();
  for (const m of mgmtEntries) {
    if (networkNames.has(m)) {
      if (m === up.network) fail(site.name, `management: the upstream network ${m} cannot be management (name its prefix instead)`);
      mgmtZones.add(m);
    } else if (m.includes("/")) {
      try {
        managementPrefixes.push(parsePrefix(m));
      } catch (e) {
        fail(site.name, `management: ${(e as Error).message}`);
      }
    } else fail(site.name, `management: ${JSON.stringify(m)} is neither a network of the router nor a prefix`);
  }
  const zones: Zone[] = nics
    .map((n, i) => ({ n, i }))
    .filter(({ n }) => n.network !== up.network)
    .map(({ n, i }) => {
      const net = byName.get(n.network);
      if (!net) fail(site.name, `no network ${n.network}`);
      const gateway4 = n.ipv4 && n.ipv4 !== "dhcp" ? n.ipv4 : undefined;
      if (net.gateway && gateway4 && canonicalAddress(net.gateway) !== canonicalAddress(gateway4)) fail(site.name, `${n.network}: the router's address ${gateway4} is not the network's gateway ${net.gateway}`);
      return {
        name: net.name,
        iface: ifaceOf(net.name, i),
        ipv4: net.ipv4Prefix,
        gateway4,
        ipv6: net.ipv6Prefix,
        gateway6: net.ipv6?.gateway ? canonicalAddress(net.ipv6.gateway) : undefined,
        dhcp: net.dhcp ? { start: net.dhcp.start, end: net.dhcp.end } : undefined,
        management: mgmtZones.has(net.name),
      };
    });
  const inside = new Set(zones.map((z) => z.name));
  const forwards: Forward[] = site.services
    .filter((s) => s.name !== service.name && inside.has(s.network))
    .flatMap((s) =>
      s.ports
        .filter((p) => p.from.includes("any"))
        .map((p) => ({ service: s.name, protocol: p.protocol, port: p.port, ipv4: s.ipv4, ipv6: s.ipv6 ? canonicalAddress(s.ipv6) : undefined, description: p.description })),
    )
    .filter((f) => f.ipv4 || f.ipv6);
  const seen = new Map<string, string>();
  for (const f of forwards) {
    const key = `${f.protocol}/${f.port}`;
    if (seen.has(key) && f.ipv4) fail(site.name, `${key} is published by both ${seen.get(key)} and ${f.service}; one IPv4 address forwards a port to one service`);
    if (f.ipv4) seen.set(key, f.service);
  }
  let bgp: Bgp | undefined;
  if (settings.bgp) {
    if (!site.inventory.ipv6Prefix) fail(site.name, "bgp needs the site's ipv6Prefix (the aggregate it announces)");
    const aggregate = parsePrefix(site.inventory.ipv6Prefix);
    const { neighbor, localAddress } = settings.bgp;
    if (neighbor && familyOf(neighbor) !== "ipv6") fail(site.name, `bgp.neighbor ${neighbor} is not an IPv6 address`);
    if (localAddress && familyOf(localAddress.split("/")[0]) !== "ipv6") fail(site.name, `bgp.localAddress ${localAddress} is not an IPv6 address`);
    // The session is enabled by the neighbour's address; the link address is then required (and is useless without it).
    if (neighbor && !localAddress) fail(site.name, `bgp.neighbor ${neighbor} is set but bgp.localAddress (this router's address on the peering link) is not`);
    if (localAddress && !neighbor) fail(site.name, `bgp.localAddress ${localAddress} is set but bgp.neighbor (the upstream's address, from its provisioning) is not`);
    bgp = { asn: settings.bgp.asn, peerAsn: settings.bgp.peerAsn, aggregate, neighbor: neighbor && canonicalAddress(neighbor), localAddress };
  }
  const primary = zones.find((z) => z.name === service.network);
  const routerId = primary?.gateway4 ?? fail(site.name, `${service.name} needs a static IPv4 address on its primary network`);
  const domain = site.inventory.dns?.domain;
  // A web app behind the site's reverse proxy is answered with the proxy's addresses (decision 184).
  const proxy = siteProxy(site);
  const proxied = new Set(webRoutes(site).map((r) => r.service));
  const addressesOf = (s: (typeof site.services)[number]) => [s.ipv4, s.ipv6 && canonicalAddress(s.ipv6)].filter((a): a is string => !!a);
  const dns: DnsRecord[] = [
    ...site.services
      .filter((s) => s.ipv4 || s.ipv6)
      .map((s) => ({ name: s.name, addresses: addressesOf(proxied.has(s.name) ? proxy! : s) })),
    ...site.networks.flatMap((n) => n.reserved.map((r) => ({ name: r.name, addresses: [r.address] }))),
  ];
  return { site: site.name, router: service.name, routerId, upstream: { name: up.network, iface: ifaceOf(up.network, up.i) }, zones, managementPrefixes, forwards, bgp, domain, dns };
}
