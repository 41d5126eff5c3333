/**
 * Redis (ryzen9 LXC 7, orion LXC 1005): typed settings (logical databases, persistence) and their loader
 * checks, redis.conf as rendered from the inventory (keys of redis/redis 7.0 redis.conf; the real run is
 * test/real/apps-redis.test.ts), the password kept out of the rendered text, and the database allocation
 * as consumers see it.
 */
import { loadInventory, ResolvedService, Site } from "../../components/inventory/load";
import { appPlanOf } from "../../components/apps/registry";
import { appContractProblems } from "../../components/apps/contract";
import { redisDatabaseFor, redisDatabases } from "../../components/apps/redis";
import { stackDocument } from "../helpers/inventory";

const doc = (site: string) => stackDocument(site).config;
const raw = (site: string) => doc(site)["homelab:inventory"];
const load = (site: string, inv = raw(site)): Site => loadInventory(site, inv, Number(doc(site)["homelab:phase"]));
const svc = (site: Site, name: string) => [...site.services, ...site.deferred].find((s) => s.name === name)! as ResolvedService;
const edit = (site: string, f: (redis: any) => void) => {
  const inv = raw(site);
  f(inv.services.find((x: any) => x.name === "redis"));
  return () => load(site, inv);
};

describe("Redis settings (loader)", () => {
  it.each([
    ["an index used twice", (r: any) => r.app.databases.push({ index: 1, name: "other" }), /"ryzen9": inventory\.services\[\d+\]\.app\.databases\[3\]\.index = 1: database 1 is already allocated to "n8n"/],
    ["a name used twice", (r: any) => r.app.databases.push({ index: 5, name: "n8n" }), /app\.databases\[3\]\.name = "n8n": another database has this name/],
    ["an index beyond databases 16", (r: any) => r.app.databases.push({ index: 16, name: "x" }), /app\.databases\.3\.index|app\.databases\[3\]\.index/],
    ["a consumer that is no service", (r: any) => (r.app.databases[0].consumer = "nope"), /app\.databases\[0\]\.consumer = "nope": is not a service of this site/],
    ["a consumer tcp/6379 does not admit", (r: any) => (r.app.databases[1].consumer = "traefik"), /app\.databases\[1\]\.consumer = "traefik": tcp\/6379 of service "redis" does not admit it \(10\.0\.30\.10\)/],
    ["persistence without its data mount", (r: any) => (r.dataMounts = []), /app\.persistence = "aof": keeps its files in \/var\/lib\/redis: declare a data mount there/],
    ["no tcp/6379", (r: any) => (r.ports = r.ports.filter((p: any) => p.port !== 6379)), /services\[\d+\]\.ports = .*Redis listens on tcp\/6379/],
  ])("refuses %s", (_what, f, message) => {
    expect(edit("ryzen9", f)).toThrow(message);
  });
});

describe("the ryzen9 Redis plan", () => {
  const site = load("ryzen9");
  const p = appPlanOf(svc(site, "redis"), site)!;
  const conf = p.config[0].text;
  const directives = conf.split("\n").filter((l) => l && !l.startsWith("#"));
  it("binds its own address and loopback only, protected mode on", () => {
    expect(directives).toContain("bind 10.0.20.12 127.0.0.1");
    expect(directives).toContain("protected-mode yes");
    expect(directives).toContain("port 6379");
  });
  it("AOF (fsync every second) plus RDB snapshots on the data mount", () => {
    expect(directives).toEqual(expect.arrayContaining(["dir /var/lib/redis", "appendonly yes", "appendfsync everysec", "save 3600 1 300 100 60 10000"]));
    expect(p.dataPaths).toEqual(["/var/lib/redis"]);
    expect(p.backup.paths).toEqual(["/var/lib/redis"]);
  });
  it("maxmemory three quarters of the guest (1024 MiB → 768mb), evicting only keys with an expiry", () => {
    expect(directives).toEqual(expect.arrayContaining(["maxmemory 768mb", "maxmemory-policy volatile-lru"]));
  });
  it("the password file is included last (redis.conf 7.0: an include overrides only what precedes it) and no password is in any text", () => {
    expect(directives[directives.length - 1]).toBe("include /etc/redis/homelab-auth.conf");
    expect(directives.some((l) => l.startsWith("requirepass"))).toBe(false);
    expect(p.secrets).toEqual([{ env: "REDIS_PASSWORD", length: 32 }]);
    expect(p.script).not.toMatch(/requirepass [A-Za-z0-9]{8,}/);
    expect(p.script).toContain("require_env REDIS_PASSWORD");
  });
  it("agrees with its service (port, data mount, backup)", () => {
    expect(appContractProblems(svc(site, "redis"), p)).toEqual([]);
  });
  it("shows Debian's 7.0, the persistence and the allocation", () => {
    expect(p.source).toEqual({ type: "apt", package: "redis-server" });
    expect(p.version).toBe("7.0 (Debian 12 redis-server, aof; 1:n8n 2:webapp-sessions 3:app-cache)");
  });
});

describe("the logical databases as consumers see them", () => {
  const site = load("ryzen9");
  it("the seed's allocation, DB 0 left unallocated (authentik no longer uses Redis, decision 60)", () => {
    expect(redisDatabases(site).map((d) => [d.index, d.name, d.consumer ?? null])).toEqual([
      [1, "n8n", "docker"],
      [2, "webapp-sessions", null],
      [3, "app-cache", null],
    ]);
  });
  it("the Docker host (n8n) finds DB 1 by its service name; others by the database's name", () => {
    expect(redisDatabaseFor(site, "docker")?.url).toBe("redis://10.0.20.12:6379/1");
    expect(redisDatabaseFor(site, "app-cache")?.url).toBe("redis://10.0.20.12:6379/3");
    expect(redisDatabaseFor(site, "coolify")).toBeUndefined();
  });
});

describe("orion's Redis (cache and rate limiting)", () => {
  const site = load("orion");
  const p = appPlanOf(svc(site, "redis"), site)!;
  it("persistence none: no snapshots, no AOF, no data path, no backup", () => {
    expect(p.config[0].text).toContain('save ""\n');
    expect(p.config[0].text).toContain("appendonly no\n");
    expect(p.dataPaths).toEqual([]);
    expect(appContractProblems(svc(site, "redis"), p)).toEqual([]);
  });
});
