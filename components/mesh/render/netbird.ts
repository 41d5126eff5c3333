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
import { MeshPlan, allGroups, validatePlan } from "./meshPolicy";
import { assertOciDigest, assertSha256, assertSingleLine, shq, writeFileIfChanged } from "./shell";

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

function d(args: NetbirdServerArgs) {
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
  return d(args).pkcePorts.map((p) => `http://localhost:${p}/`);
}

/** Public URL of the management service (what peers pass to --management-url). */
export function managementUrl(args: NetbirdServerArgs): string {
  const v = d(args);
  return `https://${v.domain}:${v.managementPort}`;
}

/** Relay address distributed to peers. */
export function relayAddress(args: NetbirdServerArgs): string {
  const v = d(args);
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
  const v = d(args);
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
      },
    },
    ReverseProxy: { TrustedHTTPProxies: [], TrustedHTTPProxiesCount: 0, TrustedPeers: ["0.0.0.0/0"] },
  };
  return JSON.stringify(cfg, null, 2) + "\n";
}

/** Paths the install script uses (exported for the lead's wiring). */
export function netbirdPaths(args: NetbirdServerArgs) {
  const v = d(args);
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

function containerUnit(description: string, name: string, runArgs: string[], image: string, cmdArgs: string[], after: string[] = []): string {
  const run = ["/usr/bin/podman run --rm --replace", `--name ${name}`, "--network host", "--pull never", ...runArgs, image, ...cmdArgs].join(" ");
  return [
    "[Unit]",
    `Description=${description}`,
    "After=network-online.target" + after.map((a) => ` ${a}`).join(""),
    "Wants=network-online.target",
    "",
    "[Service]",
    `ExecStart=${run}`,
    `ExecStop=/usr/bin/podman stop -t 20 ${name}`,
    "Restart=on-failure",
    "RestartSec=5",
    "TimeoutStartSec=120",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/**
 * systemd units running management, signal and relay (with embedded STUN) as
 * podman containers on the host network. Config, TLS and data dirs are
 * mounted at the same paths inside the containers, so management.json paths
 * hold in both places. The containers trust the host CA bundle (internal CA
 * included) through SSL_CERT_FILE.
 */
export function netbirdServerUnits(args: NetbirdServerArgs, digests: NetbirdImageDigests = {}): { management: string; signal: string; relay: string } {
  const v = d(args);
  const paths = netbirdPaths(args);
  const img = netbirdImages(digests);
  const tlsDir = args.tlsCertFile.replace(/\/[^/]+$/, "");
  const keyDir = args.tlsKeyFile.replace(/\/[^/]+$/, "");
  const tlsMounts = [...new Set([tlsDir, keyDir])].map((p) => `-v ${p}:${p}:ro`);
  const trust = ["-v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/homelab-bundle.crt:ro", "-e SSL_CERT_FILE=/etc/ssl/certs/homelab-bundle.crt"];
  const management = containerUnit(
    `NetBird management ${NETBIRD_VERSION}`,
    "netbird-management",
    [`--env-file ${v.secretsEnvFile}`, `-v ${paths.managementConfig}:${paths.managementConfig}:ro`, `-v ${v.dataDir}:${v.dataDir}`, ...tlsMounts, ...trust],
    img.management,
    [
      `--config ${paths.managementConfig}`,
      `--datadir ${v.dataDir}`,
      `--port ${v.managementPort}`,
      `--metrics-port ${v.metrics.management}`,
      `--dns-domain ${v.dnsDomain}`,
      `--single-account-mode-domain ${v.dnsDomain}`,
      "--disable-legacy-port",
      "--disable-anonymous-metrics",
      "--log-file console",
    ],
    ["netbird-signal.service", "netbird-relay.service"],
  );
  const signal = containerUnit(
    `NetBird signal ${NETBIRD_VERSION}`,
    "netbird-signal",
    [...tlsMounts],
    img.signal,
    [`--port ${v.signalPort}`, `--metrics-port ${v.metrics.signal}`, `--cert-file ${args.tlsCertFile}`, `--cert-key ${args.tlsKeyFile}`, "--log-file console"],
  );
  const relay = containerUnit(
    `NetBird relay + STUN ${NETBIRD_VERSION}`,
    "netbird-relay",
    [
      `--env-file ${v.secretsEnvFile}`,
      `-e NB_LISTEN_ADDRESS=:${v.relayPort}`,
      `-e NB_EXPOSED_ADDRESS=${relayAddress(args)}`,
      `-e NB_TLS_CERT_FILE=${args.tlsCertFile}`,
      `-e NB_TLS_KEY_FILE=${args.tlsKeyFile}`,
      "-e NB_ENABLE_STUN=true",
      `-e NB_STUN_PORTS=${v.stunPort}`,
      `-e NB_METRICS_PORT=${v.metrics.relay}`,
      "-e NB_LOG_FILE=console",
      ...tlsMounts,
    ],
    img.relay,
    [],
  );
  return { management, signal, relay };
}

export interface NetbirdInstallArgs {
  server: NetbirdServerArgs;
  /** Optional digest pins on top of the version tags. */
  imageDigests?: NetbirdImageDigests;
}

/** Shell snippet: write env var $1's value to file $2 (mode $3) when it changed. Values come from the Command environment. */
export const WRITE_FROM_ENV_FN = `# write_from_env <VAR> <file> <mode>: write the value of $VAR (from the
# Command environment, never from the script text) to <file> if it changed.
write_from_env() {
  local var="$1" file="$2" mode="$3" tmp
  if [ -z "\${!var:-}" ]; then echo "error: $var is not set (it arrives on the command's stdin)" >&2; exit 1; fi
  tmp="$(umask 077; mktemp)"
  printf '%s\\n' "\${!var}" >"$tmp"
  if ! cmp -s "$tmp" "$file"; then
    install -D -m "$mode" -o root -g root "$tmp" "$file"
    CHANGED=1
  fi
  rm -f "$tmp"
}

# write_env_file <file> <VAR>...: root-only KEY=VALUE file from the environment.
write_env_file() {
  local file="$1" tmp var; shift
  tmp="$(umask 077; mktemp)"
  for var in "$@"; do
    if [ -z "\${!var:-}" ]; then echo "error: $var is not set (it arrives on the command's stdin)" >&2; rm -f "$tmp"; exit 1; fi
    case "\${!var}" in
      *$'\\n'*|*'"'*|*\\\\*) echo "error: $var contains a newline, quote or backslash" >&2; rm -f "$tmp"; exit 1 ;;
    esac
    printf '%s=%s\\n' "$var" "\${!var}" >>"$tmp"
  done
  if ! cmp -s "$tmp" "$file"; then
    install -D -m 0600 -o root -g root "$tmp" "$file"
    CHANGED=1
  fi
  rm -f "$tmp"
}`;

/** Shell snippet installing the internal CA from $HOMELAB_CA_CERT into the system trust store. */
export function trustCaFromEnvSnippet(envVar = "HOMELAB_CA_CERT"): string {
  return [
    `if [ -n "\${${envVar}:-}" ]; then`,
    "  tmp=\"$(mktemp)\"",
    `  printf '%s\\n' "\${${envVar}}" >"$tmp"`,
    "  if ! cmp -s \"$tmp\" /usr/local/share/ca-certificates/homelab-ca.crt; then",
    "    install -D -m 0644 \"$tmp\" /usr/local/share/ca-certificates/homelab-ca.crt",
    "    update-ca-certificates >/dev/null",
    "    CHANGED=1",
    "  fi",
    "  rm -f \"$tmp\"",
    "fi",
  ].join("\n");
}

/**
 * Idempotent install script for the coordinator LXC (Debian, features
 * nesting+keyctl for podman). Secrets and PEMs arrive in the environment
 * (NETBIRD_INSTALL_ENV) and are written to root-only files; nothing secret is
 * in the script text.
 */
export function netbirdServerInstallScript(args: NetbirdInstallArgs): string {
  const v = d(args.server);
  const paths = netbirdPaths(args.server);
  const units = netbirdServerUnits(args.server, args.imageDigests);
  const img = netbirdImages(args.imageDigests);
  const E = NETBIRD_INSTALL_ENV;
  const lines = [
    "#!/usr/bin/env bash",
    `# NetBird coordinator ${NETBIRD_VERSION}: management + signal + relay/STUN as podman containers. Idempotent.`,
    "set -euo pipefail",
    "CHANGED=0",
    "",
    "export DEBIAN_FRONTEND=noninteractive",
    "missing=()",
    "# jq: the API setup script (run on this host after install) parses the management API with it",
    "for p in podman ca-certificates curl jq; do dpkg -s \"$p\" >/dev/null 2>&1 || missing+=(\"$p\"); done",
    'if [ "${#missing[@]}" -gt 0 ]; then apt-get update -q && apt-get install -y -q "${missing[@]}"; fi',
    "",
    WRITE_FROM_ENV_FN,
    "",
    `install -d -m 0750 ${shq(v.dataDir)}`,
    `install -d -m 0750 ${shq(v.configDir)}`,
    "",
    trustCaFromEnvSnippet(E.caCert),
    "",
    "# Secrets: from the Command environment into the root-only env file.",
    `write_env_file ${shq(v.secretsEnvFile)} ${Object.values(NETBIRD_SECRET_ENV).join(" ")}`,
    `write_from_env ${E.tlsCert} ${shq(args.server.tlsCertFile)} 0644`,
    `write_from_env ${E.tlsKey} ${shq(args.server.tlsKeyFile)} 0600`,
    "",
    "# Images pinned by version tag (and digest when given); units never pull.",
    `for image in ${shq(img.management)} ${shq(img.signal)} ${shq(img.relay)}; do`,
    '  if ! podman image exists "$image"; then',
    '    podman pull "$image"',
    "    CHANGED=1",
    "  fi",
    "done",
    "",
    writeFileIfChanged(paths.managementConfig, managementConfig(args.server), "0640"),
    writeFileIfChanged(paths.units.management, units.management, "0644"),
    writeFileIfChanged(paths.units.signal, units.signal, "0644"),
    writeFileIfChanged(paths.units.relay, units.relay, "0644"),
    "",
    "systemctl daemon-reload",
    "for svc in netbird-signal netbird-relay netbird-management; do",
    '  systemctl enable "$svc" >/dev/null',
    '  if [ "$CHANGED" = 1 ]; then systemctl restart "$svc"; else systemctl start "$svc"; fi',
    "done",
    "",
    "# Wait for the management API (TLS verified against the installed CA; 401 = up, no token).",
    `probe=(--resolve ${shq(`${v.domain}:${v.managementPort}:127.0.0.1`)} ${shq(`https://${v.domain}:${v.managementPort}/api/accounts`)})`,
    "for _ in $(seq 1 60); do",
    '  code="$(curl -s -o /dev/null -w \'%{http_code}\' "${probe[@]}" || true)"',
    '  if [ "$code" = 401 ] || [ "$code" = 200 ]; then echo "netbird management is up"; exit 0; fi',
    "  sleep 2",
    "done",
    'echo "error: netbird management did not answer within 120s (journalctl -u netbird-management)" >&2',
    "exit 1",
    "",
  ];
  return lines.join("\n");
}

export interface NetbirdApiSetupArgs {
  /** Management API base URL, e.g. https://netbird.bo.home.arpa:443 */
  managementUrl: string;
  /**
   * Optional file holding a Personal Access Token. The token is read from the
   * environment variable NB_PAT first (how the Pulumi Command passes it).
   */
  patFile?: string;
  /** Directory where newly created setup keys are written as <name>.key (0600). */
  setupKeyDir: string;
  plan: MeshPlan;
}

const API_FNS = `api() { # api <METHOD> <path> [json-body]
  local method="$1" path="$2" body="\${3:-}"
  local args=(-fsS -X "$method" -H "Authorization: Token \${PAT}" -H "Accept: application/json")
  if [ -n "$body" ]; then args+=(-H "Content-Type: application/json" --data-binary "$body"); fi
  curl "\${args[@]}" "\${MGMT_URL}/api\${path}"
}

group_id() { # group_id <name> -> id or empty
  api GET "/groups" | jq -r --arg n "$1" '[.[] | select(.name == $n)][0].id // empty'
}

ensure_group() { # ensure_group <name>
  local id
  id="$(group_id "$1")"
  if [ -z "$id" ]; then
    id="$(api POST /groups "$(jq -cn --arg n "$1" '{name: $n, peers: []}')" | jq -r .id)"
    echo "created group $1" >&2
  fi
  GROUP_IDS["$1"]="$id"
}

ids_json() { # ids_json <group names...> -> JSON array of ids
  local out="[]" n
  for n in "$@"; do
    [ -n "\${GROUP_IDS[$n]:-}" ] || { echo "error: unknown group $n" >&2; exit 1; }
    out="$(jq -c --arg id "\${GROUP_IDS[$n]}" '. + [$id]' <<<"$out")"
  done
  echo "$out"
}

ensure_setup_key() { # ensure_setup_key <name> <type> <expires_in> <usage_limit> <ephemeral> <groups...>
  local name="$1" type="$2" expires="$3" limit="$4" eph="$5"; shift 5
  local file="\${KEY_DIR}/\${name}.key" id groups body
  groups="$(ids_json "$@")"
  id="$(api GET /setup-keys | jq -r --arg n "$name" '[.[] | select(.name == $n and .revoked == false and .valid == true)][0].id // empty')"
  if [ -n "$id" ] && [ -s "$file" ]; then return 0; fi
  if [ -n "$id" ]; then
    # The clear-text key is only returned at creation; without the file, rotate.
    api PUT "/setup-keys/\${id}" "$(jq -cn --argjson g "$groups" '{revoked: true, auto_groups: $g}')" >/dev/null
    echo "revoked setup key $name (key file missing)" >&2
  fi
  body="$(jq -cn --arg n "$name" --arg t "$type" --argjson e "$expires" --argjson l "$limit" \\
    --argjson eph "$eph" --argjson g "$groups" \\
    '{name: $n, type: $t, expires_in: $e, usage_limit: $l, ephemeral: $eph, auto_groups: $g}')"
  (umask 077; api POST /setup-keys "$body" | jq -r .key >"$file.tmp")
  mv "$file.tmp" "$file"
  echo "created setup key $name -> $file" >&2
}

ensure_route() { # ensure_route <network-id> <network> <peer-group> <metric> <masquerade> <description> <distribution groups...>
  local nid="$1" net="$2" metric="$4" masq="$5" desc="$6" pgs groups body id
  pgs="$(ids_json "$3")"
  shift 6
  groups="$(ids_json "$@")"
  body="$(jq -cn --arg nid "$nid" --arg net "$net" --arg d "$desc" --argjson pg "$pgs" --argjson g "$groups" \\
    --argjson m "$metric" --argjson q "$masq" \\
    '{network_id: $nid, network: $net, description: $d, enabled: true, peer_groups: $pg, groups: $g, metric: $m, masquerade: $q, keep_route: false}')"
  id="$(api GET /routes | jq -r --arg nid "$nid" '[.[] | select(.network_id == $nid)][0].id // empty')"
  if [ -z "$id" ]; then
    api POST /routes "$body" >/dev/null
    echo "created route $nid" >&2
  else
    api PUT "/routes/\${id}" "$body" >/dev/null
  fi
}

ensure_policy() { # ensure_policy <name> <description> <protocol> <ports-json> <bidirectional> <sources-json> <destinations-json>
  local name="$1" desc="$2" proto="$3" ports="$4" bidi="$5" src dst body id
  src="$6"; dst="$7"
  body="$(jq -cn --arg n "$name" --arg d "$desc" --arg p "$proto" --argjson ports "$ports" --argjson b "$bidi" \\
    --argjson s "$src" --argjson t "$dst" \\
    '{name: $n, description: $d, enabled: true, rules: [{name: $n, description: $d, enabled: true, action: "accept",
      bidirectional: $b, protocol: $p, sources: $s, destinations: $t} + (if ($ports | length) > 0 then {ports: $ports} else {} end)]}')"
  id="$(api GET /policies | jq -r --arg n "$name" '[.[] | select(.name == $n)][0].id // empty')"
  if [ -z "$id" ]; then
    api POST /policies "$body" >/dev/null
    echo "created policy $name" >&2
  else
    api PUT "/policies/\${id}" "$body" >/dev/null
  fi
}`;

/**
 * Idempotent API bootstrap: groups, setup keys, per-site networks (resources +
 * routing peer group), and policies. GET first, POST only when missing (PUT to
 * converge resources, routers and policies).
 */
export function netbirdApiSetupScript(args: NetbirdApiSetupArgs): string {
  const errors = validatePlan(args.plan);
  if (errors.length) throw new Error(`invalid mesh plan: ${errors.join("; ")}`);
  const url = assertSingleLine("managementUrl", args.managementUrl).replace(/\/+$/, "");
  if (!/^https:\/\//.test(url)) throw new Error("managementUrl must be https");
  const plan = args.plan;
  const q = (xs: string[]) => xs.map(shq).join(" ");
  const lines = [
    "#!/usr/bin/env bash",
    `# NetBird ${NETBIRD_VERSION} API bootstrap (groups, setup keys, site-to-site routes, policies). Idempotent.`,
    "set -euo pipefail",
    `MGMT_URL=${shq(url)}`,
    `PAT_FILE=${shq(assertSingleLine("patFile", args.patFile ?? ""))}`,
    `KEY_DIR=${shq(assertSingleLine("setupKeyDir", args.setupKeyDir))}`,
    'PAT="${NB_PAT:-}"',
    'if [ -z "$PAT" ] && [ -n "$PAT_FILE" ] && [ -f "$PAT_FILE" ]; then PAT="$(tr -d "[:space:]" <"$PAT_FILE")"; fi',
    '[ -n "$PAT" ] || { echo "error: no PAT (NB_PAT unset and no PAT file)" >&2; exit 1; }',
    'install -d -m 0700 "$KEY_DIR"',
    "declare -A GROUP_IDS=()",
    "",
    API_FNS,
    "",
    "# groups",
    ...allGroups(plan).map((g) => `ensure_group ${shq(g)}`),
    "",
    "# setup keys",
    ...plan.setupKeys.map(
      (k) => `ensure_setup_key ${shq(k.name)} ${k.type} ${k.expiresIn} ${k.usageLimit} ${k.ephemeral} ${q(k.autoGroups)}`,
    ),
    "",
    "# site-to-site routes (one per LAN, masquerade off so guests see real sources)",
  ];
  for (const r of plan.routes) {
    lines.push(`ensure_route ${shq(r.networkId)} ${shq(r.network)} ${shq(r.peerGroup)} ${r.metric} ${r.masquerade} ${shq(`Site ${r.site} LAN`)} ${q(r.distributionGroups)}`);
  }
  lines.push("", "# policies");
  for (const p of plan.policies) {
    lines.push(
      `ensure_policy ${shq(p.name)} ${shq(p.description)} ${p.protocol} ${shq(JSON.stringify(p.ports.map(String)))} ${p.bidirectional} "$(ids_json ${q(p.sources)})" "$(ids_json ${q(p.destinations)})"`,
    );
  }
  lines.push(
    "",
    "# stdout carries only this JSON object {<setup key name>: <key>} (logs go to stderr);",
    "# the Pulumi Command marks stdout secret.",
    "out='{}'",
    ...plan.setupKeys.map((k) => `out="$(jq -c --arg n ${shq(k.name)} --rawfile k "$KEY_DIR/${k.name}.key" '. + {($n): ($k | rtrimstr("\\n"))}' <<<"$out")"`),
    'printf \'%s\\n\' "$out"',
    "",
  );
  return lines.join("\n");
}

export interface NetbirdClientPackage {
  /**
   * sha256 of netbird_<version>_linux_<arch>.tar.gz as listed in the release's
   * netbird_<version>_checksums.txt. When unset, the client is installed from
   * NetBird's signed apt repository pinned to version NETBIRD_VERSION.
   */
  tarballSha256?: string;
  /** Default "amd64". */
  arch?: "amd64" | "arm64";
}

/** Env vars the peer enrol Command passes. */
export const NETBIRD_PEER_ENV = {
  /** The setup key (secret); written to the setup key file, never to the script. */
  setupKey: "NB_SETUP_KEY",
  /** Internal root CA (PEM) that signed the coordinator certificate. */
  caCert: "HOMELAB_CA_CERT",
} as const;

export interface NetbirdPeerArgs {
  /** https://<coordinator>:<port>; never NetBird's public default. */
  managementUrl: string;
  /** Where the key from NB_SETUP_KEY is stored on the peer (0600). */
  setupKeyFile: string;
  /** Peer hostname shown in NetBird. */
  hostname: string;
  /** Client package; default: signed apt repo pinned to NETBIRD_VERSION. */
  client?: NetbirdClientPackage;
}

const NETBIRD_APT = {
  key: "https://pkgs.netbird.io/debian/public.key",
  keyring: "/usr/share/keyrings/netbird-archive-keyring.gpg",
  list: "deb [signed-by=/usr/share/keyrings/netbird-archive-keyring.gpg] https://pkgs.netbird.io/debian stable main",
};

/**
 * Idempotent peer enrolment: install the pinned client, trust the internal CA,
 * install the service, store the setup key from NB_SETUP_KEY and `netbird up`
 * against our management URL unless already connected to it.
 */
export function netbirdPeerEnrolScript(args: NetbirdPeerArgs): string {
  const url = assertSingleLine("managementUrl", args.managementUrl).replace(/\/+$/, "");
  if (!/^https:\/\//.test(url)) throw new Error("managementUrl must be https");
  if (/(^|\.)netbird\.io$/i.test(new URL(url).hostname)) throw new Error("managementUrl must be our coordinator, not NetBird's public service");
  const client = args.client ?? {};
  const arch = client.arch ?? "amd64";
  const host = new URL(url).hostname;
  const lines = [
    "#!/usr/bin/env bash",
    `# NetBird ${NETBIRD_VERSION} peer enrolment. Idempotent.`,
    "set -euo pipefail",
    "CHANGED=0",
    `MGMT_URL=${shq(url)}`,
    `MGMT_HOST=${shq(host)}`,
    `SETUP_KEY_FILE=${shq(assertSingleLine("setupKeyFile", args.setupKeyFile))}`,
    `PEER_HOSTNAME=${shq(assertSingleLine("hostname", args.hostname))}`,
    `NETBIRD_VERSION=${shq(NETBIRD_VERSION)}`,
    "",
    "export DEBIAN_FRONTEND=noninteractive",
    "missing=()",
    "for p in curl jq ca-certificates gnupg; do dpkg -s \"$p\" >/dev/null 2>&1 || missing+=(\"$p\"); done",
    'if [ "${#missing[@]}" -gt 0 ]; then apt-get update -q && apt-get install -y -q "${missing[@]}"; fi',
    "",
    WRITE_FROM_ENV_FN,
    "",
    trustCaFromEnvSnippet(NETBIRD_PEER_ENV.caCert),
    "",
    'installed="$(netbird version 2>/dev/null || true)"',
    'if [ "$installed" != "$NETBIRD_VERSION" ]; then',
  ];
  if (client.tarballSha256) {
    const sha = assertSha256("client.tarballSha256", client.tarballSha256);
    const tarball = `netbird_${NETBIRD_VERSION}_linux_${arch}.tar.gz`;
    lines.push(
      `  TARBALL=${shq(tarball)}`,
      `  RELEASE_URL=${shq(`https://github.com/netbirdio/netbird/releases/download/v${NETBIRD_VERSION}`)}`,
      '  work="$(mktemp -d)"',
      '  curl -fsSL -o "$work/$TARBALL" "$RELEASE_URL/$TARBALL"',
      `  echo ${shq(sha)}"  $work/$TARBALL" | sha256sum -c --quiet -`,
      '  tar -xzf "$work/$TARBALL" -C "$work" netbird',
      '  install -m 0755 "$work/netbird" /usr/local/bin/netbird',
      '  rm -rf "$work"',
    );
  } else {
    lines.push(
      "  # NetBird's signed apt repository, version pinned.",
      `  if [ ! -s ${NETBIRD_APT.keyring} ]; then`,
      `    curl -fsSL ${NETBIRD_APT.key} | gpg --batch --dearmor -o ${NETBIRD_APT.keyring}`,
      "  fi",
      `  echo ${shq(NETBIRD_APT.list)} >/etc/apt/sources.list.d/netbird.list`,
      "  apt-get update -q",
      '  apt-get install -y -q --allow-downgrades "netbird=${NETBIRD_VERSION}"',
      "  apt-mark hold netbird >/dev/null",
    );
  }
  lines.push(
    "  CHANGED=1",
    "fi",
    "",
    "if ! systemctl cat netbird.service >/dev/null 2>&1; then",
    "  netbird service install",
    "fi",
    "systemctl enable --now netbird.service >/dev/null",
    'if [ "$CHANGED" = 1 ]; then systemctl restart netbird.service; fi',
    "",
    `write_from_env ${NETBIRD_PEER_ENV.setupKey} "$SETUP_KEY_FILE" 0600`,
    "",
    "# Already connected to this management server? Then nothing to do.",
    'status="$(netbird status --json 2>/dev/null || true)"',
    'if [ -n "$status" ] && jq -e --arg h "$MGMT_HOST" \'.management.connected == true and (.management.url | contains($h))\' <<<"$status" >/dev/null; then',
    '  echo "already connected to $MGMT_URL"',
    "  exit 0",
    "fi",
    "",
    'netbird up --management-url "$MGMT_URL" --setup-key-file "$SETUP_KEY_FILE" --hostname "$PEER_HOSTNAME"',
    "",
  );
  return lines.join("\n");
}
