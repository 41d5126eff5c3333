/**
 * The OCI runner of the app mechanism: an app whose upstream ships a container image runs it
 * under Debian's podman, pulled by digest (never by tag), as one systemd service per container in
 * the shape of `podman generate systemd --new`, with its non-secret environment in a rendered file,
 * its secrets in a root-only file written from the Command's stdin, its state in bind-mounted
 * directories on the guest's data mounts and its ports published on the service address only.
 * Modules (e.g. an Open WebUI module) describe an {@link OciContainer}; {@link ociAppScript} renders
 * the whole idempotent install (their own steps before and after) with scripts/oci-install.sh.
 *
 * Upstream facts (containers/podman v4.3.1, Debian bookworm's podman 4.3.1+ds1-8):
 * - pkg/systemd/generate/containers.go, `--new`: Type=notify with NotifyAccess=all; ExecStart is
 *   `podman run --cidfile=%t/%n.ctr-id --cgroups=no-conmon --rm --sdnotify=conmon -d --replace
 *   --name NAME …`; ExecStop `podman stop --ignore -t T --cidfile=%t/%n.ctr-id`; ExecStopPost
 *   `podman rm -f --ignore -t T --cidfile=%t/%n.ctr-id`; `Environment=PODMAN_SYSTEMD_UNIT=%n`;
 *   TimeoutStopSec is 60 + T (common.go minTimeoutStopSec); Wants/After network-online.target.
 * - pkg/systemd/define/const.go: the default restart policy is on-failure.
 * - pkg/env/env.go ParseFile: an `--env-file` line is NAME=VALUE taken literally (no quoting, no
 *   escapes; `#` lines skipped), so a value may hold quotes but never a newline.
 * - docs podman-pull: `podman pull NAME@DIGEST` pulls by digest; the local image then answers to
 *   that reference (`podman image exists NAME@DIGEST`).
 */
import { assertEnvName, assertOciDigest, EnvValue, readScript, shellScript } from "../shell";
import type { AppEndpoint, AppSource } from "./module";

const INSTALL_SH = readScript(__dirname, "scripts/oci-install.sh");

/** A host directory bind-mounted into the container. */
export interface OciVolume {
  /** Directory on the guest (on one of its data mounts); created by the install. */
  host: string;
  /** Path inside the container. */
  container: string;
  /** Numeric `uid:gid` that owns `host` (the user the image runs as). Default `0:0`. */
  owner?: string;
  /** Mount read-only. Default false. */
  readOnly?: boolean;
}

/** A container port published on one address of the guest. */
export interface OciPublish {
  /** The guest address it listens on (the service's address: never 0.0.0.0). */
  address: string;
  hostPort: number;
  containerPort: number;
  protocol: "tcp" | "udp";
}

/** One container of an app. */
export interface OciContainer {
  /** Container and systemd unit name (`<name>.service`); lower case letters, digits and dashes. */
  name: string;
  /** Image repository without tag or digest, e.g. `ghcr.io/open-webui/open-webui`. */
  image: string;
  /** The tag the digest was published under (shown by `plan`, never pulled by). */
  tag: string;
  /** `sha256:<64 hex>` of the image (manifest list or manifest). Unset: not pinned, the install stops. */
  digest?: string;
  /** Where to find the digest when it is unset (the setting to fill). */
  pinHint: string;
  /** Non-secret environment of the container, rendered into its env file. Default none. */
  env?: Record<string, string>;
  /**
   * Secret environment of the container: names of variables the install script receives on stdin;
   * each is written, under the same name, into a root-only env file. Default none.
   */
  secretEnv?: string[];
  /** Bind mounts. Default none. */
  volumes?: OciVolume[];
  /** Published ports. Default none. */
  publish?: OciPublish[];
  /** Arguments after the image (the image's command). Default: the image's own. */
  args?: string[];
  /** Seconds `podman stop` waits before killing. Default 10 (podman's default). */
  stopTimeout?: number;
}

/** Where the runner keeps its files on the guest. */
export const OCI_DIR = "/etc/homelab/oci";
export const ociUnitPath = (c: OciContainer) => `/etc/systemd/system/${c.name}.service`;
export const ociEnvPath = (c: OciContainer) => `${OCI_DIR}/${c.name}.env`;
export const ociSecretEnvPath = (c: OciContainer) => `${OCI_DIR}/${c.name}.secret.env`;

