/**
 * The site's reverse proxy (orion LXC 1007; decision 184): Debian's Caddy with a Caddyfile rendered from
 * the inventory — one HTTPS site `<service>.<domain>` per web app of the site that admits the proxy on
 * its port, TLS with a certificate of the organisation's internal CA (issued by the apps tier and given
 * on stdin), a plain-HTTP health site and a Prometheus metrics site on the proxy's own address. The
 * router's DNS answers those names with the proxy's address (components/router/render/model.ts).
 *
 * Upstream facts (caddyserver/caddy v2.6.2, Debian bookworm's caddy 2.6.2-5):
 * - Debian's caddy.service runs `caddy run --environ --config /etc/caddy/Caddyfile` as user caddy with
 *   CAP_NET_BIND_SERVICE; `caddy validate --config F --adapter caddyfile` checks a config.
 * - Caddyfile: global options `admin`, `default_bind`; the `tls <cert_file> <key_file>` directive uses
 *   those files and obtains nothing; `reverse_proxy <upstream>` (WebSocket upgrades included);
 *   `respond <matcher> <body> <status>`; `metrics <matcher>` serves the Prometheus exposition;
 *   a site address `http://host:port` serves plain HTTP; HTTPS sites get an HTTP→HTTPS redirect.
 */
import type { AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import { allowedBy } from "../inventory/org";
import { readScript, shellScript } from "../shell";
import type { AppModule, AppPlan } from "./module";

/** App kinds that serve a web UI or HTTP API worth a TLS name (the first non-SSH tcp port that admits the proxy). */
export const WEB_APP_KINDS: readonly string[] = ["appflowy", "flowise", "gitea", "grafana", "heimdall", "litellm", "n8n", "netbox", "nocodb", "open-webui", "paperless", "uptime-kuma", "vaultwarden", "wikijs"];
export const PROXY_METRICS_PORT = 9180;
const CADDYFILE = "/etc/caddy/Caddyfile";
const TLS_DIR = "/etc/caddy/tls";
const INSTALL_SH = readScript(__dirname, "scripts/caddy-install.sh");

/** One HTTPS name of the proxy and where it goes. */
export interface WebRoute {
  service: string;
  fqdn: string;
  upstream: string;
}

type ProxyService = ResolvedService & { app: AppOf<"reverse-proxy"> };

/** The site's active reverse proxy, if any. */
export function siteProxy(site: Site): ResolvedService | undefined {
  return site.services.find((s) => s.app?.kind === "reverse-proxy" && s.ipv4);
}

/** The routes of the site's reverse proxy, derived from the apps and their ports (sorted by name). */
export function webRoutes(site: Site): WebRoute[] {
  const proxy = siteProxy(site);
  const domain = site.inventory.dns?.domain;
  if (!proxy || !domain) return [];
  const out: WebRoute[] = [];
  for (const s of site.services) {
    if (s === proxy || !s.ipv4 || !s.app || !WEB_APP_KINDS.includes(s.app.kind)) continue;
    const port = s.firewall.find((f) => f.protocol === "tcp" && f.port !== 22 && allowedBy(f.sources, proxy.ipv4!));
    if (port) out.push({ service: s.name, fqdn: `${s.name}.${domain}`, upstream: `${s.ipv4}:${port.port}` });
  }
  return out.sort((a, b) => a.fqdn.localeCompare(b.fqdn));
}

/** The Caddyfile (no secrets: the key file is written from stdin). */
export function renderCaddyfile(proxy: ResolvedService, routes: readonly WebRoute[]): string {
  const tab = (ls: string[]) => ls.map((l) => `\t${l}`);
  return [
    `# Managed by homelab (components/apps/reverseProxy.ts): the web apps of the site behind TLS.`,
    "{",
    ...tab(["admin localhost:2019", `default_bind ${proxy.ipv4}`]),
    "}",
    ...routes.flatMap((r) => ["", `${r.fqdn} {`, ...tab([`tls ${TLS_DIR}/cert.pem ${TLS_DIR}/key.pem`, `reverse_proxy ${r.upstream}`]), "}"]),
    "",
    `http://${proxy.ipv4}:80 {`,
    ...tab(['respond /healthz "ok" 200', 'respond 404']),
    "}",
    "",
    `http://${proxy.ipv4}:${PROXY_METRICS_PORT} {`,
    ...tab(["metrics /metrics"]),
    "}",
    "",
  ].join("\n");
}

function plan(s: ProxyService, site: Site): AppPlan {
  const routes = webRoutes(site);
  const caddyfile = renderCaddyfile(s, routes);
  const health = { url: `http://${s.ipv4}/healthz`, expect: "ok" };
  const script = shellScript({
    title: `Caddy reverse proxy ${s.name} (${site.name})`,
    source: "components/apps/reverseProxy.ts",
    logTag: `caddy-${s.name}`,
    env: { CADDYFILE, CADDYFILE_TEXT: caddyfile, TLS_DIR, HEALTH_URL: health.url, HEALTH_EXPECT: health.expect, HEALTH_TIMEOUT: 60 },
    body: INSTALL_SH,
  });
  return {
    kind: "reverse-proxy",
    service: s.name,
    address: s.ipv4!,
    version: "debian",
    source: { type: "apt", package: "caddy" },
    config: [{ path: CADDYFILE, text: caddyfile }],
    dataPaths: [],
    ports: [
      { port: 80, protocol: "tcp", description: "HTTP (redirects, health)" },
      { port: 443, protocol: "tcp", description: "HTTPS" },
      { port: PROXY_METRICS_PORT, protocol: "tcp", description: "Caddy metrics" },
    ],
    health,
    // The Caddyfile is rendered and the certificate re-issued from the stack: nothing to back up.
    backup: { paths: [], localDatabases: [], preBackup: [] },
    // AppInstall gives the chain and key as TLS_CERT_PEM and TLS_KEY_PEM (module.ts AppTls).
    ...(site.inventory.dns?.domain ? { tls: { hostname: s.name, domain: site.inventory.dns.domain, ips: [s.ipv4!], extraDnsNames: routes.map((r) => r.fqdn) } } : {}),
    metrics: [{ job: "caddy", port: PROXY_METRICS_PORT, scheme: "http", path: "/metrics" }],
    secrets: [],
    script,
  };
}

export const reverseProxyModule: AppModule<"reverse-proxy"> = {
  kind: "reverse-proxy",
  installNote: "Debian's caddy package with a Caddyfile rendered from the inventory (Nginx Proxy Manager keeps its routes in its own database, edited in a UI)",
  plan,
};
