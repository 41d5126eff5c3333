/**
 * Mesh access model (pure data) and a checker that every required flow is
 * allowed by some NetBird policy.
 *
 * Model (NetBird "Networks" API, management v0.77.1):
 *  - peer groups hold enrolled peers (auto-assigned through setup keys);
 *  - every site has one network with one router (the site's routing peer group)
 *    and resources (the LAN prefix and single service hosts), each resource in
 *    one or more resource groups;
 *  - policies connect source peer groups to destination (resource or peer) groups
 *    with protocol and ports; the routing peer enforces them.
 *
 * Hosts that must reach another site (replicas, restic agents, Prometheus) are
 * enrolled as peers themselves: NetBird does not route traffic that originates
 * from a non-peer LAN host at another site.
 */
import * as ipaddr from "ipaddr.js";
import { findOverlaps, parsePrefix as netParsePrefix } from "../../inventory/net";

export type MeshProtocol = "tcp" | "udp" | "icmp" | "all";

export interface MeshSite {
  /** Short site id, e.g. "bo". */
  id: string;
  /** LAN prefix advertised by the site's routing peer, e.g. "192.168.9.0/24". */
  lan: string;
}

export interface MeshResource {
  /** Unique resource name (also used for idempotent lookup). */
  name: string;
  /** Site whose network (and router) serves this resource. */
  site: string;
  /** Host ("192.168.9.20" or "/32") or subnet ("192.168.9.0/24"). */
  address: string;
  /** Resource groups this resource belongs to. */
  groups: string[];
}

export interface MeshRouter {
  site: string;
  /** Peer group holding the site's routing peer(s). */
  peerGroup: string;
  metric: number;
  masquerade: boolean;
}

export interface MeshPolicyRule {
  /** Unique policy name (idempotent lookup key). */
  name: string;
  description: string;
  /** Source group names. */
  sources: string[];
  /** Destination group names (resource groups or peer groups). */
  destinations: string[];
  protocol: MeshProtocol;
  /** Allowed ports; empty means all ports (only valid with tcp/udp/all). */
  ports: number[];
  bidirectional: boolean;
  action: "accept" | "drop";
  enabled: boolean;
}

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

export interface MeshPlan {
  sites: MeshSite[];
  /** Peer groups (resource groups are derived from resources). */
  peerGroups: string[];
  resources: MeshResource[];
  routers: MeshRouter[];
  policies: MeshPolicyRule[];
  setupKeys: MeshSetupKey[];
}

export interface RequiredFlow {
  id: string;
  description: string;
  sourceGroup: string;
  /** Destination host IP or CIDR. */
  destination: string;
  protocol: Exclude<MeshProtocol, "all">;
  /** Port, or undefined for icmp / any port. */
  port?: number;
}

/** Every group name referenced by the plan (peer groups + resource groups), sorted. */
export function allGroups(plan: MeshPlan): string[] {
  const s = new Set<string>(plan.peerGroups);
  for (const r of plan.resources) r.groups.forEach((g) => s.add(g));
  for (const r of plan.routers) s.add(r.peerGroup);
  for (const k of plan.setupKeys) k.autoGroups.forEach((g) => s.add(g));
  return [...s].sort();
}

const SITES: MeshSite[] = [
  { id: "bo", lan: "192.168.9.0/24" },
  { id: "bh", lan: "192.168.50.0/24" },
  { id: "ep", lan: "192.168.30.0/24" },
];

/** Exporter ports Prometheus scrapes across sites (node, postgres, restic-exporter...). */
export const EXPORTER_PORTS = [9100, 9187, 9753];

const YEAR = 365 * 24 * 3600;