function check(c: OciContainer): void {
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(c.name)) throw new Error(`homelab: container name "${c.name}" must be lower-case letters, digits and dashes`);
  if (!/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)+$/.test(c.image)) throw new Error(`homelab: container ${c.name}: image "${c.image}" must be a repository without tag or digest`);
  if (c.digest !== undefined) assertOciDigest(`container ${c.name} digest`, c.digest);
  for (const [k, v] of Object.entries(c.env ?? {})) {
    assertEnvName(k);
    if (/[\n\r]/.test(v)) throw new Error(`homelab: container ${c.name}: env ${k} holds a newline (podman env files are one line per variable)`);
  }
  for (const k of c.secretEnv ?? []) assertEnvName(k);
  for (const p of c.publish ?? []) {
    if (p.address === "0.0.0.0" || p.address === "::") throw new Error(`homelab: container ${c.name}: publish port ${p.hostPort} on the service address, not on every address`);
  }
}

/** The image reference the install pulls and runs: `image@digest`. */
export function ociReference(c: OciContainer): string {
  if (!c.digest) throw new Error(`homelab: container ${c.name}: image ${c.image} is not pinned: ${c.pinHint}`);
  return `${c.image}@${c.digest}`;
}

/** The install source of the plan: the image by digest, or `unpinned` with the hint. */
export function ociSource(c: OciContainer): AppSource {
  return c.digest ? { type: "oci", image: `${c.image}:${c.tag}`, digest: c.digest } : { type: "unpinned", package: c.image, hint: c.pinHint };
}

/** What `plan` shows: `tag@sha256:<12 hex>` or `tag@unpinned`. */
export function ociVersion(c: OciContainer): string {
  return `${c.tag}@${c.digest ? c.digest.slice(0, 19) : "unpinned"}`;
}

/**
 * The fields every single-image app's plan shares: the service and its address, the image as source and
 * version, no rendered config beyond the container's, its data paths, one TCP port and the health check.
 */
export function ociPlanBase<K extends string>(kind: K, s: { name: string; ipv4?: string }, c: OciContainer, port: { port: number; description: string }, dataPaths: string[], health: AppEndpoint) {
  return { kind, service: s.name, address: s.ipv4!, version: ociVersion(c), source: ociSource(c), config: [], dataPaths, ports: [{ port: port.port, protocol: "tcp" as const, description: port.description }], health };
}

/** The container's non-secret env file. */
export function renderOciEnv(c: OciContainer): string {
  check(c);
  const lines = Object.entries(c.env ?? {}).map(([k, v]) => `${k}=${v}`);
  return ["# Managed by homelab (components/apps/oci.ts): podman --env-file, one NAME=VALUE per line, taken literally.", ...lines, ""].join("\n");
}

/**
 * One word of a systemd command line (systemd.service(5) "Command lines"): `%` doubled (no
 * specifier) and `$` doubled (no variable expansion); quoted when it holds anything but plain
 * characters. The runner's own words with the `%t`/`%n` specifiers are written as they are.
 */
