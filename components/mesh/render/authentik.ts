/**
 * Pure renderers for authentik (OIDC IdP for NetBird, Gitea, n8n, Paperless-ngx): settings, units
 * and the install script here; the blueprint (OIDC providers/applications) in authentikBlueprint.ts,
 * re-exported.
 * Pinned to authentik 2026.5.6, run from the official container image with
 * podman under systemd (authentik publishes no native packages). Since 2025.10
 * authentik needs only PostgreSQL (no Redis).
 *
 * No secret values are rendered: the install script writes the secrets it
 * receives in its environment (AUTHENTIK_INSTALL_ENV + blueprint keys) to a
 * root-only env file the containers read; blueprints reference them with !Env.
 */
import { assertOciDigest, assertSingleLine, readScript, shellScript } from "../../shell";
import { AUTHENTIK_VERSION, authentikBlueprint, BlueprintArgs, blueprintSecretEnvKeys } from "./authentikBlueprint";

export * from "./authentikBlueprint";

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

/**
 * Listeners of each container. Both run with `--network host`, and since 2026.5 the worker serves HTTP
 * itself (authentik src/worker/mod.rs: in worker mode it binds every `listen.http` address; src/main.rs
 * binds every `listen.metrics` address in both modes) with the same defaults as the server
 * (`[::]:9000`, `[::]:9443`, `[::]:9300`); a failed bind is fatal, so one of the two crash-loops
 * (goauthentik/authentik#22606, #21987). Each unit therefore sets all three explicitly
 * (`AUTHENTIK_LISTEN__HTTP/HTTPS/METRICS`, the `listen.*` settings), the worker's on loopback and on
 * ports the server does not use. {@link authentikListenerPorts} is what the test checks for disjointness.
 */
export const AUTHENTIK_LISTENERS = {
  server: { HTTP: "[::]:9000", HTTPS: "[::]:9443", METRICS: "[::]:9300" },
  worker: { HTTP: "127.0.0.1:9001", HTTPS: "127.0.0.1:9444", METRICS: "127.0.0.1:9301" },
} as const satisfies Record<"server" | "worker", Record<"HTTP" | "HTTPS" | "METRICS", string>>;

/** Every TCP port a role binds (from {@link AUTHENTIK_LISTENERS}). */
export function authentikListenerPorts(role: "server" | "worker"): number[] {
  return Object.values(AUTHENTIK_LISTENERS[role]).map((addr) => Number(/:(\d+)$/.exec(addr)![1]));
}

/** `host:port` of the server's plain HTTP listener as seen from the host itself (readiness probes). */
const SERVER_HTTP_LOCAL = `127.0.0.1:${authentikListenerPorts("server")[0]}`;

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
    ...Object.entries(AUTHENTIK_LISTENERS[role]).map(([k, addr]) => `-e AUTHENTIK_LISTEN__${k}=${addr}`),
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

/** Where the blueprint lives under authentik's blueprints_dir (/blueprints): the instance's `path`. */
export const AUTHENTIK_BLUEPRINT_PATH = "custom/homelab.yaml";

const INSTALL_SH = readScript(__dirname, "../scripts/authentik-install.sh");

/**
 * Idempotent install script (Debian LXC with nesting enabled for podman): components/mesh/scripts/
 * authentik-install.sh with its settings. It returns only when authentik is really ready: server and
 * worker healthy, the TLS keypair discovered and the blueprint applied (status `successful` with the
 * file's hash), so nothing that depends on the install (NetBird's OIDC discovery) starts early.
 */
export function authentikInstallScript(args: AuthentikArgs, blueprint?: BlueprintArgs, opts: { readyTimeoutSec?: number } = {}): string {
  const v = a(args);
  const units = authentikUnits(args);
  const text = (t: string) => t.replace(/\n$/, ""); // the script's here-strings add the final newline back
  return shellScript({
    title: `authentik ${AUTHENTIK_VERSION} via podman + systemd`,
    source: "components/mesh/render/authentik.ts + components/mesh/scripts/authentik-install.sh",
    logTag: "authentik",
    env: {
      AK_IMAGE: v.image,
      AK_DATA_DIR: v.dataDir,
      AK_CONFIG_DIR: v.configDir,
      AK_SECRETS_ENV: v.secretsEnvFile,
      AK_SECRET_KEYS: authentikRequiredSecretKeys(blueprint),
      AK_TLS: !!args.tls,
      AK_TLS_KEYPAIR: AUTHENTIK_TLS_KEYPAIR,
      AK_ENV_TEXT: text(authentikEnv(args)),
      AK_BLUEPRINT_TEXT: blueprint ? text(authentikBlueprint(blueprint)) : "",
      AK_BLUEPRINT_REL: AUTHENTIK_BLUEPRINT_PATH,
      AK_SERVER_UNIT: text(units.server),
      AK_WORKER_UNIT: text(units.worker),
      AK_SERVER_HTTP: SERVER_HTTP_LOCAL,
      AK_WORKER_HTTP: AUTHENTIK_LISTENERS.worker.HTTP,
      AK_READY_TIMEOUT: opts.readyTimeoutSec ?? 900,
    },
    body: INSTALL_SH,
  });
}
