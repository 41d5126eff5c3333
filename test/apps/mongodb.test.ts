/**
 * MongoDB 7 (ryzen9 LXC 6): typed settings and their loader checks, mongod.conf against the option names
 * mongod 7.0 reads (cited below), the pinned repository key and packages, the users from generated secrets,
 * and the nightly mongodump before the restic backup. MongoDB is not in Debian, so mongod is not run here;
 * the install script is shellchecked by test/real/stacks-lint.test.ts with every Command of ryzen9.
 */
import * as YAML from "yaml";
import { loadInventory, ResolvedService, Site } from "../../components/inventory/load";
import { appPlanOf } from "../../components/apps/registry";
import { appContractProblems } from "../../components/apps/contract";
import { stackDocument } from "../helpers/inventory";

const doc = (site: string) => stackDocument(site).config;
const raw = (site: string) => doc(site)["homelab:inventory"];
const load = (site: string, inv = raw(site)): Site => loadInventory(site, inv, Number(doc(site)["homelab:phase"]));
const svc = (site: Site, name: string) => site.services.find((s) => s.name === name)! as ResolvedService;
const edit = (f: (m: any) => void) => {
  const inv = raw("ryzen9");
  f(inv.services.find((x: any) => x.name === "mongodb"));
  return () => load("ryzen9", inv);
};

/**
 * Option names of mongod 7.0 used here: mongodb/mongo debian/mongod.conf (the packaged YAML: storage.dbPath,
 * systemLog.destination/path/logAppend, net.port/bindIp, processManagement.timeZoneInfo) and
 * src/mongo/db/mongod_options_general.idl ('security.authorization', yaml source, enabled|disabled).
 */
const MONGOD_70_OPTIONS = new Set([
  "storage.dbPath",
  "systemLog.destination",
  "systemLog.path",
  "systemLog.logAppend",
  "net.port",
  "net.bindIp",
  "processManagement.timeZoneInfo",
  "security.authorization",
]);
const leaves = (o: Record<string, unknown>, prefix = ""): string[] =>
  Object.entries(o).flatMap(([k, v]) => (v && typeof v === "object" ? leaves(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]));

describe("MongoDB settings (loader)", () => {
  it.each([
    ["a version outside 7.0", (m: any) => (m.app.version = "8.0.4"), /app\.version = "8\.0\.4": must be a MongoDB 7\.0 release/],
    ["a reserved database", (m: any) => m.app.databases.push({ name: "admin", consumer: "docker" }), /app\.databases\[2\]\.name = "admin": is a reserved database or already declared/],
    ["a database declared twice", (m: any) => m.app.databases.push({ name: "docker", consumer: "coolify" }), /app\.databases\[2\]\.name = "docker"/],
    ["a consumer tcp/27017 does not admit", (m: any) => (m.app.databases[0].consumer = "traefik"), /app\.databases\[0\]\.consumer = "traefik": tcp\/27017 of service "mongodb" does not admit it/],
    ["no data mount at /var/lib/mongodb", (m: any) => (m.dataMounts = []), /dataMounts = \[\]: MongoDB keeps its data in \/var\/lib\/mongodb/],
  ])("refuses %s", (_what, f, message) => {
    expect(edit(f)).toThrow(message);
  });
});

describe("the ryzen9 MongoDB plan", () => {
  const site = load("ryzen9");
  const p = appPlanOf(svc(site, "mongodb"), site)!;
  const conf = YAML.parse(p.config[0].text);
  it("mongod.conf uses only mongod 7.0 option names", () => {
    for (const k of leaves(conf)) expect([k, MONGOD_70_OPTIONS.has(k)]).toEqual([k, true]);
  });
  it("authorization enabled, bound to its address and loopback, data on the data mount", () => {
    expect(conf.security).toEqual({ authorization: "enabled" });
    expect(conf.net).toEqual({ port: 27017, bindIp: "10.0.20.11,127.0.0.1" });
    expect(conf.storage.dbPath).toBe("/var/lib/mongodb");
    expect(appContractProblems(svc(site, "mongodb"), p)).toEqual([]);
  });
  it("the pinned release and the 7.0 key fingerprint (docker-library/mongo 7.0/Dockerfile)", () => {
    expect(p.version).toBe("7.0.15");
    expect(p.script).toContain("MONGO_VERSION=7.0.15\n");
    expect(p.script).toContain("KEY_FINGERPRINT=E58830201F7DD82CD808AA84160D26BB1785BA38\n");
    expect(p.script).toContain("KEY_URL=https://pgp.mongodb.com/server-7.0.asc\n");
    expect(p.script).toContain("APT_SOURCE='https://repo.mongodb.org/apt/debian bookworm/mongodb-org/7.0 main'");
    expect(p.script).toContain("MONGO_PACKAGES=(mongodb-org-server mongodb-org-shell mongodb-org-tools mongodb-org-database-tools-extra)");
  });
  it("an administrator and one user per consumer database, each password a generated secret", () => {
    expect(p.secrets).toEqual([
      { env: "MONGO_ADMIN_PASSWORD", length: 32 },
      { env: "MONGO_PW_DOCKER", length: 32 },
      { env: "MONGO_PW_COOLIFY", length: 32 },
    ]);
    expect(p.script).toContain("DATABASES=(docker coolify)");
    // passwords reach mongosh through process.env and mongodump through stdin, never argv
    expect(p.script).not.toMatch(/--password/);
    expect(p.script).toContain("StandardInput=file:$ADMIN_PW_FILE");
  });
  it("the users' JavaScript (run by mongosh, a Node.js shell) parses", () => {
    const js = /users_js='([^']*)'/.exec(p.script)![1];
    expect(js).toContain("admin.createUser");
    expect(() => new Function("db", "Mongo", "print", "process", js)).not.toThrow();
  });
  it("mongodump half an hour before the 01:00 restic backup, into the backed-up dump directory", () => {
    expect(p.script).toContain("DUMP_CALENDAR='*-*-* 00:30:00'");
    expect(p.backup).toEqual({ paths: ["/var/backups/mongodb"], localDatabases: [], preBackup: ["systemctl start homelab-mongodump.service"] });
  });
});
