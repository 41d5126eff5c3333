/**
 * Grafana on its guest, from a pinned upstream .deb (Debian 12 has no grafana package): grafana.ini,
 * the provisioned Prometheus datasource and the dashboards provider (Grafana's provisioning file
 * formats: conf/provisioning/{datasources,dashboards}/sample.yaml at the pinned release), and the
 * four dashboards in components/monitoring/dashboards/*.json.
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { lines } from "../../shell";

export const DASHBOARD_DIR = path.join(__dirname, "..", "dashboards");
/** Dashboard files (Infrastructure, Backups, Database, Network). */
export const DASHBOARDS = ["infrastructure.json", "backups.json", "database.json", "network.json"] as const;

/** The dashboards as committed (JSON text). */
export function dashboards(): Record<string, string> {
  return Object.fromEntries(DASHBOARDS.map((f) => [f, fs.readFileSync(path.join(DASHBOARD_DIR, f), "utf8")]));
}

/** Every PromQL expression of a dashboard's panels (`targets[].expr`). */
export function dashboardExprs(json: string): Array<{ panel: string; expr: string }> {
  const d = JSON.parse(json) as { panels?: Array<{ title?: string; targets?: Array<{ expr?: string }> }> };
  return (d.panels ?? []).flatMap((p) => (p.targets ?? []).filter((t) => t.expr).map((t) => ({ panel: p.title ?? "", expr: t.expr! })));
}

/** Login through the organisation's authentik (generic OAuth; the client secret arrives as GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET). */
export interface GrafanaOidc {
  /** authentik base URL, e.g. https://192.0.2.30:9443 */
  authentikUrl: string;
  /** authentik application slug. */
  slug: string;
  clientId: string;
}

/** grafana.ini (only what differs from the package's defaults). */
export function renderGrafanaIni(a: { domain: string; rootUrl: string; dataDir: string; oidc?: GrafanaOidc }): string {
  const o = a.oidc;
  return lines(
    "# Managed by homelab (components/monitoring/render/grafana.ts).",
    "[server]",
    "http_port = 3000",
    `domain = ${a.domain}`,
    `root_url = ${a.rootUrl}`,
    "[paths]",
    `data = ${a.dataDir}`,
    "provisioning = /etc/grafana/provisioning",
    "[analytics]",
    "reporting_enabled = false",
    "check_for_updates = false",
    "[users]",
    "allow_sign_up = false",
    ...(o
      ? [
          "[auth]",
          "oauth_auto_login = false",
          "[auth.generic_oauth]",
          "enabled = true",
          "name = authentik",
          `client_id = ${o.clientId}`,
          "scopes = openid profile email",
          `auth_url = ${o.authentikUrl}/application/o/authorize/`,
          `token_url = ${o.authentikUrl}/application/o/token/`,
          `api_url = ${o.authentikUrl}/application/o/userinfo/`,
          `signout_redirect_url = ${o.authentikUrl}/application/o/${o.slug}/end-session/`,
          "role_attribute_path = contains(groups[*], 'Grafana Admins') && 'Admin' || 'Viewer'",
          "tls_client_ca = /etc/grafana/homelab-ca.pem",
        ]
      : []),
  );
}

/**
 * The provisioned datasources: Prometheus (uid `prometheus`, which every dashboard panel names) and,
 * when the organisation runs Loki, Loki (uid `loki`, type `loki`; decision 232).
 */
export function renderGrafanaDatasource(a: { prometheusUrl: string; lokiUrl?: string }): string {
  return (
    "# Managed by homelab (components/monitoring/render/grafana.ts).\n" +
    stringify({
      apiVersion: 1,
      datasources: [
        { name: "Prometheus", uid: "prometheus", type: "prometheus", access: "proxy", url: a.prometheusUrl, isDefault: true, editable: false, jsonData: { timeInterval: "30s" } },
        // Plugin id `loki` (grafana/grafana public/app/plugins/datasource/loki/plugin.json).
        ...(a.lokiUrl ? [{ name: "Loki", uid: "loki", type: "loki", access: "proxy", url: a.lokiUrl, isDefault: false, editable: false }] : []),
      ],
    })
  );
}

/** The dashboards provider: the JSON files under /var/lib/grafana/dashboards/homelab, read-only in the UI. */
export function renderGrafanaDashboardProvider(dir = "/etc/grafana/dashboards/homelab"): string {
  return (
    "# Managed by homelab (components/monitoring/render/grafana.ts).\n" +
    stringify({ apiVersion: 1, providers: [{ name: "homelab", folder: "homelab", type: "file", disableDeletion: true, allowUiUpdates: false, options: { path: dir } }] })
  );
}
