/**
 * Pure renderers for the self-hosted NetBird coordinator (management, signal,
 * relay with embedded STUN) and for mesh peers. Pinned to NetBird v0.77.1.
 * See docs/research/netbird-authentik.md for the upstream facts behind this.
 *
 * Secrets never appear in rendered text:
 *  - management.json is read by netbird-mgmt as a Go text/template over the
 *    process environment (util.ReadJsonWithEnvSub), so secret fields hold
 *    `{{ .NAME }}` placeholders filled from the unit's EnvironmentFile.
 *  - the relay reads its auth secret from NB_AUTH_SECRET (same env file).
 *  - the API setup script reads the PAT from a file; setup keys are written to
 *    files (0600) and peers enrol with `netbird up --setup-key-file`.
 */
import { assertOciDigest, assertSingleLine } from "../../shell";

/** NetBird release these renderers were verified against. */
export const NETBIRD_VERSION = "0.77.1";

/** Env var names holding secrets (values live only in the secrets env file). */
export const NETBIRD_SECRET_ENV = {
  /** Shared relay secret: read natively by netbird-relay, templated into management.json. */
  relayAuthSecret: "NB_AUTH_SECRET",
  /** Store encryption key (base64 of 32 random bytes). Must be set, or netbird-mgmt rewrites its config file. */
  dataStoreEncryptionKey: "NB_DATASTORE_ENC_KEY",
  /** App password of the authentik service account used by the IdP manager. */
  idpServiceAccountPassword: "NB_IDP_SA_PASSWORD",
} as const;

export interface NetbirdOidcArgs {
  /** Issuer, e.g. "https://auth.bo.home.arpa/application/o/netbird/" (authentik per-provider issuer). */
  issuer: string;
  /** Public client id of the NetBird application in authentik (not a secret). */
  clientId: string;
  /** Username of the authentik service account used by the IdP manager. */
  idpServiceAccount: string;
  /** Render DeviceAuthorizationFlow (authentik needs a device-code flow on its brand). Default false. */
  deviceFlow?: boolean;
  /** Local ports the CLI's PKCE login may listen on. Default [53000, 54000]. */
  pkceRedirectPorts?: number[];
}

export interface NetbirdServerArgs {
  /** Coordinator FQDN peers use (must be in the TLS certificate SANs). */
  domain: string;
  /** Management HTTP API + gRPC port (TLS). Default 443. */
  managementPort?: number;
  /** Signal gRPC port (TLS). Default 10000. */
  signalPort?: number;
  /** Relay listen port (TLS, rels://). Default 33080. */
  relayPort?: number;
  /** Embedded STUN port of the relay (UDP). Default 3478. */
  stunPort?: number;
  /** Prometheus metrics ports; every binary defaults to 9090 so they must differ. */
  metricsPorts?: { management: number; signal: number; relay: number };
  /** Management data dir (SQLite store); the LXC's data mount point. Default /var/lib/netbird. */
  dataDir?: string;
  /** Config dir. Default /etc/netbird. */
  configDir?: string;
  /** Secrets env file (0600, provisioned out of band). Default /etc/netbird/secrets.env. */
  secretsEnvFile?: string;
  /** TLS certificate (PEM, full chain) and key paths used by all three services. */
  tlsCertFile: string;
  tlsKeyFile: string;
  /** DNS domain appended to peer names. Default "netbird.selfhosted". */
  dnsDomain?: string;
  oidc: NetbirdOidcArgs;
  /** Relay credential TTL (Go duration). Default "24h". */
  relayCredentialsTTL?: string;
}