/** The homelab's mesh plan (issue 6). */
export function homelabMeshPlan(): MeshPlan {
  const resources: MeshResource[] = [
    ...SITES.map((s) => ({ name: `lan-${s.id}`, site: s.id, address: s.lan, groups: [`lan-${s.id}`] })),
    { name: "bo-pg-primary", site: "bo", address: "192.168.9.20/32", groups: ["res-bo-pg-primary"] },
    { name: "bo-restic-server", site: "bo", address: "192.168.9.22/32", groups: ["res-bo-restic"] },
  ];
  const routers: MeshRouter[] = SITES.map((s) => ({ site: s.id, peerGroup: `routers-${s.id}`, metric: 100, masquerade: true }));
  const policies: MeshPolicyRule[] = [
    {
      name: "replicas-to-bo-pg",
      description: "Streaming replicas (bh/ep pg .22) to the bo primary",
      sources: ["replicas"],
      destinations: ["res-bo-pg-primary"],
      protocol: "tcp",
      ports: [5432],
      bidirectional: false,
      action: "accept",
      enabled: true,
    },
    {
      name: "restic-to-bo-rest-server",
      description: "Restic agents to the bo rest-server",
      sources: ["restic-agents"],
      destinations: ["res-bo-restic"],
      protocol: "tcp",
      ports: [8000],
      bidirectional: false,
      action: "accept",
      enabled: true,
    },
    {
      name: "prometheus-to-exporters",
      description: "bo Prometheus (192.168.9.23) scrapes exporters on the remote sites",
      sources: ["monitoring"],
      destinations: SITES.filter((s) => s.id !== "bo").map((s) => `lan-${s.id}`),
      protocol: "tcp",
      ports: [...EXPORTER_PORTS],
      bidirectional: false,
      action: "accept",
      enabled: true,
    },
    {
      name: "admins-to-everything",
      description: "Administrators reach every site LAN and every peer",
      sources: ["admins"],
      destinations: [...SITES.map((s) => `lan-${s.id}`), "all-peers"],
      protocol: "all",
      ports: [],
      bidirectional: false,
      action: "accept",
      enabled: true,
    },
  ];
  const setupKeys: MeshSetupKey[] = [
    ...SITES.map((s) => ({
      name: `router-${s.id}`,
      type: "reusable" as const,
      expiresIn: YEAR,
      autoGroups: [`routers-${s.id}`, "all-peers"],
      usageLimit: 2,
      ephemeral: false,
    })),
    { name: "replicas", type: "reusable", expiresIn: YEAR, autoGroups: ["replicas", "all-peers"], usageLimit: 0, ephemeral: false },
    { name: "restic-agents", type: "reusable", expiresIn: YEAR, autoGroups: ["restic-agents", "all-peers"], usageLimit: 0, ephemeral: false },
    { name: "monitoring", type: "reusable", expiresIn: YEAR, autoGroups: ["monitoring", "all-peers"], usageLimit: 1, ephemeral: false },
    { name: "admins", type: "reusable", expiresIn: 30 * 24 * 3600, autoGroups: ["admins", "all-peers"], usageLimit: 0, ephemeral: false },
  ];
  return {
    sites: SITES.map((s) => ({ ...s })),
    peerGroups: ["all-peers", "admins", "replicas", "restic-agents", "monitoring", ...SITES.map((s) => `routers-${s.id}`)],
    resources,
    routers,
    policies,
    setupKeys,
  };
}

/** Flows the homelab needs (issue 6). */
export function homelabRequiredFlows(): RequiredFlow[] {
  const flows: RequiredFlow[] = [
    { id: "replica-bo-pg", description: "bh/ep replicas to bo primary", sourceGroup: "replicas", destination: "192.168.9.20", protocol: "tcp", port: 5432 },
    { id: "restic-bo", description: "restic agents to bo rest-server", sourceGroup: "restic-agents", destination: "192.168.9.22", protocol: "tcp", port: 8000 },
  ];
  for (const site of ["bh", "ep"]) {
    const lan = SITES.find((s) => s.id === site)!.lan;
    for (const port of EXPORTER_PORTS) {
      flows.push({
        id: `prom-${site}-${port}`,
        description: `Prometheus scrapes ${site} exporters on ${port}`,
        sourceGroup: "monitoring",
        destination: lan,
        protocol: "tcp",
        port,
      });
    }
  }
  for (const s of SITES) {
    flows.push({ id: `admin-${s.id}-ssh`, description: `admins to ${s.id} ssh`, sourceGroup: "admins", destination: s.lan, protocol: "tcp", port: 22 });
    flows.push({ id: `admin-${s.id}-icmp`, description: `admins ping ${s.id}`, sourceGroup: "admins", destination: s.lan, protocol: "icmp" });
  }
  return flows;
}

