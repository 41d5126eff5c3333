/**
 * Traefik v3 (ryzen9 LXC 1): the site's reverse proxy. The upstream release binary (pinned by sha256
 * when the inventory gives it), a static configuration with the entry points on the service address
 * (80 redirecting to 443; metrics and ping on 8082), and one file-provider dynamic configuration
 * generated from the inventory: a router, service and (unless the app logs in through OIDC itself)
 * authentik forward auth for every web route (webRoutes.ts), the dashboard behind forward auth, and
 * TLS from a certificate of the site's internal CA for `*.<domain>` (AppPlan.tls).
 *
 * Upstream facts (traefik/traefik v3.7.1, the release ryzen9 pins (decision 331); test/apps/traefik.test.ts
 * holds the rendered keys to them):
 * - pkg/config/static/static_config.go: top-level `global`, `entryPoints`, `providers`, `api`, `metrics`,
 *   `ping`, `log`, `accessLog`; API `dashboard`, `insecure`; Providers `file`.
 * - pkg/config/static/entrypoints.go: `address`, `http.redirections.entryPoint.{to,scheme,permanent}`,
 *   `http.tls`.
 * - pkg/provider/file/file.go: `directory`, `watch`, `filename`.
 * - pkg/observability/types/metrics.go: `metrics.prometheus.entryPoint`; logs.go `log.level`.
 * - pkg/ping/ping.go: `ping.entryPoint`; the handler writes http.StatusText(200), "OK".
 * - pkg/config/dynamic/http_config.go: routers (`rule`, `entryPoints`, `service`, `middlewares`, `tls`),
 *   services (`loadBalancer.servers[].url`, `loadBalancer.serversTransport`, `passHostHeader`),
 *   `serversTransports` (`insecureSkipVerify`, `rootCAs`); middlewares.go `forwardAuth` (`address`,
 *   `trustForwardHeader`, `authResponseHeaders`); pkg/tls/certificate.go `certFile`/`keyFile`,
 *   pkg/tls/tls.go `stores.default.defaultCertificate`.
 * - pkg/cli/loader_file.go: the static file is given with `--configfile`.
 * - The dashboard is the internal service `api@internal`.
 * - pkg/muxer/http/mux_test.go: v3 rules take double-quoted strings, `Host("example.com")` (no backticks,
 *   which shellcheck would flag inside the script's quoted environment block).
 */
