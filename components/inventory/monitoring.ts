/**
 * Monitoring (issue 11): the organisation's Prometheus and what it scrapes and probes, derived from
 * the apps of every site of the organisation. Nothing is written per target: a guest added to any
 * stack file becomes a node_exporter target, a PostgreSQL app a postgres_exporter target, and each
 * of its TCP ports a blackbox probe (the Prometheus guest is admitted by `firewallOf`).
 */
import { hostPrefix } from "./net";
import { applianceOf, type AppKind } from "./apps";
import type { ResolvedPort, ResolvedService, Site } from "./load";
import { allowedBy, Placement, placementOf, POSTGRES_PORT } from "./org";

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
  /** Credentials the scrape needs: rest-server's `metrics` user, MinIO's bearer token, the organisation's app metrics token (`app`: an app module's `auth: "bearer"` endpoint). */
  readonly auth?: "rest-server" | "minio" | "app";
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
  // Loki serves its own metrics on its HTTP port (components/monitoring/render/loki.ts).
  loki: [{ job: "loki", port: 3100, scheme: "http", path: "/metrics" }],
  // NetBird's three binaries, each on its own --metrics-port (components/mesh/render/netbirdConfig.ts: 9090/9091/9092).
  "mesh-coordinator": [
    { job: "netbird-management", port: 9090, scheme: "http", path: "/metrics" },
    { job: "netbird-signal", port: 9091, scheme: "http", path: "/metrics" },
    { job: "netbird-relay", port: 9092, scheme: "http", path: "/metrics" },
  ],
  // Apps whose module declares a metrics endpoint (AppPlan.metrics; test/apps/metrics.test.ts holds the two equal):
  // Traefik's metrics entry point (components/apps/traefik.ts TRAEFIK_METRICS_PORT),
  traefik: [{ job: "traefik", port: 8082, scheme: "http", path: "/metrics" }],
  // n8n's /metrics on its own port with N8N_METRICS=true (components/apps/n8n.ts),
  n8n: [{ job: "n8n", port: 5678, scheme: "http", path: "/metrics" }],
  // the Docker host's n8n container publishes the same endpoint on the VM's address (components/apps/dockerHost.ts),
  "docker-host": [{ job: "n8n", port: 5678, scheme: "http", path: "/metrics" }],
  // NetBox's METRICS_ENABLED /metrics (django-prometheus) through nginx on its web port (components/apps/netbox.ts).
  netbox: [{ job: "netbox", port: 8000, scheme: "http", path: "/metrics" }],
  // Caddy's metrics listener (components/apps/reverseProxy.ts PROXY_METRICS_PORT).
  "reverse-proxy": [{ job: "caddy", port: 9180, scheme: "http", path: "/metrics" }],
  // Gitea's [metrics] on its web port, behind the organisation's app metrics token (components/apps/gitea.ts).
  gitea: [{ job: "gitea", port: 3000, scheme: "http", path: "/metrics", auth: "app" }],
};

/** Where the organisation runs Prometheus (active), if it does. */
export function prometheusOf(org: readonly Site[]): Placement<"prometheus"> | undefined {
  return placementOf(org, "prometheus");
}

