/**
 * The organisation, derived from its sites' inventories: which site holds the PostgreSQL primary,
 * the backup server, the object store, the identity provider and the mesh coordinator; which
 * guests are replicas and database consumers (OIDC clients: components/apps/oidc.ts, from the app plans). Nothing here is written per site in
 * code: every relation follows from the services' `app` (components/inventory/apps.ts).
 *
 * Pure functions over loaded sites. `checkSiteApps` runs inside the loader (one site);
 * `checkOrganisation` runs when a site is composed with its siblings (the organisation).
 */
import { canonicalAddress, contains, parsePrefix } from "./net";
import { AppKind, AppOf, applianceOf, TLS_SERVER_APPS } from "./apps";
import type { ResolvedService, Site } from "./load";
import { InventoryError } from "./load";

/** PostgreSQL's port on the primary. */
export const POSTGRES_PORT = 5432;

/** A service and the site it belongs to. */
export interface Placement<K extends AppKind = AppKind> {
  readonly site: Site;
  readonly service: ResolvedService & { app: AppOf<K> };
}

/** Apps a site may hold at most once, and (for the first four) an organisation too. */
const ORG_SINGLETONS = ["postgres-primary", "restic-server", "identity-provider", "mesh-coordinator"] as const satisfies readonly AppKind[];
const SITE_SINGLETONS = [...ORG_SINGLETONS, "object-store", "postgres-replica", "k3s-server"] as const satisfies readonly AppKind[];
/** Apps that are Proxmox guests (they are installed over SSH on an LXC or VM). */
const GUEST_APPS: readonly AppKind[] = [...SITE_SINGLETONS, "k3s-agent"];

function allServices(site: Site): ResolvedService[] {
  return [...site.services, ...site.deferred].sort((a, b) => a.index - b.index);
}

function hasApp<K extends AppKind>(s: ResolvedService, kind: K): s is ResolvedService & { app: AppOf<K> } {
  return s.app?.kind === kind;
}

/** Active services of `site` running `kind`. */
export function activeWithApp<K extends AppKind>(site: Site, kind: K): Array<ResolvedService & { app: AppOf<K> }> {
  return site.services.filter((s): s is ResolvedService & { app: AppOf<K> } => hasApp(s, kind));
}

/** The one active service of `site` running `kind`, if any. */
export function activeApp<K extends AppKind>(site: Site, kind: K): (ResolvedService & { app: AppOf<K> }) | undefined {
  return activeWithApp(site, kind)[0];
}

/** Whether `address` is allowed by the resolved sources of a port (empty sources = any). */
export function allowedBy(sources: readonly string[], address: string): boolean {
  if (sources.length === 0) return true;
  return sources.some((src) => {
    const p = parsePrefix(src);
    return p.family === (address.includes(":") ? "ipv6" : "ipv4") && contains(p, address);
  });
}

function pgSources(primary: ResolvedService): readonly string[] | undefined {
  return primary.firewall.find((p) => p.port === POSTGRES_PORT && p.protocol === "tcp")?.sources;
}

/**
 * Single-site rules about apps, run by the loader: where an app may run, what it needs from its
 * service, and what a site may hold once. Throws InventoryError (one line, key path, value).
 */
