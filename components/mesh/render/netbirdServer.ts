/**
 * The NetBird coordinator host: systemd units running management, signal and relay as podman
 * containers, and the idempotent install script. Secrets arrive in the Command's environment
 * (NETBIRD_INSTALL_ENV) and go to root-only files; nothing secret is in the text.
 */
import { putEnv, putText, shellScript, shq } from "../../shell";
import { managementConfig, relayAddress, NETBIRD_INSTALL_ENV, NETBIRD_SECRET_ENV, NETBIRD_VERSION, netbirdDefaults, NetbirdImageDigests, netbirdImages, netbirdPaths, NetbirdServerArgs } from "./netbirdConfig";

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

/**
 * Idempotent install script for the coordinator LXC (Debian, features
 * nesting+keyctl for podman). Secrets and PEMs arrive in the environment
 * (NETBIRD_INSTALL_ENV) and are written to root-only files; nothing secret is
 * in the script text.
 */
export function netbirdServerInstallScript(args: NetbirdInstallArgs): string {
  const v = netbirdDefaults(args.server);
  const paths = netbirdPaths(args.server);
  const units = netbirdServerUnits(args.server, args.imageDigests);
  const img = netbirdImages(args.imageDigests);
  const E = NETBIRD_INSTALL_ENV;
  const lines = [
    "# jq: the API setup script (run on this host after install) parses the management API with it",
    "ensure_packages podman ca-certificates curl jq",
    "",
    `install -d -m 0750 ${shq(v.dataDir)}`,
    `install -d -m 0750 ${shq(v.configDir)}`,
    "",
    `trust_ca ${E.caCert}`,
    "",
    "# Secrets: from the Command environment into the root-only env file.",
    `put_env_file ${shq(v.secretsEnvFile)} ${Object.values(NETBIRD_SECRET_ENV).join(" ")}`,
    putEnv(args.server.tlsCertFile, "0644", "root:root", E.tlsCert),
    putEnv(args.server.tlsKeyFile, "0600", "root:root", E.tlsKey),
    "",
    "# Images pinned by version tag (and digest when given); units never pull.",
    `for image in ${shq(img.management)} ${shq(img.signal)} ${shq(img.relay)}; do`,
    '  if ! podman image exists "$image"; then',
    '    podman pull "$image"',
    "    mark_changed",
    "  fi",
    "done",
    "",
    ...putText(paths.managementConfig, "0640", "root:root", managementConfig(args.server)),
    ...putText(paths.units.management, "0644", "root:root", units.management),
    ...putText(paths.units.signal, "0644", "root:root", units.signal),
    ...putText(paths.units.relay, "0644", "root:root", units.relay),
    "",
    "systemctl daemon-reload",
    "converge_units netbird-signal netbird-relay netbird-management",
    "",
    "# Wait for the management API (TLS verified against the installed CA; 401 = up, no token).",
    `probe=(--resolve ${shq(`${v.domain}:${v.managementPort}:127.0.0.1`)} ${shq(`https://${v.domain}:${v.managementPort}/api/accounts`)})`,
    "up=0",
    "for _ in $(seq 1 60); do",
    '  code="$(curl -s -o /dev/null -w \'%{http_code}\' "${probe[@]}" || true)"',
    '  if [ "$code" = 401 ] || [ "$code" = 200 ]; then up=1; break; fi',
    "  sleep 2",
    "done",
    'if [ "$up" != 1 ]; then die "error: netbird management did not answer within 120s (journalctl -u netbird-management)"; fi',
    'echo "netbird management is up"',
  ];
  return shellScript({
    title: `NetBird coordinator ${NETBIRD_VERSION}: management + signal + relay/STUN as podman containers`,
    source: "components/mesh/render/netbirdServer.ts",
    body: lines,
  });
}

