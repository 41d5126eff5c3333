/**
 * Pure renderers for restic backups (issue 4): the agent's env file and systemd service/timer, and
 * the metrics exporter unit. The agent script is in resticAgent.ts, rest-server in restServer.ts
 * (both re-exported here).
 *
 * Secrets never appear in the output: the repository password is a file (RESTIC_PASSWORD_FILE),
 * the rest-server password is a file whose path is in the env file and is spliced into the
 * repository URL at run time (restic 0.14 in Debian 12 has no RESTIC_REST_PASSWORD variable; that
 * arrived in 0.16.1).
 *
 * Metrics: the agent writes node_exporter textfile-collector metrics itself (no extra exporter
 * binary to pin); the "exporter unit" is a prometheus-node-exporter unit with the textfile collector.
 */
import { lines } from "../../shell";
import { assertName } from "./resticAgent";

export * from "./resticAgent";
export * from "./restServer";

/**
 * restic's S3 repository string for a path-style endpoint: `s3:https://<host>:<port>/<bucket>/<prefix>`
 * (restic v0.14.0 internal/backend/s3/config.go ParseConfig: after `s3:` an http(s) URL whose host is the
 * endpoint, first path segment the bucket, the rest the prefix; UseHTTP only for `http`).
 */
export function resticS3Repository(a: {
  /** `https://<address>:<port>` of the object store. */
  endpoint: string;
  /** Bucket (S3 naming rules). */
  bucket: string;
  /** Prefix inside the bucket: one repository per agent (`<site>-<service>`). */
  prefix: string;
}): string {
  if (!/^https?:\/\/[^/@\s]+$/.test(a.endpoint)) throw new Error(`S3 endpoint ${JSON.stringify(a.endpoint)} must be http(s)://host:port`);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(a.bucket)) throw new Error(`bad bucket name ${a.bucket}`);
  assertName("S3 prefix", a.prefix);
  return `s3:${a.endpoint}/${a.bucket}/${a.prefix}`;
}

/**
 * A repository on a rest-server the operator runs: `rest:<scheme>://<user>@<host:port>/<path><user>/<repo>/`
 * (with --private-repos the first path segment must be the user; restic reads the password from the URL,
 * which the agent splices in at run time).
 */