export function checkSiteApps(site: Site): Site {
  const fail = (path: string, value: unknown, problem: string): never => {
    throw new InventoryError(site.name, `inventory.${path}`, value, problem);
  };
  const services = allServices(site);
  for (const kind of SITE_SINGLETONS) {
    const holders = services.filter((s) => s.app?.kind === kind);
    if (holders.length > 1) fail(`services[${holders[1].index}].app`, kind, `a site runs at most one ${kind} (already: service "${holders[0].name}")`);
  }
  for (const s of services) {
    if (!s.app) continue;
    const p = `services[${s.index}]`;
    const kind = s.app.kind;
    if (GUEST_APPS.includes(kind) && s.kind !== "lxc" && s.kind !== "vm") fail(`${p}.app`, kind, `${kind} runs in an LXC or VM, not a ${s.kind} service`);
    if (kind === "postgres-primary" || kind === "postgres-replica") {
      if (!s.stateful) fail(`${p}.stateful`, s.stateful, `service "${s.name}" runs ${kind} and must be stateful`);
      if (s.dataMounts.length === 0) fail(`${p}.dataMounts`, s.dataMounts, `${kind} keeps its cluster on a data mount; declare one`);
    }
    if (kind === "postgres-primary") {
      if (!pgSources(s)) fail(`${p}.ports`, s.ports, `the PostgreSQL primary must open tcp/${POSTGRES_PORT} to its replicas and clients`);
      if (!s.backup || !("paths" in s.backup) || s.backup.databases.length === 0) fail(`${p}.backup`, s.backup, "the PostgreSQL primary must dump its databases (backup.databases)");
    }
    if ((kind === "restic-server" || kind === "object-store") && s.dataMounts.length === 0) fail(`${p}.dataMounts`, s.dataMounts, `${kind} keeps its data on a data mount; declare one`);
    if ((kind === "k3s-server" || kind === "k3s-agent") && !site.inventory.kubernetes) fail(`${p}.app`, kind, "a k3s node needs the site's `kubernetes` section");
  }
  const k8s = site.inventory.kubernetes;
  const k8sWorkload = services.find((s) => s.kind === "k8s");
  if (k8sWorkload && !k8s) fail(`services[${k8sWorkload.index}].kind`, "k8s", "the site has no `kubernetes` section to run Kubernetes workloads on");
  if (k8s) {
    const guestServer = services.some((s) => s.app?.kind === "k3s-server");
    const metal = site.hosts.filter((h) => h.kind === "baremetal");
    if (!guestServer && metal.length === 0) fail("kubernetes", k8s, "no nodes: give a guest `app: k3s-server` or declare hosts of kind baremetal");
    if (!guestServer && services.some((s) => s.app?.kind === "k3s-agent")) fail("kubernetes", k8s, "k3s-agent guests need a k3s-server guest");
    const pl = k8s.platform;
    if (pl && pl.phase < k8s.phase) fail("kubernetes.platform.phase", pl.phase, `the platform cannot come before the cluster (phase ${k8s.phase})`);
    if (pl?.ingress && !pl.metallb) fail("kubernetes.platform.ingress", true, "ingress-nginx takes its address from MetalLB: set metallb: true");
    if (pl?.metallb && !site.networks[0]?.pools.length) fail("kubernetes.platform.metallb", true, `network "${site.networks[0]?.name}" has no loadBalancerPools for MetalLB`);
    for (const [key, v] of [["nvidiaPhase", k8s.nvidiaPhase], ["agentWorkloads.phase", k8s.agentWorkloads?.phase]] as const) {
      if (v !== undefined && (!pl || v < pl.phase)) fail(`kubernetes.${key}`, v, `needs the platform first (kubernetes.platform.phase${pl ? ` ${pl.phase}` : " is not set"})`);
    }
    for (const s of services.filter((x) => x.kind === "k8s")) {
      if (s.phase < k8s.phase) fail(`services[${s.index}].phase`, s.phase, `a Kubernetes workload cannot come before the cluster (kubernetes.phase ${k8s.phase})`);
    }
  }
  return site;
}

/** Every site of the organisation of `site` (itself first), from the loaded siblings. */
export function organisationOf(site: Site, siblings: readonly Site[]): Site[] {
  return [site, ...siblings.filter((s) => s.name !== site.name && s.inventory.organisation === site.inventory.organisation)];
}

/** Where the organisation runs `kind` (active services only), searching `sites` in order. */
export function placementOf<K extends AppKind>(sites: readonly Site[], kind: K): Placement<K> | undefined {
  for (const site of sites) {
    const service = activeApp(site, kind);
    if (service) return { site, service };
  }
  return undefined;
}

