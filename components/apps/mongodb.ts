/**
 * MongoDB 7 (ryzen9 LXC 6): the mongodb-org packages of one pinned 7.0 release from MongoDB's apt
 * repository for Debian bookworm, its signing key checked against a pinned fingerprint, mongod bound to
 * the service address and loopback with authorization enabled, an administrator and one user per
 * declared consumer (readWrite on its own database) from generated secrets, and a nightly `mongodump`
 * into /var/backups/mongodb before the restic backup.
 *
 * Upstream facts (MongoDB is not in Debian, so nothing here runs mongod; test/apps/mongodb.test.ts
 * checks the rendered YAML against these option names, and the script is shellchecked):
 * - docker-library/mongo 7.0/Dockerfile (commit fb053f7): the 7.0 key `https://pgp.mongodb.com/server-7.0.asc`
 *   has the fingerprint E58830201F7DD82CD808AA84160D26BB1785BA38; `MONGO_VERSION 7.0.15` installs
 *   `mongodb-org-server`, `-shell`, `-tools`, `-database-tools-extra` `=7.0.15`.
 * - MongoDB 7.0 manual, "Install MongoDB Community Edition on Debian": 7.0 supports Debian 12 "Bookworm";
 *   the list entry is `http://repo.mongodb.org/apt/debian bookworm/mongodb-org/7.0 main`.
 * - mongodb/mongo debian/mongod.conf (YAML since 2.6): `storage.dbPath` /var/lib/mongodb,
 *   `systemLog.destination`/`path`/`logAppend`, `net.port` 27017, `net.bindIp` (comma-separated),
 *   `processManagement.timeZoneInfo`; the packaged mongod.service runs `/usr/bin/mongod --config
 *   /etc/mongod.conf` as user mongodb.
 * - mongodb/mongo src/mongo/db/mongod_options_general.idl: `security.authorization` (yaml only,
 *   "enabled"/"disabled").
 * - mongodb/mongo-tools common/password/password.go: with `--username` and no password a tool reads the
 *   password from standard input when it is not a terminal (so mongodump gets it from a root-only file,
 *   never from argv).
 */
import type { AppOf } from "../inventory/apps";
import { MONGODB_DATA_DIR, MONGODB_PORT } from "../inventory/appChecks";
import type { ResolvedService, Site } from "../inventory/load";
import { readScript, shellScript } from "../shell";
import type { AppModule, AppPlan, AppSecret } from "./module";

export { MONGODB_PORT };
export const MONGODB_CONF = "/etc/mongod.conf";
export const MONGODB_KEY_URL = "https://pgp.mongodb.com/server-7.0.asc";
export const MONGODB_KEY_FINGERPRINT = "E58830201F7DD82CD808AA84160D26BB1785BA38";
export const MONGODB_APT_SOURCE = "https://repo.mongodb.org/apt/debian bookworm/mongodb-org/7.0 main";
export const MONGODB_DUMP_DIR = "/var/backups/mongodb";
/** The administrator (role root on admin), created once through the localhost exception. */
export const MONGODB_ADMIN = "homelab-admin";
/** Packages held at the pinned version (their dependencies mongosh and the database tools follow the repository). */
export const MONGODB_PACKAGES = ["mongodb-org-server", "mongodb-org-shell", "mongodb-org-tools", "mongodb-org-database-tools-extra"];
const INSTALL_SH = readScript(__dirname, "scripts/mongodb-install.sh");

type MongoService = ResolvedService & { app: AppOf<"mongodb"> };

/** The environment variable that carries a consumer's password. */
export const mongoPasswordEnv = (db: string) => `MONGO_PW_${db.toUpperCase()}`;

/** mongod.conf (YAML; no secrets: users live in the database). */
export function renderMongodConf(s: MongoService): string {
  return [
    "# Managed by homelab (components/apps/mongodb.ts).",
    "storage:",
    `  dbPath: ${MONGODB_DATA_DIR}`,
    "systemLog:",
    "  destination: file",
    "  path: /var/log/mongodb/mongod.log",
    "  logAppend: true",
    "net:",
    `  port: ${MONGODB_PORT}`,
    `  bindIp: ${s.ipv4},127.0.0.1`,
    "processManagement:",
    "  timeZoneInfo: /usr/share/zoneinfo",
    "security:",
    "  authorization: enabled",
    "",
  ].join("\n");
}

/** When the dump runs: half an hour before the service's restic backup (`backup.at`), daily. */
export function mongodumpCalendar(s: MongoService): string {
  const at = s.backup && "at" in s.backup && s.backup.at ? s.backup.at : "01:00";
  const [h, m] = at.split(":").map(Number);
  const t = (h * 60 + m - 30 + 1440) % 1440;
  return `*-*-* ${String(Math.floor(t / 60)).padStart(2, "0")}:${String(t % 60).padStart(2, "0")}:00`;
}

function plan(s: MongoService, site: Site): AppPlan {
  const conf = renderMongodConf(s);
  const dbs = s.app.databases.map((d) => d.name);
  const secrets: AppSecret[] = [{ env: "MONGO_ADMIN_PASSWORD", length: 32 }, ...dbs.map((d) => ({ env: mongoPasswordEnv(d), length: 32 }))];
  const health = { url: `mongodb://${s.ipv4}:${MONGODB_PORT}`, expect: "ok: 1" };
  const script = shellScript({
    title: `MongoDB ${s.name} (${site.name})`,
    source: "components/apps/mongodb.ts",
    logTag: `mongodb-${s.name}`,
    env: {
      MONGO_VERSION: s.app.version,
      MONGO_PACKAGES: MONGODB_PACKAGES,
      KEY_URL: MONGODB_KEY_URL,
      KEY_FINGERPRINT: MONGODB_KEY_FINGERPRINT,
      APT_SOURCE: MONGODB_APT_SOURCE,
      CONF: MONGODB_CONF,
      CONF_TEXT: conf,
      DATA_DIR: MONGODB_DATA_DIR,
      DUMP_DIR: MONGODB_DUMP_DIR,
      DUMP_CALENDAR: mongodumpCalendar(s),
      ADMIN_USER: MONGODB_ADMIN,
      DATABASES: dbs,
      MONGO_PORT: MONGODB_PORT,
      HEALTH_TIMEOUT: 180,
    },
    body: INSTALL_SH,
  });
  return {
    kind: "mongodb",
    service: s.name,
    address: s.ipv4!,
    version: s.app.version,
    source: { type: "apt", package: `mongodb-org-server=${s.app.version} (repo.mongodb.org, key ${MONGODB_KEY_FINGERPRINT.slice(-16)})` },
    config: [{ path: MONGODB_CONF, text: conf }],
    dataPaths: [MONGODB_DATA_DIR],
    ports: [{ port: MONGODB_PORT, protocol: "tcp", description: "MongoDB (authorization enabled)" }],
    health,
    // The dump, not the live WiredTiger files, is what restic keeps.
    backup: { paths: [MONGODB_DUMP_DIR], localDatabases: [], preBackup: ["systemctl start homelab-mongodump.service"] },
    metrics: [],
    secrets,
    script,
  };
}

export const mongodbModule: AppModule<"mongodb"> = {
  kind: "mongodb",
  installNote: "MongoDB is not in Debian: the mongodb-org packages of one pinned 7.0 release from repo.mongodb.org, the repository key checked against its pinned fingerprint, the packages held",
  plan,
};
