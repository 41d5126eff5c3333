/**
 * Pure renderers for restic backups (issue 4): agent script + env file + systemd service/timer,
 * rest-server unit + setup script, and the metrics exporter unit.
 *
 * Secrets never appear in the output: the repository password is a file (RESTIC_PASSWORD_FILE),
 * the rest-server password is a file whose path is in the env file and is spliced into the
 * repository URL at run time (restic 0.14 in Debian 12 has no RESTIC_REST_PASSWORD variable; that
 * arrived in 0.16.1).
 *
 * Metrics: the agent writes node_exporter textfile-collector metrics itself (no extra exporter
 * binary to pin); the "exporter unit" is a prometheus-node-exporter unit with the textfile collector.
 */
import { lines, shellQuote } from "./postgres";

const NAME_RE = /^[a-z0-9][a-z0-9_-]*$/;
function assertName(kind: string, s: string): void {
  if (!NAME_RE.test(s)) throw new Error(`${kind} ${JSON.stringify(s)} must match ${NAME_RE}`);
}

/** Build a rest-server repository URL for a private repo: `rest:<scheme>://<user>@<host>:<port>/<user>/`. */
export function resticRestRepository(a: {
  /** rest-server user (with --private-repos the path must start with it). */
  user: string;
  /** Default: `192.168.9.22`. */
  host?: string;
  /** Default: 8000. */
  port?: number;
  /** Default: `https`. */
  scheme?: "http" | "https";
}): string {
  assertName("rest-server user", a.user);
  return `rest:${a.scheme ?? "https"}://${a.user}@${a.host ?? "192.168.9.22"}:${a.port ?? 8000}/${a.user}/`;
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
  /** RESTIC_CACERT for a private CA on the rest-server TLS endpoint. Default: unset. */
  caCert?: string;
}

/** EnvironmentFile for the agent unit (systemd.exec(5) format; values contain no spaces or quotes). */
export function renderResticEnv(a: ResticEnvArgs): string {
  if (/^rest:https?:\/\/[^/@]*:[^/@]*@/.test(a.repository)) throw new Error("repository URL must not embed a password");
  for (const v of [a.repository, a.passwordFile, a.restPasswordFile, a.cacheDir, a.caCert]) {
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
  );
}

// ---------------------------------------------------------------------------------------------
// agent script
// ---------------------------------------------------------------------------------------------

export interface ResticRetention {
  /** --keep-daily. Default: 30. */
  daily?: number;
  /** --keep-weekly. Default: 12. */
  weekly?: number;
  /** --keep-monthly. Default: 12. */
  monthly?: number;
}

export interface ResticAgentArgs {
  /** Host tag: used as `--host` and `--tag` on backup and to scope `forget`. Required (e.g. `bh`). */
  hostTag: string;
  /** Paths to back up. The dump dir is added automatically when dumps are configured. */
  paths: string[];
  /** --exclude patterns. Default: []. */
  excludes?: string[];
  /** restic binary. Default: `/usr/bin/restic` (Debian 12: restic 0.14.0). */
  resticBin?: string;
  /** PostgreSQL dumps taken before the backup. Default: none. */
  pgDump?: {
    /** Databases dumped with `pg_dump --format=custom`. */
    databases: string[];
    /** Directory for the dumps (included in the backup). Default: `/var/backups/postgres`. */
    dumpDir?: string;
    /** Command prefix for pg_dump (receives `--format=custom --dbname=<db>`). Default: `runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_dump`. */
    pgDumpCmd?: string;
    /** Command prefix for `pg_dumpall --globals-only` (roles); `null` skips it. Default: `runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_dumpall`. */
    pgDumpallCmd?: string | null;
  };
  /** Retention for `restic forget --prune`. Default: 30 daily / 12 weekly / 12 monthly. */
  retention?: ResticRetention;
  /** node_exporter textfile-collector dir for metrics; `null` disables. Default: `/var/lib/prometheus/node-exporter`. */
  textfileDir?: string | null;
}