function parsePrefix(addr: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  if (addr.includes("/")) return ipaddr.parseCIDR(addr);
  const ip = ipaddr.parse(addr);
  return [ip, ip.kind() === "ipv4" ? 32 : 128];
}

/** True when prefix `inner` lies completely inside prefix `outer`. */
export function prefixWithin(inner: string, outer: string): boolean {
  const [iIp, iLen] = parsePrefix(inner);
  const [oIp, oLen] = parsePrefix(outer);
  if (iIp.kind() !== oIp.kind()) return false;
  return iLen >= oLen && (iIp as ipaddr.IPv4).match(oIp as ipaddr.IPv4, oLen);
}

function protocolAllows(rule: MeshPolicyRule, flow: RequiredFlow): boolean {
  if (rule.protocol === "all") return true;
  if (rule.protocol !== flow.protocol) return false;
  if (flow.protocol === "icmp") return true;
  return rule.ports.length === 0 || (flow.port !== undefined && rule.ports.includes(flow.port));
}

export interface FlowCheck {
  flow: RequiredFlow;
  /** Names of accepting policies that cover the flow (empty = not allowed). */
  allowedBy: string[];
}

/**
 * For each required flow, list the enabled accept policies that allow it: the
 * flow's source group is a rule source, and a destination group contains a
 * resource whose address covers the flow destination, and protocol/port match.
 */
export function checkFlows(plan: MeshPlan, flows: RequiredFlow[]): FlowCheck[] {
  return flows.map((flow) => {
    const allowedBy = plan.policies
      .filter((p) => p.enabled && p.action === "accept" && p.sources.includes(flow.sourceGroup) && protocolAllows(p, flow))
      .filter((p) =>
        plan.resources.some((r) => r.groups.some((g) => p.destinations.includes(g)) && prefixWithin(flow.destination, r.address)),
      )
      .map((p) => p.name);
    return { flow, allowedBy };
  });
}

/** The required flows no policy allows (empty when the plan is complete). */
export function unmetFlows(plan: MeshPlan, flows: RequiredFlow[]): RequiredFlow[] {
  return checkFlows(plan, flows)
    .filter((c) => c.allowedBy.length === 0)
    .map((c) => c.flow);
}

/** Structural problems: unknown groups, resources for unknown sites, invalid ports/expiry. */
export function validatePlan(plan: MeshPlan): string[] {
  const errors: string[] = [];
  const groups = new Set(allGroups(plan));
  const sites = new Set(plan.sites.map((s) => s.id));
  const names = new Set<string>();
  for (const r of plan.resources) {
    if (!sites.has(r.site)) errors.push(`resource ${r.name}: unknown site ${r.site}`);
    if (names.has(r.name)) errors.push(`duplicate resource ${r.name}`);
    names.add(r.name);
    try {
      parsePrefix(r.address);
    } catch {
      errors.push(`resource ${r.name}: invalid address ${r.address}`);
    }
  }
  for (const s of plan.sites) if (!plan.routers.some((r) => r.site === s.id)) errors.push(`site ${s.id} has no router`);
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
 * For the policy pack: the LAN prefixes the mesh routes must not overlap
 * (two sites advertising overlapping prefixes make routing ambiguous).
 * Returns one message per overlapping pair; empty when disjoint.
 */
export function meshPrefixesDisjoint(prefixes: { site: string; prefix: string }[]): string[] {
  const parsed = prefixes.map((p) => ({ ...p, ...netParsePrefix(p.prefix, true) }));
  return findOverlaps(parsed).map(([a, b]) => `mesh prefixes overlap: ${a.site} ${a.prefix} and ${b.site} ${b.prefix}`);
}

/** The homelab plan's site prefixes in the form meshPrefixesDisjoint takes. */
export function homelabMeshPrefixes(): { site: string; prefix: string }[] {
  return SITES.map((s) => ({ site: s.id, prefix: s.lan }));
}
