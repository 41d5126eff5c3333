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
import { assertOciDigest, assertSingleLine, putEnv, putText, shellScript, shq } from "../../shell";
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
    "ensure_packages podman",
    "",
    `trust_ca ${AUTHENTIK_INSTALL_ENV.caCert}`,
    "",
    "# Secrets: from the Command environment into the root-only env file.",
    `put_env_file ${shq(v.secretsEnvFile)} ${authentikRequiredSecretKeys(blueprint).join(" ")}`,
    "",
    "# The image runs as uid/gid 1000.",
    `install -d -m 0750 -o 1000 -g 1000 ${shq(`${v.dataDir}/data`)} ${shq(`${v.dataDir}/templates`)}`,
    `install -d -m 0750 -o 1000 -g 1000 ${shq(`${v.dataDir}/certs`)}`,
    `install -d -m 0755 ${shq(`${v.configDir}/blueprints`)}`,
    "",
  ];
  if (args.tls) {
    lines.push(
      putEnv(`${v.dataDir}/certs/${AUTHENTIK_TLS_KEYPAIR}.pem`, "0644", "root:root", AUTHENTIK_INSTALL_ENV.tlsCert),
      putEnv(`${v.dataDir}/certs/${AUTHENTIK_TLS_KEYPAIR}.key`, "0600", "root:root", AUTHENTIK_INSTALL_ENV.tlsKey),
      `chown 1000:1000 ${shq(`${v.dataDir}/certs/${AUTHENTIK_TLS_KEYPAIR}.pem`)} ${shq(`${v.dataDir}/certs/${AUTHENTIK_TLS_KEYPAIR}.key`)}`,
      "",
    );
  }
  lines.push(
    "# Pinned image (tag, plus digest when given); the units never pull.",
    `if ! podman image exists ${shq(v.image)}; then`,
    `  podman pull ${shq(v.image)}`,
    "  mark_changed",
    "fi",
    "",
    ...putText(`${v.configDir}/authentik.env`, "0644", "root:root", authentikEnv(args)),
  );
  if (blueprint) {
    lines.push(...putText(`${v.configDir}/blueprints/homelab.yaml`, "0644", "root:root", authentikBlueprint(blueprint)));
  }
  lines.push(
    ...putText("/etc/systemd/system/authentik-server.service", "0644", "root:root", units.server),
    ...putText("/etc/systemd/system/authentik-worker.service", "0644", "root:root", units.worker),
    "",
    "systemctl daemon-reload",
    "converge_units authentik-server authentik-worker",
  );
  return shellScript({ title: `authentik ${AUTHENTIK_VERSION} via podman + systemd`, source: "components/mesh/render/authentik.ts", body: lines });
}

