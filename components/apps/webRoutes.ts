/**
 * The site's web routes, derived from the inventory (never listed by hand): every TCP port of an
 * active guest whose `from` names the site's reverse proxy (the service whose app is `traefik`) is a
 * web backend (a port open to a whole network the proxy sits in is not), published by the proxy as `https://<name>.<dns.domain>/`. The first such port of a service
 * is named after the service, further ones `<service>-<port>`. A route is gated by the identity
 * provider's forward auth unless the app logs in through OIDC itself. The proxy (traefik.ts) renders a
 * router, service and middleware per route; the DNS server (AdGuard Home) rewrites every route's name
 * to the proxy; the identity provider's blueprint holds the one domain-level forward-auth provider the
 * gate asks (`forwardAuthDomain`). Adding a service with a port open to the proxy gives it a route, a
 * name and an SSO gate.
 */
import { TLS_SERVER_APPS } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";

/** authentik's HTTP listener, which also serves the embedded outpost (`/outpost.goauthentik.io/…`). */
export const AUTHENTIK_HTTP_PORT = 9000;
/**
 * The embedded outpost's Traefik forward-auth endpoint (goauthentik/authentik
 * internal/outpost/proxyv2/application/mode_forward.go: `a.mux.HandleFunc("/outpost.goauthentik.io/auth/traefik", …)`).
 */
export const AUTHENTIK_FORWARD_AUTH_PATH = "/outpost.goauthentik.io/auth/traefik";
/** Backend ports that speak TLS themselves (appliances' and self-hosted panels' HTTPS ports). */
const HTTPS_PORTS = new Set([443, 5001, 8443, 9443]);
/** The identity provider and the mesh coordinator log users in themselves (no forward auth in front of them). */
const OWN_LOGIN: readonly string[] = ["identity-provider", "mesh-coordinator"];

/** Grafana's HTTP port (components/monitoring/render/grafana.ts GRAFANA_PORT; kept here to avoid an import cycle). */
const GRAFANA_HTTP_PORT = 3000;

/**
 * Whether `port` of `s` (any port when omitted) logs users in through its own OIDC client: its app has
 * the `sso` setting switched on (the apps whose modules declare `AppPlan.oidc`, components/apps/oidc.ts),
 * it is one of OWN_LOGIN, or it is Grafana's port of a Prometheus guest that runs Grafana with `sso`
 * (app `prometheus`, setting `grafana`); Prometheus's other ports stay behind forward auth. A port marked
 * `ownLogin` in the inventory (companion apps, API clients, webhooks) is never gated (decision 392).
 */
export function hasOwnLogin(s: ResolvedService, port?: number): boolean {
  if (port !== undefined && s.firewall.some((f) => f.port === port && f.protocol === "tcp" && f.ownLogin === true)) return true;
  const app = s.app as { kind: string; sso?: boolean; grafana?: { sso?: boolean } } | undefined;
  if (!app) return false;
  if (app.kind === "prometheus") return app.grafana?.sso === true && port === GRAFANA_HTTP_PORT;
  return OWN_LOGIN.includes(app.kind) || app.sso === true;
}

export interface WebRoute {
  /** Router and service name; the host's first label. */
  name: string;
  /** `<name>.<domain>`. */
  host: string;
  /** The backend service. */
  service: string;
  address: string;
  port: number;
  description: string;
  /** Backend scheme: https for TLS_SERVER_APPS and the usual HTTPS ports, else http. */
  scheme: "http" | "https";
  /** The backend's certificate is from the site's internal CA (verified); other https backends are not. */
  internalCa: boolean;
  /** Gate through the identity provider's forward auth. */
  forwardAuth: boolean;
}

/** The site's reverse proxy (active service with app `traefik`), if any. */
export function reverseProxyOf(site: Site): ResolvedService | undefined {
  return site.services.find((s) => s.app?.kind === "traefik" && !!s.ipv4);
}

/** The identity provider of the site (forward auth), if active. */
export function identityProviderOf(site: Site): ResolvedService | undefined {
  return site.services.find((s) => s.app?.kind === "identity-provider" && !!s.ipv4);
}

/** Every web route of `site` (empty without a reverse proxy), in inventory order. */
export function webRoutes(site: Site): WebRoute[] {
  const proxy = reverseProxyOf(site);
  if (!proxy) return [];
  const idp = identityProviderOf(site);
  const domain = site.inventory.dns.domain;
  const out: WebRoute[] = [];
  for (const s of site.services) {
    if (s === proxy || (s.kind !== "lxc" && s.kind !== "vm") || !s.ipv4) continue;
    const kind = s.app?.kind ?? "";
    const ports = s.firewall.filter((f, j) => f.protocol === "tcp" && (s.ports[j]?.from ?? []).includes(proxy.name));
    // The identity provider's HTTP port is the forward-auth outpost, not a page of its own.
    const web = ports.filter((f) => !(kind === "identity-provider" && f.port === AUTHENTIK_HTTP_PORT));
    web.forEach((f, i) => {
      const name = i === 0 ? s.name : `${s.name}-${f.port}`;
      const tlsApp = (TLS_SERVER_APPS as readonly string[]).includes(kind);
      out.push({
        name,
        host: `${name}.${domain}`,
        service: s.name,
        address: s.ipv4!,
        port: f.port,
        description: f.description ?? "",
        scheme: tlsApp || HTTPS_PORTS.has(f.port) ? "https" : "http",
        internalCa: tlsApp,
        forwardAuth: !!idp && !hasOwnLogin(s, f.port),
      });
    });
  }
  return out;
}

/**
 * The identity provider's domain-level forward auth for the site's reverse proxy (authentik's proxy
 * provider in mode `forward_domain`, components/mesh/render/authentikBlueprint.ts): the sign-in flow on
 * authentik's own route through the proxy, the session cookie on the site's DNS domain. Undefined
 * without a reverse proxy or an identity provider in the site. The proxy always gates its dashboard, so
 * a site with both needs it; authentik's HTTPS port must be a route (open to the proxy).
 */
export function forwardAuthDomain(site: Site): { externalHost: string; cookieDomain: string } | undefined {
  const idp = identityProviderOf(site);
  if (!idp || !reverseProxyOf(site)) return undefined;
  const route = webRoutes(site).find((r) => r.service === idp.name);
  if (!route) throw new Error(`homelab: site "${site.name}": services[${idp.name}].ports: forward auth signs in on authentik's own route; open its HTTPS port to the reverse proxy (from: [${reverseProxyOf(site)!.name}])`);
  return { externalHost: `https://${route.host}`, cookieDomain: site.inventory.dns.domain };
}
