/**
 * NetBird peer enrolment (components/mesh/scripts/netbird-enrol.sh): install the pinned client, trust
 * the internal CA, store the setup key from NB_SETUP_KEY (the Command's stdin) and `netbird up` against
 * our coordinator; with no key yet (the coordinator's site has not exported one) it does nothing.
 */
import { assertSha256, assertSingleLine, readScript, shellScript } from "../../shell";
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

const ENROL_SH = readScript(__dirname, "../scripts/netbird-enrol.sh");

/**
 * Idempotent peer enrolment: install the pinned client, trust the internal CA,
 * install the service, store the setup key from NB_SETUP_KEY and `netbird up`
 * against our management URL unless already connected to it. An empty NB_SETUP_KEY
 * skips everything and succeeds.
 */
export function netbirdPeerEnrolScript(args: NetbirdPeerArgs): string {
  const url = assertSingleLine("managementUrl", args.managementUrl).replace(/\/+$/, "");
  if (!/^https:\/\//.test(url)) throw new Error("managementUrl must be https");
  if (/(^|\.)netbird\.io$/i.test(new URL(url).hostname)) throw new Error("managementUrl must be our coordinator, not NetBird's public service");
  const client = args.client ?? {};
  const arch = client.arch ?? "amd64";
  return shellScript({
    title: `NetBird ${NETBIRD_VERSION} peer enrolment`,
    source: "components/mesh/render/netbirdPeer.ts + components/mesh/scripts/netbird-enrol.sh",
    logTag: "netbird",
    env: {
      MGMT_URL: url,
      MGMT_HOST: new URL(url).hostname,
      SETUP_KEY_FILE: assertSingleLine("setupKeyFile", args.setupKeyFile),
      PEER_HOSTNAME: assertSingleLine("hostname", args.hostname),
      NETBIRD_VERSION,
      CLIENT_TARBALL: `netbird_${NETBIRD_VERSION}_linux_${arch}.tar.gz`,
      CLIENT_TARBALL_SHA256: client.tarballSha256 ? assertSha256("client.tarballSha256", client.tarballSha256) : "",
      RELEASE_URL: `https://github.com/netbirdio/netbird/releases/download/v${NETBIRD_VERSION}`,
      APT_KEY_URL: NETBIRD_APT.key,
      APT_KEYRING: NETBIRD_APT.keyring,
      APT_SOURCE: NETBIRD_APT.list,
    },
    body: ENROL_SH,
  });
}
