/**
 * Pure renderers for authentik (OIDC IdP for NetBird, Gitea, n8n, Paperless-ngx).
 * Pinned to authentik 2026.5.6, run from the official container image with
 * podman under systemd (authentik publishes no native packages). Since 2025.10
 * authentik needs only PostgreSQL (no Redis).
 *
 * No secret values are rendered: the install script writes the secrets it
 * receives in its environment (AUTHENTIK_INSTALL_ENV + blueprint keys) to a
 * root-only env file the containers read; blueprints reference them with !Env.
 */
import { assertOciDigest, assertSingleLine, shq, writeFileIfChanged } from "./shell";
import { WRITE_FROM_ENV_FN, trustCaFromEnvSnippet } from "./netbird";

export const AUTHENTIK_VERSION = "2026.5.6";
export const AUTHENTIK_IMAGE = "ghcr.io/goauthentik/server";

/** Secret env keys the secrets env file must define (values never rendered). */
export const AUTHENTIK_SECRET_ENV = {
  secretKey: "AUTHENTIK_SECRET_KEY",
  postgresPassword: "AUTHENTIK_POSTGRESQL__PASSWORD",
  bootstrapPassword: "AUTHENTIK_BOOTSTRAP_PASSWORD",
  bootstrapToken: "AUTHENTIK_BOOTSTRAP_TOKEN",
} as const;

export interface AuthentikArgs {
  postgres: { host: string; port?: number; name?: string; user?: string };
  /** Email of the initial akadmin (bootstrap, first start only). */
  bootstrapEmail: string;
  /** Root-only env file holding AUTHENTIK_SECRET_ENV keys and the blueprint !Env secrets. */
  secretsEnvFile?: string;
  /**
   * Optional digest "sha256:<hex>" of ghcr.io/goauthentik/server:<AUTHENTIK_VERSION>
   * (multi-arch index). Without it the image is pinned by its version tag
   * (units run with --pull never, so a pulled tag is never re-resolved).
   */
  imageDigest?: string;
  /** Host paths. Defaults under /var/lib/authentik and /etc/authentik. */
  dataDir?: string;
  configDir?: string;
  /**
   * Serve the HTTPS listener with the certificate passed in HOMELAB_TLS_CERT /
   * HOMELAB_TLS_KEY: written to <dataDir>/certs/authentik.{pem,key}, discovered
   * by authentik as keypair "authentik" and set as the default brand's web
   * certificate by the blueprint. Default false (authentik's self-signed cert).
   */
  tls?: boolean;
}

/** Non-blueprint env vars the install Command passes (secrets and PEMs). */
export const AUTHENTIK_INSTALL_ENV = {
  ...AUTHENTIK_SECRET_ENV,
  tlsCert: "HOMELAB_TLS_CERT",
  tlsKey: "HOMELAB_TLS_KEY",
  caCert: "HOMELAB_CA_CERT",
} as const;

/** Name of the discovered keypair (file stem in /certs, authentik crypto/tasks.py). */
export const AUTHENTIK_TLS_KEYPAIR = "authentik";

function a(args: AuthentikArgs) {
  return {
    pgHost: assertSingleLine("postgres.host", args.postgres.host),
    pgPort: args.postgres.port ?? 5432,
    pgName: args.postgres.name ?? "authentik",
    pgUser: args.postgres.user ?? "authentik",
    secretsEnvFile: args.secretsEnvFile ?? "/etc/authentik/secrets.env",
    dataDir: args.dataDir ?? "/var/lib/authentik",
    configDir: args.configDir ?? "/etc/authentik",
    image: `${AUTHENTIK_IMAGE}:${AUTHENTIK_VERSION}${args.imageDigest ? "@" + assertOciDigest("imageDigest", args.imageDigest) : ""}`,
  };
}

/** Non-secret environment (KEY=VALUE lines, usable by podman --env-file and systemd). */
export function authentikEnv(args: AuthentikArgs): string {
  const v = a(args);
  const env: [string, string][] = [
    ["AUTHENTIK_POSTGRESQL__HOST", v.pgHost],
    ["AUTHENTIK_POSTGRESQL__PORT", String(v.pgPort)],
    ["AUTHENTIK_POSTGRESQL__NAME", v.pgName],
    ["AUTHENTIK_POSTGRESQL__USER", v.pgUser],
    ["AUTHENTIK_BOOTSTRAP_EMAIL", assertSingleLine("bootstrapEmail", args.bootstrapEmail)],
    ["AUTHENTIK_ERROR_REPORTING__ENABLED", "false"],
    ["AUTHENTIK_DISABLE_STARTUP_ANALYTICS", "true"],
    ["AUTHENTIK_DISABLE_UPDATE_CHECK", "true"],
    ["AUTHENTIK_LOG_LEVEL", "info"],
  ];
  return ["# authentik " + AUTHENTIK_VERSION + " (non-secret settings; secrets are in " + v.secretsEnvFile + ")", ...env.map(([k, val]) => `${k}=${val}`), ""].join("\n");
}

