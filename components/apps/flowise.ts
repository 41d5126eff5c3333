/**
 * Flowise (orion LXC 1003): the `flowise` npm package of one version, its tarball checked against the
 * pinned registry integrity, run by Debian 12's Node.js 18 as a systemd service on the service address,
 * its data in the organisation's PostgreSQL (orion: the pgvector primary, decision 180) and its secret
 * keys, uploads and logs on the data mount (decision 182).
 *
 * Upstream facts (the npm package flowise@3.1.2, which is the upstream build of packages/server of
 * FlowiseAI/Flowise at that release):
 * - package.json: `bin.flowise` (oclif) with the command `start` (dist/commands/start.js); engines
 *   `node: >=18.15.0 <19.0.0 || ^20` (3.1.3 and later need `^24`, which Debian 12 does not ship).
 * - dist/DataSource.js: `DATABASE_TYPE=postgres` reads DATABASE_HOST, DATABASE_PORT, DATABASE_USER,
 *   DATABASE_PASSWORD, DATABASE_NAME (and DATABASE_SSL); sqlite is the default otherwise.
 * - dist/index.js `start()`: listens on `HOST` (unset: every address) and `PORT` (default 3000).
 * - dist/commands/base.js flags: SECRETKEY_PATH (encryption.key and the auth secrets, which Flowise
 *   generates there on first start: dist/enterprise/utils/authSecrets.js), BLOB_STORAGE_PATH,
 *   STORAGE_TYPE, LOG_PATH, DISABLE_FLOWISE_TELEMETRY.
 * - dist/routes/ping + dist/controllers/ping: `GET /api/v1/ping` answers `pong`, and dist/utils/constants.js
 *   whitelists it (no login).
 * - dist/metrics/Prometheus.js serves `/api/v1/metrics` only when ENABLE_METRICS=true, behind the API's
 *   authentication (not whitelisted): Prometheus cannot scrape it without a Flowise API key, so the
 *   health URL is probed instead.
 */