export function resticExternalRestRepository(a: {
  /** Base URL `http(s)://host:port/[path/]` from the inventory (no credentials). */
  url: string;
  /** The operator's rest-server user. */
  user: string;
  /** The repository under the user's space (`<site>-<service>`). */
  repo: string;
}): string {
  const m = a.url.match(/^(https?):\/\/([^/@\s]+)(\/[^@\s]*)?$/);
  if (!m) throw new Error(`rest-server URL ${JSON.stringify(a.url)} must be http(s)://host[:port]/[path/] without credentials`);
  assertName("rest-server user", a.user);
  assertName("repository", a.repo);
  const base = (m[3] ?? "/").replace(/\/*$/, "/");
  return `rest:${m[1]}://${a.user}@${m[2]}${base}${a.user}/${a.repo}/`;
}

/** Build a rest-server repository URL for a private repo: `rest:<scheme>://<user>@<host>:<port>/<user>/`. */
export function resticRestRepository(a: {
  /** rest-server user (with --private-repos the path must start with it). */
  user: string;
  /** rest-server host (e.g. `192.0.2.22`). Required: it differs per site. */
  host: string;
  /** Default: 8000. */
  port?: number;
  /** Default: `https`. */
  scheme?: "http" | "https";
}): string {
  assertName("rest-server user", a.user);
  return `rest:${a.scheme ?? "https"}://${a.user}@${a.host}:${a.port ?? 8000}/${a.user}/`;
}

// ---------------------------------------------------------------------------------------------
// env file
// ---------------------------------------------------------------------------------------------

export interface ResticEnvArgs {
  /** RESTIC_REPOSITORY, e.g. from resticRestRepository() or a local path in tests. Must not contain a password. */
  repository: string;
  /** RESTIC_PASSWORD_FILE. Default: `/etc/restic/repo.password`. */
  passwordFile?: string;
  /** File with the rest-server (htpasswd) password; spliced into the rest: URL at run time. Default: `/etc/restic/rest-server.password`; `null` disables (local repos). */
  restPasswordFile?: string | null;
  /** RESTIC_CACHE_DIR. Default: `/var/cache/restic`. */
  cacheDir?: string;
  /** RESTIC_CACERT for a private CA on the TLS endpoint (the agent passes it as --cacert: restic 0.14 ignores the variable). Default: unset. */
  caCert?: string;
  /** S3 target: AWS_ACCESS_KEY_ID (a user name, not secret) and the root-only file holding the secret key (HOMELAB_S3_SECRET_FILE). Default: unset. */
  s3?: { accessKeyId: string; secretFile: string };
}

/** EnvironmentFile for the agent unit (systemd.exec(5) format; values contain no spaces or quotes). */
export function renderResticEnv(a: ResticEnvArgs): string {
  if (/^rest:https?:\/\/[^/@]*:[^/@]*@/.test(a.repository)) throw new Error("repository URL must not embed a password");
  for (const v of [a.repository, a.passwordFile, a.restPasswordFile, a.cacheDir, a.caCert, a.s3?.accessKeyId, a.s3?.secretFile]) {
    if (typeof v === "string" && /[\s"'\\$`]/.test(v)) throw new Error(`env value ${JSON.stringify(v)} must not contain whitespace, quotes, $ or backslashes`);
  }
  const rpf = a.restPasswordFile === undefined ? "/etc/restic/rest-server.password" : a.restPasswordFile;
  return lines(
    "# Managed by homelab (components/data/render/restic.ts). No secrets here: only file paths.",
    `RESTIC_REPOSITORY=${a.repository}`,
    `RESTIC_PASSWORD_FILE=${a.passwordFile ?? "/etc/restic/repo.password"}`,
    rpf !== null && `HOMELAB_REST_PASSWORD_FILE=${rpf}`,
    `RESTIC_CACHE_DIR=${a.cacheDir ?? "/var/cache/restic"}`,
    a.caCert !== undefined && `RESTIC_CACERT=${a.caCert}`,
    a.s3 !== undefined && `AWS_ACCESS_KEY_ID=${a.s3.accessKeyId}`,
    a.s3 !== undefined && `HOMELAB_S3_SECRET_FILE=${a.s3.secretFile}`,
  );
}

// ---------------------------------------------------------------------------------------------
// systemd units for the agent
// ---------------------------------------------------------------------------------------------

export interface ResticServiceUnitArgs {
  /** Installed agent script. Default: `/usr/local/sbin/homelab-restic-backup`. */
  scriptPath?: string;
  /** Interpreter the script is run with. Default: `/bin/bash`. */
  bashPath?: string;
  /** EnvironmentFile. Default: `/etc/restic/restic.env`. */
  envFile?: string;
  /** Extra units ordered before the backup (e.g. `postgresql.service`). Default: []. */
  after?: string[];
  /** Description. Default: `restic nightly backup (homelab)`. */
  description?: string;
}

/** The oneshot service run by the timer. */
export function renderResticServiceUnit(a: ResticServiceUnitArgs = {}): string {
  const after = ["network-online.target", ...(a.after ?? [])].join(" ");
  return lines(
    "# Managed by homelab (components/data/render/restic.ts).",
    "[Unit]",
    `Description=${a.description ?? "restic nightly backup (homelab)"}`,
    "Wants=network-online.target",
    `After=${after}`,
    "",
    "[Service]",
    "Type=oneshot",
    `EnvironmentFile=${a.envFile ?? "/etc/restic/restic.env"}`,
    `ExecStart=${a.bashPath ?? "/bin/bash"} ${a.scriptPath ?? "/usr/local/sbin/homelab-restic-backup"}`,
    "Nice=10",
    "IOSchedulingClass=idle",
    "PrivateTmp=true",
    "SuccessExitStatus=0",
    "TimeoutStartSec=6h",
  );
}

export interface ResticTimerUnitArgs {
  /** Local wall-clock time HH:MM. Default: `01:00`. */
  time?: string;
  /** IANA time zone appended to OnCalendar (the site's, e.g. `Europe/Berlin`). Required: it differs per site. */
  timeZone: string;
  /** RandomizedDelaySec. Default: `15min`. */
  randomizedDelay?: string;
  /** Description. Default: `nightly restic backup`. */
  description?: string;
}

/** Nightly timer: OnCalendar in a named zone, Persistent=true (catch up after downtime), RandomizedDelaySec. */
export function renderResticTimerUnit(a: ResticTimerUnitArgs): string {
  const time = a.time ?? "01:00";
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(time)) throw new Error(`time ${JSON.stringify(time)} must be HH:MM`);
  const tz = a.timeZone;
  if (!/^[A-Za-z_+\-/0-9]+$/.test(tz)) throw new Error(`bad time zone ${JSON.stringify(tz)}`);
  return lines(
    "# Managed by homelab (components/data/render/restic.ts).",
    "[Unit]",
    `Description=${a.description ?? "nightly restic backup"}`,
    "",
    "[Timer]",
    `OnCalendar=*-*-* ${time}:00 ${tz}`,
    "Persistent=true",
    `RandomizedDelaySec=${a.randomizedDelay ?? "15min"}`,
    "AccuracySec=1min",
    "",
    "[Install]",
    "WantedBy=timers.target",
  );
}

// ---------------------------------------------------------------------------------------------
// metrics exporter
// ---------------------------------------------------------------------------------------------

export interface ResticExporterUnitArgs {
  /** node_exporter binary (Debian 12 package prometheus-node-exporter 1.5.0). Default: `/usr/bin/prometheus-node-exporter`. */
  binPath?: string;
  /** Textfile dir the agent writes restic_backup.prom into. Default: `/var/lib/prometheus/node-exporter`. */
  textfileDir?: string;
  /** --web.listen-address. Default: `:9100`. */
  listen?: string;
  /** OS user. Default: `prometheus`. */
  user?: string;
}

/**
 * node_exporter with the textfile collector reading the agent's metrics (restic_backup_* gauges).
 * If the Debian package's own prometheus-node-exporter.service is used, install this as a replacement
 * (same unit name) rather than running both on :9100.
 */
export function renderResticExporterUnit(a: ResticExporterUnitArgs = {}): string {
  return lines(
    "# Managed by homelab (components/data/render/restic.ts).",
    "[Unit]",
    "Description=Prometheus node exporter with restic textfile metrics (homelab)",
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `User=${a.user ?? "prometheus"}`,
    `ExecStart=${a.binPath ?? "/usr/bin/prometheus-node-exporter"} --collector.textfile.directory=${a.textfileDir ?? "/var/lib/prometheus/node-exporter"} --web.listen-address=${a.listen ?? ":9100"}`,
    "Restart=on-failure",
    "NoNewPrivileges=true",
    "ProtectSystem=strict",
    "ProtectHome=true",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
  );
}