/** Render the nightly agent: dumps → idempotent init → backup → forget --prune → metrics. */
export function renderResticAgentScript(a: ResticAgentArgs): string {
  assertName("host tag", a.hostTag);
  if (a.paths.length === 0 && !a.pgDump) throw new Error("nothing to back up");
  const r = { daily: 30, weekly: 12, monthly: 12, ...a.retention };
  const dumpDir = a.pgDump ? (a.pgDump.dumpDir ?? "/var/backups/postgres") : undefined;
  const paths = [...new Set([...a.paths, ...(dumpDir ? [dumpDir] : [])])];
  const textfileDir = a.textfileDir === undefined ? "/var/lib/prometheus/node-exporter" : a.textfileDir;
  for (const d of a.pgDump?.databases ?? []) assertName("database", d);
  const out: string[] = [
    "#!/usr/bin/env bash",
    `# restic backup agent for host tag ${a.hostTag}.`,
    "# Managed by homelab (components/data/render/restic.ts). Secrets come from files named in the",
    "# environment (RESTIC_PASSWORD_FILE, HOMELAB_REST_PASSWORD_FILE), never from this script.",
    "set -euo pipefail",
    "umask 077",
    "export LC_ALL=C",
    "",
    `RESTIC=${shellQuote(a.resticBin ?? "/usr/bin/restic")}`,
    `HOST_TAG=${shellQuote(a.hostTag)}`,
    `BACKUP_PATHS=(${paths.map(shellQuote).join(" ")})`,
    `EXCLUDES=(${(a.excludes ?? []).map(shellQuote).join(" ")})`,
    `TEXTFILE_DIR=${shellQuote(textfileDir ?? "")}`,
    "",
    ': "${RESTIC_REPOSITORY:?RESTIC_REPOSITORY must be set (EnvironmentFile)}"',
    ': "${RESTIC_PASSWORD_FILE:?RESTIC_PASSWORD_FILE must be set (EnvironmentFile)}"',
    "",
    "log() { printf '[restic-agent] %s\\n' \"$*\" >&2; }",
    "",
    "START_TS=$(date +%s)",
    "BACKUP_RC=-1",
    "STATUS=1",
    "write_metrics() {",
    '  [ -n "$TEXTFILE_DIR" ] || return 0',
    '  local f="$TEXTFILE_DIR/restic_backup.prom" now',
    "  now=$(date +%s)",
    '  mkdir -p "$TEXTFILE_DIR"',
    "  {",
    "    echo '# HELP restic_backup_last_run_timestamp_seconds End of the last agent run.'",
    "    echo '# TYPE restic_backup_last_run_timestamp_seconds gauge'",
    '    echo "restic_backup_last_run_timestamp_seconds{host=\\"$HOST_TAG\\"} $now"',
    "    echo '# HELP restic_backup_success 1 if the last agent run succeeded.'",
    "    echo '# TYPE restic_backup_success gauge'",
    '    echo "restic_backup_success{host=\\"$HOST_TAG\\"} $(( STATUS == 0 ? 1 : 0 ))"',
    "    echo '# HELP restic_backup_exit_code Exit code of the last restic backup (-1 = not reached).'",
    "    echo '# TYPE restic_backup_exit_code gauge'",
    '    echo "restic_backup_exit_code{host=\\"$HOST_TAG\\"} $BACKUP_RC"',
    "    echo '# HELP restic_backup_duration_seconds Duration of the last agent run.'",
    "    echo '# TYPE restic_backup_duration_seconds gauge'",
    '    echo "restic_backup_duration_seconds{host=\\"$HOST_TAG\\"} $(( now - START_TS ))"',
    '    if [ -n "${SNAPSHOTS:-}" ]; then',
    "      echo '# HELP restic_snapshots_total Snapshots of this host in the repository after forget.'",
    "      echo '# TYPE restic_snapshots_total gauge'",
    '      echo "restic_snapshots_total{host=\\"$HOST_TAG\\"} $SNAPSHOTS"',
    "    fi",
    '    if [ "$STATUS" = 0 ]; then',
    "      echo '# HELP restic_backup_last_success_timestamp_seconds End of the last successful run.'",
    "      echo '# TYPE restic_backup_last_success_timestamp_seconds gauge'",
    '      echo "restic_backup_last_success_timestamp_seconds{host=\\"$HOST_TAG\\"} $now"',
    "    fi",
    '  } >"$f.$$"',
    '  chmod 0644 "$f.$$"',
    '  mv -f "$f.$$" "$f"',
    "}",
    "on_exit() { STATUS=$?; write_metrics || true; exit \"$STATUS\"; }",
    "trap on_exit EXIT",
    "",
    "# rest-server credentials: splice user:password into the rest: URL at run time (URL-encoded).",
    "urlencode() {",
    '  local s="$1" out="" c i',
    "  for ((i = 0; i < ${#s}; i++)); do",
    '    c="${s:i:1}"',
    '    case "$c" in',
    '      [a-zA-Z0-9.~_-]) out+="$c" ;;',
    "      *) out+=$(printf '%%%02X' \"'$c\") ;;",
    "    esac",
    "  done",
    "  printf '%s' \"$out\"",
    "}",
    'if [ -n "${HOMELAB_REST_PASSWORD_FILE:-}" ] && [[ "$RESTIC_REPOSITORY" =~ ^rest:(https?)://([^/:@]+)@(.*)$ ]]; then',
    '  REST_PW="$(cat "$HOMELAB_REST_PASSWORD_FILE")"',
    '  RESTIC_REPOSITORY="rest:${BASH_REMATCH[1]}://${BASH_REMATCH[2]}:$(urlencode "$REST_PW")@${BASH_REMATCH[3]}"',
    "  unset REST_PW",
    "  export RESTIC_REPOSITORY",
    "fi",
    "",
  ];
  if (a.pgDump) {
    out.push(
      "# 1. database dumps (written atomically; the dump dir is part of BACKUP_PATHS)",
      `DUMP_DIR=${shellQuote(dumpDir!)}`,
      `pg_dump_cmd() { ${a.pgDump.pgDumpCmd ?? "runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_dump"} "$@"; }`,
      'install -d -m 0700 "$DUMP_DIR"',
      `for db in ${a.pgDump.databases.map(shellQuote).join(" ")}; do`,
      '  log "pg_dump $db"',
      '  pg_dump_cmd --format=custom --dbname="$db" >"$DUMP_DIR/$db.dump.tmp"',
      '  mv -f "$DUMP_DIR/$db.dump.tmp" "$DUMP_DIR/$db.dump"',
      "done",
    );
    const dumpall = a.pgDump.pgDumpallCmd === undefined ? "runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_dumpall" : a.pgDump.pgDumpallCmd;
    if (dumpall !== null) {
      out.push(
        `pg_dumpall_cmd() { ${dumpall} "$@"; }`,
        'pg_dumpall_cmd --globals-only >"$DUMP_DIR/globals.sql.tmp"',
        'mv -f "$DUMP_DIR/globals.sql.tmp" "$DUMP_DIR/globals.sql"',
      );
    }
    out.push("");
  }
  out.push(
    "# 2. repository init only when it does not exist yet",
    'if "$RESTIC" cat config >/dev/null 2>&1; then',
    '  log "repository exists"',
    "else",
    '  log "initialising repository"',
    '  "$RESTIC" init',
    "fi",
    "",
    "# 3. backup (exit 3 = snapshot created but some files unreadable: keep going, fail at the end)",
    "EXCLUDE_ARGS=()",
    'for e in "${EXCLUDES[@]}"; do EXCLUDE_ARGS+=(--exclude "$e"); done',
    "BACKUP_RC=0",
    '"$RESTIC" backup --host "$HOST_TAG" --tag homelab --tag "$HOST_TAG" "${EXCLUDE_ARGS[@]}" "${BACKUP_PATHS[@]}" || BACKUP_RC=$?',
    'if [ "$BACKUP_RC" != 0 ] && [ "$BACKUP_RC" != 3 ]; then log "restic backup failed ($BACKUP_RC)"; exit "$BACKUP_RC"; fi',
    "",
    "# 4. retention",
    `"$RESTIC" forget --host "$HOST_TAG" --keep-daily ${r.daily} --keep-weekly ${r.weekly} --keep-monthly ${r.monthly} --prune`,
    'SNAPSHOTS="$("$RESTIC" snapshots --host "$HOST_TAG" --json | { grep -o \'"short_id"\' || true; } | wc -l)"',
    "",
    'if [ "$BACKUP_RC" = 3 ]; then log "backup incomplete: some files could not be read"; exit 3; fi',
    'log "done"',
  );
  return out.join("\n") + "\n";
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
  /** IANA time zone appended to OnCalendar. Default: `America/Chicago`. */
  timeZone?: string;
  /** RandomizedDelaySec. Default: `15min`. */
  randomizedDelay?: string;
  /** Description. Default: `nightly restic backup`. */
  description?: string;
}

