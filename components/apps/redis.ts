/**
 * Redis (ryzen9 LXC 7; orion LXC 1005): Debian 12's redis-server (7.0), one instance bound to the
 * service address and loopback, `requirepass` from a generated secret kept out of the rendered config
 * (a root:redis 0640 file `include`d last, written from the secret on stdin), the logical databases
 * allocated in the inventory (`app.databases`, exposed to consumers by `redisDatabaseFor`), and
 * persistence as the inventory says (`none`, `rdb`, `aof`) on the data mount /var/lib/redis.
 *
 * Upstream facts (redis/redis 7.0 redis.conf, the file Debian 5:7.0.15 ships as /etc/redis/redis.conf;
 * test/real/apps-redis.test.ts checks every key below against that file and runs redis-server with it):
 * - `bind` takes several addresses; `protected-mode`, `port`, `databases` (default 16), `save` (`""`
 *   disables snapshots), `dbfilename`, `dir`, `appendonly`, `appendfsync`, `appenddirname` (7.0: the
 *   AOF is a directory of base + incremental files), `maxmemory`, `maxmemory-policy`.
 * - `include`: "If instead you are interested in using includes to override configuration options, it
 *   is better to use include as the last line" — the secret file is the last line.
 * - `requirepass` is the default user's password (ACLs since 6; a logical database cannot be limited
 *   per user, so one password serves every database).
 * - redis-cli reads the password from the `REDISCLI_AUTH` environment variable (src/redis-cli.c), so it
 *   never appears in argv.
 * - Debian's redis-server.service runs `/usr/bin/redis-server /etc/redis/redis.conf --supervised systemd
 *   --daemonize no` as User=redis with ReadWritePaths=-/var/lib/redis.
 */
import type { AppOf } from "../inventory/apps";
import { REDIS_DATA_DIR, REDIS_PORT } from "../inventory/appChecks";
import type { ResolvedService, Site } from "../inventory/load";
import { readScript, shellScript } from "../shell";
import type { AppModule, AppPlan } from "./module";

export { REDIS_PORT };
export const REDIS_CONF = "/etc/redis/redis.conf";
/** The root:redis 0640 file with `requirepass`, included last by redis.conf. */
export const REDIS_AUTH_CONF = "/etc/redis/homelab-auth.conf";
const INSTALL_SH = readScript(__dirname, "scripts/redis-install.sh");

type RedisService = ResolvedService & { app: AppOf<"redis"> };

/**
 * maxmemory: three quarters of the guest's memory (the rest for the OS, the fork of a snapshot or AOF
 * rewrite and fragmentation). Policy volatile-lru: under pressure only keys with an expiry (sessions,
 * cache entries) are evicted, never a queue's keys; when none is left, writes fail instead.
 */
export function redisMaxMemoryMiB(s: RedisService): number {
  if (!s.memoryMiB) throw new Error(`homelab: service "${s.name}": Redis sizes maxmemory from the guest's memoryMiB`);
  return Math.floor((s.memoryMiB * 3) / 4);
}

/** redis.conf (no secret: the password is in REDIS_AUTH_CONF, written at install time). */
export function renderRedisConf(s: RedisService): string {
  const p = s.app.persistence;
  const lines: Array<[string, string | number]> = [
    ["bind", `${s.ipv4} 127.0.0.1`],
    ["protected-mode", "yes"],
    ["port", REDIS_PORT],
    ["tcp-keepalive", 300],
    ["loglevel", "notice"],
    ["logfile", '""'],
    ["databases", 16],
    ["dir", REDIS_DATA_DIR],
    ["dbfilename", "dump.rdb"],
    // Default snapshot points of redis.conf 7.0 (3600 s/1 change, 300/100, 60/10000), or none.
    ["save", p === "none" ? '""' : "3600 1 300 100 60 10000"],
    ["appendonly", p === "aof" ? "yes" : "no"],
    ["appenddirname", '"appendonlydir"'],
    ["appendfsync", "everysec"],
    ["maxmemory", `${redisMaxMemoryMiB(s)}mb`],
    ["maxmemory-policy", "volatile-lru"],
    ["include", REDIS_AUTH_CONF],
  ];
  return ["# Managed by homelab (components/apps/redis.ts); requirepass is in the included file.", ...lines.map(([k, v]) => `${k} ${v}`), ""].join("\n");
}

/** A logical database of a site's Redis, as a consumer connects to it. */
export interface RedisDatabase {
  /** The Redis service. */
  service: string;
  index: number;
  name: string;
  consumer?: string;
  /** `redis://<address>:6379/<index>` (the password is the Redis app's generated REDIS_PASSWORD). */
  url: string;
}

/** Every allocated database of every Redis of `site` (active or later phases). */
export function redisDatabases(site: Site): RedisDatabase[] {
  return [...site.services, ...site.deferred]
    .filter((s): s is RedisService => s.app?.kind === "redis")
    .flatMap((s) => s.app.databases.map((d) => ({ service: s.name, index: d.index, name: d.name, ...(d.consumer ? { consumer: d.consumer } : {}), url: `redis://${s.ipv4}:${REDIS_PORT}/${d.index}` })));
}

/** The database allocated to `consumer` (a service name) or by `name`, if any. */
export function redisDatabaseFor(site: Site, consumerOrName: string): RedisDatabase | undefined {
  const all = redisDatabases(site);
  return all.find((d) => d.consumer === consumerOrName) ?? all.find((d) => d.name === consumerOrName);
}

function plan(s: RedisService, site: Site): AppPlan {
  const conf = renderRedisConf(s);
  const persistent = s.app.persistence !== "none";
  const health = { url: `redis://${s.ipv4}:${REDIS_PORT}`, expect: "PONG" };
  const script = shellScript({
    title: `Redis ${s.name} (${site.name})`,
    source: "components/apps/redis.ts",
    logTag: `redis-${s.name}`,
    env: {
      CONF: REDIS_CONF,
      CONF_TEXT: conf,
      AUTH_CONF: REDIS_AUTH_CONF,
      DATA_DIR: REDIS_DATA_DIR,
      REDIS_PORT,
      HEALTH_TIMEOUT: 120,
    },
    body: INSTALL_SH,
  });
  const dbs = s.app.databases.map((d) => `${d.index}:${d.name}`).join(" ");
  return {
    kind: "redis",
    service: s.name,
    address: s.ipv4!,
    version: `7.0 (Debian 12 redis-server, ${s.app.persistence}${dbs ? `; ${dbs}` : ""})`,
    source: { type: "apt", package: "redis-server" },
    config: [{ path: REDIS_CONF, text: conf }],
    dataPaths: persistent ? [REDIS_DATA_DIR] : [],
    ports: [{ port: REDIS_PORT, protocol: "tcp", description: "Redis (requirepass)" }],
    health,
    // dump.rdb is replaced atomically (rename) after each snapshot: restic always reads a whole one.
    backup: { paths: persistent ? [REDIS_DATA_DIR] : [], localDatabases: [], preBackup: [] },
    // No exporter: the port is probed by blackbox_exporter where monitoring may reach it.
    metrics: [],
    secrets: [{ env: "REDIS_PASSWORD", length: 32 }],
    script,
  };
}

export const redisModule: AppModule<"redis"> = {
  kind: "redis",
  installNote: "Debian 12's redis-server (7.0, security-updated by Debian): the seed asks Redis 7, Debian's unit is hardened, and an upgrade is apt's",
  plan,
};
