/**
 * NetBox (orion VM 500; decision 320): the upstream source at one git commit (the release tag's,
 * checked at fetch), its `requirements.txt` (exact `==` pins) in a venv, gunicorn on loopback behind
 * Debian's nginx on the service port (nginx serves /static/), the VM's own PostgreSQL 15 (peer
 * authentication, no password) and Redis 7 (loopback, `requirepass`), media/scripts/reports on the
 * VM's data disk, `METRICS_ENABLED` for /metrics, a superuser bootstrapped once from a generated
 * password and, when the organisation has an identity provider, login through its OIDC client.
 *
 * Upstream facts (netbox-community/netbox, tag v4.4.10 = commit fa8a9ef9de35b349d3ecd3c25ef98ba08a0a67c3):
 * - docs/installation/index.md: Python 3.10–3.12, PostgreSQL 14+, Redis 4.0+ (v4.5.0 and later: Python
 *   3.12+, which Debian 12 does not ship — hence the 4.4 series).
 * - docs/installation/3-netbox.md, upgrade.sh: venv, `pip install -r requirements.txt`, then `manage.py
 *   migrate`, `trace_paths --no-input`, `collectstatic --no-input`, `remove_stale_contenttypes
 *   --no-input`, `reindex --lazy`, `clearsessions`; system packages python3-venv python3-dev
 *   build-essential libxml2-dev libxslt1-dev libffi-dev libpq-dev libssl-dev zlib1g-dev.
 * - netbox/netbox/settings.py: configuration names read by `getattr(configuration, …)`: ALLOWED_HOSTS,
 *   DATABASES (default ENGINE django_prometheus' when METRICS_ENABLED), REDIS['tasks'|'caching'] with
 *   HOST PORT PASSWORD DATABASE SSL, SECRET_KEY, CSRF_TRUSTED_ORIGINS, MEDIA_ROOT, REPORTS_ROOT,
 *   SCRIPTS_ROOT, METRICS_ENABLED, TIME_ZONE, LOGIN_REQUIRED (default True), REMOTE_AUTH_BACKEND, and every
 *   `SOCIAL_AUTH_*` name; STATIC_ROOT is BASE_DIR/static.
 * - netbox/netbox/urls.py: `api/status/` (login required by default), `login/`, and with METRICS_ENABLED
 *   django_prometheus.urls, whose one path is `metrics` (korfuri/django-prometheus v2.4.0 urls.py).
 * - contrib/gunicorn.py (bind 127.0.0.1:8001, threads 3, timeout 120, max_requests 5000/500),
 *   contrib/netbox.service, contrib/netbox-rq.service (`manage.py rqworker high default low`),
 *   contrib/nginx.conf (`location /static/ { alias /opt/netbox/netbox/static/; }`, proxy_pass to 8001
 *   with X-Forwarded-Host, X-Real-IP, X-Forwarded-Proto; client_max_body_size 25m).
 * - docs/administration/authentication/okta.md: SSO is `REMOTE_AUTH_BACKEND = 'social_core.backends…'`
 *   with `SOCIAL_AUTH_<BACKEND>_KEY/_SECRET`; python-social-auth/social-core 4.8.3
 *   social_core/backends/open_id_connect.py: the generic backend is `OpenIdConnectAuth`, name `oidc`,
 *   settings SOCIAL_AUTH_OIDC_OIDC_ENDPOINT (issuer without /.well-known/…), _KEY, _SECRET; the callback
 *   is /oauth/complete/oidc/.
 * - Django's createsuperuser (Debian 12 python3-django 3.2.25, unchanged since 3.0): `--noinput` takes the
 *   password from DJANGO_SUPERUSER_PASSWORD.
 */