/** A database on the organisation's primary and the addresses (as /32, /128) of the services that own it. */
export interface PrimaryDatabase {
  name: string;
  clients: string[];
}

function databaseOwners(org: readonly Site[]): Array<{ site: Site; service: ResolvedService; database: string }> {
  const out: Array<{ site: Site; service: ResolvedService; database: string }> = [];
  for (const site of org) {
    for (const s of allServices(site)) {
      const db = s.app && "database" in s.app ? s.app.database : undefined;
      if (db) out.push({ site, service: s, database: db });
    }
  }
  return out;
}

/**
 * The primary's databases: the ones apps of the organisation own plus the primary's own
 * `databases`, in the order of the primary's backup.databases (the loader ensures every one is
 * dumped). Clients are the owning service's addresses.
 */
export function primaryDatabases(org: readonly Site[], primary: ResolvedService & { app: AppOf<"postgres-primary"> }): PrimaryDatabase[] {
  const owners = databaseOwners(org);
  const names = new Set([...primary.app.databases, ...owners.map((o) => o.database)]);
  const order = primary.backup && "paths" in primary.backup ? primary.backup.databases : [];
  const sorted = [...names].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return sorted.map((name) => ({
    name,
    clients: owners
      .filter((o) => o.database === name)
      .flatMap((o) => [o.service.ipv4, o.service.ipv6].filter((x): x is string => !!x))
      .map((a) => `${canonicalAddress(a)}/${a.includes(":") ? 128 : 32}`),
  }));
}