/** Arguments with their defaults applied (shared by the NetBird renderers). */
export function netbirdDefaults(args: NetbirdServerArgs) {
  const domain = assertSingleLine("domain", args.domain);
  if (!/^[a-z0-9.-]+$/i.test(domain)) throw new Error("domain must be a hostname");
  const issuer = args.oidc.issuer.endsWith("/") ? args.oidc.issuer : args.oidc.issuer + "/";
  if (!/^https:\/\//.test(issuer)) throw new Error("oidc.issuer must be https");
  const issuerOrigin = new URL(issuer).origin;
  return {
    domain,
    managementPort: args.managementPort ?? 443,
    signalPort: args.signalPort ?? 10000,
    relayPort: args.relayPort ?? 33080,
    stunPort: args.stunPort ?? 3478,
    metrics: args.metricsPorts ?? { management: 9090, signal: 9091, relay: 9092 },
    dataDir: args.dataDir ?? "/var/lib/netbird",
    configDir: args.configDir ?? "/etc/netbird",
    secretsEnvFile: args.secretsEnvFile ?? "/etc/netbird/secrets.env",
    dnsDomain: args.dnsDomain ?? "netbird.selfhosted",
    issuer,
    issuerOrigin,
    relayTTL: args.relayCredentialsTTL ?? "24h",
    pkcePorts: args.oidc.pkceRedirectPorts ?? [53000, 54000],
  };
}

/** Go text/template placeholder for an environment variable. */
export function envPlaceholder(name: string): string {
  return `{{ .${name} }}`;
}

/** Loopback redirect URLs the CLI's PKCE login listens on (must be registered in the IdP). */
export function pkceRedirectUrls(args: NetbirdServerArgs): string[] {
  return netbirdDefaults(args).pkcePorts.map((p) => `http://localhost:${p}/`);
}

/** Public URL of the management service (what peers pass to --management-url). */
export function managementUrl(args: NetbirdServerArgs): string {
  const v = netbirdDefaults(args);
  return `https://${v.domain}:${v.managementPort}`;
}

/** Relay address distributed to peers. */
export function relayAddress(args: NetbirdServerArgs): string {
  const v = netbirdDefaults(args);
  return `rels://${v.domain}:${v.relayPort}`;
}

/** authentik OIDC endpoints derived from the issuer (authentik URL layout). */
export function authentikOidcEndpoints(issuer: string) {
  const iss = issuer.endsWith("/") ? issuer : issuer + "/";
  const origin = new URL(iss).origin;
  return {
    issuer: iss,
    discovery: `${iss}.well-known/openid-configuration`,
    jwks: `${iss}jwks/`,
    authorize: `${origin}/application/o/authorize/`,
    token: `${origin}/application/o/token/`,
    device: `${origin}/application/o/device/`,
  };
}

/**
 * management.json in NetBird's real format (management/internals/server/config.Config).
 * Secret fields are Go-template placeholders resolved from the environment at load.
 */
export function managementConfig(args: NetbirdServerArgs): string {
  const v = netbirdDefaults(args);
  const ep = authentikOidcEndpoints(v.issuer);
  const scope = "openid profile email offline_access";
  const cfg = {
    Stuns: [{ Proto: "udp", URI: `stun:${v.domain}:${v.stunPort}`, Username: "", Password: "" }],
    Relay: {
      Addresses: [relayAddress(args)],
      CredentialsTTL: v.relayTTL,
      Secret: envPlaceholder(NETBIRD_SECRET_ENV.relayAuthSecret),
    },
    Signal: { Proto: "https", URI: `${v.domain}:${v.signalPort}`, Username: "", Password: "" },
    Datadir: v.dataDir,
    DataStoreEncryptionKey: envPlaceholder(NETBIRD_SECRET_ENV.dataStoreEncryptionKey),
    StoreConfig: { Engine: "sqlite" },
    DisableDefaultPolicy: true,
    HttpConfig: {
      AuthIssuer: ep.issuer,
      AuthAudience: args.oidc.clientId,
      AuthKeysLocation: ep.jwks,
      AuthUserIDClaim: "sub",
      OIDCConfigEndpoint: ep.discovery,
      IdpSignKeyRefreshEnabled: true,
      CertFile: args.tlsCertFile,
      CertKey: args.tlsKeyFile,
    },
    IdpManagerConfig: {
      ManagerType: "authentik",
      ClientConfig: {
        Issuer: ep.issuer,
        TokenEndpoint: ep.token,
        ClientID: args.oidc.clientId,
        ClientSecret: "",
        GrantType: "client_credentials",
      },
      ExtraConfig: {
        Username: args.oidc.idpServiceAccount,
        Password: envPlaceholder(NETBIRD_SECRET_ENV.idpServiceAccountPassword),
      },
    },
    DeviceAuthorizationFlow: args.oidc.deviceFlow
      ? {
          Provider: "hosted",
          ProviderConfig: {
            Audience: args.oidc.clientId,
            ClientID: args.oidc.clientId,
            ClientSecret: "",
            Domain: new URL(v.issuerOrigin).host,
            TokenEndpoint: ep.token,
            DeviceAuthEndpoint: ep.device,
            Scope: "openid",
            UseIDToken: false,
          },
        }
      : { Provider: "none", ProviderConfig: {} },
    PKCEAuthorizationFlow: {
      ProviderConfig: {
        Audience: args.oidc.clientId,
        ClientID: args.oidc.clientId,
        ClientSecret: "",
        AuthorizationEndpoint: ep.authorize,
        TokenEndpoint: ep.token,
        Scope: scope,
        RedirectURLs: pkceRedirectUrls(args),
        UseIDToken: false,
        // Without it the client sends prompt=login (client/internal/auth/pkce_flow.go, v0.77.1), which
        // authentik answers with a fresh login on every `netbird up` (netbirdio/netbird#3654).
        // Field of ProviderConfig in management/internals/server/config/config.go at v0.77.1.
        DisablePromptLogin: true,
      },
    },
    ReverseProxy: { TrustedHTTPProxies: [], TrustedHTTPProxiesCount: 0, TrustedPeers: ["0.0.0.0/0"] },
  };
  return JSON.stringify(cfg, null, 2) + "\n";
}

/** Paths the install script uses (exported for the lead's wiring). */
export function netbirdPaths(args: NetbirdServerArgs) {
  const v = netbirdDefaults(args);
  return {
    managementConfig: `${v.configDir}/management.json`,
    secretsEnvFile: v.secretsEnvFile,
    dataDir: v.dataDir,
    units: {
      management: "/etc/systemd/system/netbird-management.service",
      signal: "/etc/systemd/system/netbird-signal.service",
      relay: "/etc/systemd/system/netbird-relay.service",
    },
  };
}

/** Container images of the NetBird server (published only as OCI images; no server tarballs exist). */
export const NETBIRD_IMAGES = {
  management: "ghcr.io/netbirdio/management",
  signal: "ghcr.io/netbirdio/signal",
  relay: "ghcr.io/netbirdio/relay",
} as const;

/**
 * Optional content pins of the images ("sha256:<hex>" of the multi-arch index
 * for tag NETBIRD_VERSION). Without them the images are pinned by version tag
 * (`--pull never` in the units: a pulled tag is never re-resolved).
 */
export interface NetbirdImageDigests {
  management?: string;
  signal?: string;
  relay?: string;
}

/** Fully qualified image references (tag, plus digest when given). */
export function netbirdImages(digests: NetbirdImageDigests = {}): { management: string; signal: string; relay: string } {
  const ref = (k: keyof typeof NETBIRD_IMAGES) => {
    const dg = digests[k];
    return `${NETBIRD_IMAGES[k]}:${NETBIRD_VERSION}${dg ? "@" + assertOciDigest(`imageDigests.${k}`, dg) : ""}`;
  };
  return { management: ref("management"), signal: ref("signal"), relay: ref("relay") };
}

/** Where the install script puts the PEM files (written from the Command environment). */
export function netbirdTlsPaths(configDir = "/etc/netbird") {
  return { cert: `${configDir}/tls/cert.pem`, key: `${configDir}/tls/key.pem`, ca: `${configDir}/tls/ca.pem` };
}

/** Environment variables (non-secret ones included) the install Command passes. */
export const NETBIRD_INSTALL_ENV = {
  ...NETBIRD_SECRET_ENV,
  /** Server certificate chain (PEM). Not secret, but multi-line: passed like the rest. */
  tlsCert: "HOMELAB_TLS_CERT",
  /** Server private key (PEM). Secret. */
  tlsKey: "HOMELAB_TLS_KEY",
  /** Internal root CA (PEM) to trust (authentik's certificate). */
  caCert: "HOMELAB_CA_CERT",
} as const;