/** Guests (LXC/VM with a static IPv4) of the organisation, active only. */
function monitoredGuests(org: readonly Site[]): Array<{ site: Site; service: ResolvedService }> {
  // Appliance VMs (apps.ts APPLIANCE_APPS) run no node_exporter of ours: the program never enters them.
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

/**
 * Why the organisation's Prometheus deliberately does not probe `port` of `service`, or undefined
 * when it probes it (decision 230): blackbox's tcp_connect speaks TCP only, and a PostgreSQL port
 * stays reachable from its allowlist alone (policy homelab-database-allowlist) — postgres_exporter on
 * the guest reports `pg_up` and the primary's replication instead.
 */
export function probeExemption(service: ResolvedService, port: Pick<ResolvedPort, "port" | "protocol">): string | undefined {
  if (port.protocol !== "tcp") return "blackbox probes TCP ports only";
  const database = service.tags.includes("database") || service.app?.kind === "postgres-primary" || service.app?.kind === "postgres-replica";
  if (database && port.port === POSTGRES_PORT) return "database port, open to its allowlist only; postgres_exporter on the guest reports pg_up";
  return undefined;
}

/**
 * The firewall of `service` (of `site`, in organisation `org`) as the guest gets it: its declared
 * openings, plus the organisation's Prometheus guest admitted on every TCP port it scrapes or probes
 * (every port without a `probeExemption`). Derived, so a port added to any inventory is probed with
 * no other edit; across sites the source is the Prometheus address, carried by the mesh flows
 * (components/mesh/render/meshPolicy.ts reads this function too). `probeSource` names the added
 * source so readers can tell it from the declared ones.
 */
export function firewallOf(org: readonly Site[], site: Site, service: ResolvedService): ReadonlyArray<ResolvedPort & { probeSource?: string }> {
  const prom = prometheusOf(org);
  const address = prom?.service.ipv4;
  if (!prom || !address || (service.kind !== "lxc" && service.kind !== "vm") || !service.ipv4) return service.firewall;
  if (!org.some((o) => o.name === site.name) || (prom.site.name === site.name && prom.service.name === service.name)) return service.firewall;
  const source = hostPrefix(address);
  return service.firewall.map((p) => (probeExemption(service, p) || allowedBy(p.sources, address) ? p : { ...p, sources: [...p.sources, source], probeSource: source }));
}

/**
 * Blackbox TCP probes: every TCP port of every active guest of the organisation (its firewall as
 * `firewallOf` opens it), except scraped metrics ports; `unprobed` lists each other port with the
 * reason it is not probed.
 */
export function probeTargets(org: readonly Site[], prometheusAddress: string): { probes: ProbeTarget[]; unreachable: string[] } {
  const probes: ProbeTarget[] = [];
  const unreachable: string[] = [];
  const scraped = new Set(scrapeTargets(org).map((t) => `${t.site}/${t.instance}:${t.port}`));
  for (const { site, service } of monitoredGuests(org)) {
    for (const p of firewallOf(org, site, service)) {
      // Metrics endpoints are scraped (a failed scrape is `up == 0`), not probed a second time.
      if (p.protocol === "tcp" && scraped.has(`${site.name}/${service.name}:${p.port}`)) continue;
      const why = probeExemption(service, p);
      if (why) unreachable.push(`${site.name}/${service.name} ${p.protocol}/${p.port}: ${why}`);
      // The Prometheus guest probes its own ports locally, past no guest firewall.
      else if (service.ipv4 === prometheusAddress || allowedBy(p.sources, prometheusAddress)) probes.push({ site: site.name, instance: service.name, address: service.ipv4!, port: p.port, description: p.description });
      else unreachable.push(`${site.name}/${service.name} tcp/${p.port}: closed to Prometheus ${prometheusAddress}`);
    }
  }
  return { probes, unreachable };
}

/**
 * Guests whose nightly restic agent reports to the node_exporter textfile collector (stateful, with backup
 * paths), less those `waitsForAgent` says have no agent yet (the data tier's `backupWaitsForApp`).
 */
export function backupWatches(org: readonly Site[], waitsForAgent: (s: ResolvedService) => boolean = () => false): BackupWatch[] {
  return monitoredGuests(org)
    .filter(({ service }) => service.stateful && !!service.backup && "paths" in service.backup && !waitsForAgent(service))
    .map(({ site, service }) => ({ site: site.name, instance: service.name, at: (service.backup as { at: string }).at }));
}

/**
 * Targets whose port the guest's firewall (as `firewallOf` opens it) does not open to the
 * Prometheus address: each is a target that could never be up. The fix belongs in that guest's `ports` (`from: [prometheus]` in
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
    const port = firewallOf(org, site, svc).find((p) => p.port === t.port && p.protocol === "tcp");
    if (!port || !allowedBy(port.sources, address)) {
      problems.push(`${t.site}/${t.instance}: tcp/${t.port} (${t.job}) is not among its ports, so Prometheus ${address} cannot reach it; add { port: ${t.port}, from: [${site === prom.site ? prom.service.name : address}] } to its ports`);
    }
  }
  return problems;
}

/**
 * Apps that bring their own operating system (an appliance image, not Debian): no apt, so no Alloy
 * agent (decision 232). A superset of the appliance VMs the program boots (apps.ts APPLIANCE_APPS).
 */
export const OWN_OS_APPS: readonly AppKind[] = ["home-assistant-os", "xpenology", "opnsense", "unraid-nas"];

/** Whether `service` gets a Grafana Alloy journal agent when its site runs Loki: a Debian LXC or VM with an address. */
export function shipsLogs(service: ResolvedService): boolean {
  return (service.kind === "lxc" || service.kind === "vm") && !!service.ipv4 && !(service.app && OWN_OS_APPS.includes(service.app.kind));
}

/**
 * Guests of `site` whose Alloy agent could not push to the site's Loki: Loki's port (3100/tcp) does
 * not admit their address. The fix belongs in the Loki service's `ports` (decision 232).
 */
export function logProblems(site: Site): string[] {
  const loki = site.services.find((s) => s.app?.kind === "loki");
  if (!loki?.ipv4) return [];
  const port = loki.firewall.find((p) => p.port === 3100 && p.protocol === "tcp");
  return site.services
    .filter((s) => shipsLogs(s) && s !== loki)
    .filter((s) => !port || !allowedBy(port.sources, s.ipv4!))
    .map((s) => `${site.name}/${s.name}: ${s.ipv4} cannot push logs to ${loki.name} (tcp/3100 is not open to it); add its network to the ports of ${loki.name}`);
}