import type { AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import { readScript, shellScript } from "../shell";
import type { AppModule, AppPlan, AppPlanContext, AppSource } from "./module";

export const FLOWISE_PORT = 3000;
const HOME = "/var/lib/flowise";
const PREFIX = "/opt/flowise";
const INSTALL_SH = readScript(__dirname, "scripts/flowise-install.sh");
/** Node.js majors flowise's engines admit (`>=18.15.0 <19.0.0 || ^20`); Debian 12's nodejs is 18.19+. */
const NODE_MAJORS = ["18", "20"];

type FlowiseService = ResolvedService & { app: AppOf<"flowise"> };

/** Flowise's environment (no secrets: DATABASE_PASSWORD is in the root-only file beside it). */
export function renderFlowiseEnv(s: FlowiseService, db: { host: string; port: number; name: string }): string {
  const vars: Record<string, string> = {
    HOST: s.ipv4!,
    PORT: String(FLOWISE_PORT),
    DATABASE_TYPE: "postgres",
    DATABASE_HOST: db.host,
    DATABASE_PORT: String(db.port),
    DATABASE_NAME: db.name,
    DATABASE_USER: db.name,
    SECRETKEY_PATH: HOME,
    STORAGE_TYPE: "local",
    BLOB_STORAGE_PATH: `${HOME}/storage`,
    LOG_PATH: `${HOME}/logs`,
    DISABLE_FLOWISE_TELEMETRY: "true",
  };
  return ["# Managed by homelab (components/apps/flowise.ts); systemd EnvironmentFile.", ...Object.entries(vars).map(([k, v]) => `${k}=${v}`), ""].join("\n");
}

/** The systemd unit: `flowise start` as user flowise with the two environment files. */
export function renderFlowiseUnit(): string {
  return [
    "[Unit]",
    "Description=Flowise (managed by homelab, components/apps/flowise.ts)",
    "After=network-online.target",
    "Wants=network-online.target",
    `RequiresMountsFor=${HOME}`,
    "",
    "[Service]",
    `ExecStart=${PREFIX}/node_modules/.bin/flowise start`,
    "User=flowise",
    "Group=flowise",
    `WorkingDirectory=${HOME}`,
    "EnvironmentFile=/etc/flowise/flowise.env",
    "EnvironmentFile=/etc/flowise/database.env",
    `Environment=HOME=${HOME}`,
    "Restart=on-failure",
    "RestartSec=5",
    "NoNewPrivileges=true",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

function source(s: FlowiseService): AppSource {
  const r = s.app.release;
  if (!r) return { type: "unpinned", package: "flowise", hint: `set app.release of service "${s.name}" to { version, integrity } of the flowise npm package` };
  return { type: "npm", package: "flowise", version: r.version, integrity: r.integrity };
}

function plan(s: FlowiseService, site: Site, context: AppPlanContext = {}): AppPlan {
  if (!s.dataMounts.some((m) => m.path === HOME)) throw new Error(`homelab: service "${s.name}": Flowise keeps its keys and files on a data mount at ${HOME}`);
  if (!s.app.database) throw new Error(`homelab: service "${s.name}": Flowise keeps its data in the organisation's PostgreSQL: set app.database`);
  if (!context.postgres) throw new Error(`homelab: service "${s.name}": Flowise needs the organisation's active postgres-primary for database "${s.app.database}"`);
  const db = { name: s.app.database, host: context.postgres.host, port: context.postgres.port };
  const src = source(s);
  const health = { url: `http://${s.ipv4}:${FLOWISE_PORT}/api/v1/ping`, expect: "pong" };
  const env = renderFlowiseEnv(s, db);
  const unit = renderFlowiseUnit();
  const script = shellScript({
    title: `Flowise ${s.name} (${site.name})`,
    source: "components/apps/flowise.ts",
    logTag: `flowise-${s.name}`,
    env: {
      FLOWISE_VERSION: s.app.release?.version ?? "",
      FLOWISE_INTEGRITY: s.app.release?.integrity ?? "",
      FLOWISE_HINT: src.type === "unpinned" ? src.hint : "",
      FLOWISE_PREFIX: PREFIX,
      FLOWISE_HOME: HOME,
      FLOWISE_DIRS: [HOME, `${HOME}/storage`, `${HOME}/logs`],
      NODE_MAJORS,
      ENV_PATH: "/etc/flowise/flowise.env",
      ENV_TEXT: env,
      SECRET_ENV_PATH: "/etc/flowise/database.env",
      // AppInstall gives the owner password of `database` as DB_PASSWORD (module.ts AppPlan.database).
      DB_PASSWORD_ENV: "DB_PASSWORD",
      UNIT_PATH: "/etc/systemd/system/flowise.service",
      UNIT_TEXT: unit,
      HEALTH_URL: health.url,
      HEALTH_EXPECT: health.expect,
      HEALTH_TIMEOUT: 300,
    },
    body: ["install -d -m 0755 /etc/flowise", INSTALL_SH].join("\n"),
  });
  return {
    kind: "flowise",
    service: s.name,
    address: s.ipv4!,
    version: s.app.release?.version ?? "unpinned",
    source: src,
    config: [
      { path: "/etc/flowise/flowise.env", text: env },
      { path: "/etc/systemd/system/flowise.service", text: unit },
    ],
    dataPaths: [HOME],
    ports: [{ port: FLOWISE_PORT, protocol: "tcp", description: "Flowise UI and API" }],
    health,
    // The database is dumped by the primary's agent; the keys that decrypt its credentials and the uploads live here.
    backup: { paths: [HOME], localDatabases: [], preBackup: [] },
    database: db.name,
    metrics: [],
    secrets: [],
    script,
  };
}

export const flowiseModule: AppModule<"flowise"> = {
  kind: "flowise",
  installNote: "the flowise npm package of one version checked against its registry integrity, on Debian 12's Node.js 18 (its engines admit 18 up to 3.1.2)",
  plan,
};