import type { AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import { dataDisk, putText, readScript, shellScript } from "../shell";
import type { AppModule, AppPlan } from "./module";

export const NETBOX_PORT = 8000;
/** gunicorn's loopback port behind nginx (contrib/gunicorn.py). */
export const NETBOX_GUNICORN = "127.0.0.1:8001";
export const NETBOX_DIR = "/opt/netbox";
export const NETBOX_REPO = "https://github.com/netbox-community/netbox.git";
/** The default pin: tag v4.4.10 and the commit it names (netbox-community/netbox). */
export const NETBOX_DEFAULT = { version: "4.4.10", commit: "fa8a9ef9de35b349d3ecd3c25ef98ba08a0a67c3" } as const;
/** NetBox's state on the VM's data disk (media, scripts, reports). */
export const NETBOX_DATA_DIR = "/var/lib/netbox";
export const PG_DATA_DIR = "/var/lib/postgresql";
export const NETBOX_CONF = `${NETBOX_DIR}/netbox/netbox/configuration.py`;
export const NETBOX_ENV = "/etc/netbox/netbox.env";
export const NGINX_SITE = "/etc/nginx/sites-available/netbox";
const INSTALL_SH = readScript(__dirname, "scripts/netbox-install.sh");

type NetboxService = ResolvedService & { app: AppOf<"netbox"> };

/** The VM's data disks by mount point, in the order Proxmox attaches them (scsi1, scsi2, …; guestArgs/vmService). */
export function vmDataDisks(s: { name: string; dataMounts: ReadonlyArray<{ path: string }> }, needed: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of needed) {
    const i = s.dataMounts.findIndex((m) => m.path === p);
    if (i < 0) throw new Error(`homelab: service "${s.name}": needs a data mount at ${p}`);
    out[p] = `/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi${i + 1}`;
  }
  return out;
}

const py = (v: unknown): string => {
  if (typeof v === "string") return `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  if (typeof v === "number") return String(v);
  if (typeof v === "boolean") return v ? "True" : "False";
  if (Array.isArray(v)) return `[${v.map(py).join(", ")}]`;
  if (v && typeof v === "object" && "env" in (v as object)) return `os.environ[${py((v as { env: string }).env)}]`;
  return `{${Object.entries(v as object).map(([k, x]) => `${py(k)}: ${py(x)}`).join(", ")}}`;
};
const env = (name: string) => ({ env: name });

function release(s: NetboxService) {
  return s.app.release ?? NETBOX_DEFAULT;
}

function hosts(s: NetboxService, site: Site): string[] {
  return [...new Set([s.ipv4!, `${s.name}.${site.inventory.dns.domain}`, s.name, "localhost", "127.0.0.1", ...s.app.allowedHosts])];
}

/** configuration.py: no secret in it; SECRET_KEY and the Redis password (and the OIDC secret) are read from the environment. */
export function renderNetboxConfiguration(s: NetboxService, site: Site): string {
  const redis = (db: number) => ({ HOST: "127.0.0.1", PORT: 6379, PASSWORD: env("NETBOX_REDIS_PASSWORD"), DATABASE: db, SSL: false });
  const settings: Array<[string, unknown]> = [
    ["ALLOWED_HOSTS", hosts(s, site)],
    ["CSRF_TRUSTED_ORIGINS", [`http://${s.ipv4}:${NETBOX_PORT}`, `https://${s.name}.${site.inventory.dns.domain}`]],
    // The local socket with peer authentication: the netbox system user is the netbox role.
    ["DATABASES", { default: { NAME: s.app.localDatabase, USER: "netbox", PASSWORD: "", HOST: "", PORT: "", CONN_MAX_AGE: 300 } }],
    ["REDIS", { tasks: redis(0), caching: redis(1) }],
    ["SECRET_KEY", env("NETBOX_SECRET_KEY")],
    ["MEDIA_ROOT", `${NETBOX_DATA_DIR}/media`],
    ["REPORTS_ROOT", `${NETBOX_DATA_DIR}/reports`],
    ["SCRIPTS_ROOT", `${NETBOX_DATA_DIR}/scripts`],
    ["METRICS_ENABLED", true],
    ["TIME_ZONE", site.inventory.timezone],
    ["LOGIN_REQUIRED", true],
    ...(s.app.sso
      ? ([
          ["REMOTE_AUTH_BACKEND", "social_core.backends.open_id_connect.OpenIdConnectAuth"],
          ["SOCIAL_AUTH_OIDC_OIDC_ENDPOINT", env("NETBOX_OIDC_ENDPOINT")],
          ["SOCIAL_AUTH_OIDC_KEY", "netbox"],
          ["SOCIAL_AUTH_OIDC_SECRET", env("OIDC_CLIENT_SECRET")],
        ] as Array<[string, unknown]>)
      : []),
  ];
  return ["# Managed by homelab (components/apps/netbox.ts). Secrets come from the environment (" + NETBOX_ENV + ").", "import os", "", ...settings.map(([k, v]) => `${k} = ${py(v)}`), ""].join("\n");
}