export function unitWord(w: string): string {
  const e = w.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  if (/^[A-Za-z0-9_@%+=:,./[\]-]+$/.test(e)) return e;
  return `"${e.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** The systemd unit (`podman generate systemd --new` shape; see the file comment). */
export function renderOciUnit(c: OciContainer): string {
  check(c);
  const t = c.stopTimeout ?? 10;
  const fixed = "/usr/bin/podman run --cidfile=%t/%n.ctr-id --cgroups=no-conmon --rm --sdnotify=conmon -d --replace";
  const run = [
    "--name", c.name, "--pull=never", `--stop-timeout=${t}`,
    `--env-file=${ociEnvPath(c)}`,
    ...((c.secretEnv ?? []).length ? [`--env-file=${ociSecretEnvPath(c)}`] : []),
    ...(c.volumes ?? []).map((v) => `--volume=${v.host}:${v.container}${v.readOnly ? ":ro" : ""}`),
    ...(c.publish ?? []).map((p) => `--publish=${p.address.includes(":") ? `[${p.address}]` : p.address}:${p.hostPort}:${p.containerPort}/${p.protocol}`),
    ociReference(c),
    ...(c.args ?? []),
  ];
  const mounts = [...new Set((c.volumes ?? []).map((v) => v.host))];
  return [
    "[Unit]",
    `Description=${c.name} (podman ${c.image}:${c.tag}; managed by homelab, components/apps/oci.ts)`,
    "Wants=network-online.target",
    "After=network-online.target",
    ...(mounts.length ? [`RequiresMountsFor=${mounts.join(" ")}`] : []),
    "",
    "[Service]",
    "Environment=PODMAN_SYSTEMD_UNIT=%n",
    "Restart=on-failure",
    "RestartSec=5",
    "TimeoutStartSec=300",
    `TimeoutStopSec=${60 + t}`,
    `ExecStart=${fixed} ${run.map(unitWord).join(" ")}`,
    `ExecStop=/usr/bin/podman stop --ignore -t ${t} --cidfile=%t/%n.ctr-id`,
    `ExecStopPost=/usr/bin/podman rm -f --ignore -t ${t} --cidfile=%t/%n.ctr-id`,
    "Type=notify",
    "NotifyAccess=all",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** The environment block entries scripts/oci-install.sh reads for `c`. */
export function ociScriptEnv(c: OciContainer): Record<string, EnvValue> {
  check(c);
  return {
    OCI_NAME: c.name,
    OCI_IMAGE: c.image,
    OCI_DIGEST: c.digest ?? "",
    OCI_HINT: c.pinHint,
    OCI_UNIT_PATH: ociUnitPath(c),
    OCI_UNIT_TEXT: c.digest ? renderOciUnit(c) : "",
    OCI_ENV_PATH: ociEnvPath(c),
    OCI_ENV_TEXT: renderOciEnv(c),
    OCI_SECRET_ENV_PATH: ociSecretEnvPath(c),
    OCI_SECRET_VARS: c.secretEnv ?? [],
    OCI_VOLUME_DIRS: (c.volumes ?? []).filter((v) => !v.readOnly).map((v) => v.host),
    OCI_VOLUME_OWNERS: (c.volumes ?? []).filter((v) => !v.readOnly).map((v) => v.owner ?? "0:0"),
  };
}

/** Arguments of {@link ociAppScript}. */
export interface OciAppScriptArgs {
  /** Script title (app and service). */
  title: string;
  /** The module file, named in the script header. */
  source: string;
  /** Log tag. */
  logTag: string;
  container: OciContainer;
  /** The health check the install waits for. */
  health: AppEndpoint;
  /** Seconds to wait for health. Default 300. */
  healthTimeout?: number;
  /** The app's own environment entries (no secrets: those arrive on stdin). Default none. */
  env?: Record<string, EnvValue>;
  /** The app's own steps before the container is (re)started (e.g. writing a config file). Default none. */
  before?: string;
  /** The app's own steps once the container is healthy (e.g. creating an admin through its API). Default none. */
  after?: string;
}

/** The whole idempotent install of a one-container app: the app's steps around scripts/oci-install.sh. */
export function ociAppScript(a: OciAppScriptArgs): string {
  return shellScript({
    title: a.title,
    source: a.source,
    logTag: a.logTag,
    env: {
      ...ociScriptEnv(a.container),
      HEALTH_URL: a.health.url,
      HEALTH_EXPECT: a.health.expect ?? "",
      HEALTH_TIMEOUT: a.healthTimeout ?? 300,
      ...(a.env ?? {}),
    },
    body: [a.before ?? "", INSTALL_SH, a.after ?? ""].filter((x) => x.trim() !== "").join("\n"),
  });
}

/**
 * The directory that holds a one-container app's state: the service's first data mount (the contract
 * check then holds the plan's data paths and backup to it).
 */
export function ociStateDir(s: { name: string; dataMounts: ReadonlyArray<{ path: string }> }, app: string): string {
  const m = s.dataMounts[0];
  if (!m) throw new Error(`homelab: service "${s.name}": ${app} keeps its state on a data mount`);
  return m.path;
}

/**
 * A pre-backup command: a consistent copy of the SQLite database `db` as `<db>.backup` beside it
 * (`sqlite3 .backup` reads a live database safely), once the app has created it.
 */
export function sqliteBackupCopy(db: string): string {
  return `if [ -f ${db} ]; then sqlite3 ${db} ".backup '${db}.backup'"; fi`;
}
