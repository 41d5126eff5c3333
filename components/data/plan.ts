/**
 * Pure planning of the data tier from a site inventory: which guests get restic agents, what
 * the PostgreSQL primary serves to whom. No Pulumi resources here; unit-tested in test/data.
 */
import type { AppKind } from "../inventory/apps";
import { ResolvedService, Site } from "../inventory/load";
import { POSTGRES_PORT, PrimaryDatabase } from "../inventory/org";
import { appPlanOf, MODULE_KINDS } from "../apps/registry";
import { maxSlotWalKeepSize, PgDatabase, PgReplica, toCidr } from "./render/postgres";

/** One restic agent to deploy. */
export interface BackupAgentPlan {
  /** Service (and guest) name, e.g. `gitea`. */
  service: string;
  kind: "lxc" | "vm";
  /** Guest address (SSH target). */
  address: string;
  vmid: number;
  /** rest-server user and private repository: `<site>-<service>` (unique across sites). */
  repoUser: string;
  /** restic --host tag. */
  hostTag: string;
  paths: string[];
  /** Databases dumped locally (pg_dump as postgres) before the backup. */
  databases: string[];
  /** The guest's app's pre-backup commands (AppPlan.backup.preBackup), run before the dumps. */
  preBackup: string[];
  /** Dump directory (one of `paths` under /var/backups when present). */
  dumpDir?: string;
  /** Local time HH:MM. */
  at: string;
  /** IANA zone from the inventory. */
  timeZone: string;
}

/**
 * App kinds this program installs (a module creates their data): the data tier (components/data:
 * PostgreSQL primary and replicas, MinIO, rest-server), the mesh (components/mesh: authentik, NetBird),
 * k3s nodes (components/k8s), monitoring (components/monitoring: Prometheus with Alertmanager, Grafana,
 * Loki), and every kind with an app module (components/apps/registry.ts). A guest
 * gets its restic agent only when its app is one of these: before that its backup paths are empty and
 * its dumps fail (decision 111). Kinds join this list by registering their module.
 */
export const INSTALLED_APPS: readonly AppKind[] = [
  "postgres-primary",
  "postgres-replica",
  "object-store",
  "restic-server",
  "identity-provider",
  "mesh-coordinator",
  "k3s-server",
  "k3s-agent",
  "prometheus",
  "grafana",
  "loki",
  ...MODULE_KINDS,
];

/** The service declares restic backup paths but its app is not installed by this program yet (no agent until it is). */
export function backupWaitsForApp(s: { backup?: ResolvedService["backup"]; app?: ResolvedService["app"] }): boolean {
  return !!s.backup && "paths" in s.backup && !(s.app && (INSTALLED_APPS as readonly string[]).includes(s.app.kind));
}

/** Every active Proxmox guest whose backup has `paths` and whose app this program installs gets an agent; exempt/longhorn ones do not. */
export function backupAgentPlan(site: Site): BackupAgentPlan[] {
  const out: BackupAgentPlan[] = [];
  for (const s of site.services) {
    if (s.kind !== "lxc" && s.kind !== "vm") continue;
    if (!s.backup || !("paths" in s.backup)) continue;
    if (backupWaitsForApp(s)) continue;
    const b = s.backup;
    const user = `${site.name}-${s.name}`;
    out.push({
      service: s.name,
      kind: s.kind,
      address: s.ipv4!,
      vmid: s.vmid!,
      repoUser: user,
      hostTag: user,
      paths: [...b.paths],
      databases: [...b.databases],
      preBackup: [...(appPlanOf(s, site)?.backup.preBackup ?? [])],
      dumpDir: b.databases.length ? (b.paths.find((p) => p.startsWith("/var/backups/")) ?? "/var/backups/postgresql") : undefined,
      at: b.at,
      timeZone: site.inventory.timezone,
    });
  }
  return out.sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
}

/** What the primary serves, derived from the organisation's inventories. */
export interface PostgresPrimaryPlan {
  service: ResolvedService;
  address: string;
  port: number;
  /** Databases with the client addresses allowed to reach them as their owner. */
  databases: PgDatabase[];
  /** 5432 sources that are neither a replica nor the owner of a database (reported, not allowed). */
  unmatchedSources: string[];
  /** Databases no declared service owns (local access only until one is declared). */
  databasesWithoutClients: string[];
}

/**
 * The primary's databases and their clients come from the organisation (components/inventory/org.ts
 * `primaryDatabases`, `replicasOf`); the loader has checked that each replica and owner is an
 * allowed source of tcp/5432. A client address is kept only when the primary's firewall allows it.
 */
export function postgresPrimaryPlan(primary: ResolvedService, databases: readonly PrimaryDatabase[], replicas: readonly PgReplica[]): PostgresPrimaryPlan {
  const pgPort = primary.firewall.find((p) => p.port === POSTGRES_PORT && p.protocol === "tcp");
  const sources = new Set((pgPort?.sources ?? []).map(toCidr));
  const used = new Set<string>(replicas.map((r) => toCidr(r.address)));
  const dbs: PgDatabase[] = databases.map((d) => {
    const clients = d.clients.map(toCidr).filter((c) => sources.has(c));
    clients.forEach((c) => used.add(c));
    return { name: d.name, clients };
  });
  return {
    service: primary,
    address: primary.ipv4!,
    port: POSTGRES_PORT,
    databases: dbs,
    unmatchedSources: [...sources].filter((c) => !used.has(c)).sort(),
    databasesWithoutClients: dbs.filter((d) => (d.clients ?? []).length === 0).map((d) => d.name),
  };
}

/**
 * Where pgBackRest keeps the primary's backups and WAL archive (decision 110): the site's object store
 * when the site declares one (at any phase: the repository never moves when a phase is raised), else a
 * posix repository in `pgbackrest/` on the primary's data mount (the cluster's own volume); the primary's
 * `pgBackRestRepository` setting chooses explicitly (decision 181).
 */
export function pgBackRestRepoPlan(site: Site, primary: ResolvedService): { type: "s3" } | { type: "posix"; path: string } {
  const declared = [...site.services, ...site.deferred].some((s) => s.app?.kind === "object-store");
  const chosen = primary.app?.kind === "postgres-primary" ? primary.app.pgBackRestRepository : undefined;
  if (chosen !== "data-mount" && declared) return { type: "s3" };
  const mount = primary.dataMounts[0];
  if (!mount) throw new Error(`homelab: site "${site.name}": the PostgreSQL primary "${primary.name}" needs a data mount for its pgBackRest repository`);
  return { type: "posix", path: `${mount.path.replace(/\/+$/, "")}/pgbackrest` };
}

/**
 * Memory and WAL settings of the primary from its service: shared_buffers a quarter and
 * effective_cache_size three quarters of the guest's memory (bo: 16 GiB → 4GB / 12GB), and
 * max_slot_wal_keep_size a tenth of its data mount (decision 27).
 */
export function postgresSizing(primary: ResolvedService): { sharedBuffers: string; effectiveCacheSize: string; maxSlotWalKeepSize: string } {
  const mib = primary.memoryMiB;
  if (!mib) throw new Error(`homelab: PostgreSQL primary "${primary.name}" has no memoryMiB`);
  const unit = (m: number) => (m % 1024 === 0 ? `${m / 1024}GB` : `${m}MB`);
  return {
    sharedBuffers: unit(Math.floor(mib / 4)),
    effectiveCacheSize: unit(Math.floor((mib * 3) / 4)),
    maxSlotWalKeepSize: maxSlotWalKeepSize(primary.dataMounts[0]?.sizeGiB ?? 0),
  };
}
