/**
 * Odoo (ep's production Odoo EP-1, bh's Odoo dev BH-4): the official Odoo Debian package of one
 * pinned build, with the guest's own PostgreSQL (decision 10: no runtime dependency on bo), the
 * filestore on the data mount, the custom addons of one git commit first in the addons path, the
 * health route `/web/health` and the database dumped by the restic agent before each backup.
 *
 * Upstream facts (odoo/odoo, series 17.0):
 * - odoo/tools/config.py: the `[options]` keys written below are the `dest` names of its options
 *   (`db_host`, `db_port`, `db_user`, `db_password`, `db_name`, `dbfilter`, `list_db` (store_false of
 *   --no-database-list), `addons_path`, `data_dir`, `http_interface`, `http_port`, `proxy_mode`,
 *   `workers`, `without_demo`) plus `admin_passwd`, which is only in the config file; `db_host =
 *   False` means the local socket. The filestore is `<data_dir>/filestore/<db>`.
 * - addons/web/controllers/home.py: `@http.route('/web/health', type='http', auth='none',
 *   save_session=False)` answers `{"status": "pass"}` without a database.
 * - the Debian package (odoo/odoo debian/): debian/odoo.service runs `/usr/bin/odoo --config
 *   /etc/odoo/odoo.conf --logfile /var/log/odoo/odoo-server.log` as User=odoo; debian/postinst adds the
 *   system user `odoo` (home /var/lib/odoo) and, when PostgreSQL is present, a PostgreSQL role of that
 *   name (the script creates it only if it is missing); the package's addons are in
 *   /usr/lib/python3/dist-packages/odoo/addons.
 */
import type { AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import { readScript, shellScript } from "../shell";
import type { AppModule, AppPlan, AppSource } from "./module";

export const ODOO_PORT = 8069;
export const ODOO_CONF = "/etc/odoo/odoo.conf";
/** Odoo's own addons in the Debian package. */
export const ODOO_CORE_ADDONS = "/usr/lib/python3/dist-packages/odoo/addons";
const INSTALL_SH = readScript(__dirname, "scripts/odoo-install.sh");

type OdooService = ResolvedService & { app: AppOf<"odoo"> };

/** The data mount holding the filestore (`/var/lib/odoo`, the package user's home). */
function dataDir(s: OdooService): string {
  const m = s.dataMounts.find((d) => d.path === "/var/lib/odoo");
  if (!m) throw new Error(`homelab: service "${s.name}": Odoo needs a data mount at /var/lib/odoo (its filestore)`);
  return m.path;
}

/** Where the custom addons repository is checked out. */
export function addonsCheckout(s: OdooService): string | undefined {
  if (!s.app.addons) return undefined;
  const repo = s.app.addons.repository.replace(/\/+$/, "").split("/").pop()!.replace(/\.git$/, "");
  return `/opt/odoo-addons/${repo}`;
}

/** The package version in an official deb's file name (`odoo_17.0.20241010_all.deb` → `17.0.20241010`). */
export function debVersion(url: string): string {
  const m = /\/odoo_([^/_]+)_(all|amd64)\.deb$/.exec(url);
  if (!m) throw new Error(`homelab: ${url} is not an odoo_<version>_<arch>.deb`);
  return m[1];
}

/** odoo.conf without `admin_passwd` (the script appends it from the environment). */
export function renderOdooConf(s: OdooService): string {
  const addons = addonsCheckout(s);
  const sub = s.app.addons?.path ? `/${s.app.addons.path.replace(/^\/+|\/+$/g, "")}` : "";
  const paths = [...(addons ? [`${addons}${sub}`] : []), ODOO_CORE_ADDONS];
  const opts: Array<[string, string | number]> = [
    ["db_host", "False"],
    ["db_port", "False"],
    ["db_user", "odoo"],
    ["db_password", "False"],
    ["db_name", s.app.localDatabase],
    ["dbfilter", `^${s.app.localDatabase}$`],
    ["list_db", "False"],
    ["addons_path", paths.join(",")],
    ["data_dir", dataDir(s)],
    ["http_interface", s.ipv4!],
    ["http_port", ODOO_PORT],
    ["proxy_mode", "False"],
    ["workers", s.app.workers],
    ["without_demo", "all"],
  ];
  return ["; Managed by homelab (components/apps/odoo.ts); admin_passwd is added at install time.", "[options]", ...opts.map(([k, v]) => `${k} = ${v}`), ""].join("\n");
}

function source(s: OdooService): AppSource {
  const r = s.app.release;
  if (!r) return { type: "unpinned", package: "odoo", hint: `set app.release of service "${s.name}" to the official odoo_<version>_all.deb and its published digest (sha1 ODOO_SHA of odoo/docker <series>/Dockerfile), or install that package on the guest` };
  const digest = r.sha256 !== undefined ? { algorithm: "sha256" as const, value: r.sha256 } : { algorithm: "sha1" as const, value: r.sha1! };
  return { type: "deb", package: "odoo", version: debVersion(r.url), url: r.url, digest };
}

function plan(s: OdooService, site: Site): AppPlan {
  const src = source(s);
  const conf = renderOdooConf(s);
  const addons = addonsCheckout(s);
  const health = { url: `http://${s.ipv4}:${ODOO_PORT}/web/health`, expect: '"pass"' };
  const script = shellScript({
    title: `Odoo ${s.name} (${site.name})`,
    source: "components/apps/odoo.ts",
    logTag: `odoo-${s.name}`,
    env: {
      ODOO_DEB_URL: src.type === "deb" ? src.url : "",
      ODOO_DEB_DIGEST_ALGORITHM: src.type === "deb" ? src.digest.algorithm : "",
      ODOO_DEB_DIGEST: src.type === "deb" ? src.digest.value : "",
      ODOO_DEB_VERSION: src.type === "deb" ? src.version : "",
      ODOO_HINT: src.type === "unpinned" ? src.hint : "",
      DB_NAME: s.app.localDatabase,
      DATA_DIR: dataDir(s),
      CONF: ODOO_CONF,
      CONF_TEXT: conf,
      ADDONS_DIR: addons ?? "",
      ADDONS_REPO: s.app.addons?.repository ?? "",
      ADDONS_REV: s.app.addons?.revision ?? "",
      ADDONS_MODULES: s.app.addons?.modules ?? [],
      HEALTH_URL: health.url,
      HEALTH_EXPECT: health.expect,
      HEALTH_TIMEOUT: 300,
    },
    body: INSTALL_SH,
  });
  return {
    kind: "odoo",
    service: s.name,
    address: s.ipv4!,
    version: src.type === "deb" ? src.version : "unpinned",
    source: src,
    config: [{ path: ODOO_CONF, text: conf }],
    dataPaths: [dataDir(s), "/var/lib/postgresql"],
    ports: [{ port: ODOO_PORT, protocol: "tcp", description: "Odoo web client and JSON-RPC/XML-RPC API" }],
    health,
    backup: { paths: [dataDir(s)], localDatabases: [s.app.localDatabase], preBackup: [] },
    // Odoo serves no Prometheus metrics; its port is probed (components/inventory/org.ts probeTargets).
    metrics: [],
    secrets: [{ env: "ODOO_ADMIN_PASSWD", length: 32 }],
    script,
  };
}

export const odooModule: AppModule<"odoo"> = {
  kind: "odoo",
  installNote: "official Debian package (nightly.odoo.com) of one pinned build, checked by sha256: it brings the unit, the odoo user and Debian's python3 dependencies, and an upgrade is a new pin",
  plan,
};
