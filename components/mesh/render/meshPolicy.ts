/**
 * The mesh plan, derived from the organisation's inventories (pure data), and
 * the check that every cross-site flow the sites need is carried by it.
 *
 * Model: NetBird site-to-site with Network Routes (management v0.77.1 API
 * `/api/routes`), as NetBird documents for source-IP preservation:
 *  - every mesh site has a routing peer (inventory `meshRouter`) in the peer
 *    group `routers-<site>`; it advertises the site's LAN as a network route
 *    with masquerade OFF, distributed to the other sites' routing peers, so a
 *    packet from 192.0.2.22 still arrives at the other site as 192.0.2.22;
 *  - policies connect the routing-peer groups of sites that have flows between
 *    them (the peers themselves); they do not filter routed traffic: routes
 *    carry no access_control_groups, which NetBird makes default-permit
 *    (decision 103). Routed packets are filtered by the route's distribution
 *    groups, the sending routing peer's transit rules, and the destination
 *    guest's own firewall and pg_hba, keyed on the preserved LAN addresses;
 *  - each site's LAN gateway routes the other members' prefixes to its local
 *    routing peer (`gatewayRoutes`), which is configured outside Proxmox.
 *
 * Required flows are not written anywhere by hand: they are the firewall
 * openings of mesh sites' services whose allowed sources lie in another
 * member's LAN. An opening from a private address outside every member's LAN
 * can never be used and is reported.
 */
import { contains, containsPrefix, findOverlaps, parsePrefix, Prefix } from "../../inventory/net";
import type { Site } from "../../inventory/load";
import { firewallOf } from "../../inventory/monitoring";

export type MeshProtocol = "tcp" | "udp" | "icmp" | "all";

/** A mesh member: its LAN and its routing peer. */
export interface MeshSite {
  /** Site (stack) name, e.g. "site-a". */
  id: string;
  /** LAN prefix advertised by the routing peer. */
  lan: string;
  /** The routing peer guest. */
  router: { service: string; ipv4: string };
}

/** A NetBird network route (`POST /api/routes`). */
export interface MeshRoute {
  /** Site whose LAN this is. */
  site: string;
  /** `network_id` (route identifier). */
  networkId: string;
  /** The LAN prefix. */
  network: string;
  /** Peer group of the routing peer(s) (`peer_groups`). */
  peerGroup: string;
  /** Groups whose peers receive the route (`groups`). */
  distributionGroups: string[];
  /** Always false: source addresses are preserved for the guests' firewalls. */
  masquerade: boolean;
  metric: number;
}

/** A NetBird access policy with one rule. */
export interface MeshPolicyRule {
  name: string;
  description: string;
  sources: string[];
  destinations: string[];
  protocol: MeshProtocol;
  /** Allowed ports; empty means all ports. */
  ports: number[];
  bidirectional: boolean;
  action: "accept" | "drop";
  enabled: boolean;
}

/** A setup key the coordinator creates. */
export interface MeshSetupKey {
  /** Unique key name; the created key is stored at <setupKeyDir>/<name>.key */
  name: string;
  type: "reusable" | "one-off";
  /** Seconds; NetBird accepts 86400..31536000. */
  expiresIn: number;
  /** Group names auto-assigned to peers enrolled with this key. */
  autoGroups: string[];
  /** 0 = unlimited. */
  usageLimit: number;
  ephemeral: boolean;
}

/** Everything the coordinator's API setup creates. */
export interface MeshPlan {
  sites: MeshSite[];
  peerGroups: string[];
  routes: MeshRoute[];
  policies: MeshPolicyRule[];
  setupKeys: MeshSetupKey[];
}

/** A flow between two mesh sites that some guest's firewall opening asks for. */
export interface RequiredFlow {
  id: string;
  description: string;
  sourceSite: string;
  /** Allowed source (address/prefix) as written in the opening. */
  source: string;
  destinationSite: string;
  /** Destination guest address. */
  destination: string;
  protocol: "tcp" | "udp";
  port: number;
}

/** Site LAN gateway configuration the mesh needs (static routes to the local routing peer). */
export interface GatewayRoute {
  site: string;
  destination: string;
  via: string;
}

const YEAR = 365 * 24 * 3600;
const routersGroup = (site: string) => `routers-${site}`;