/** Nightly timer: OnCalendar in a named zone, Persistent=true (catch up after downtime), RandomizedDelaySec. */
export function renderResticTimerUnit(a: ResticTimerUnitArgs = {}): string {
  const time = a.time ?? "01:00";
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(time)) throw new Error(`time ${JSON.stringify(time)} must be HH:MM`);
  const tz = a.timeZone ?? "America/Chicago";
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
// rest-server
// ---------------------------------------------------------------------------------------------

export interface RestServerArgs {
  /** rest-server binary (upstream release; not packaged in Debian 12). Default: `/usr/local/bin/rest-server`. */
  binPath?: string;
  /** Data directory (--path). Default: `/srv/restic`. */
  dataDir?: string;
  /** --listen. Default: `192.168.9.22:8000`. */
  listen?: string;
  /** --htpasswd-file (bcrypt entries). Default: `/etc/rest-server/htpasswd`. */
  htpasswdFile?: string;
  /** --append-only. Default: false (the agents run forget --prune themselves). */
  appendOnly?: boolean;
  /** --prometheus-no-auth (metrics readable without basic auth). Default: false. */
  prometheusNoAuth?: boolean;
  /** TLS: --tls --tls-cert --tls-key. Default: unset (plain HTTP). */
  tls?: { cert: string; key: string };
  /** OS user/group. Default: `rest-server`. */
  user?: string;
}

