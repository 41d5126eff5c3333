/**
 * n8n (bo BO-10): n8n from the npm registry at one version checked against its `dist.integrity`, on
 * Node.js of one pinned upstream release (n8n's `engines` needs node >= 24; Debian 12 has 18), its data
 * in its database on the organisation's PostgreSQL primary, its encryption key a generated secret kept
 * (protected) in the stack so it survives upgrades (without `app.database`: n8n's SQLite in its user folder on the data mount), health `/healthz/readiness`, Prometheus metrics `/metrics`.
 * OIDC (decision 51): the client is always declared; n8n's OIDC login is switched on only when the
 * service states `licensed: true`, since it is an enterprise feature.
 *
 * Upstream facts (npm @n8n/config 2.39.0, the exact dependency of n8n 2.41.1, dist/configs/*.js
 * `@Env(...)` names; dist/decorators.js reads `<NAME>_FILE` too): DB_TYPE (`postgresdb`),
 * DB_POSTGRESDB_HOST/PORT/DATABASE/USER/PASSWORD, N8N_ENCRYPTION_KEY, N8N_LISTEN_ADDRESS, N8N_PORT,
 * N8N_PROTOCOL, N8N_HOST, N8N_EDITOR_BASE_URL, N8N_SECURE_COOKIE, N8N_METRICS, N8N_DIAGNOSTICS_ENABLED,
 * N8N_VERSION_NOTIFICATIONS_ENABLED, N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS, GENERIC_TIMEZONE,
 * N8N_SSO_MANAGED_BY_ENV, N8N_SSO_OIDC_CLIENT_ID/CLIENT_SECRET/DISCOVERY_ENDPOINT/LOGIN_ENABLED;
 * endpoints.config.js: health endpoint `/healthz`. test/apps/n8n.test.ts checks the rendered names
 * against that package; test/real/apps-n8n-run.test.ts against the installed one, running n8n.
 * n8n 2.41.1 dist/abstract-server.js: `/healthz` answers `{"status":"ok"}` as soon as the HTTP server
 * listens (before the database is connected and migrated, while every other path answers "n8n is
 * starting up"); `/healthz/readiness` answers 200 `{"status":"ok"}` only once connected, migrated and
 * fully started (503 before), so it is the health check.
 */
