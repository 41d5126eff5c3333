/**
 * rest-server (restic's REST backend) on the backup guest: its systemd unit and the idempotent
 * setup lines (system user, data dir, bcrypt htpasswd entries from per-user password files).
 */
import { envBlock, lines, shellScript } from "../../shell";
import { assertName } from "./resticAgent";

export interface RestServerArgs {
  /** rest-server binary (upstream release; not packaged in Debian 12). Default: `/usr/local/bin/rest-server`. */
  binPath?: string;
  /** Data directory (--path). Default: `/srv/restic`. */
  dataDir?: string;
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
    htpasswdFile: a.htpasswdFile ?? "/etc/rest-server/htpasswd",
    user: a.user ?? "rest-server",
  };
}

/** Arguments of {@link renderRestServerUnit}. */
export interface RestServerUnitArgs extends RestServerArgs {
  /** --listen, `<address>:<port>` (e.g. `192.0.2.22:8000`). Required: it differs per site. */
  listen: string;
}

/** rest-server unit with --private-repos and --prometheus. */
export function renderRestServerUnit(a: RestServerUnitArgs): string {
  const d = restServerDefaults(a);
  const flags = [
    `--path ${d.dataDir}`,
    `--listen ${a.listen}`,
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
 * Idempotent rest-server setup lines (bash, after the toolkit preamble): system user, data dir and
 * bcrypt htpasswd entries created with `htpasswd -B -i` (password on stdin); the binary itself is
 * installed by installPinnedBinary (components/data/downloads.ts). An entry is rewritten only when
 * `htpasswd -v -i` says the stored hash does not match the password file.
 */
export function restServerSetupLines(a: RestServerSetupArgs): string[] {
  const d = restServerDefaults(a);
  for (const u of a.users) assertName("user", u);
  return [
    ...envBlock({
      DATA_DIR: d.dataDir,
      HTPASSWD_FILE: d.htpasswdFile,
      PASSWORD_DIR: a.passwordDir ?? "/etc/rest-server/passwords",
      HTPASSWD: a.htpasswdBin ?? "/usr/bin/htpasswd",
      SVC_USER: d.user,
      COST: a.bcryptCost ?? 10,
      REST_USERS: a.users,
    }),
    'if ! id -u "$SVC_USER" >/dev/null 2>&1; then',
    '  useradd --system --home-dir "$DATA_DIR" --shell /usr/sbin/nologin "$SVC_USER"',
    "fi",
    'install -d -o "$SVC_USER" -g "$SVC_USER" -m 0700 "$DATA_DIR"',
    'install -d -m 0755 "$(dirname "$HTPASSWD_FILE")"',
    'if [ ! -f "$HTPASSWD_FILE" ]; then install -o root -g "$SVC_USER" -m 0640 /dev/null "$HTPASSWD_FILE"; fi',
    'for user in "${REST_USERS[@]}"; do',
    '  pwfile="$PASSWORD_DIR/$user.password"',
    '  if [ ! -r "$pwfile" ]; then log "missing $pwfile"; exit 1; fi',
    '  if "$HTPASSWD" -v -i "$HTPASSWD_FILE" "$user" <"$pwfile" >/dev/null 2>&1; then',
    '    log "htpasswd entry for $user up to date"',
    "  else",
    '    "$HTPASSWD" -B -C "$COST" -i "$HTPASSWD_FILE" "$user" <"$pwfile"',
    '    log "htpasswd entry for $user written (bcrypt)"',
    "  fi",
    "done",
  ];
}

/** {@link restServerSetupLines} as a standalone script. */
export function renderRestServerSetup(a: RestServerSetupArgs): string {
  return shellScript({ title: "rest-server setup", source: "components/data/render/restServer.ts", logTag: "rest-server-setup", body: restServerSetupLines(a) });
}