function restServerDefaults(a: RestServerArgs) {
  return {
    binPath: a.binPath ?? "/usr/local/bin/rest-server",
    dataDir: a.dataDir ?? "/srv/restic",
    listen: a.listen ?? "192.168.9.22:8000",
    htpasswdFile: a.htpasswdFile ?? "/etc/rest-server/htpasswd",
    user: a.user ?? "rest-server",
  };
}

/** rest-server unit with --private-repos and --prometheus. */
export function renderRestServerUnit(a: RestServerArgs = {}): string {
  const d = restServerDefaults(a);
  const flags = [
    `--path ${d.dataDir}`,
    `--listen ${d.listen}`,
    `--htpasswd-file ${d.htpasswdFile}`,
    "--private-repos",
    "--prometheus",
    ...(a.prometheusNoAuth ? ["--prometheus-no-auth"] : []),
    ...(a.appendOnly ? ["--append-only"] : []),
    ...(a.tls ? ["--tls", `--tls-cert ${a.tls.cert}`, `--tls-key ${a.tls.key}`] : []),
  ];
  return lines(
    "# Managed by homelab (components/data/render/restic.ts).",
    "[Unit]",
    "Description=restic rest-server (homelab)",
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `User=${d.user}`,
    `Group=${d.user}`,
    `ExecStart=${d.binPath} ${flags.join(" ")}`,
    "Restart=on-failure",
    "RestartSec=5s",
    "NoNewPrivileges=true",
    "PrivateTmp=true",
    "ProtectSystem=strict",
    "ProtectHome=true",
    `ReadWritePaths=${d.dataDir}`,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
  );
}

export interface RestServerSetupArgs extends RestServerArgs {
  /** rest-server users (one per agent: bh, ep, bo…). Each password is read from `<passwordDir>/<user>.password`. */
  users: string[];
  /** Directory with one password file per user. Default: `/etc/rest-server/passwords`. */
  passwordDir?: string;
  /** htpasswd binary (apache2-utils; `-B` = bcrypt). Default: `/usr/bin/htpasswd`. */
  htpasswdBin?: string;
  /** bcrypt cost (-C). Default: 10. */
  bcryptCost?: number;
}

/**
 * Idempotent rest-server setup: system user, data dir and bcrypt htpasswd entries created with
 * `htpasswd -B -i` (password on stdin); the binary itself is installed by installPinnedBinary
 * (components/data/downloads.ts). An entry is rewritten only when
 * `htpasswd -v -i` says the stored hash does not match the password file.
 */
export function renderRestServerSetup(a: RestServerSetupArgs): string {
  const d = restServerDefaults(a);
  for (const u of a.users) assertName("user", u);
  const out: string[] = [
    "#!/usr/bin/env bash",
    "# rest-server setup. Managed by homelab (components/data/render/restic.ts). Idempotent.",
    "set -euo pipefail",
    "umask 077",
    `DATA_DIR=${shellQuote(d.dataDir)}`,
    `HTPASSWD_FILE=${shellQuote(d.htpasswdFile)}`,
    `PASSWORD_DIR=${shellQuote(a.passwordDir ?? "/etc/rest-server/passwords")}`,
    `HTPASSWD=${shellQuote(a.htpasswdBin ?? "/usr/bin/htpasswd")}`,
    `SVC_USER=${shellQuote(d.user)}`,
    `COST=${a.bcryptCost ?? 10}`,
    "log() { printf '[rest-server-setup] %s\\n' \"$*\" >&2; }",
    "",
    'if ! id -u "$SVC_USER" >/dev/null 2>&1; then',
    '  useradd --system --home-dir "$DATA_DIR" --shell /usr/sbin/nologin "$SVC_USER"',
    "fi",
    'install -d -o "$SVC_USER" -g "$SVC_USER" -m 0700 "$DATA_DIR"',
    'install -d -m 0755 "$(dirname "$HTPASSWD_FILE")"',
  ];
  out.push(
    'if [ ! -f "$HTPASSWD_FILE" ]; then install -o root -g "$SVC_USER" -m 0640 /dev/null "$HTPASSWD_FILE"; fi',
    `for user in ${a.users.map(shellQuote).join(" ")}; do`,
    '  pwfile="$PASSWORD_DIR/$user.password"',
    '  if [ ! -r "$pwfile" ]; then log "missing $pwfile"; exit 1; fi',
    '  if "$HTPASSWD" -v -i "$HTPASSWD_FILE" "$user" <"$pwfile" >/dev/null 2>&1; then',
    '    log "htpasswd entry for $user up to date"',
    "  else",
    '    "$HTPASSWD" -B -C "$COST" -i "$HTPASSWD_FILE" "$user" <"$pwfile"',
    '    log "htpasswd entry for $user written (bcrypt)"',
    "  fi",
    "done",
  );
  return out.join("\n") + "\n";
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

