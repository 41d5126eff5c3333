/**
 * Loader checks of app settings that need the rest of the site (other services, ports, data mounts):
 * one function per app kind, called by `checkSiteApps` (org.ts). Each failure is one
 * `InventoryError` naming the site, the key path and the value.
 */
import type { AppOf } from "./apps";
import type { ResolvedService, Site } from "./load";
import { InventoryError } from "./load";
import { allowedBy } from "./org";

/** Redis's port (redis.conf `port`, default 6379). */
export const REDIS_PORT = 6379;
/** Where Redis keeps its RDB/AOF files (Debian's redis.conf `dir`, the data mount). */
export const REDIS_DATA_DIR = "/var/lib/redis";

/** MongoDB's port (mongod.conf `net.port`, default 27017). */
export const MONGODB_PORT = 27017;
/** Where mongod keeps its data (`storage.dbPath` of the packaged mongod.conf, the data mount). */
export const MONGODB_DATA_DIR = "/var/lib/mongodb";

type Fail = (path: string, value: unknown, problem: string) => never;

function checkRedis(site: Site, s: ResolvedService & { app: AppOf<"redis"> }, fail: Fail): void {
  const p = `services[${s.index}]`;
  const port = s.firewall.find((f) => f.port === REDIS_PORT && f.protocol === "tcp");
  if (!port) fail(`${p}.ports`, s.ports, `Redis listens on tcp/${REDIS_PORT}; declare it with the clients that may reach it`);
  if (s.app.persistence !== "none" && !s.dataMounts.some((m) => m.path === REDIS_DATA_DIR)) {
    fail(`${p}.app.persistence`, s.app.persistence, `keeps its files in ${REDIS_DATA_DIR}: declare a data mount there (or persistence: none)`);
  }
  const indices = new Map<number, string>();
  const names = new Set<string>();
  s.app.databases.forEach((d, i) => {
    const dp = `${p}.app.databases[${i}]`;
    if (indices.has(d.index)) fail(`${dp}.index`, d.index, `database ${d.index} is already allocated to "${indices.get(d.index)}"`);
    if (names.has(d.name)) fail(`${dp}.name`, d.name, "another database has this name");
    indices.set(d.index, d.name);
    names.add(d.name);
    if (d.consumer === undefined) return;
    const c = [...site.services, ...site.deferred].find((x) => x.name === d.consumer);
    if (!c) fail(`${dp}.consumer`, d.consumer, "is not a service of this site");
    const a = c!.ipv4 ?? c!.ipv6;
    if (!a) fail(`${dp}.consumer`, d.consumer, `service "${d.consumer}" has no static address for the Redis firewall`);
    if (!allowedBy(port!.sources, a!)) fail(`${dp}.consumer`, d.consumer, `tcp/${REDIS_PORT} of service "${s.name}" does not admit it (${a})`);
  });
}

function checkMongo(site: Site, s: ResolvedService & { app: AppOf<"mongodb"> }, fail: Fail): void {
  const p = `services[${s.index}]`;
  const port = s.firewall.find((f) => f.port === MONGODB_PORT && f.protocol === "tcp");
  if (!port) fail(`${p}.ports`, s.ports, `MongoDB listens on tcp/${MONGODB_PORT}; declare it with the clients that may reach it`);
  if (!s.dataMounts.some((m) => m.path === MONGODB_DATA_DIR)) fail(`${p}.dataMounts`, s.dataMounts, `MongoDB keeps its data in ${MONGODB_DATA_DIR}: declare a data mount there`);
  const names = new Set<string>(["admin", "local", "config"]);
  s.app.databases.forEach((d, i) => {
    const dp = `${p}.app.databases[${i}]`;
    if (names.has(d.name)) fail(`${dp}.name`, d.name, "is a reserved database or already declared");
    names.add(d.name);
    const c = [...site.services, ...site.deferred].find((x) => x.name === d.consumer);
    if (!c) fail(`${dp}.consumer`, d.consumer, "is not a service of this site");
    const a = c!.ipv4 ?? c!.ipv6;
    if (!a) fail(`${dp}.consumer`, d.consumer, `service "${d.consumer}" has no static address for the MongoDB firewall`);
    if (!allowedBy(port!.sources, a!)) fail(`${dp}.consumer`, d.consumer, `tcp/${MONGODB_PORT} of service "${s.name}" does not admit it (${a})`);
  });
}