/** Secret env keys required at runtime (core + every blueprint !Env reference). */
export function authentikRequiredSecretKeys(blueprintArgs?: BlueprintArgs): string[] {
  const keys = new Set<string>(Object.values(AUTHENTIK_SECRET_ENV));
  if (blueprintArgs) for (const k of blueprintSecretEnvKeys(blueprintArgs)) keys.add(k);
  return [...keys].sort();
}

function containerUnit(args: AuthentikArgs, role: "server" | "worker"): string {
  const v = a(args);
  const name = `authentik-${role}`;
  const run = [
    "/usr/bin/podman run --rm --replace",
    `--name ${name}`,
    "--network host",
    "--pull never",
    `--env-file ${v.configDir}/authentik.env`,
    `--env-file ${v.secretsEnvFile}`,
    `-v ${v.dataDir}/data:/data`,
    `-v ${v.dataDir}/certs:/certs:ro`,
    `-v ${v.dataDir}/templates:/templates:ro`,
    `-v ${v.configDir}/blueprints:/blueprints/custom:ro`,
    v.image,
    role,
  ].join(" ");
  return [
    "[Unit]",
    `Description=authentik ${role} ${AUTHENTIK_VERSION}`,
    "After=network-online.target",
    "Wants=network-online.target",
    ...(role === "worker" ? ["After=authentik-server.service"] : []),
    "",
    "[Service]",
    `ExecStart=${run}`,
    `ExecStop=/usr/bin/podman stop -t 30 ${name}`,
    "Restart=on-failure",
    "RestartSec=10",
    "TimeoutStartSec=300",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** systemd units running the server and worker containers. */
export function authentikUnits(args: AuthentikArgs): { server: string; worker: string } {
  return { server: containerUnit(args, "server"), worker: containerUnit(args, "worker") };
}

/** Idempotent install script (Debian LXC with nesting enabled for podman). */
export function authentikInstallScript(args: AuthentikArgs, blueprint?: BlueprintArgs): string {
  const v = a(args);
  const units = authentikUnits(args);
  const lines = [
    "#!/usr/bin/env bash",
    `# authentik ${AUTHENTIK_VERSION} via podman + systemd. Idempotent.`,
    "set -euo pipefail",
    "CHANGED=0",
    "export DEBIAN_FRONTEND=noninteractive",
    'dpkg -s podman >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q podman; }',
    "",
    WRITE_FROM_ENV_FN,
    "",
    trustCaFromEnvSnippet(AUTHENTIK_INSTALL_ENV.caCert),
    "",
    "# Secrets: from the Command environment into the root-only env file.",
    `write_env_file ${shq(v.secretsEnvFile)} ${authentikRequiredSecretKeys(blueprint).join(" ")}`,
    "",
    "# The image runs as uid/gid 1000.",
    `install -d -m 0750 -o 1000 -g 1000 ${shq(`${v.dataDir}/data`)} ${shq(`${v.dataDir}/templates`)}`,
    `install -d -m 0750 -o 1000 -g 1000 ${shq(`${v.dataDir}/certs`)}`,
    `install -d -m 0755 ${shq(`${v.configDir}/blueprints`)}`,
    "",
  ];
  if (args.tls) {
    lines.push(
      `write_from_env ${AUTHENTIK_INSTALL_ENV.tlsCert} ${shq(`${v.dataDir}/certs/${AUTHENTIK_TLS_KEYPAIR}.pem`)} 0644`,
      `write_from_env ${AUTHENTIK_INSTALL_ENV.tlsKey} ${shq(`${v.dataDir}/certs/${AUTHENTIK_TLS_KEYPAIR}.key`)} 0600`,
      `chown 1000:1000 ${shq(`${v.dataDir}/certs/${AUTHENTIK_TLS_KEYPAIR}.pem`)} ${shq(`${v.dataDir}/certs/${AUTHENTIK_TLS_KEYPAIR}.key`)}`,
      "",
    );
  }
  lines.push(
    "# Pinned image (tag, plus digest when given); the units never pull.",
    `if ! podman image exists ${shq(v.image)}; then`,
    `  podman pull ${shq(v.image)}`,
    "  CHANGED=1",
    "fi",
    "",
    writeFileIfChanged(`${v.configDir}/authentik.env`, authentikEnv(args), "0644"),
  );
  if (blueprint) {
    lines.push(writeFileIfChanged(`${v.configDir}/blueprints/homelab.yaml`, authentikBlueprint(blueprint), "0644"));
  }
  lines.push(
    writeFileIfChanged("/etc/systemd/system/authentik-server.service", units.server, "0644"),
    writeFileIfChanged("/etc/systemd/system/authentik-worker.service", units.worker, "0644"),
    "",
    "systemctl daemon-reload",
    "for svc in authentik-server authentik-worker; do",
    '  systemctl enable "$svc" >/dev/null',
    '  if [ "$CHANGED" = 1 ]; then systemctl restart "$svc"; else systemctl start "$svc"; fi',
    "done",
    "",
  );
  return lines.join("\n");
}

// ---------------------------------------------------------------------------
// Blueprints

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
  gitea?: { baseUrl: string; authSourceName?: string; clientId?: string; clientSecretEnv?: string };
  n8n?: { baseUrl: string; clientId?: string; clientSecretEnv?: string };
  paperless?: { baseUrl: string; providerId?: string; clientId?: string; clientSecretEnv?: string };
}

/** Gitea's OAuth2 callback: <base>/user/oauth2/<authentication source name>/callback */
export function giteaRedirectUri(baseUrl: string, authSourceName: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/user/oauth2/${encodeURIComponent(authSourceName)}/callback`;
}

/** n8n's OIDC SSO callback (enterprise-licensed feature in n8n). */
export function n8nRedirectUri(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/rest/sso/oidc/callback`;
}

/** Paperless-ngx (django-allauth openid_connect): <base>/accounts/oidc/<provider_id>/login/callback/ */
export function paperlessRedirectUri(baseUrl: string, providerId: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/accounts/oidc/${encodeURIComponent(providerId)}/login/callback/`;
}

/** OIDC issuer / discovery URLs for an authentik application slug. */
export function authentikIssuer(authentikUrl: string, slug: string): { issuer: string; discovery: string } {
  const issuer = `${authentikUrl.replace(/\/+$/, "")}/application/o/${slug}/`;
  return { issuer, discovery: `${issuer}.well-known/openid-configuration` };
}

function blueprintSecretEnvKeys(b: BlueprintArgs): string[] {
  const keys = [b.netbird.serviceAccountPasswordEnv];
  if (b.gitea) keys.push(b.gitea.clientSecretEnv ?? "GITEA_OIDC_CLIENT_SECRET");
  if (b.n8n) keys.push(b.n8n.clientSecretEnv ?? "N8N_OIDC_CLIENT_SECRET");
  if (b.paperless) keys.push(b.paperless.clientSecretEnv ?? "PAPERLESS_OIDC_CLIENT_SECRET");
  return keys;
}

const SCOPES = ["openid", "email", "profile", "offline_access"];

function provider(id: string, name: string, attrs: { [k: string]: YamlValue }): YamlValue {
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
      property_mappings: SCOPES.map((s) => find("authentik_providers_oauth2.scopemapping", "managed", `goauthentik.io/providers/oauth2/scope-${s}`)),
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
    provider("netbird-provider", "NetBird", {
      client_type: "public",
      client_id: nb.clientId,
      redirect_uris: redirects(nbUris),
      access_token_validity: "minutes=10",
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
  if (b.gitea) {
    const name = b.gitea.authSourceName ?? "authentik";
    entries.push(
      provider("gitea-provider", "Gitea", {
        client_type: "confidential",
        client_id: b.gitea.clientId ?? "gitea",
        client_secret: env(b.gitea.clientSecretEnv ?? "GITEA_OIDC_CLIENT_SECRET"),
        redirect_uris: redirects([giteaRedirectUri(b.gitea.baseUrl, name)]),
      }),
      application("gitea", "Gitea", "gitea-provider", b.gitea.baseUrl),
    );
  }
  if (b.n8n) {
    entries.push(
      provider("n8n-provider", "n8n", {
        client_type: "confidential",
        client_id: b.n8n.clientId ?? "n8n",
        client_secret: env(b.n8n.clientSecretEnv ?? "N8N_OIDC_CLIENT_SECRET"),
        redirect_uris: redirects([n8nRedirectUri(b.n8n.baseUrl)]),
      }),
      application("n8n", "n8n", "n8n-provider", b.n8n.baseUrl),
    );
  }
  if (b.paperless) {
    entries.push(
      provider("paperless-provider", "Paperless-ngx", {
        client_type: "confidential",
        client_id: b.paperless.clientId ?? "paperless",
        client_secret: env(b.paperless.clientSecretEnv ?? "PAPERLESS_OIDC_CLIENT_SECRET"),
        redirect_uris: redirects([paperlessRedirectUri(b.paperless.baseUrl, b.paperless.providerId ?? "authentik")]),
      }),
      application("paperless", "Paperless-ngx", "paperless-provider", b.paperless.baseUrl),
    );
  }
  const doc: YamlValue = {
    version: 1,
    metadata: { name: "homelab-oidc-clients", labels: { "blueprints.goauthentik.io/description": "Homelab OIDC providers and applications" } },
    entries,
  };
  const issuer = authentikIssuer(b.authentikUrl, nbSlug);
  return [
    "# yaml-language-server: $schema=https://goauthentik.io/blueprints/schema.json",
    `# authentik ${AUTHENTIK_VERSION} blueprint. NetBird issuer: ${issuer.issuer}`,
    "# Secrets are resolved by authentik from its environment (!Env).",
    block(doc, 0).replace(/^\n/, ""),
    "",
  ].join("\n");
}