import * as YAML from "yaml";
import type { AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import { readScript, shellScript } from "../shell";
import type { AppModule, AppPlan, AppSource } from "./module";
import { AUTHENTIK_FORWARD_AUTH_PATH, AUTHENTIK_HTTP_PORT, identityProviderOf, webRoutes } from "./webRoutes";

export const TRAEFIK_CONF = "/etc/traefik/traefik.yml";
export const TRAEFIK_DYNAMIC = "/etc/traefik/dynamic/homelab.yml";
export const TRAEFIK_TLS_DIR = "/etc/traefik/tls";
/** Entry point of Prometheus metrics and ping (open to monitoring). */
export const TRAEFIK_METRICS_PORT = 8082;
/** Headers authentik's outpost sets on an authenticated forward-auth answer (mode_common.go addHeaders). */
export const AUTHENTIK_RESPONSE_HEADERS = ["X-authentik-username", "X-authentik-groups", "X-authentik-email", "X-authentik-name", "X-authentik-uid"];
const INSTALL_SH = readScript(__dirname, "scripts/traefik-install.sh");

type TraefikService = ResolvedService & { app: AppOf<"traefik"> };

/** The static configuration (traefik.yml). */
export function traefikStatic(s: TraefikService): Record<string, unknown> {
  return {
    global: { checkNewVersion: false, sendAnonymousUsage: false },
    entryPoints: {
      web: { address: `${s.ipv4}:80`, http: { redirections: { entryPoint: { to: "websecure", scheme: "https", permanent: true } } } },
      websecure: { address: `${s.ipv4}:443`, http: { tls: {} } },
      metrics: { address: `${s.ipv4}:${TRAEFIK_METRICS_PORT}` },
    },
    providers: { file: { directory: "/etc/traefik/dynamic", watch: true } },
    api: { dashboard: true, insecure: false },
    ping: { entryPoint: "metrics" },
    metrics: { prometheus: { entryPoint: "metrics" } },
    log: { level: "INFO" },
    accessLog: {},
  };
}

/** The dynamic configuration (file provider): every web route, the dashboard, forward auth, TLS. */
export function traefikDynamic(s: TraefikService, site: Site): Record<string, unknown> {
  const domain = site.inventory.dns.domain;
  const idp = identityProviderOf(site);
  const routes = webRoutes(site);
  const routers: Record<string, unknown> = {};
  const services: Record<string, unknown> = {};
  const auth = idp ? ["authentik"] : [];
  for (const r of routes) {
    routers[r.name] = { rule: `Host("${r.host}")`, entryPoints: ["websecure"], service: r.name, ...(r.forwardAuth ? { middlewares: auth } : {}), tls: {} };
    services[r.name] = {
      loadBalancer: {
        servers: [{ url: `${r.scheme}://${r.address}:${r.port}` }],
        passHostHeader: true,
        ...(r.scheme === "https" ? { serversTransport: r.internalCa ? "internal-ca" : "unverified" } : {}),
      },
    };
  }
  routers.dashboard = { rule: `Host("${s.name}.${domain}")`, entryPoints: ["websecure"], service: "api@internal", middlewares: auth, tls: {} };
  const cert = { certFile: `${TRAEFIK_TLS_DIR}/cert.pem`, keyFile: `${TRAEFIK_TLS_DIR}/key.pem` };
  return {
    http: {
      routers,
      services,
      ...(idp
        ? {
            middlewares: {
              authentik: {
                forwardAuth: {
                  address: `http://${idp.ipv4}:${AUTHENTIK_HTTP_PORT}${AUTHENTIK_FORWARD_AUTH_PATH}`,
                  trustForwardHeader: true,
                  authResponseHeaders: AUTHENTIK_RESPONSE_HEADERS,
                },
              },
            },
          }
        : {}),
      serversTransports: {
        "internal-ca": { rootCAs: [`${TRAEFIK_TLS_DIR}/ca.pem`] },
        unverified: { insecureSkipVerify: true },
      },
    },
    tls: { certificates: [cert], stores: { default: { defaultCertificate: cert } } },
  };
}

const yaml = (header: string, o: unknown) => `# ${header}\n${YAML.stringify(o, { lineWidth: 0 })}`;

function source(s: TraefikService): AppSource {
  const r = s.app.release;
  if (!r) return { type: "unpinned", package: "traefik", hint: `set app.release of service "${s.name}" to the traefik_v3.x.y_linux_amd64.tar.gz of one release and its sha256 from that release's checksums file` };
  return { type: "release", version: r.version, url: r.url, sha256: r.sha256 };
}

function plan(s: TraefikService, site: Site): AppPlan {
  if (!identityProviderOf(site)) throw new Error(`homelab: service "${s.name}": Traefik protects its dashboard and routes with the site's identity provider; the site runs none`);
  const src = source(s);
  const staticText = yaml("Managed by homelab (components/apps/traefik.ts): Traefik static configuration.", traefikStatic(s));
  const dynamicText = yaml("Managed by homelab (components/apps/traefik.ts): routes derived from the inventory (webRoutes.ts).", traefikDynamic(s, site));
  const health = { url: `http://${s.ipv4}:${TRAEFIK_METRICS_PORT}/ping`, expect: "OK" };
  const domain = site.inventory.dns.domain;
  const script = shellScript({
    title: `Traefik ${s.name} (${site.name})`,
    source: "components/apps/traefik.ts",
    logTag: `traefik-${s.name}`,
    env: {
      TRAEFIK_URL: src.type === "release" ? src.url : "",
      TRAEFIK_SHA256: src.type === "release" ? src.sha256 : "",
      TRAEFIK_HINT: src.type === "unpinned" ? src.hint : "",
      TRAEFIK_BIN: "/usr/local/bin/traefik",
      CONF: TRAEFIK_CONF,
      CONF_TEXT: staticText,
      DYNAMIC: TRAEFIK_DYNAMIC,
      DYNAMIC_TEXT: dynamicText,
      TLS_DIR: TRAEFIK_TLS_DIR,
      HEALTH_URL: health.url,
      HEALTH_EXPECT: health.expect,
      HEALTH_TIMEOUT: 120,
    },
    body: INSTALL_SH,
  });
  return {
    kind: "traefik",
    service: s.name,
    address: s.ipv4!,
    version: src.type === "release" ? src.version : "unpinned",
    source: src,
    config: [
      { path: TRAEFIK_CONF, text: staticText },
      { path: TRAEFIK_DYNAMIC, text: dynamicText },
    ],
    dataPaths: [],
    ports: [
      { port: 80, protocol: "tcp", description: "HTTP (redirects to HTTPS)" },
      { port: 443, protocol: "tcp", description: "HTTPS to every web route" },
      { port: TRAEFIK_METRICS_PORT, protocol: "tcp", description: "Prometheus metrics and ping" },
    ],
    health,
    backup: { paths: ["/etc/traefik"], localDatabases: [], preBackup: [] },
    metrics: [{ job: "traefik", port: TRAEFIK_METRICS_PORT, scheme: "http", path: "/metrics" }],
    secrets: [],
    tls: { hostname: s.name, domain, ips: [s.ipv4!], extraDnsNames: [`*.${domain}`] },
    script,
  };
}

export const traefikModule: AppModule<"traefik"> = {
  kind: "traefik",
  installNote: "the upstream release binary (Traefik is not in Debian 12), checked by the sha256 of its release's checksums file when the inventory gives it; a file-provider configuration generated from the inventory",
  plan,
};