/** /opt/netbox/gunicorn.py (contrib/gunicorn.py's settings; workers 2n+1 of the VM's cores by default). */
export function renderGunicorn(s: NetboxService): string {
  const workers = s.app.workers ?? 2 * (s.cores ?? 1) + 1;
  return ["# Managed by homelab (components/apps/netbox.ts).", `bind = '${NETBOX_GUNICORN}'`, `workers = ${workers}`, "threads = 3", "timeout = 120", "max_requests = 5000", "max_requests_jitter = 500", ""].join("\n");
}

/** The nginx site: the service port, /static/ from disk, the rest to gunicorn (contrib/nginx.conf without TLS). */
export function renderNginx(s: NetboxService, site: Site): string {
  return [
    "# Managed by homelab (components/apps/netbox.ts).",
    "server {",
    `    listen ${s.ipv4}:${NETBOX_PORT};`,
    `    server_name ${hosts(s, site).join(" ")};`,
    "    client_max_body_size 25m;",
    "    location /static/ {",
    `        alias ${NETBOX_DIR}/netbox/static/;`,
    "    }",
    "    location / {",
    `        proxy_pass http://${NETBOX_GUNICORN};`,
    "        proxy_set_header X-Forwarded-Host $http_host;",
    "        proxy_set_header X-Real-IP $remote_addr;",
    "        proxy_set_header X-Forwarded-Proto $scheme;",
    "    }",
    "}",
    "",
  ].join("\n");
}

/** netbox.service and netbox-rq.service (contrib/ shape, plus the environment file and the data disk). */
export function renderNetboxUnits(): { web: string; rq: string } {
  const common = (desc: string, exec: string, extra: string[] = []) =>
    [
      "[Unit]",
      `Description=${desc} (managed by homelab, components/apps/netbox.ts)`,
      "Documentation=https://docs.netbox.dev/",
      "After=network-online.target postgresql.service redis-server.service",
      "Wants=network-online.target",
      `RequiresMountsFor=${NETBOX_DATA_DIR}`,
      "",
      "[Service]",
      "Type=simple",
      "User=netbox",
      "Group=netbox",
      `WorkingDirectory=${NETBOX_DIR}`,
      `EnvironmentFile=${NETBOX_ENV}`,
      ...extra,
      `ExecStart=${exec}`,
      "Restart=on-failure",
      "RestartSec=30",
      "PrivateTmp=true",
      "",
      "[Install]",
      "WantedBy=multi-user.target",
      "",
    ].join("\n");
  return {
    web: common("NetBox WSGI Service", `${NETBOX_DIR}/venv/bin/gunicorn --pid /run/netbox/netbox.pid --pythonpath ${NETBOX_DIR}/netbox --config ${NETBOX_DIR}/gunicorn.py netbox.wsgi`, ["RuntimeDirectory=netbox", "PIDFile=/run/netbox/netbox.pid"]),
    rq: common("NetBox Request Queue Worker", `${NETBOX_DIR}/venv/bin/python3 ${NETBOX_DIR}/netbox/manage.py rqworker high default low`),
  };
}

