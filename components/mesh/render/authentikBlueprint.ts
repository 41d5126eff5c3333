/**
 * The authentik blueprint (version 1) with every OIDC provider/application of the homelab, the site's
 * forward-auth proxy provider for its reverse proxy (when it has one), and the redirect/issuer URL
 * helpers. Secrets are `!Env` references resolved by authentik at run time.
 */

/** authentik release these renderers were verified against (image tag and blueprint header). */
export const AUTHENTIK_VERSION = "2026.5.6";

/** A YAML node with an authentik custom tag (!Find, !KeyOf, !Env). */
export class Tagged {
  constructor(
    public readonly tag: "!Find" | "!KeyOf" | "!Env",
    public readonly value: string | YamlValue[],
  ) {}
}
export type YamlValue = string | number | boolean | null | Tagged | YamlValue[] | { [k: string]: YamlValue };

const find = (model: string, field: string, value: string) => new Tagged("!Find", [model, [field, value]]);
const keyOf = (id: string) => new Tagged("!KeyOf", id);
const env = (name: string) => new Tagged("!Env", name);

function scalar(v: string | number | boolean | null): string {
  if (v === null) return "null";
  if (typeof v === "string") return JSON.stringify(v);
  return String(v);
}

function flow(v: YamlValue): string {
  if (v instanceof Tagged) return `${v.tag} ${typeof v.value === "string" ? scalar(v.value) : flow(v.value)}`;
  if (Array.isArray(v)) return `[${v.map(flow).join(", ")}]`;
  if (v !== null && typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${flow(x)}`).join(", ")}}`;
  return scalar(v);
}

function block(v: YamlValue, indent: number): string {
  const pad = " ".repeat(indent);
  if (Array.isArray(v)) {
    if (v.length === 0) return " []";
    return v
      .map((item) => {
        if (item !== null && typeof item === "object" && !Array.isArray(item) && !(item instanceof Tagged)) {
          const inner = block(item, indent + 2).replace(/^\n/, "");
          return `\n${pad}- ${inner.slice(indent + 2)}`;
        }
        return `\n${pad}- ${flow(item)}`;
      })
      .join("");
  }
  if (v !== null && typeof v === "object" && !(v instanceof Tagged)) {
    return Object.entries(v)
      .map(([k, x]) => {
        const complex = x !== null && typeof x === "object" && !(x instanceof Tagged) && (Array.isArray(x) ? x.length > 0 : Object.keys(x).length > 0);
        return `\n${pad}${k}:${complex ? block(x, indent + 2) : " " + flow(x)}`;
      })
      .join("");
  }
  return " " + flow(v);
}

export interface OidcRedirect {
  url: string;
  matching_mode: "strict" | "regex";
}

export interface BlueprintArgs {
  /** authentik public base URL, e.g. "https://auth.bo.home.arpa". */
  authentikUrl: string;
  netbird: {
    /** Application slug; also the issuer path segment. Default "netbird". */
    slug?: string;
    /** Public client id (shared with NetBird management.json). */
    clientId: string;
    /** Dashboard origin, e.g. "https://netbird.bo.home.arpa"; adds /nb-auth and /nb-silent-auth. */
    dashboardOrigin?: string;
    /** CLI PKCE loopback URLs (exactly as in management.json PKCE RedirectURLs). */
    cliRedirectUrls: string[];
    /** Service account used by NetBird's IdP manager, and the env var holding its app password. */
    serviceAccount: string;
    serviceAccountPasswordEnv: string;
  };
  /** Keypair name to serve as the default brand's web certificate (see AuthentikArgs.tls). */
  webCertificate?: string;
  /**
   * Confidential OIDC clients of the organisation's apps, one provider + application each, all rendered
   * the same way (components/apps/oidc.ts derives them from the app plans; no app has its own block).
   */
  clients?: BlueprintClient[];
  /**
   * Forward auth for the site's reverse proxy (components/apps/webRoutes.ts `forwardAuthDomain`): one
   * domain-level proxy provider, its application, and the embedded outpost serving it. Default none.
   */
  forwardAuth?: ForwardAuth;
}

/**
 * Domain-level forward auth (proxy provider mode `forward_domain`): one login for every gated route
 * under `cookieDomain`, with the sign-in flow on `externalHost` (authentik's own route through the proxy).
 */
export interface ForwardAuth {
  /** Browser URL of authentik behind the reverse proxy, e.g. "https://authentik.homelab.internal". */
  externalHost: string;
  /** Domain the session cookie is set for (the site's `dns.domain`). */
  cookieDomain: string;
}

/** One confidential OIDC client (an app's `AppOidc`) and the env var that holds its secret in authentik's environment. */
export interface BlueprintClient {
  /** Client id; also the application slug and the issuer path segment. */
  clientId: string;
  /** Application (and provider) name shown by authentik. */
  name: string;
  redirectUris: string[];
  launchUrl: string;
  /** Env var the blueprint's `!Env` reads the client secret from. */
  clientSecretEnv: string;
}

/** Paperless-ngx (django-allauth openid_connect): <base>/accounts/oidc/<provider_id>/login/callback/ (for its module's `oidc.redirectUris`). */
export function paperlessRedirectUri(baseUrl: string, providerId: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/accounts/oidc/${encodeURIComponent(providerId)}/login/callback/`;
}

/** OIDC issuer / discovery URLs for an authentik application slug. */
export function authentikIssuer(authentikUrl: string, slug: string): { issuer: string; discovery: string } {
  const issuer = `${authentikUrl.replace(/\/+$/, "")}/application/o/${slug}/`;
  return { issuer, discovery: `${issuer}.well-known/openid-configuration` };
}

/** The env var holding client `clientId`'s secret in authentik's environment (`gitea` → `GITEA_OIDC_CLIENT_SECRET`). */
export function clientSecretEnv(clientId: string): string {
  return `${clientId.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_OIDC_CLIENT_SECRET`;
}

/** Env keys the blueprint's !Env tags reference (client secrets, service account password). */
export function blueprintSecretEnvKeys(b: BlueprintArgs): string[] {
  return [b.netbird.serviceAccountPasswordEnv, ...(b.clients ?? []).map((c) => c.clientSecretEnv)];
}

/** Scope mappings every provider gets (managed names from authentik's blueprints/system/providers-oauth2.yaml). */
const SCOPES = ["openid", "email", "profile", "offline_access"];

/**
 * `grant_types` of an OAuth2 provider (authentik 2026.5, goauthentik/authentik#20363): a provider a
 * blueprint creates gets an empty list, and the authorize/token views refuse every grant not listed.
 * Values from `GrantTypesEnum` of the OpenAPI schema shipped in `@goauthentik/api` 2026.5.6.
 */
export type GrantType = "authorization_code" | "refresh_token" | "client_credentials";

/** Login with the authorization code flow (PKCE or client secret) and silent renewal. */
export const LOGIN_GRANTS: readonly GrantType[] = ["authorization_code", "refresh_token"];

/**
 * NetBird's client: the CLI's (and dashboard's) PKCE login plus refresh, and `client_credentials` for
 * its authentik IdP manager (management/server/idp/authentik.go at v0.77.1 posts client_id, username,
 * app password, grant_type and scope `goauthentik.io/api` to the token endpoint) and for the
 * program's own bootstrap call (components/mesh/scripts/netbird-api.sh).
 */
export const NETBIRD_GRANTS: readonly GrantType[] = ["authorization_code", "refresh_token", "client_credentials"];

/**
 * Scope NetBird's IdP manager requests (management/server/idp/authentik.go, v0.77.1); authentik grants
 * only scopes whose mapping the provider has (token view `__check_scopes` intersects), so without this
 * mapping every user lookup of the IdP manager is refused.
 */
export const AUTHENTIK_API_SCOPE = { scope: "goauthentik.io/api", managed: "goauthentik.io/providers/oauth2/scope-authentik_api" } as const;

/**
 * The upstream blueprints whose objects ours `!Find`s, applied first (`authentik_blueprints.metaapplyblueprint`,
 * as authentik's own blueprints/default/default-brand.yaml does), so a fresh instance does not apply ours
 * before the defaults exist. Names are the `metadata.name` of authentik's blueprints
 * (blueprints/default/flow-default-provider-authorization-implicit-consent.yaml,
 * flow-default-provider-invalidation.yaml, blueprints/system/providers-oauth2.yaml).
 */
export const BLUEPRINT_DEPENDENCIES = [
  "Default - Provider authorization flow (implicit consent)",
  "Default - Provider invalidation flow",
  "System - OAuth2 Provider - Scopes",
] as const;

/** Upstream blueprint that creates the proxy provider's scope mapping (blueprints/system/providers-proxy.yaml). */
export const PROXY_SCOPES_BLUEPRINT = "System - Proxy Provider - Scopes";

/**
 * `managed` of the embedded outpost (authentik/outposts/managed.py MANAGED_OUTPOST), which authentik
 * creates itself and which serves forward auth on the server's own listeners (9000/9443).
 */
export const EMBEDDED_OUTPOST = "goauthentik.io/outposts/embedded";

/** Slug (and provider/application name) of the forward-auth application. */
export const FORWARD_AUTH_SLUG = "homelab-forward-auth";

/**
 * Scope mappings of the forward-auth provider: the ones authentik's ProxyProvider.set_oauth_defaults adds
 * on create/update (authentik/providers/proxy/models.py; it also adds `entitlements` where that mapping
 * exists), stated here so the provider never depends on that call's timing.
 */
export const PROXY_SCOPES = ["goauthentik.io/providers/oauth2/scope-openid", "goauthentik.io/providers/oauth2/scope-email", "goauthentik.io/providers/oauth2/scope-profile", "goauthentik.io/providers/proxy/scope-proxy"];

const scopeMapping = (managed: string) => find("authentik_providers_oauth2.scopemapping", "managed", managed);

function provider(id: string, name: string, grants: readonly GrantType[], attrs: { [k: string]: YamlValue }): YamlValue {
  return {
    model: "authentik_providers_oauth2.oauth2provider",
    id,
    state: "present",
    identifiers: { name },
    attrs: {
      name,
      authorization_flow: find("authentik_flows.flow", "slug", "default-provider-authorization-implicit-consent"),
      invalidation_flow: find("authentik_flows.flow", "slug", "default-provider-invalidation-flow"),
      signing_key: find("authentik_crypto.certificatekeypair", "name", "authentik Self-signed Certificate"),
      property_mappings: SCOPES.map((s) => scopeMapping(`goauthentik.io/providers/oauth2/scope-${s}`)),
      grant_types: [...grants],
      sub_mode: "hashed_user_id",
      issuer_mode: "per_provider",
      include_claims_in_id_token: true,
      ...attrs,
    },
  };
}

function application(slug: string, name: string, providerId: string, launchUrl: string): YamlValue {
  return {
    model: "authentik_core.application",
    state: "present",
    identifiers: { slug },
    attrs: { name, slug, provider: keyOf(providerId), meta_launch_url: launchUrl, policy_engine_mode: "any" },
  };
}

/**
 * The forward-auth entries: a `forward_domain` proxy provider (its schema: ProxyProviderRequest and enum
 * ProxyMode of @goauthentik/api's OpenAPI), its application, and the embedded outpost (found by its
 * `managed` identifier; the importer updates an existing object partially, so only `providers` is set).
 */
function forwardAuthEntries(f: ForwardAuth): YamlValue[] {
  const externalHost = f.externalHost.replace(/\/+$/, "");
  return [
    {
      model: "authentik_providers_proxy.proxyprovider",
      id: "forward-auth-provider",
      state: "present",
      identifiers: { name: "Homelab forward auth" },
      attrs: {
        name: "Homelab forward auth",
        mode: "forward_domain",
        external_host: externalHost,
        cookie_domain: f.cookieDomain,
        authorization_flow: find("authentik_flows.flow", "slug", "default-provider-authorization-implicit-consent"),
        invalidation_flow: find("authentik_flows.flow", "slug", "default-provider-invalidation-flow"),
        property_mappings: PROXY_SCOPES.map(scopeMapping),
      },
    },
    application(FORWARD_AUTH_SLUG, "Homelab forward auth", "forward-auth-provider", externalHost),
    {
      model: "authentik_outposts.outpost",
      state: "present",
      identifiers: { managed: EMBEDDED_OUTPOST },
      attrs: { providers: [keyOf("forward-auth-provider")] },
    },
  ];
}

const redirects = (urls: string[]): YamlValue => urls.map((url) => ({ matching_mode: "strict", url }));

/** One blueprint (version 1) with every OIDC provider/application of the homelab. */
export function authentikBlueprint(b: BlueprintArgs): string {
  const nb = b.netbird;
  const nbSlug = nb.slug ?? "netbird";
  const nbUris = [
    ...(nb.dashboardOrigin ? [`${nb.dashboardOrigin.replace(/\/+$/, "")}/nb-auth`, `${nb.dashboardOrigin.replace(/\/+$/, "")}/nb-silent-auth`] : []),
    ...nb.cliRedirectUrls,
  ];
  const entries: YamlValue[] = [
    ...[...BLUEPRINT_DEPENDENCIES, ...(b.forwardAuth ? [PROXY_SCOPES_BLUEPRINT] : [])].map((name) => ({ model: "authentik_blueprints.metaapplyblueprint", attrs: { identifiers: { name }, required: true } })),
    provider("netbird-provider", "NetBird", NETBIRD_GRANTS, {
      client_type: "public",
      client_id: nb.clientId,
      redirect_uris: redirects(nbUris),
      access_token_validity: "minutes=10",
      property_mappings: [...SCOPES.map((s) => scopeMapping(`goauthentik.io/providers/oauth2/scope-${s}`)), scopeMapping(AUTHENTIK_API_SCOPE.managed)],
      // NetBird's authentik IdP manager parses the user id as authentik's integer pk
      // (management/server/idp/authentik.go, v0.77.1: strconv.ParseInt(userID)); `user_id` makes `sub` that pk.
      sub_mode: "user_id",
    }),
    application(nbSlug, "NetBird", "netbird-provider", nb.dashboardOrigin ?? b.authentikUrl),
    {
      model: "authentik_core.user",
      id: "netbird-service-account",
      state: "present",
      identifiers: { username: nb.serviceAccount },
      attrs: {
        username: nb.serviceAccount,
        name: "NetBird IdP manager",
        type: "service_account",
        path: "goauthentik.io/service-accounts",
        groups: [find("authentik_core.group", "name", "authentik Admins")],
      },
    },
    {
      model: "authentik_core.token",
      state: "present",
      identifiers: { identifier: "netbird-idp-app-password" },
      attrs: {
        identifier: "netbird-idp-app-password",
        intent: "app_password",
        user: keyOf("netbird-service-account"),
        key: env(nb.serviceAccountPasswordEnv),
        expiring: false,
        description: "NetBird management IdP manager (client_credentials with username/app password)",
      },
    },
  ];
  if (b.webCertificate) {
    entries.push({
      model: "authentik_brands.brand",
      state: "present",
      identifiers: { domain: "authentik-default" },
      attrs: { web_certificate: find("authentik_crypto.certificatekeypair", "name", b.webCertificate) },
    });
  }
  const slugs = new Set([nbSlug]);
  for (const c of b.clients ?? []) {
    if (slugs.has(c.clientId)) throw new Error(`homelab: two OIDC clients of the organisation use the id "${c.clientId}"`);
    slugs.add(c.clientId);
    entries.push(
      provider(`${c.clientId}-provider`, c.name, LOGIN_GRANTS, {
        client_type: "confidential",
        client_id: c.clientId,
        client_secret: env(c.clientSecretEnv),
        redirect_uris: redirects(c.redirectUris),
      }),
      application(c.clientId, c.name, `${c.clientId}-provider`, c.launchUrl),
    );
  }
  if (b.forwardAuth) entries.push(...forwardAuthEntries(b.forwardAuth));
  const doc: YamlValue = {
    version: 1,
    metadata: { name: "homelab-oidc-clients", labels: { "blueprints.goauthentik.io/description": "Homelab OIDC providers and applications" } },
    entries,
  };
  const issuer = authentikIssuer(b.authentikUrl, nbSlug);
  return [
    `# authentik ${AUTHENTIK_VERSION} blueprint. NetBird issuer: ${issuer.issuer}`,
    "# Secrets are resolved by authentik from its environment (!Env).",
    block(doc, 0).replace(/^\n/, ""),
    "",
  ].join("\n");
}