/** Mesh members among `sites`: sites with `mesh: true`, their first IPv4 network and their routing peer. */
export function meshSitesFrom(sites: readonly Site[]): MeshSite[] {
  const out: MeshSite[] = [];
  for (const s of sites) {
    if (!s.inventory.mesh) continue;
    const lan = s.networks.find((n) => n.ipv4Prefix)?.ipv4Prefix?.text;
    const router = s.inventory.services.find((x) => x.name === s.inventory.meshRouter);
    if (!lan || !router?.ipv4) continue; // the loader already refused such an inventory
    out.push({ id: s.name, lan, router: { service: router.name, ipv4: router.ipv4 } });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Private ranges (RFC 1918, CGNAT, ULA): a source there can only arrive through the mesh. */
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"].map((r) => parsePrefix(r));

/** Where an allowed source comes from, seen from a site with prefixes `own` in a mesh of `lans`. */
export type SourceOrigin = { kind: "local" } | { kind: "member"; site: string } | { kind: "unroutable" } | { kind: "outside" };

/**
 * Classify an allowed source: inside the site's own networks, inside another member's LAN (the
 * mesh must carry it), private but in no member's LAN (nothing can ever use it), or public.
 * Shared by the plan derivation and the policy pack so both judge sources the same way.
 */
export function sourceOrigin(source: Prefix, own: readonly Prefix[], lans: ReadonlyArray<{ site: string; prefix: Prefix }>): SourceOrigin {
  if (own.some((o) => containsPrefix(o, source))) return { kind: "local" };
  const from = lans.find((l) => containsPrefix(l.prefix, source));
  if (from) return { kind: "member", site: from.site };
  return PRIVATE_RANGES.some((r) => containsPrefix(r, source)) ? { kind: "unroutable" } : { kind: "outside" };
}

/**
 * Flows the mesh must carry, from the active services' firewall openings (as
 * components/inventory/monitoring.ts `firewallOf` opens them to the Prometheus guest) of
 * every mesh site, and the openings that can never be used (a private source
 * outside every member's LAN).
 */
export function requiredFlowsFrom(sites: readonly Site[]): { flows: RequiredFlow[]; unroutable: string[] } {
  const members = meshSitesFrom(sites);
  const lans = members.map((m) => ({ site: m.id, prefix: parsePrefix(m.lan) }));
  const flows: RequiredFlow[] = [];
  const unroutable: string[] = [];
  for (const site of sites) {
    if (!members.some((m) => m.id === site.name)) continue;
    const own = site.networks.flatMap((n) => [n.ipv4Prefix, n.ipv6Prefix].filter((p): p is Prefix => !!p));
    for (const svc of site.services) {
      if (!svc.ipv4) continue;
      for (const open of firewallOf(sites, site, svc)) {
        for (const src of open.sources) {
          const origin = sourceOrigin(parsePrefix(src, true), own, lans);
          if (origin.kind === "unroutable") unroutable.push(`${site.name}/${svc.name} ${open.protocol}/${open.port} allows ${src}, which is in no mesh member's LAN (${lans.map((l) => l.prefix.text).join(", ")})`);
          if (origin.kind !== "member") continue;
          const from = origin;
          flows.push({
            id: `${from.site}->${site.name}/${svc.name}:${open.protocol}/${open.port}:${src}`,
            description: open.description ?? `${svc.name} ${open.protocol}/${open.port}`,
            sourceSite: from.site,
            source: src,
            destinationSite: site.name,
            destination: svc.ipv4,
            protocol: open.protocol,
            port: open.port,
          });
        }
      }
    }
  }
  return { flows, unroutable };
}

/**
 * The plan for `members` that carries `flows`: one non-masquerading route per
 * LAN, distributed to the routing peers of every site that exchanges traffic
 * with it (and to admins); one policy per pair of sites with flows between
 * them, with the union of their protocols and ports; router and admin keys.
 */
export function meshPlanFor(members: readonly MeshSite[], flows: readonly RequiredFlow[]): MeshPlan {
  const partners = new Map<string, Set<string>>(members.map((m) => [m.id, new Set<string>()]));
  const pairs = new Map<string, { src: string; dst: string; protocols: Map<"tcp" | "udp", Set<number>> }>();
  for (const f of flows) {
    partners.get(f.sourceSite)?.add(f.destinationSite);
    partners.get(f.destinationSite)?.add(f.sourceSite);
    const key = `${f.sourceSite}->${f.destinationSite}`;
    let pair = pairs.get(key);
    if (!pair) pairs.set(key, (pair = { src: f.sourceSite, dst: f.destinationSite, protocols: new Map() }));
    let ports = pair.protocols.get(f.protocol);
    if (!ports) pair.protocols.set(f.protocol, (ports = new Set()));
    ports.add(f.port);
  }
  const routes: MeshRoute[] = members.map((m) => ({
    site: m.id,
    networkId: `lan-${m.id}`,
    network: m.lan,
    peerGroup: routersGroup(m.id),
    distributionGroups: [...[...partners.get(m.id)!].sort().map(routersGroup), "admins"],
    masquerade: false,
    metric: 100,
  }));
  const policies: MeshPolicyRule[] = [];
  for (const pair of [...pairs.values()].sort((a, b) => (`${a.src}${a.dst}` < `${b.src}${b.dst}` ? -1 : 1))) {
    for (const [protocol, ports] of [...pair.protocols.entries()].sort()) {
      policies.push({
        name: `${pair.src}-to-${pair.dst}-${protocol}`,
        description: `${pair.src} LAN to ${pair.dst} LAN (${protocol}); per-host rules are the guests' firewalls`,
        sources: [routersGroup(pair.src)],
        destinations: [routersGroup(pair.dst)],
        protocol,
        ports: [...ports].sort((a, b) => a - b),
        bidirectional: false,
        action: "accept",
        enabled: true,
      });
    }
  }
  policies.push({
    name: "admins-to-everything",
    description: "Administrators reach every site's routing peer and LAN",
    sources: ["admins"],
    destinations: members.map((m) => routersGroup(m.id)),
    protocol: "all",
    ports: [],
    bidirectional: false,
    action: "accept",
    enabled: true,
  });
  const setupKeys: MeshSetupKey[] = [
    ...members.map((m) => ({ name: `router-${m.id}`, type: "reusable" as const, expiresIn: YEAR, autoGroups: [routersGroup(m.id)], usageLimit: 2, ephemeral: false })),
    { name: "admins", type: "reusable", expiresIn: 30 * 24 * 3600, autoGroups: ["admins"], usageLimit: 0, ephemeral: false },
  ];
  return { sites: members.map((m) => ({ ...m, router: { ...m.router } })), peerGroups: ["admins", ...members.map((m) => routersGroup(m.id))], routes, policies, setupKeys };
}

/** The plan for an organisation's sites (this site plus its siblings). */
export function meshPlanFromSites(sites: readonly Site[]): { plan: MeshPlan; flows: RequiredFlow[]; unroutable: string[] } {
  const { flows, unroutable } = requiredFlowsFrom(sites);
  return { plan: meshPlanFor(meshSitesFrom(sites), flows), flows, unroutable };
}

/** Static routes each member's LAN gateway needs: every LAN whose route reaches the site's routing peer, via that peer. */
export function gatewayRoutes(plan: MeshPlan): GatewayRoute[] {
  return plan.sites.flatMap((s) =>
    plan.routes.filter((r) => r.site !== s.id && r.distributionGroups.includes(routersGroup(s.id))).map((r) => ({ site: s.id, destination: r.network, via: s.router.ipv4 })),
  );
}

/** Every group name the plan references, sorted. */
export function allGroups(plan: MeshPlan): string[] {
  const s = new Set<string>(plan.peerGroups);
  for (const r of plan.routes) [r.peerGroup, ...r.distributionGroups].forEach((g) => s.add(g));
  for (const k of plan.setupKeys) k.autoGroups.forEach((g) => s.add(g));
  for (const p of plan.policies) [...p.sources, ...p.destinations].forEach((g) => s.add(g));
  return [...s].sort();
}

function policyCarries(p: MeshPolicyRule, src: string, dst: string, flow: RequiredFlow): boolean {
  if (!p.enabled || p.action !== "accept") return false;
  const forward = p.sources.includes(src) && p.destinations.includes(dst);
  const backward = p.bidirectional && p.sources.includes(dst) && p.destinations.includes(src);
  if (!forward && !backward) return false;
  if (p.protocol === "all") return true;
  return p.protocol === flow.protocol && (p.ports.length === 0 || p.ports.includes(flow.port));
}

/** Why `flow` is not carried by `plan` (empty when it is). */
export function flowProblems(plan: MeshPlan, flow: RequiredFlow): string[] {
  const problems: string[] = [];
  const src = plan.sites.find((s) => s.id === flow.sourceSite);
  const dst = plan.sites.find((s) => s.id === flow.destinationSite);
  if (!src || !dst) return [`${!src ? flow.sourceSite : flow.destinationSite} is not a mesh member`];
  const srcGroup = routersGroup(src.id);
  const dstGroup = routersGroup(dst.id);
  const toDst = plan.routes.find((r) => r.site === dst.id && contains(parsePrefix(r.network), flow.destination));
  if (!toDst) problems.push(`no route advertises ${flow.destination} (${dst.id})`);
  else if (!toDst.distributionGroups.includes(srcGroup)) problems.push(`route ${toDst.networkId} is not distributed to ${srcGroup}`);
  else if (toDst.masquerade) problems.push(`route ${toDst.networkId} masquerades: ${dst.id}'s guests would see ${src.id}'s routing peer, not ${flow.source}`);
  const back = plan.routes.find((r) => r.site === src.id && r.network === src.lan);
  if (!back || !back.distributionGroups.includes(dstGroup)) problems.push(`no return route for ${src.lan} on ${dstGroup}`);
  if (!plan.policies.some((p) => policyCarries(p, srcGroup, dstGroup, flow))) problems.push(`no policy lets ${srcGroup} reach ${dstGroup} on ${flow.protocol}/${flow.port}`);
  return problems;
}

/** Required flows the plan does not carry, with the reasons. */
export function unmetFlows(plan: MeshPlan, flows: readonly RequiredFlow[]): Array<{ flow: RequiredFlow; problems: string[] }> {
  return flows.map((flow) => ({ flow, problems: flowProblems(plan, flow) })).filter((x) => x.problems.length > 0);
}

/** Structural problems: unknown groups, duplicate names, invalid ports/expiry. */
export function validatePlan(plan: MeshPlan): string[] {
  const errors: string[] = [];
  const groups = new Set(allGroups(plan));
  const names = new Set<string>();
  for (const r of plan.routes) {
    if (names.has(r.networkId)) errors.push(`duplicate route ${r.networkId}`);
    names.add(r.networkId);
    try {
      parsePrefix(r.network);
    } catch {
      errors.push(`route ${r.networkId}: invalid network ${r.network}`);
    }
  }
  for (const s of plan.sites) if (!plan.routes.some((r) => r.site === s.id)) errors.push(`site ${s.id} has no route`);
  for (const p of plan.policies) {
    for (const g of [...p.sources, ...p.destinations]) if (!groups.has(g)) errors.push(`policy ${p.name}: unknown group ${g}`);
    for (const port of p.ports) if (!Number.isInteger(port) || port < 1 || port > 65535) errors.push(`policy ${p.name}: bad port ${port}`);
    if (p.protocol === "icmp" && p.ports.length) errors.push(`policy ${p.name}: icmp takes no ports`);
  }
  for (const k of plan.setupKeys) {
    if (k.expiresIn < 86400 || k.expiresIn > 31536000) errors.push(`setup key ${k.name}: expires_in must be 86400..31536000`);
    if (!/^[A-Za-z0-9._-]+$/.test(k.name)) errors.push(`setup key ${k.name}: name must be [A-Za-z0-9._-]`);
  }
  return errors;
}

/**
 * The LAN prefixes the mesh routes must not overlap (two sites advertising
 * overlapping prefixes make routing ambiguous). One message per overlapping pair.
 */
export function meshPrefixesDisjoint(prefixes: { site: string; prefix: string }[]): string[] {
  const parsed = prefixes.map((p) => ({ ...p, ...parsePrefix(p.prefix, true) }));
  return findOverlaps(parsed).map(([a, b]) => `mesh prefixes overlap: ${a.site} ${a.prefix} and ${b.site} ${b.prefix}`);
}
