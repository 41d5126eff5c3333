/**
 * NetBird peer enrolment: install the pinned client, trust the internal CA, store the setup key
 * from NB_SETUP_KEY (the Command's stdin) and `netbird up` against our coordinator.
 */
import { assertSha256, assertSingleLine, shellScript, shq } from "../../shell";
import { NETBIRD_VERSION } from "./netbirdConfig";

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
    `MGMT_URL=${shq(url)}`,
    `MGMT_HOST=${shq(host)}`,
    `SETUP_KEY_FILE=${shq(assertSingleLine("setupKeyFile", args.setupKeyFile))}`,
    `PEER_HOSTNAME=${shq(assertSingleLine("hostname", args.hostname))}`,
    `NETBIRD_VERSION=${shq(NETBIRD_VERSION)}`,
    "",
    "ensure_packages curl jq ca-certificates gnupg",
    "",
    `trust_ca ${NETBIRD_PEER_ENV.caCert}`,
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
    "  mark_changed",
    "fi",
    "",
    "if ! systemctl cat netbird.service >/dev/null 2>&1; then",
    "  netbird service install",
    "fi",
    "systemctl enable --now netbird.service >/dev/null",
    "if changed; then systemctl restart netbird.service; fi",
    "",
    `put_env ${NETBIRD_PEER_ENV.setupKey} "$SETUP_KEY_FILE" 0600 root:root`,
    "",
    "# Already connected to this management server? Then nothing to do.",
    'status="$(netbird status --json 2>/dev/null || true)"',
    'if [ -n "$status" ] && jq -e --arg h "$MGMT_HOST" \'.management.connected == true and (.management.url | contains($h))\' <<<"$status" >/dev/null; then',
    '  echo "already connected to $MGMT_URL"',
    "  exit 0",
    "fi",
    "",
    'netbird up --management-url "$MGMT_URL" --setup-key-file "$SETUP_KEY_FILE" --hostname "$PEER_HOSTNAME"',
  );
  return shellScript({ title: `NetBird ${NETBIRD_VERSION} peer enrolment`, source: "components/mesh/render/netbirdPeer.ts", body: lines });
}