import type { AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import { lines, readScript, shellScript } from "../shell";
import type { AppModule, AppPlan } from "./module";

export const N8N_PORT = 5678;
export const N8N_DATA_DIR = "/var/lib/n8n";

/**
 * n8n 2.41.1 from the npm registry (`npm view n8n@2.41.1 dist.integrity dist.tarball`). Not the
 * `latest` 2.41.3: that one's dependency @n8n/config 2.39.1 (and others) could not be resolved from the
 * registry here, so its configuration could not be checked; 2.41.1's @n8n/config 2.39.0 could.
 */
export const N8N_RELEASE = {
  version: "2.41.1",
  tarball: "https://registry.npmjs.org/n8n/-/n8n-2.41.1.tgz",
  integrity: "sha512-WCNHyz9ouVw5DtqJ5ug9qUekguZh1DoOJ+w1OmbGikzcgty/Rq6T5dQSHoS6FOKSNM8KTvk0u9AcHtot6TTDwA==",
} as const;

/**
 * Node.js 24.11.1 linux-x64 from nodejs.org; sha256 as in that release's SHASUMS256.txt (a copy of which,
 * and pins of the same build in several public repositories, carry this value).
 */
export const NODE_RELEASE = {
  version: "24.11.1",
  url: "https://nodejs.org/dist/v24.11.1/node-v24.11.1-linux-x64.tar.xz",
  sha256: "60e3b0a8500819514aca603487c254298cd776de0698d3cd08f11dba5b8289a8",
} as const;

const INSTALL_SH = readScript(__dirname, "scripts/n8n-install.sh");

type N8nService = ResolvedService & { app: AppOf<"n8n"> };

const baseUrl = (s: N8nService) => `http://${s.ipv4}:${N8N_PORT}/`;

/** n8n's OIDC callback: its OidcController is `@RestController("/sso/oidc")` under the REST prefix `rest` with `@Get("/callback")` and `@Licensed("feat:oidc")` (n8n-io/n8n packages/cli/src/modules/sso-oidc/oidc.controller.ee.ts; N8N_ENDPOINT_REST default `rest`). */
export function n8nRedirectUri(base: string): string {
  return `${base.replace(/\/+$/, "")}/rest/sso/oidc/callback`;
}

/** The non-secret settings (systemd EnvironmentFile); the run-time values go to a root-only second file. */
export function renderN8nSettings(s: N8nService, site: Site): Array<[string, string]> {
  if (!s.dataMounts.some((d) => d.path === N8N_DATA_DIR)) throw new Error(`homelab: service "${s.name}": n8n needs a data mount at ${N8N_DATA_DIR} (its user folder)`);
  const sso = s.app.sso && s.app.licensed;
  return [
    // On the organisation's primary when the service owns a database there, else n8n's SQLite in its user folder.
    ["DB_TYPE", s.app.database ? "postgresdb" : "sqlite"],
    ["N8N_LISTEN_ADDRESS", s.ipv4!],
    ["N8N_PORT", String(N8N_PORT)],
    ["N8N_PROTOCOL", "http"],
    ["N8N_HOST", s.ipv4!],
    ["N8N_EDITOR_BASE_URL", baseUrl(s)],
    // Served over plain HTTP on the LAN: a Secure cookie would never be sent back.
    ["N8N_SECURE_COOKIE", "false"],
    ["N8N_METRICS", "true"],
    ["N8N_DIAGNOSTICS_ENABLED", "false"],
    ["N8N_VERSION_NOTIFICATIONS_ENABLED", "false"],
    ["N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS", "true"],
    ["GENERIC_TIMEZONE", site.inventory.timezone],
    ...(sso
      ? ([
          ["N8N_SSO_MANAGED_BY_ENV", "true"],
          ["N8N_SSO_OIDC_LOGIN_ENABLED", "true"],
          ["N8N_SSO_OIDC_CLIENT_ID", "n8n"],
        ] as Array<[string, string]>)
      : []),
  ];
}

/** The systemd unit (test/real/apps-n8n-run.test.ts starts n8n with its Environment= and ExecStart=). */
export function n8nUnit(): string {
  return lines(
    "# Managed by homelab (components/apps/n8n.ts).",
    "[Unit]",
    "Description=n8n",
    "After=network-online.target",
    "Wants=network-online.target",
    "[Service]",
    "Type=simple",
    "User=n8n",
    "Group=n8n",
    `WorkingDirectory=${N8N_DATA_DIR}`,
    `Environment=HOME=${N8N_DATA_DIR} NODE_ENV=production NODE_EXTRA_CA_CERTS=/etc/n8n/idp-ca.pem`,
    "EnvironmentFile=/etc/n8n/n8n.env",
    "EnvironmentFile=/etc/n8n/secrets.env",
    "ExecStart=/opt/node/bin/node /opt/n8n/node_modules/n8n/bin/n8n start",
    "Restart=always",
    "RestartSec=5",
    "[Install]",
    "WantedBy=multi-user.target",
  );
}

function plan(s: N8nService, site: Site): AppPlan {
  const settings = renderN8nSettings(s, site);
  const text = ["# Managed by homelab (components/apps/n8n.ts); run-time values are in /etc/n8n/secrets.env.", ...settings.map(([k, v]) => `${k}=${v}`), ""].join("\n");
  const health = { url: `http://${s.ipv4}:${N8N_PORT}/healthz/readiness`, expect: "ok" };
  const oidc = s.app.sso ? { clientId: "n8n", name: "n8n", redirectUris: [n8nRedirectUri(baseUrl(s))], launchUrl: baseUrl(s) } : undefined;
  const script = shellScript({
    title: `n8n ${s.name} (${site.name})`,
    source: "components/apps/n8n.ts",
    logTag: `n8n-${s.name}`,
    env: {
      NODE_URL: NODE_RELEASE.url,
      NODE_SHA256: NODE_RELEASE.sha256,
      NODE_VERSION: NODE_RELEASE.version,
      N8N_TARBALL: N8N_RELEASE.tarball,
      N8N_INTEGRITY: N8N_RELEASE.integrity,
      N8N_VERSION: N8N_RELEASE.version,
      DATA_DIR: N8N_DATA_DIR,
      SETTINGS_TEXT: text,
      UNIT_TEXT: n8nUnit(),
      HEALTH_URL: health.url,
      DB: !!s.app.database,
      OIDC: !!oidc,
      OIDC_LOGIN: !!oidc && s.app.licensed,
    },
    body: INSTALL_SH,
  });
  return {
    kind: "n8n",
    service: s.name,
    address: s.ipv4!,
    version: `${N8N_RELEASE.version} (node ${NODE_RELEASE.version})`,
    source: { type: "release", version: N8N_RELEASE.version, url: N8N_RELEASE.tarball, sha256: N8N_RELEASE.integrity },
    config: [{ path: "/etc/n8n/n8n.env", text }],
    dataPaths: [N8N_DATA_DIR],
    ports: [{ port: N8N_PORT, protocol: "tcp", description: "n8n editor, REST API and webhooks" }],
    health,
    backup: { paths: [N8N_DATA_DIR], localDatabases: [], preBackup: [] },
    oidc,
    database: s.app.database,
    metrics: [{ job: "n8n", port: N8N_PORT, scheme: "http", path: "/metrics" }],
    secrets: [{ env: "N8N_ENCRYPTION_KEY", length: 48, protect: true }],
    script,
  };
}

export const n8nModule: AppModule<"n8n"> = {
  kind: "n8n",
  installNote: "npm tarball of one version checked against the registry's dist.integrity, on a pinned Node.js release (n8n needs node >= 24, Debian 12 ships 18); an upgrade is a new pin",
  plan,
};