/** Streaming replicas of the organisation's primary: one per site, named after the site (its slot). */
export function replicasOf(org: readonly Site[]): Array<{ name: string; address: string; site: Site; service: ResolvedService }> {
  return org
    .flatMap((site) => activeWithApp(site, "postgres-replica").map((service) => ({ name: site.name, address: service.ipv4!, site, service })))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Whether `site` runs a TLS server that needs a certificate from an internal CA. */
export function needsInternalCa(site: Site): boolean {
  return site.services.some((s) => !!s.app && (TLS_SERVER_APPS as readonly string[]).includes(s.app.kind));
}

/**
 * Rules across the organisation's inventories (the site and its loaded siblings): one primary,
 * one backup server, one identity provider and mesh coordinator, on sites that can serve them;
 * every replica and database owner allowed through the primary's firewall; every database dumped.
 * The error names the site and key path where the fix belongs.
 */
export function checkOrganisation(org: readonly Site[]): void {
  const everywhere = (kind: AppKind) => org.flatMap((site) => allServices(site).filter((s) => s.app?.kind === kind).map((service) => ({ site, service })));
  const fail = (site: Site, path: string, value: unknown, problem: string): never => {
    throw new InventoryError(site.name, `inventory.${path}`, value, problem);
  };
  for (const kind of ORG_SINGLETONS) {
    const all = everywhere(kind);
    if (all.length > 1) fail(all[1].site, `services[${all[1].service.index}].app`, kind, `organisation "${org[0].inventory.organisation}" already runs ${kind} at ${all[0].site.name}/${all[0].service.name}`);
  }
  const idp = everywhere("identity-provider")[0];
  const coord = everywhere("mesh-coordinator")[0];
  if (coord && !idp) fail(coord.site, `services[${coord.service.index}].app`, "mesh-coordinator", "NetBird needs the organisation's identity-provider (authentik) for its logins");
  if (coord && idp && coord.site !== idp.site) fail(coord.site, `services[${coord.service.index}].app`, "mesh-coordinator", `must run in the site of the identity provider (${idp.site.name})`);
  if (coord && !coord.site.inventory.mesh) fail(coord.site, "mesh", coord.site.inventory.mesh, "the site of the mesh coordinator must be a mesh site");
  if (coord) {
    // Members enrol over the coordinator's public endpoint: one that is not on the coordinator's LAN
    // cannot reach its LAN address before the mesh exists.
    const c = coord.service as ResolvedService & { app: AppOf<"mesh-coordinator"> };
    const offLan = org.filter((s) => s !== coord.site && s.inventory.mesh && !(c.ipv4 && s.networks.some((n) => n.ipv4Prefix && contains(n.ipv4Prefix, c.ipv4!))));
    if (offLan.length > 0 && !c.app.publicEndpoint) {
      fail(coord.site, `services[${c.index}].app.publicEndpoint`, c.app.publicEndpoint, `mesh members ${offLan.map((s) => s.name).join(", ")} are not on the coordinator's LAN and need a public name or address for it (DNS name of the site's WAN, 443/tcp, 10000/tcp, 33080/tcp, 3478/udp forwarded)`);
    }
  }

  const primary = everywhere("postgres-primary")[0];
  const owners = databaseOwners(org);
  const replicas = everywhere("postgres-replica");
  if (!primary) {
    if (replicas[0]) fail(replicas[0].site, `services[${replicas[0].service.index}].app`, "postgres-replica", `organisation "${org[0].inventory.organisation}" has no postgres-primary to replicate`);
    if (owners[0]) fail(owners[0].site, `services[${owners[0].service.index}].app.database`, owners[0].database, `organisation "${org[0].inventory.organisation}" has no postgres-primary to hold it`);
    return;
  }
  const p = primary.service as ResolvedService & { app: AppOf<"postgres-primary"> };
  const pi = `services[${p.index}]`;
  // No object-store requirement: pgBackRest archives to the site's object store when the site declares
  // one, else to a posix repository on the primary's data mount (components/data/plan.ts
  // pgBackRestRepoPlan; decision 110). checkSiteApps already requires that data mount.
  const sources = pgSources(p) ?? [];
  const portIndex = p.ports.findIndex((x) => x.port === POSTGRES_PORT && x.protocol === "tcp");
  for (const r of replicas) {
    const a = r.service.ipv4;
    if (!a) fail(r.site, `services[${r.service.index}].ipv4`, a, "a replica needs a static IPv4 address");
    if (!allowedBy(sources, a!)) fail(primary.site, `${pi}.ports[${portIndex}].from`, p.ports[portIndex].from, `does not allow replica ${r.site.name}/${r.service.name} (${a})`);
  }
  const seen = new Map<string, string>();
  for (const o of owners) {
    const who = `${o.site.name}/${o.service.name}`;
    const prior = seen.get(o.database);
    if (prior) fail(o.site, `services[${o.service.index}].app.database`, o.database, `database already owned by ${prior}`);
    seen.set(o.database, who);
    const a = o.service.ipv4 ?? o.service.ipv6;
    if (!a) fail(o.site, `services[${o.service.index}].ipv4`, a, `service "${o.service.name}" owns database "${o.database}" and needs a static address`);
    if (!allowedBy(sources, a!)) fail(primary.site, `${pi}.ports[${portIndex}].from`, p.ports[portIndex].from, `does not allow ${who} (${a}), the owner of database "${o.database}"`);
  }
  const dumped = p.backup && "paths" in p.backup ? p.backup.databases : [];
  for (const db of [...p.app.databases, ...owners.map((o) => o.database)]) {
    if (!dumped.includes(db)) fail(primary.site, `${pi}.backup.databases`, dumped, `does not dump database "${db}" of the primary`);
  }
  for (const db of dumped) {
    if (!p.app.databases.includes(db) && !owners.some((o) => o.database === db)) {
      fail(primary.site, `${pi}.backup.databases`, dumped, `dumps "${db}", which no app owns and the primary's app.databases does not list`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Monitoring (issue 11): the organisation's Prometheus and what it scrapes and probes, derived from
// the apps of every site of the organisation. Nothing is written per target: a guest added to any
// stack file becomes a node_exporter target, a PostgreSQL app a postgres_exporter target, and each
// of its TCP ports that the Prometheus guest may reach a blackbox probe.

/** node_exporter's port (Debian's prometheus-node-exporter default `:9100`). */
export const NODE_EXPORTER_PORT = 9100;
/** postgres_exporter's port (Debian's prometheus-postgres-exporter default `:9187`). */
export const POSTGRES_EXPORTER_PORT = 9187;

/** One scrape target of the organisation's Prometheus. */
export interface ScrapeTarget {
  /** Prometheus job: `node`, `postgres`, `minio`, `rest-server`, `netbird-management`, `netbird-signal`, `netbird-relay`. */
  readonly job: string;
  readonly site: string;
  /** The service (guest) or Proxmox node name: the `instance` label. */
  readonly instance: string;
  /** `guest` (a firewall the inventory declares) or `host` (a Proxmox node, outside the guests' firewall model). */
  readonly kind: "guest" | "host";
  readonly address: string;
  readonly port: number;
  readonly scheme: "http" | "https";
  readonly path: string;
  /** Credentials the scrape needs: rest-server's `metrics` user, MinIO's bearer token. */
  readonly auth?: "rest-server" | "minio";
  /** The guest's app kind, if any. */
  readonly app?: AppKind;
}

/** A blackbox probe: a TCP port of a service that the Prometheus guest may reach. */
export interface ProbeTarget {
  readonly site: string;
  readonly instance: string;
  readonly address: string;
  readonly port: number;
  readonly description?: string;
}

/** A backed-up guest whose restic agent the Prometheus rules watch (its `host` label is the agent's host tag, the service name). */
export interface BackupWatch {
  readonly site: string;
  readonly instance: string;
  /** `HH:MM` daily schedule. */
  readonly at: string;
}

/** Metrics endpoints that an app serves itself (besides node_exporter on every guest). */
const APP_METRICS: Partial<Record<AppKind, ReadonlyArray<Pick<ScrapeTarget, "job" | "port" | "scheme" | "path" | "auth">>>> = {
  "postgres-primary": [{ job: "postgres", port: POSTGRES_EXPORTER_PORT, scheme: "http", path: "/metrics" }],
  "postgres-replica": [{ job: "postgres", port: POSTGRES_EXPORTER_PORT, scheme: "http", path: "/metrics" }],
  // MinIO: cluster metrics v2 on the S3 port (TLS from the internal CA), bearer token (components/data/minio.ts serves 9000).
  "object-store": [{ job: "minio", port: 9000, scheme: "https", path: "/minio/v2/metrics/cluster", auth: "minio" }],
  // rest-server --prometheus serves /metrics on its API port; without --prometheus-no-auth only the user `metrics` may read it.
  "restic-server": [{ job: "rest-server", port: 8000, scheme: "https", path: "/metrics", auth: "rest-server" }],
  // NetBird's three binaries, each on its own --metrics-port (components/mesh/render/netbirdConfig.ts: 9090/9091/9092).
  "mesh-coordinator": [
    { job: "netbird-management", port: 9090, scheme: "http", path: "/metrics" },
    { job: "netbird-signal", port: 9091, scheme: "http", path: "/metrics" },
    { job: "netbird-relay", port: 9092, scheme: "http", path: "/metrics" },
  ],
};

/** Where the organisation runs Prometheus (active), if it does. */
export function prometheusOf(org: readonly Site[]): Placement<"prometheus"> | undefined {
  return placementOf(org, "prometheus");
}

/** Guests (LXC/VM with a static IPv4) of the organisation, active only. */
function monitoredGuests(org: readonly Site[]): Array<{ site: Site; service: ResolvedService }> {
  // Appliance VMs (APPLIANCE_APPS) run no node_exporter of ours: the program never enters them.
  return org.flatMap((site) => site.services.filter((s) => (s.kind === "lxc" || s.kind === "vm") && !!s.ipv4 && !applianceOf(s.app)).map((service) => ({ site, service })));
}

/** Every scrape target of the organisation's Prometheus: node_exporter on each guest and Proxmox node, then the apps' own endpoints. */
export function scrapeTargets(org: readonly Site[]): ScrapeTarget[] {
  const out: ScrapeTarget[] = [];
  for (const site of org) {
    for (const h of site.hosts) {
      if (h.kind === "proxmox" && h.address) out.push({ job: "node", site: site.name, instance: h.name, kind: "host", address: h.address, port: NODE_EXPORTER_PORT, scheme: "http", path: "/metrics" });
    }
  }
  const guests = monitoredGuests(org);
  for (const { site, service } of guests) {
    out.push({ job: "node", site: site.name, instance: service.name, kind: "guest", address: service.ipv4!, port: NODE_EXPORTER_PORT, scheme: "http", path: "/metrics", app: service.app?.kind });
  }
  for (const { site, service } of guests) {
    for (const m of (service.app && APP_METRICS[service.app.kind]) ?? []) {
      out.push({ ...m, site: site.name, instance: service.name, kind: "guest", address: service.ipv4!, app: service.app!.kind });
    }
  }
  return out;
}

/** Blackbox TCP probes: every TCP port of every active guest of the organisation that the Prometheus guest may reach. */
export function probeTargets(org: readonly Site[], prometheusAddress: string): { probes: ProbeTarget[]; unreachable: string[] } {
  const probes: ProbeTarget[] = [];
  const unreachable: string[] = [];
  const scraped = new Set(scrapeTargets(org).map((t) => `${t.site}/${t.instance}:${t.port}`));
  for (const { site, service } of monitoredGuests(org)) {
    for (const p of service.firewall) {
      // Metrics endpoints are scraped (a failed scrape is `up == 0`), not probed a second time.
      if (p.protocol !== "tcp" || scraped.has(`${site.name}/${service.name}:${p.port}`)) continue;
      if (allowedBy(p.sources, prometheusAddress)) probes.push({ site: site.name, instance: service.name, address: service.ipv4!, port: p.port, description: p.description });
      else unreachable.push(`${site.name}/${service.name} tcp/${p.port}`);
    }
  }
  return { probes, unreachable };
}

/** Guests whose nightly restic agent reports to the node_exporter textfile collector (stateful, with backup paths). */
export function backupWatches(org: readonly Site[]): BackupWatch[] {
  return monitoredGuests(org)
    .filter(({ service }) => service.stateful && !!service.backup && "paths" in service.backup)
    .map(({ site, service }) => ({ site: site.name, instance: service.name, at: (service.backup as { at: string }).at }));
}

/**
 * Targets whose port the guest's firewall does not open to the Prometheus address: each is a
 * target that could never be up. The fix belongs in that guest's `ports` (`from: [prometheus]` in
 * the Prometheus site, its address elsewhere).
 */
export function monitoringProblems(org: readonly Site[]): string[] {
  const prom = prometheusOf(org);
  if (!prom) return [];
  const address = prom.service.ipv4;
  if (!address) return [`${prom.site.name}/${prom.service.name}: Prometheus needs a static IPv4 address`];
  const problems: string[] = [];
  for (const t of scrapeTargets(org)) {
    if (t.kind !== "guest") continue;
    const site = org.find((s) => s.name === t.site)!;
    const svc = site.services.find((s) => s.name === t.instance)!;
    if (svc.name === prom.service.name && site === prom.site) continue; // its own exporters are scraped on the guest itself
    const port = svc.firewall.find((p) => p.port === t.port && p.protocol === "tcp");
    if (!port || !allowedBy(port.sources, address)) {
      problems.push(`${t.site}/${t.instance}: tcp/${t.port} (${t.job}) is not open to Prometheus ${address}; add { port: ${t.port}, from: [${site === prom.site ? prom.service.name : address}] } to its ports`);
    }
  }
  return problems;
}