/** Gitea's HTTP port (components/apps/gitea.ts GITEA_PORT). */
const GITEA_HTTP_PORT = 3000;

function checkGitea(s: ResolvedService & { app: AppOf<"gitea"> }, fail: Fail): void {
  const p = `services[${s.index}].app`;
  s.app.autoInit.forEach((r, i) => {
    if (!s.app.repositories.includes(r)) fail(`${p}.autoInit[${i}]`, r, "is not one of app.repositories");
  });
  const users = new Set<string>();
  s.app.machineUsers.forEach((u, i) => {
    if (users.has(u.name)) fail(`${p}.machineUsers[${i}].name`, u.name, "another machine user has this name");
    users.add(u.name);
    u.repositories.forEach((r, j) => {
      if (!s.app.repositories.includes(r)) fail(`${p}.machineUsers[${i}].repositories[${j}]`, r, "is not one of app.repositories");
    });
  });
}

function checkWikijs(site: Site, s: ResolvedService & { app: AppOf<"wikijs"> }, fail: Fail): void {
  const g = s.app.git;
  if (!g) return;
  const p = `services[${s.index}].app.git`;
  const gitea = [...site.services, ...site.deferred].find((x) => x.name === g.service);
  if (!gitea || gitea.app?.kind !== "gitea") fail(`${p}.service`, g.service, "is not a gitea service of this site");
  const app = gitea!.app as AppOf<"gitea">;
  if (!app.repositories.includes(g.repository)) fail(`${p}.repository`, g.repository, `is not among the repositories of "${g.service}"`);
  if (!app.autoInit.includes(g.repository)) fail(`${p}.repository`, g.repository, `Wiki.js needs its branch on the remote: add it to app.autoInit of "${g.service}"`);
  const u = app.machineUsers.find((x) => x.name === g.user);
  if (!u || !u.repositories.includes(g.repository) || u.permission === "read") fail(`${p}.user`, g.user, `is no machine user of "${g.service}" with write permission on ${g.repository}`);
  const port = gitea!.firewall.find((f) => f.port === GITEA_HTTP_PORT && f.protocol === "tcp");
  if (!port || !s.ipv4 || !allowedBy(port.sources, s.ipv4)) fail(`${p}.service`, g.service, `tcp/${GITEA_HTTP_PORT} of "${g.service}" does not admit "${s.name}" (${s.ipv4})`);
}

function checkCoordinator(s: ResolvedService & { app: AppOf<"ai-coordinator"> }, fail: Fail): void {
  const p = `services[${s.index}].app`;
  if (s.app.repository && !s.app.revision) fail(`${p}.revision`, s.app.revision, "is required with app.repository: the full commit to deploy");
  if (s.app.revision && !s.app.repository) fail(`${p}.repository`, s.app.repository, "is required with app.revision: the clone URL of the coordinator's code");
}

/** Checks of app settings against the site; returns nothing, throws the first problem. */
export function checkAppSettings(site: Site): void {
  const fail: Fail = (path, value, problem) => {
    throw new InventoryError(site.name, `inventory.${path}`, value, problem);
  };
  for (const s of [...site.services, ...site.deferred]) {
    if (s.app?.kind === "redis") checkRedis(site, s as ResolvedService & { app: AppOf<"redis"> }, fail);
    if (s.app?.kind === "mongodb") checkMongo(site, s as ResolvedService & { app: AppOf<"mongodb"> }, fail);
    if (s.app?.kind === "gitea") checkGitea(s as ResolvedService & { app: AppOf<"gitea"> }, fail);
    if (s.app?.kind === "wikijs") checkWikijs(site, s as ResolvedService & { app: AppOf<"wikijs"> }, fail);
    if (s.app?.kind === "ai-coordinator") checkCoordinator(s as ResolvedService & { app: AppOf<"ai-coordinator"> }, fail);
  }
}
