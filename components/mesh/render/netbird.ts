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

const HARDENING = [
  "NoNewPrivileges=yes",
  "ProtectSystem=strict",
  "ProtectHome=yes",
  "PrivateTmp=yes",
  "AmbientCapabilities=CAP_NET_BIND_SERVICE",
  "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
];

function unit(description: string, lines: string[]): string {
  return [
    "[Unit]",
    `Description=${description}`,
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    "User=netbird",
    "Group=netbird",
    ...lines,
    ...HARDENING,
    "Restart=on-failure",
    "RestartSec=5",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** systemd units for management, signal and relay (with embedded STUN). */
export function netbirdServerUnits(args: NetbirdServerArgs): { management: string; signal: string; relay: string } {
  const v = d(args);
  const paths = netbirdPaths(args);
  const management = unit(`NetBird management ${NETBIRD_VERSION}`, [
    `EnvironmentFile=${v.secretsEnvFile}`,
    `ReadWritePaths=${v.dataDir}`,
    [
      "ExecStart=/usr/local/bin/netbird-mgmt management",
      `--config ${paths.managementConfig}`,
      `--datadir ${v.dataDir}`,
      `--port ${v.managementPort}`,
      `--metrics-port ${v.metrics.management}`,
      `--dns-domain ${v.dnsDomain}`,
      `--single-account-mode-domain ${v.dnsDomain}`,
      "--disable-legacy-port",
      "--disable-anonymous-metrics",
      "--log-file console",
    ].join(" "),
  ]);
  const signal = unit(`NetBird signal ${NETBIRD_VERSION}`, [
    [
      "ExecStart=/usr/local/bin/netbird-signal run",
      `--port ${v.signalPort}`,
      `--metrics-port ${v.metrics.signal}`,
      `--cert-file ${args.tlsCertFile}`,
      `--cert-key ${args.tlsKeyFile}`,
      "--log-file console",
    ].join(" "),
  ]);
  const relay = unit(`NetBird relay + STUN ${NETBIRD_VERSION}`, [
    `EnvironmentFile=${v.secretsEnvFile}`,
    `Environment=NB_LISTEN_ADDRESS=:${v.relayPort}`,
    `Environment=NB_EXPOSED_ADDRESS=${relayAddress(args)}`,
    `Environment=NB_TLS_CERT_FILE=${args.tlsCertFile}`,
    `Environment=NB_TLS_KEY_FILE=${args.tlsKeyFile}`,
    "Environment=NB_ENABLE_STUN=true",
    `Environment=NB_STUN_PORTS=${v.stunPort}`,
    `Environment=NB_METRICS_PORT=${v.metrics.relay}`,
    "Environment=NB_LOG_FILE=console",
    "ExecStart=/usr/local/bin/netbird-relay",
  ]);
  return { management, signal, relay };
}

/**
 * A server binary taken from NetBird's published OCI image. NetBird releases
 * ship only the client as tarballs; management/signal/relay are published as
 * images (ghcr.io/netbirdio/{management,signal,relay}:<version>) whose last
 * layer holds the binary at go/bin/<name>.
 */
export interface OciLayerBinary {
  /** Registry repository, e.g. "netbirdio/management" (on ghcr.io). */
  repository: string;
  /**
   * Digest of the image layer that contains the binary, "sha256:<hex>", for
   * linux/amd64 at NETBIRD_VERSION. Obtain once with
   * `crane manifest --platform linux/amd64 ghcr.io/netbirdio/management:0.77.1`
   * (last layer) and record it; the script verifies the download against it.
   */
  layerDigest: string;
  /** Path inside the layer, e.g. "go/bin/netbird-mgmt". */
  pathInLayer: string;
}

export interface NetbirdInstallArgs {
  server: NetbirdServerArgs;
  binaries: { management: OciLayerBinary; signal: OciLayerBinary; relay: OciLayerBinary };
  /** Optional internal CA (PEM path on the target) to trust (authentik's TLS). */
  caCertFile?: string;
}

/** Default OCI repositories / paths (digests must be supplied). */
export function netbirdOciBinaries(digests: { management: string; signal: string; relay: string }) {
  return {
    management: { repository: "netbirdio/management", layerDigest: digests.management, pathInLayer: "go/bin/netbird-mgmt" },
    signal: { repository: "netbirdio/signal", layerDigest: digests.signal, pathInLayer: "go/bin/netbird-signal" },
    relay: { repository: "netbirdio/relay", layerDigest: digests.relay, pathInLayer: "go/bin/netbird-relay" },
  };
}

const OCI_FETCH_FN = `# fetch_oci_binary <repository> <layer-digest> <path-in-layer> <dest>
# Downloads one layer blob from ghcr.io anonymously, verifies its sha256 against
# the pinned digest, and installs the binary. Skips when already installed.
fetch_oci_binary() {
  local repo="$1" digest="$2" inner="$3" dest="$4"
  local stamp
  stamp="/usr/local/lib/homelab/$(basename "$dest").digest"
  if [ -x "$dest" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
    return 0
  fi
  local work token
  work="$(mktemp -d)"
  token="$(curl -fsSL "https://ghcr.io/token?scope=repository:\${repo}:pull" | jq -r .token)"
  curl -fsSL -H "Authorization: Bearer \${token}" -o "$work/layer" "https://ghcr.io/v2/\${repo}/blobs/\${digest}"
  echo "\${digest#sha256:}  $work/layer" | sha256sum -c --quiet -
  tar -xf "$work/layer" -C "$work" "$inner"
  install -D -m 0755 "$work/$inner" "$dest"
  if ! "$dest" --help >/dev/null 2>&1; then
    echo "error: $dest does not run on this system (glibc too old for a CGO build?)" >&2
    exit 1
  fi
  mkdir -p /usr/local/lib/homelab
  echo "$digest" >"$stamp"
  rm -rf "$work"
  CHANGED=1
}`;

/** Idempotent install script for the coordinator LXC (Debian). */
export function netbirdServerInstallScript(args: NetbirdInstallArgs): string {
  const v = d(args.server);
  const paths = netbirdPaths(args.server);
  const units = netbirdServerUnits(args.server);
  const b = args.binaries;
  for (const [k, bin] of Object.entries(b)) assertOciDigest(`binaries.${k}.layerDigest`, bin.layerDigest);
  const required = Object.values(NETBIRD_SECRET_ENV);
  const lines = [
    "#!/usr/bin/env bash",
    `# NetBird coordinator ${NETBIRD_VERSION}: management + signal + relay/STUN. Idempotent.`,
    "set -euo pipefail",
    "CHANGED=0",
    "",
    "export DEBIAN_FRONTEND=noninteractive",
    "missing=()",
    "for p in curl jq ca-certificates; do dpkg -s \"$p\" >/dev/null 2>&1 || missing+=(\"$p\"); done",
    'if [ "${#missing[@]}" -gt 0 ]; then apt-get update -q && apt-get install -y -q "${missing[@]}"; fi',
    "",
    OCI_FETCH_FN,
    "",
    "getent group netbird >/dev/null || groupadd --system netbird",
    "getent passwd netbird >/dev/null || useradd --system --gid netbird --home-dir " + shq(v.dataDir) + " --shell /usr/sbin/nologin netbird",
    `install -d -m 0750 -o netbird -g netbird ${shq(v.dataDir)}`,
    `install -d -m 0750 -o root -g netbird ${shq(v.configDir)}`,
    "",
  ];
  if (args.caCertFile) {
    lines.push(
      `if ! cmp -s ${shq(args.caCertFile)} /usr/local/share/ca-certificates/homelab-ca.crt; then`,
      `  install -m 0644 ${shq(args.caCertFile)} /usr/local/share/ca-certificates/homelab-ca.crt`,
      "  update-ca-certificates",
      "fi",
      "",
    );
  }
  lines.push(
    `fetch_oci_binary ${shq(b.management.repository)} ${shq(b.management.layerDigest)} ${shq(b.management.pathInLayer)} /usr/local/bin/netbird-mgmt`,
    `fetch_oci_binary ${shq(b.signal.repository)} ${shq(b.signal.layerDigest)} ${shq(b.signal.pathInLayer)} /usr/local/bin/netbird-signal`,
    `fetch_oci_binary ${shq(b.relay.repository)} ${shq(b.relay.layerDigest)} ${shq(b.relay.pathInLayer)} /usr/local/bin/netbird-relay`,
    "",
    "# Secrets come from a pre-provisioned env file; refuse to start without them.",
    `secrets=${shq(v.secretsEnvFile)}`,
    'if [ ! -f "$secrets" ]; then echo "error: missing $secrets" >&2; exit 1; fi',
    `for key in ${required.join(" ")}; do`,
    '  grep -q "^${key}=." "$secrets" || { echo "error: $key not set in $secrets" >&2; exit 1; }',
    "done",
    'chown root:netbird "$secrets"',
    'chmod 0640 "$secrets"',
    `for f in ${shq(args.server.tlsCertFile)} ${shq(args.server.tlsKeyFile)}; do`,
    '  [ -f "$f" ] || { echo "error: missing TLS file $f" >&2; exit 1; }',
    "done",
    `chgrp netbird ${shq(args.server.tlsKeyFile)}`,
    `chmod 0640 ${shq(args.server.tlsKeyFile)}`,
    "",
    writeFileIfChanged(paths.managementConfig, managementConfig(args.server), "0640", "root:netbird"),
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
  );
  return lines.join("\n");
}

export interface NetbirdApiSetupArgs {
  /** Management API base URL, e.g. https://netbird.bo.home.arpa:443 */
  managementUrl: string;
  /** File holding a Personal Access Token of a NetBird admin/service user. */
  patFile: string;
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

ensure_network() { # ensure_network <name> <description>; sets NET_ID
  NET_ID="$(api GET /networks | jq -r --arg n "$1" '[.[] | select(.name == $n)][0].id // empty')"
  if [ -z "$NET_ID" ]; then
    NET_ID="$(api POST /networks "$(jq -cn --arg n "$1" --arg d "$2" '{name: $n, description: $d}')" | jq -r .id)"
    echo "created network $1" >&2
  fi
}

ensure_resource() { # ensure_resource <network-id> <name> <address> <groups...>
  local net="$1" name="$2" addr="$3"; shift 3
  local groups body id
  groups="$(ids_json "$@")"
  body="$(jq -cn --arg n "$name" --arg a "$addr" --argjson g "$groups" '{name: $n, address: $a, enabled: true, groups: $g}')"
  id="$(api GET "/networks/\${net}/resources" | jq -r --arg n "$name" '[.[] | select(.name == $n)][0].id // empty')"
  if [ -z "$id" ]; then
    api POST "/networks/\${net}/resources" "$body" >/dev/null
    echo "created resource $name" >&2
  else
    api PUT "/networks/\${net}/resources/\${id}" "$body" >/dev/null
  fi
}

ensure_router() { # ensure_router <network-id> <peer-group> <metric> <masquerade>
  local net="$1" groups body id
  groups="$(ids_json "$2")"
  body="$(jq -cn --argjson g "$groups" --argjson m "$3" --argjson q "$4" '{peer_groups: $g, metric: $m, masquerade: $q, enabled: true}')"
  id="$(api GET "/networks/\${net}/routers" | jq -r --argjson g "$groups" '[.[] | select(.peer_groups == $g)][0].id // empty')"
  if [ -z "$id" ]; then
    api POST "/networks/\${net}/routers" "$body" >/dev/null
    echo "created router for $2" >&2
  else
    api PUT "/networks/\${net}/routers/\${id}" "$body" >/dev/null
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
    `# NetBird ${NETBIRD_VERSION} API bootstrap (groups, setup keys, networks, policies). Idempotent.`,
    "set -euo pipefail",
    `MGMT_URL=${shq(url)}`,
    `PAT_FILE=${shq(assertSingleLine("patFile", args.patFile))}`,
    `KEY_DIR=${shq(assertSingleLine("setupKeyDir", args.setupKeyDir))}`,
    'PAT="$(tr -d "[:space:]" <"$PAT_FILE")"',
    '[ -n "$PAT" ] || { echo "error: empty PAT file $PAT_FILE" >&2; exit 1; }',
    'install -d -m 0700 "$KEY_DIR"',
    "declare -A GROUP_IDS=()",
    "NET_ID=",
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
    "# networks (one per site): resources and routing peer group",
  ];
  for (const site of plan.sites) {
    lines.push(`ensure_network ${shq(`site-${site.id}`)} ${shq(`Site ${site.id} LAN ${site.lan}`)}`);
    for (const r of plan.resources.filter((x) => x.site === site.id)) {
      lines.push(`ensure_resource "$NET_ID" ${shq(r.name)} ${shq(r.address)} ${q(r.groups)}`);
    }
    for (const r of plan.routers.filter((x) => x.site === site.id)) {
      lines.push(`ensure_router "$NET_ID" ${shq(r.peerGroup)} ${r.metric} ${r.masquerade}`);
    }
  }
  lines.push("", "# policies");
  for (const p of plan.policies) {
    lines.push(
      `ensure_policy ${shq(p.name)} ${shq(p.description)} ${p.protocol} ${shq(JSON.stringify(p.ports.map(String)))} ${p.bidirectional} "$(ids_json ${q(p.sources)})" "$(ids_json ${q(p.destinations)})"`,
    );
  }
  lines.push("");
  return lines.join("\n");
}

export interface NetbirdClientPackage {
  /**
   * sha256 of netbird_<version>_linux_amd64.tar.gz as listed in the release's
   * netbird_<version>_checksums.txt (GitHub release v<version>).
   */
  tarballSha256: string;
  /** Default "amd64". */
  arch?: "amd64" | "arm64";
}

export interface NetbirdPeerArgs {
  managementUrl: string;
  /** File on the peer holding its setup key (copied there by the lead; 0600). */
  setupKeyFile: string;
  /** Peer hostname shown in NetBird. */
  hostname: string;
  client: NetbirdClientPackage;
  /** Optional internal CA (PEM path on the peer) that signed the coordinator certificate. */
  caCertFile?: string;
}

/** Idempotent peer enrolment: install client, install service, `netbird up` unless already connected. */
export function netbirdPeerEnrolScript(args: NetbirdPeerArgs): string {
  const url = assertSingleLine("managementUrl", args.managementUrl).replace(/\/+$/, "");
  const sha = assertSha256("client.tarballSha256", args.client.tarballSha256);
  const arch = args.client.arch ?? "amd64";
  const host = new URL(url).hostname;
  const tarball = `netbird_${NETBIRD_VERSION}_linux_${arch}.tar.gz`;
  const lines = [
    "#!/usr/bin/env bash",
    `# NetBird ${NETBIRD_VERSION} peer enrolment. Idempotent.`,
    "set -euo pipefail",
    `MGMT_URL=${shq(url)}`,
    `MGMT_HOST=${shq(host)}`,
    `SETUP_KEY_FILE=${shq(assertSingleLine("setupKeyFile", args.setupKeyFile))}`,
    `PEER_HOSTNAME=${shq(assertSingleLine("hostname", args.hostname))}`,
    `TARBALL=${shq(tarball)}`,
    `TARBALL_SHA256=${sha}`,
    `RELEASE_URL=${shq(`https://github.com/netbirdio/netbird/releases/download/v${NETBIRD_VERSION}`)}`,
    "",
    "export DEBIAN_FRONTEND=noninteractive",
    "missing=()",
    "for p in curl jq ca-certificates; do dpkg -s \"$p\" >/dev/null 2>&1 || missing+=(\"$p\"); done",
    'if [ "${#missing[@]}" -gt 0 ]; then apt-get update -q && apt-get install -y -q "${missing[@]}"; fi',
    "",
  ];
  if (args.caCertFile) {
    lines.push(
      `if ! cmp -s ${shq(args.caCertFile)} /usr/local/share/ca-certificates/homelab-ca.crt; then`,
      `  install -m 0644 ${shq(args.caCertFile)} /usr/local/share/ca-certificates/homelab-ca.crt`,
      "  update-ca-certificates",
      "fi",
      "",
    );
  }
  lines.push(
    `if ! command -v netbird >/dev/null 2>&1 || ! netbird version 2>/dev/null | grep -qx ${shq(NETBIRD_VERSION)}; then`,
    '  work="$(mktemp -d)"',
    '  curl -fsSL -o "$work/$TARBALL" "$RELEASE_URL/$TARBALL"',
    '  echo "$TARBALL_SHA256  $work/$TARBALL" | sha256sum -c --quiet -',
    '  tar -xzf "$work/$TARBALL" -C "$work" netbird',
    '  install -m 0755 "$work/netbird" /usr/local/bin/netbird',
    '  rm -rf "$work"',
    "fi",
    "",
    'if ! systemctl list-unit-files netbird.service >/dev/null 2>&1 || ! systemctl cat netbird.service >/dev/null 2>&1; then',
    "  netbird service install",
    "fi",
    "systemctl enable --now netbird.service >/dev/null",
    "",
    "# Already enrolled and connected to this management server? Then nothing to do.",
    'status="$(netbird status --json 2>/dev/null || true)"',
    'if [ -n "$status" ] && jq -e --arg h "$MGMT_HOST" \'.management.connected == true and (.management.url | contains($h))\' <<<"$status" >/dev/null; then',
    '  echo "already connected to $MGMT_URL"',
    "  exit 0",
    "fi",
    "",
    '[ -s "$SETUP_KEY_FILE" ] || { echo "error: setup key file $SETUP_KEY_FILE missing" >&2; exit 1; }',
    'netbird up --management-url "$MGMT_URL" --setup-key-file "$SETUP_KEY_FILE" --hostname "$PEER_HOSTNAME"',
    "",
  );
  return lines.join("\n");
}
