/**
 * The organisation's OIDC clients, derived: every active guest whose app declares an `oidc` client —
 * an app module's plan (`AppPlan.oidc`), or a declaration of a service another tier installs (Grafana,
 * components/monitoring/render/grafana.ts `grafanaOidc`) — gets one provider + application in the
 * identity provider's blueprint, rendered the same way for all (components/mesh/render/authentikBlueprint.ts).
 * Pure: the run-time half (issuer, client secret, CA on stdin) is components/apps/oidcRuntime.ts.
 */
import type { ResolvedService, Site } from "../inventory/load";
import { placementOf } from "../inventory/org";
import { authentikIssuer, authentikListenerPorts } from "../mesh/render/authentik";
import { grafanaOidc } from "../monitoring/render/grafana";
import type { AppOidc } from "./module";
import { appPlanOf } from "./registry";
import { webRoutes } from "./webRoutes";

/** Services that declare a client without being an app module (their tier installs them). */
const DECLARED_CLIENTS: ReadonlyArray<(s: ResolvedService, site: Site) => AppOidc | undefined> = [grafanaOidc];

/** One client of the organisation's identity provider. */
export interface OidcClient {
  site: Site;
  service: ResolvedService;
  oidc: AppOidc;
}

/** The client `service` declares, if any (its module's plan first). */
export function oidcOf(service: ResolvedService, site: Site): AppOidc | undefined {
  if ((service.kind !== "lxc" && service.kind !== "vm") || !service.ipv4) return undefined;
  return appPlanOf(service, site)?.oidc ?? DECLARED_CLIENTS.map((f) => f(service, site)).find((o) => o);
}

/** Every OIDC client of the organisation (none without an active identity provider), by client id. */
export function oidcClients(org: readonly Site[]): OidcClient[] {
  if (!placementOf(org, "identity-provider")) return [];
  const out: OidcClient[] = [];
  for (const site of org) {
    for (const service of site.services) {
      const oidc = oidcOf(service, site);
      if (oidc) out.push({ site, service, oidc });
    }
  }
  return out.sort((a, b) => a.oidc.clientId.localeCompare(b.oidc.clientId));
}

/**
 * Base URL of the organisation's identity provider: authentik's HTTPS listener on its guest's address
 * (components/mesh/authentik.ts `Authentik.url`); undefined without an active one.
 */
export function identityProviderUrl(org: readonly Site[]): string | undefined {
  const idp = placementOf(org, "identity-provider");
  return idp?.service.ipv4 ? `https://${idp.service.ipv4}:${authentikListenerPorts("server")[1]}` : undefined;
}

/**
 * Base URL the browser reaches the identity provider at: its route through its site's reverse proxy
 * (components/apps/webRoutes.ts) when its HTTPS port is one, else {@link identityProviderUrl}.
 */
export function identityProviderBrowserUrl(org: readonly Site[]): string | undefined {
  const idp = placementOf(org, "identity-provider");
  const route = idp ? webRoutes(idp.site).find((r) => r.service === idp.service.name) : undefined;
  return route ? `https://${route.host}` : identityProviderUrl(org);
}

/**
 * The issuer of client `clientId`: authentik's per-provider issuer `https://<idp>/application/o/<slug>/`
 * (goauthentik/authentik authentik/providers/oauth2/models.py `get_issuer`: issuer_mode per_provider →
 * reverse("authentik_providers_oauth2:provider-root", application_slug); urls.py `<slug:application_slug>/`
 * under the app's mountpoint `application/o/`). The blueprint sets issuer_mode per_provider and slug = client id.
 */
export function oidcIssuer(org: readonly Site[], clientId: string): string | undefined {
  const url = identityProviderUrl(org);
  return url ? authentikIssuer(url, clientId).issuer : undefined;
}
