/**
 * The NetBird coordinator host: systemd units running management, signal and relay as podman
 * containers, and the idempotent install script. Secrets arrive in the Command's environment
 * (NETBIRD_INSTALL_ENV) and go to root-only files; nothing secret is in the text.
 */
import { readScript, shellScript } from "../../shell";
import { authentikOidcEndpoints, managementConfig, relayAddress, NETBIRD_SECRET_ENV, NETBIRD_VERSION, netbirdDefaults, NetbirdImageDigests, netbirdImages, netbirdPaths, NetbirdServerArgs } from "./netbirdConfig";

function containerUnit(description: string, name: string, runArgs: string[], image: string, cmdArgs: string[], after: string[] = [], execStartPre: string[] = []): string {
  const run = ["/usr/bin/podman run --rm --replace", `--name ${name}`, "--network host", "--pull never", ...runArgs, image, ...cmdArgs].join(" ");
  return [
    "[Unit]",
    `Description=${description}`,
    "After=network-online.target" + after.map((a) => ` ${a}`).join(""),
    "Wants=network-online.target",
    "",
    "[Service]",
    ...execStartPre.map((c) => `ExecStartPre=${c}`),
    `ExecStart=${run}`,
    `ExecStop=/usr/bin/podman stop -t 20 ${name}`,
    "Restart=on-failure",
    "RestartSec=5",
    `TimeoutStartSec=${execStartPre.length ? 660 : 120}`,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** ExecStartPre command: retry the discovery URL (host trust store) for up to ~10 minutes. */
export function waitForDiscovery(url: string): string {
  return `/usr/bin/curl -fsS -o /dev/null --max-time 10 --retry 60 --retry-delay 10 --retry-all-errors ${url}`;
}

/**
 * systemd units running management, signal and relay (with embedded STUN) as
 * podman containers on the host network. Config, TLS and data dirs are
 * mounted at the same paths inside the containers, so management.json paths
 * hold in both places. The containers trust the host CA bundle (internal CA
 * included) through SSL_CERT_FILE.
 */
export function netbirdServerUnits(args: NetbirdServerArgs, digests: NetbirdImageDigests = {}): { management: string; signal: string; relay: string } {
  const v = netbirdDefaults(args);
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
    // Management exits at start when the IdP's discovery fails (management/cmd/management.go
    // ApplyOIDCConfig, v0.77.1): every start (boot, restart) first waits until it answers.
    [waitForDiscovery(authentikOidcEndpoints(v.issuer).discovery)],
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

const INSTALL_SH = readScript(__dirname, "../scripts/netbird-install.sh");

/**
 * Idempotent install script for the coordinator LXC (Debian, podman): components/mesh/scripts/
 * netbird-install.sh with its settings. Secrets and PEMs arrive in the environment
 * (NETBIRD_INSTALL_ENV) and are written to root-only files; nothing secret is in the script text.
 * Management starts only once the IdP's OIDC discovery answers.
 */
export function netbirdServerInstallScript(args: NetbirdInstallArgs & { waitTimeoutSec?: number }): string {
  const v = netbirdDefaults(args.server);
  const paths = netbirdPaths(args.server);
  const units = netbirdServerUnits(args.server, args.imageDigests);
  const img = netbirdImages(args.imageDigests);
  const text = (t: string) => t.replace(/\n$/, ""); // the script's here-strings add the final newline back
  return shellScript({
    title: `NetBird coordinator ${NETBIRD_VERSION}: management + signal + relay/STUN as podman containers`,
    source: "components/mesh/render/netbirdServer.ts + components/mesh/scripts/netbird-install.sh",
    logTag: "netbird",
    env: {
      NB_IMAGES: [img.management, img.signal, img.relay],
      NB_DATA_DIR: v.dataDir,
      NB_CONFIG_DIR: v.configDir,
      NB_SECRETS_ENV: v.secretsEnvFile,
      NB_SECRET_KEYS: Object.values(NETBIRD_SECRET_ENV),
      NB_TLS_CERT_FILE: args.server.tlsCertFile,
      NB_TLS_KEY_FILE: args.server.tlsKeyFile,
      NB_MGMT_CONFIG: paths.managementConfig,
      NB_MGMT_CONFIG_TEXT: text(managementConfig(args.server)),
      NB_UNIT_PATHS: [paths.units.signal, paths.units.relay, paths.units.management],
      NB_UNIT_TEXTS: [text(units.signal), text(units.relay), text(units.management)],
      NB_OIDC_DISCOVERY: authentikOidcEndpoints(v.issuer).discovery,
      NB_MGMT_DOMAIN: v.domain,
      NB_MGMT_PORT: v.managementPort,
      NB_WAIT_TIMEOUT: args.waitTimeoutSec ?? 600,
    },
    body: INSTALL_SH,
  });
}
