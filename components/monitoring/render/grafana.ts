/**
 * Grafana on its guest, the pinned `grafana` package of Grafana's apt repository (Debian 12 has no
 * grafana package; decision 380): grafana.ini,
 * the provisioned Prometheus datasource and the dashboards provider (Grafana's provisioning file
 * formats: conf/provisioning/{datasources,dashboards}/sample.yaml; decision 381), and the
 * four dashboards in components/monitoring/dashboards/*.json.
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { lines } from "../../shell";
import type { AppOidc } from "../../apps/module";
import type { ResolvedService, Site } from "../../inventory/load";
import { webRoutes } from "../../apps/webRoutes";

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
  /** authentik base URL Grafana itself calls (token, userinfo), e.g. https://192.0.2.30:9443 */
  authentikUrl: string;
  /** authentik base URL the browser is sent to (authorize, end-session). Default `authentikUrl`. */
  authentikBrowserUrl?: string;
  /** authentik application slug. */
  slug: string;
  clientId: string;
}

/** Grafana's HTTP port and the root URL grafana.ini states for a guest address. */
export const GRAFANA_PORT = 3000;
export const grafanaRootUrl = (address: string) => `http://${address}:${GRAFANA_PORT}/`;

/**
 * Grafana's settings when `s` runs it: a `grafana` guest, or a Prometheus guest whose app has the
 * `grafana` setting (Grafana beside Prometheus, seed 002 LXC 9). Undefined otherwise.
 */
export function grafanaSettingsOf(s: ResolvedService): { sso: boolean; version: string } | undefined {
  if (s.app?.kind === "grafana") return { sso: s.app.sso, version: s.app.version };
  if (s.app?.kind === "prometheus" && s.app.grafana) return { sso: s.app.grafana.sso, version: s.app.grafana.version };
  return undefined;
}

/** The site's Grafana (an active guest with an address): its `grafana` guest, else a Prometheus guest that runs Grafana. */
export function grafanaServiceOf(site: Site): ResolvedService | undefined {
  const on = site.services.filter((s) => !!s.ipv4 && !!grafanaSettingsOf(s));
  return on.find((s) => s.app?.kind === "grafana") ?? on[0];
}

/**
 * Grafana's root URL (what the browser uses, grafana.ini `root_url`): its route through the site's
 * reverse proxy when its port is one (components/apps/webRoutes.ts), else `http://<address>:3000/`.
 */
export function grafanaRootUrlOf(s: ResolvedService, site?: Site): string {
  const route = site ? webRoutes(site).find((r) => r.service === s.name && r.port === GRAFANA_PORT) : undefined;
  return route ? `https://${route.host}/` : grafanaRootUrl(s.ipv4!);
}

/**
 * Grafana's OIDC client, declared like an app module's (`AppOidc`; components/apps/oidc.ts feeds it
 * to the authentik blueprint): client id and slug `grafana`, redirect URI `<root_url>login/generic_oauth`
 * (Grafana's OAuth login route `/login/:name` serves the callback, name `generic_oauth`). None when
 * Grafana's `sso` is off, the service runs no Grafana or has no address.
 */
export function grafanaOidc(s: ResolvedService, site?: Site): AppOidc | undefined {
  if (!grafanaSettingsOf(s)?.sso || !s.ipv4) return undefined;
  const root = grafanaRootUrlOf(s, site);
  return { clientId: "grafana", name: "Grafana", redirectUris: [`${root}login/generic_oauth`], launchUrl: root };
}

/**
 * grafana.ini (only what differs from the package's defaults). Every key is one of grafana/grafana
 * conf/defaults.ini (sections [server], [paths], [analytics], [users], [auth], [auth.generic_oauth];
 * decision 381 says which versions of that file were read);
 * `signout_redirect_url` is an [auth] key there, not a generic_oauth one. The client secret is never in
 * this text: Grafana reads it from GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET (its GF_<SECTION>_<KEY>
 * override) in the root-only /etc/grafana/homelab.env.
 */
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
          `signout_redirect_url = ${o.authentikBrowserUrl ?? o.authentikUrl}/application/o/${o.slug}/end-session/`,
          "[auth.generic_oauth]",
          "enabled = true",
          "name = authentik",
          `client_id = ${o.clientId}`,
          "scopes = openid profile email",
          `auth_url = ${o.authentikBrowserUrl ?? o.authentikUrl}/application/o/authorize/`,
          `token_url = ${o.authentikUrl}/application/o/token/`,
          `api_url = ${o.authentikUrl}/application/o/userinfo/`,
          "use_pkce = true",
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