function plan(s: NetboxService, site: Site): AppPlan {
  const r = release(s);
  const disks = vmDataDisks(s, [PG_DATA_DIR, NETBOX_DATA_DIR]);
  const conf = renderNetboxConfiguration(s, site);
  const units = renderNetboxUnits();
  const health = { url: `http://${s.ipv4}:${NETBOX_PORT}/login/` };
  const base = `http://${s.ipv4}:${NETBOX_PORT}`;
  const script = shellScript({
    title: `NetBox ${s.name} (${site.name})`,
    source: "components/apps/netbox.ts",
    logTag: `netbox-${s.name}`,
    env: {
      PG_DISK: disks[PG_DATA_DIR],
      PG_DIR: PG_DATA_DIR,
      DATA_DISK: disks[NETBOX_DATA_DIR],
      DATA_DIR: NETBOX_DATA_DIR,
      NETBOX_DIR,
      NETBOX_REPO,
      NETBOX_VERSION: r.version,
      NETBOX_COMMIT: r.commit,
      DB_NAME: s.app.localDatabase,
      // name and e-mail (an array: a bare `NAME=admin` reads to shellcheck as a command, SC2209)
      SUPERUSER: [s.app.superuser, `${s.app.superuser}@${site.inventory.dns.domain}`],
      CONF: NETBOX_CONF,
      CONF_TEXT: conf,
      GUNICORN_CONF: `${NETBOX_DIR}/gunicorn.py`,
      GUNICORN_TEXT: renderGunicorn(s),
      ENV_FILE: NETBOX_ENV,
      NGINX_SITE: NGINX_SITE,
      UNIT_WEB: units.web,
      UNIT_RQ: units.rq,
      SSO: s.app.sso,
      HEALTH_URL: health.url,
      HEALTH_TIMEOUT: 600,
    },
    // The nginx site holds nginx's own `$variables`: a quoted heredoc, not a single-quoted value (SC2016).
    body: [dataDisk(), "write_nginx_site() {", ...putText(NGINX_SITE, "0644", "root:root", renderNginx(s, site)), "}", INSTALL_SH],
  });
  return {
    kind: "netbox",
    service: s.name,
    address: s.ipv4!,
    version: `${r.version} (${r.commit.slice(0, 12)})`,
    source: { type: "git", repository: NETBOX_REPO, commit: r.commit, version: r.version },
    config: [
      { path: NETBOX_CONF, text: conf },
      { path: `${NETBOX_DIR}/gunicorn.py`, text: renderGunicorn(s) },
      { path: NGINX_SITE, text: renderNginx(s, site) },
      { path: "/etc/systemd/system/netbox.service", text: units.web },
      { path: "/etc/systemd/system/netbox-rq.service", text: units.rq },
    ],
    dataPaths: [NETBOX_DATA_DIR, PG_DATA_DIR],
    ports: [{ port: NETBOX_PORT, protocol: "tcp", description: "NetBox web UI and REST API (nginx)" }],
    health,
    backup: { paths: [`${NETBOX_DATA_DIR}/media`, `${NETBOX_DATA_DIR}/scripts`, `${NETBOX_DATA_DIR}/reports`], localDatabases: [s.app.localDatabase], preBackup: [] },
    ...(s.app.sso ? { oidc: { clientId: "netbox", name: "NetBox", redirectUris: [`${base}/oauth/complete/oidc/`], launchUrl: `${base}/` } } : {}),
    metrics: [{ job: "netbox", port: NETBOX_PORT, scheme: "http", path: "/metrics" }],
    secrets: [
      { env: "NETBOX_SECRET_KEY", length: 64 },
      { env: "NETBOX_REDIS_PASSWORD", length: 32 },
      { env: "NETBOX_SUPERUSER_PASSWORD", length: 32 },
    ],
    script,
  };
}

export const netboxModule: AppModule<"netbox"> = {
  kind: "netbox",
  installNote: "upstream source at the release tag's commit (a content pin, checked at fetch) with its ==-pinned requirements in a venv, as NetBox's own install and upgrade.sh do; no image digest for netboxcommunity/netbox could be verified",
  plan,
};
