/**
 * Pure planning of the data tier from a site inventory: which guests get restic agents, what
 * the PostgreSQL primary serves to whom. No Pulumi resources here; unit-tested in test/data.
 */
import { ResolvedService, Site } from "../inventory/load";
import { PgDatabase, PgReplica, toCidr } from "./render/postgres";

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
  /** Dump directory (one of `paths` under /var/backups when present). */
  dumpDir?: string;
  /** Local time HH:MM. */
  at: string;
  /** IANA zone from the inventory. */
  timeZone: string;
}

/** Every active Proxmox guest whose backup has `paths` gets an agent; exempt/longhorn ones do not. */
export function backupAgentPlan(site: Site): BackupAgentPlan[] {
  const out: BackupAgentPlan[] = [];
  for (const s of site.services) {
    if (s.kind !== "lxc" && s.kind !== "vm") continue;
    if (!s.backup || !("paths" in s.backup)) continue;
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
      dumpDir: b.databases.length ? (b.paths.find((p) => p.startsWith("/var/backups/")) ?? "/var/backups/postgresql") : undefined,
      at: b.at,
      timeZone: site.inventory.timezone,
    });
  }
  return out.sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
}

/** What the primary serves, derived from the postgres service of the inventory. */
export interface PostgresPrimaryPlan {
  service: ResolvedService;
  address: string;
  port: number;
  /** Databases with the client addresses allowed to reach them as their owner. */
  databases: PgDatabase[];
  /** 5432 sources that are neither a replica nor the client of a database (reported, not allowed). */
  unmatchedSources: string[];
  /** Databases no declared client service matches (local access only until one is declared). */
  databasesWithoutClients: string[];
}

/**
 * Databases come from the service's backup.databases. A database's clients are the 5432 sources
 * that belong to the service of the same name; every replica address must be a 5432 source.
 */
export function postgresPrimaryPlan(site: Site, serviceName: string, replicas: PgReplica[]): PostgresPrimaryPlan {
  const svc = site.services.find((s) => s.name === serviceName);
  if (!svc) throw new Error(`homelab: site "${site.name}": no active service "${serviceName}" for the PostgreSQL primary`);
  if (!svc.backup || !("paths" in svc.backup) || svc.backup.databases.length === 0) throw new Error(`homelab: site "${site.name}": service "${serviceName}" declares no backup.databases`);
  const pgPort = svc.firewall.find((p) => p.port === 5432 && p.protocol === "tcp");
  if (!pgPort) throw new Error(`homelab: site "${site.name}": service "${serviceName}" opens no tcp/5432`);
  const sources = new Set(pgPort.sources.map(toCidr));
  const used = new Set<string>();
  for (const r of replicas) {
    const c = toCidr(r.address);
    if (!sources.has(c)) throw new Error(`homelab: site "${site.name}": replica ${r.name} (${r.address}) is not an allowed source of ${serviceName}:5432`);
    used.add(c);
  }
  const all = [...site.services, ...site.deferred];
  const databases: PgDatabase[] = svc.backup.databases.map((db) => {
    const client = all.find((s) => s.name === db);
    const addrs = client ? [client.ipv4, client.ipv6].filter((x): x is string => !!x).map(toCidr).filter((c) => sources.has(c)) : [];
    addrs.forEach((c) => used.add(c));
    return { name: db, clients: addrs };
  });
  return {
    service: svc,
    address: svc.ipv4!,
    port: 5432,
    databases,
    unmatchedSources: [...sources].filter((c) => !used.has(c)).sort(),
    databasesWithoutClients: databases.filter((d) => (d.clients ?? []).length === 0).map((d) => d.name),
  };
}
