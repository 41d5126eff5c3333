/**
 * Pure renderers for the PostgreSQL 15 data tier (issue 4).
 *
 * Every export is `(args) => string`, deterministic, and never receives a secret value:
 * passwords and S3 keys are read at run time from environment variables or files whose
 * *paths/names* are arguments.
 *
 * Verified against PostgreSQL 15 (Debian 12 package), pgBackRest 2.45 (Debian 12 package).
 * See docs/research/data-tier.md.
 */
import * as ipaddr from "ipaddr.js";

// ---------------------------------------------------------------------------------------------
// helpers (exported for the sibling renderers)
// ---------------------------------------------------------------------------------------------

/** Quote a string for bash as a single-quoted word. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Quote a value as a postgresql.conf string literal. */
export function pgConfQuote(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

/** Quote an SQL identifier (always quoted, deterministic). */
export function sqlIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** Quote an SQL string literal. */
export function sqlLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** Join non-empty lines with a trailing newline. */
export function lines(...ls: (string | false | undefined | null)[]): string {
  return ls.filter((l): l is string => typeof l === "string").join("\n") + "\n";
}

/** A heredoc whose delimiter is guaranteed not to appear in the body (quoted: no expansion). */
export function heredoc(body: string, tag = "HOMELAB_EOF"): { open: string; body: string } {
  let t = tag;
  let i = 0;
  while (body.split("\n").includes(t)) t = `${tag}_${++i}`;
  return { open: `<<'${t}'`, body: `${body.endsWith("\n") ? body : body + "\n"}${t}` };
}

const IDENT_RE = /^[a-z_][a-z0-9_]{0,62}$/;
function assertIdent(kind: string, s: string): void {
  if (!IDENT_RE.test(s)) throw new Error(`${kind} ${JSON.stringify(s)} must match ${IDENT_RE}`);
}
const ENV_RE = /^[A-Z_][A-Z0-9_]*$/;
function assertEnv(s: string): void {
  if (!ENV_RE.test(s)) throw new Error(`environment variable name ${JSON.stringify(s)} must match ${ENV_RE}`);
}

/** Normalise an address or CIDR into CIDR form (single host → /32 or /128). */
export function toCidr(addr: string): string {
  if (addr.includes("/")) {
    const [ip, bits] = ipaddr.parseCIDR(addr);
    return `${ip.toString()}/${bits}`;
  }
  const ip = ipaddr.parse(addr);
  return `${ip.toString()}/${ip.kind() === "ipv4" ? 32 : 128}`;
}

// ---------------------------------------------------------------------------------------------
// shared argument shapes
// ---------------------------------------------------------------------------------------------

/** One application database with an owning login role. */
export interface PgDatabase {
  /** Database name (lowercase identifier). */
  name: string;
  /** Owner login role. Default: same as `name`. */
  owner?: string;
  /** Client addresses (IP or CIDR) allowed to connect to this database as its owner. Default: none. */
  clients?: string[];
  /** Env var the setup script exports the owner's password in (psql reads it with \getenv). Default: `PG_PASSWORD_<OWNER>` upper-cased. */
  passwordEnv?: string;
  /** File the setup script reads the owner's password from when `passwordEnv` is not already set. Default: `/etc/homelab/postgres/<owner>.password`. */
  passwordFile?: string;
}

/** One streaming replica of the primary. */
export interface PgReplica {
  /** Short name, e.g. `bh`. */
  name: string;
  /** The replica's own address; pg_hba allows replication from this /32 only. */
  address: string;
  /** Physical replication slot name. Default: `replica_<name>`. */
  slot?: string;
}

function dbOwner(d: PgDatabase): string {
  return d.owner ?? d.name;
}
function dbPasswordEnv(d: PgDatabase): string {
  return d.passwordEnv ?? `PG_PASSWORD_${dbOwner(d).toUpperCase()}`;
}
function dbPasswordFile(d: PgDatabase): string {
  return d.passwordFile ?? `/etc/homelab/postgres/${dbOwner(d)}.password`;
}
/** Slot name used for a replica. */
export function replicaSlot(r: PgReplica): string {
  return r.slot ?? `replica_${r.name}`;
}

// ---------------------------------------------------------------------------------------------
// postgresql.conf snippet
// ---------------------------------------------------------------------------------------------

export interface PostgresConfArgs {
  /** `primary` writes archiving + replication-sender settings; `replica` writes hot-standby settings. Default: `primary`. */
  role?: "primary" | "replica";
  /** Address the server listens on (bo: 192.168.9.20). Required. */
  serviceAddress: string;
  /** Full listen_addresses list. Default: `[serviceAddress, "localhost"]`. */
  listenAddresses?: string[];
  /** TCP port. Default: 5432. */
  port?: number;
  /** unix_socket_directories. Default: unset (Debian's main postgresql.conf sets /var/run/postgresql). */
  unixSocketDirectory?: string;
  /** shared_buffers. Default: `4GB`. */
  sharedBuffers?: string;
  /** effective_cache_size. Default: `12GB`. */
  effectiveCacheSize?: string;
  /** max_connections. Default: 200. */
  maxConnections?: number;
  /** max_wal_senders. Default: 10. */
  maxWalSenders?: number;
  /** max_replication_slots. Default: 10. */
  maxReplicationSlots?: number;
  /** max_slot_wal_keep_size (caps WAL kept for a dead replica). Default: unset (PostgreSQL default -1 = unlimited). */
  maxSlotWalKeepSize?: string;
  /** Enable WAL archiving via pgBackRest (primary only). Default: true for primary, false for replica. */
  archive?: boolean;
  /** pgBackRest stanza name used in archive_command. Default: `main`. */
  stanza?: string;
  /** pgBackRest config path passed with --config when not the default. Default: `/etc/pgbackrest/pgbackrest.conf` (flag omitted). */
  pgbackrestConfigPath?: string;
  /** pgBackRest binary. Default: `pgbackrest`. */
  pgbackrestBin?: string;
  /** archive_timeout (forces a WAL switch so RPO is bounded). Default: `5min`. */
  archiveTimeout?: string;
  /** cluster_name (a replica's walreceiver reports it as application_name in pg_stat_replication). Default: unset on primary; the replica name in the replica setup script. */
  clusterName?: string;
  /** hot_standby_feedback on replicas. Default: false. */
  hotStandbyFeedback?: boolean;
}

export const PGBACKREST_DEFAULT_CONFIG = "/etc/pgbackrest/pgbackrest.conf";

/** The archive_command for pgBackRest (pgbackrest [--config=..] --stanza=<stanza> archive-push %p). */
export function pgbackrestArchiveCommand(a: { stanza?: string; pgbackrestConfigPath?: string; pgbackrestBin?: string }): string {
  const stanza = a.stanza ?? "main";
  assertIdent("stanza", stanza);
  const cfg = a.pgbackrestConfigPath && a.pgbackrestConfigPath !== PGBACKREST_DEFAULT_CONFIG ? ` --config=${a.pgbackrestConfigPath}` : "";
  return `${a.pgbackrestBin ?? "pgbackrest"}${cfg} --stanza=${stanza} archive-push %p`;
}

/** Render a postgresql.conf include file (drop it in conf.d/). */
export function renderPostgresConf(a: PostgresConfArgs): string {
  const role = a.role ?? "primary";
  const listen = a.listenAddresses ?? [a.serviceAddress, "localhost"];
  const archive = a.archive ?? role === "primary";
  const kv = (k: string, v: string | number | boolean): string =>
    `${k} = ${typeof v === "string" ? pgConfQuote(v) : typeof v === "boolean" ? (v ? "on" : "off") : String(v)}`;
  return lines(
    `# Managed by homelab (components/data/render/postgres.ts) — role: ${role}. Do not edit by hand.`,
    kv("listen_addresses", [...new Set(listen)].join(",")),
    kv("port", a.port ?? 5432),
    a.clusterName !== undefined && kv("cluster_name", a.clusterName),
    a.unixSocketDirectory !== undefined && kv("unix_socket_directories", a.unixSocketDirectory),
    kv("max_connections", a.maxConnections ?? 200),
    kv("password_encryption", "scram-sha-256"),
    kv("shared_buffers", a.sharedBuffers ?? "4GB"),
    kv("effective_cache_size", a.effectiveCacheSize ?? "12GB"),
    "# replication",
    kv("wal_level", "replica"),
    kv("wal_log_hints", true),
    kv("max_wal_senders", a.maxWalSenders ?? 10),
    kv("max_replication_slots", a.maxReplicationSlots ?? 10),
    a.maxSlotWalKeepSize !== undefined && kv("max_slot_wal_keep_size", a.maxSlotWalKeepSize),
    kv("hot_standby", true),
    role === "replica" && kv("hot_standby_feedback", a.hotStandbyFeedback ?? false),
    "# WAL archiving (pgBackRest)",
    kv("archive_mode", archive),
    archive && kv("archive_command", pgbackrestArchiveCommand(a)),
    archive && kv("archive_timeout", a.archiveTimeout ?? "5min"),
  );
}

// ---------------------------------------------------------------------------------------------
// pg_hba.conf
// ---------------------------------------------------------------------------------------------

export interface PgHbaArgs {
  /** Application databases; each gets `host <db> <owner> <client> scram-sha-256` per client. */
  databases: PgDatabase[];
  /** Replicas; each gets `host replication <replicationUser> <addr>/32 scram-sha-256`. Default: []. */
  replicas?: PgReplica[];
  /** Replication role name. Default: `replicator`. */
  replicationUser?: string;
  /** Allow the `postgres` OS user over the unix socket with peer auth (needed by setup, pgBackRest, pg_dump). Default: true. */
  localSuperuserPeer?: boolean;
}

/** Render pg_hba.conf: replication only from each replica's /32, apps only from declared clients, scram-sha-256 on TCP. */
export function renderPgHba(a: PgHbaArgs): string {
  const repl = a.replicationUser ?? "replicator";
  assertIdent("replication user", repl);
  const out: string[] = [
    "# Managed by homelab (components/data/render/postgres.ts). Do not edit by hand.",
    "# TYPE  DATABASE  USER  ADDRESS  METHOD",
  ];
  if (a.localSuperuserPeer ?? true) out.push("local   all  postgres  peer");
  const seen = new Set<string>();
  const push = (l: string): void => {
    if (!seen.has(l)) {
      seen.add(l);
      out.push(l);
    }
  };
  for (const r of a.replicas ?? []) {
    push(`host    replication  ${repl}  ${toCidr(r.address)}  scram-sha-256`);
  }
  for (const d of a.databases) {
    assertIdent("database", d.name);
    assertIdent("owner", dbOwner(d));
    for (const c of d.clients ?? []) push(`host    ${d.name}  ${dbOwner(d)}  ${toCidr(c)}  scram-sha-256`);
  }
  return out.join("\n") + "\n";
}

// ---------------------------------------------------------------------------------------------
// init SQL (idempotent; run with psql -v ON_ERROR_STOP=1)
// ---------------------------------------------------------------------------------------------

export interface PgInitSqlArgs {
  /** Databases + owners to converge. */
  databases: PgDatabase[];
  /** Replicas; one physical slot each. Default: []. */
  replicas?: PgReplica[];
  /** Replication role. Default: `replicator`. */
  replicationUser?: string;
  /** Env var holding the replication role password (read with \getenv). Default: `PG_REPLICATION_PASSWORD`. */
  replicationPasswordEnv?: string;
}

/**
 * Idempotent psql script: creates missing roles/databases/slots, (re)sets passwords from environment
 * variables via psql's `\getenv` (PostgreSQL 15+ psql), so no secret is part of the text.
 */
export function renderPgInitSql(a: PgInitSqlArgs): string {
  const repl = a.replicationUser ?? "replicator";
  const replEnv = a.replicationPasswordEnv ?? "PG_REPLICATION_PASSWORD";
  assertIdent("replication user", repl);
  assertEnv(replEnv);
  const out: string[] = [
    "-- Managed by homelab (components/data/render/postgres.ts). Idempotent: safe to re-run.",
    "\\set ON_ERROR_STOP on",
    "SET client_min_messages = warning;",
  ];
  const role = (name: string, attrs: string, env: string, v: string): void => {
    out.push(
      "",
      `-- role ${name}`,
      `SELECT format('CREATE ROLE %I', ${sqlLiteral(name)}) WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${sqlLiteral(name)}) \\gexec`,
      `\\getenv ${v} ${env}`,
      `ALTER ROLE ${sqlIdent(name)} WITH ${attrs} PASSWORD :'${v}';`,
      `\\unset ${v}`,
    );
  };
  role(repl, "LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE", replEnv, "pw_replication");
  const owners = new Set<string>();
  for (const d of a.databases) {
    assertIdent("database", d.name);
    const o = dbOwner(d);
    assertIdent("owner", o);
    assertEnv(dbPasswordEnv(d));
    if (!owners.has(o)) {
      owners.add(o);
      role(o, "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION", dbPasswordEnv(d), `pw_${o}`);
    }
    out.push(
      `SELECT format('CREATE DATABASE %I OWNER %I', ${sqlLiteral(d.name)}, ${sqlLiteral(o)}) WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = ${sqlLiteral(d.name)}) \\gexec`,
      `ALTER DATABASE ${sqlIdent(d.name)} OWNER TO ${sqlIdent(o)};`,
      `REVOKE ALL ON DATABASE ${sqlIdent(d.name)} FROM PUBLIC;`,
      `GRANT CONNECT, TEMPORARY ON DATABASE ${sqlIdent(d.name)} TO ${sqlIdent(o)};`,
    );
  }
  const slots = (a.replicas ?? []).map(replicaSlot);
  if (slots.length) out.push("", "-- physical replication slots (one per replica)");
  for (const s of [...new Set(slots)]) {
    assertIdent("slot", s);
    out.push(
      `SELECT pg_create_physical_replication_slot(${sqlLiteral(s)}) WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ${sqlLiteral(s)});`,
    );
  }
  return out.join("\n") + "\n";
}

// ---------------------------------------------------------------------------------------------
// pgbackrest.conf
// ---------------------------------------------------------------------------------------------

export interface PgBackRestConfArgs {
  /** Stanza name. Default: `main`. */
  stanza?: string;
  /** Data directory of the cluster (pg1-path). Default: `/var/lib/postgresql/15/main`. */
  pgDataDir?: string;
  /** pg1-port. Default: 5432. */
  pgPort?: number;
  /** pg1-socket-path. Default: `/var/run/postgresql`. */
  pgSocketDir?: string;
  /** Repository. Default: S3 on bo's MinIO (see fields). */
  repo?:
    | {
        type: "s3";
        /** S3 endpoint host (no scheme; pgBackRest always speaks HTTPS). Default: `192.168.9.21`. */
        endpoint?: string;
        /** Endpoint port (repo1-storage-port). Default: 9000. */
        port?: number;
        /** Bucket. Default: `pg-wal`. */
        bucket?: string;
        /** Region (MinIO ignores it but pgBackRest requires it). Default: `us-east-1`. */
        region?: string;
        /** Path prefix inside the bucket (repo1-path). Default: `/pgbackrest`. */
        path?: string;
        /** Verify the endpoint's TLS certificate. Default: true. */
        verifyTls?: boolean;
        /** CA file for a private CA (repo1-storage-ca-file). Default: unset. */
        caFile?: string;
      }
    | {
        type: "posix";
        /** Repository directory (repo1-path). Default: `/var/lib/pgbackrest`. */
        path?: string;
      };
  /** Number of full backups to retain (repo1-retention-full). Default: 2. */
  retentionFull?: number;
  /** log-path. Default: `/var/log/pgbackrest`. */
  logPath?: string;
  /** lock-path. Default: unset (pgBackRest default /tmp/pgbackrest). */
  lockPath?: string;
  /** spool-path. Default: unset. */
  spoolPath?: string;
}

/**
 * pgbackrest.conf. S3 credentials are NOT rendered: pgBackRest reads `repo1-s3-key` /
 * `repo1-s3-key-secret` from the environment (PGBACKREST_REPO1_S3_KEY / PGBACKREST_REPO1_S3_KEY_SECRET)
 * or from an include file in /etc/pgbackrest/conf.d (written by the primary setup script from env).
 */
export function renderPgBackRestConf(a: PgBackRestConfArgs): string {
  const stanza = a.stanza ?? "main";
  assertIdent("stanza", stanza);
  const repo = a.repo ?? { type: "s3" as const };
  const g: string[] = ["[global]"];
  if (repo.type === "s3") {
    g.push(
      "repo1-type=s3",
      `repo1-path=${repo.path ?? "/pgbackrest"}`,
      `repo1-s3-bucket=${repo.bucket ?? "pg-wal"}`,
      `repo1-s3-endpoint=${repo.endpoint ?? "192.168.9.21"}`,
      `repo1-storage-port=${repo.port ?? 9000}`,
      `repo1-s3-region=${repo.region ?? "us-east-1"}`,
      "repo1-s3-uri-style=path",
      `repo1-storage-verify-tls=${(repo.verifyTls ?? true) ? "y" : "n"}`,
    );
    if (repo.caFile) g.push(`repo1-storage-ca-file=${repo.caFile}`);
  } else {
    g.push("repo1-type=posix", `repo1-path=${repo.path ?? "/var/lib/pgbackrest"}`);
  }
  g.push(`repo1-retention-full=${a.retentionFull ?? 2}`, "start-fast=y", "compress-type=zst", `log-path=${a.logPath ?? "/var/log/pgbackrest"}`, "log-level-console=info", "log-level-file=info");
  if (a.lockPath) g.push(`lock-path=${a.lockPath}`);
  if (a.spoolPath) g.push(`spool-path=${a.spoolPath}`);
  return lines(
    "# Managed by homelab (components/data/render/postgres.ts). No secrets here: S3 keys come from",
    "# PGBACKREST_REPO1_S3_KEY / PGBACKREST_REPO1_S3_KEY_SECRET or /etc/pgbackrest/conf.d/*.conf.",
    ...g,
    "",
    `[${stanza}]`,
    `pg1-path=${a.pgDataDir ?? "/var/lib/postgresql/15/main"}`,
    `pg1-port=${a.pgPort ?? 5432}`,
    `pg1-socket-path=${a.pgSocketDir ?? "/var/run/postgresql"}`,
  );
}

// ---------------------------------------------------------------------------------------------
// setup scripts
// ---------------------------------------------------------------------------------------------

/** Paths and service-control commands shared by both setup scripts. Production defaults target Debian 12. */
export interface PgHostArgs {
  /** Directory with PostgreSQL server binaries. Default: `/usr/lib/postgresql/15/bin`. */
  pgBinDir?: string;
  /** Data directory. Default: `/var/lib/postgresql/15/main`. */
  dataDir?: string;
  /** Main postgresql.conf; the script makes sure it has `include_dir = 'conf.d'`. Default: `/etc/postgresql/15/main/postgresql.conf`. */
  mainConfPath?: string;
  /** Where the rendered settings go (must be inside the include_dir). Default: `/etc/postgresql/15/main/conf.d/50-homelab.conf`. */
  confPath?: string;
  /** pg_hba.conf location. Default: `/etc/postgresql/15/main/pg_hba.conf`. */
  hbaPath?: string;
  /** Unix socket directory the script's psql connects through. Default: `/var/run/postgresql`. */
  socketDir?: string;
  /** OS user owning the cluster. Default: `postgres`. */
  osUser?: string;
  /** Command prefix to run a command as `osUser` (the script runs as root). Default: `runuser -u postgres --`. */
  runAs?: string;
  /** Shell command that starts the cluster. Default: `systemctl start postgresql@15-main`. */
  startCmd?: string;
  /** Shell command that restarts the cluster. Default: `systemctl restart postgresql@15-main`. */
  restartCmd?: string;
  /** Seconds to wait for the server to accept connections. Default: 120. */
  readyTimeoutSec?: number;
}

function hostDefaults(h: PgHostArgs) {
  const osUser = h.osUser ?? "postgres";
  return {
    pgBinDir: h.pgBinDir ?? "/usr/lib/postgresql/15/bin",
    dataDir: h.dataDir ?? "/var/lib/postgresql/15/main",
    mainConfPath: h.mainConfPath ?? "/etc/postgresql/15/main/postgresql.conf",
    confPath: h.confPath ?? "/etc/postgresql/15/main/conf.d/50-homelab.conf",
    hbaPath: h.hbaPath ?? "/etc/postgresql/15/main/pg_hba.conf",
    socketDir: h.socketDir ?? "/var/run/postgresql",
    osUser,
    runAs: h.runAs ?? `runuser -u ${osUser} --`,
    startCmd: h.startCmd ?? "systemctl start postgresql@15-main",
    restartCmd: h.restartCmd ?? "systemctl restart postgresql@15-main",
    readyTimeoutSec: h.readyTimeoutSec ?? 120,
  };
}

/** Common bash preamble + functions for both setup scripts. */
function commonShell(h: ReturnType<typeof hostDefaults>, port: number, title: string): string {
  return lines(
    "#!/usr/bin/env bash",
    `# ${title}`,
    "# Managed by homelab (components/data/render/postgres.ts). Idempotent: re-running converges, never wipes data.",
    "set -euo pipefail",
    "umask 077",
    "",
    `PG_BIN=${shellQuote(h.pgBinDir)}`,
    `DATA_DIR=${shellQuote(h.dataDir)}`,
    `MAIN_CONF=${shellQuote(h.mainConfPath)}`,
    `CONF_PATH=${shellQuote(h.confPath)}`,
    `HBA_PATH=${shellQuote(h.hbaPath)}`,
    `SOCKET_DIR=${shellQuote(h.socketDir)}`,
    `PG_PORT=${port}`,
    `PG_OS_USER=${shellQuote(h.osUser)}`,
    `READY_TIMEOUT=${h.readyTimeoutSec}`,
    "",
    "log() { printf '[homelab-pg] %s\\n' \"$*\" >&2; }",
    `as_pg() { ${h.runAs} "$@"; }`,
    `pg_start() { ${h.startCmd}; }`,
    `pg_restart() { ${h.restartCmd}; }`,
    'is_ready() { "$PG_BIN/pg_isready" -q -h "$SOCKET_DIR" -p "$PG_PORT"; }',
    "wait_ready() {",
    "  local i",
    '  for ((i = 0; i < READY_TIMEOUT; i++)); do',
    "    if is_ready; then return 0; fi",
    "    sleep 1",
    "  done",
    '  log "server on port $PG_PORT did not become ready in ${READY_TIMEOUT}s"',
    "  return 1",
    "}",
    'psql_pg() { as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKET_DIR" -p "$PG_PORT" -U "$PG_OS_USER" -d postgres "$@"; }',
    "",
    "# install_file DEST MODE: content on stdin; returns 0 if DEST changed, 1 if already identical.",
    "install_file() {",
    '  local dest="$1" mode="$2" tmp',
    '  tmp="$(mktemp)"',
    '  cat >"$tmp"',
    '  if [ -f "$dest" ] && cmp -s "$tmp" "$dest"; then rm -f "$tmp"; return 1; fi',
    '  install -D -o "$PG_OS_USER" -g "$PG_OS_USER" -m "$mode" "$tmp" "$dest"',
    '  rm -f "$tmp"',
    '  log "updated $dest"',
    "  return 0",
    "}",
    "",
    "# read_secret VAR FILE: keep VAR if already set in the environment, else read it from FILE.",
    "read_secret() {",
    '  local var="$1" file="$2"',
    '  if [ -z "${!var:-}" ]; then',
    '    if [ ! -r "$file" ]; then log "secret $var not set and $file not readable"; exit 1; fi',
    '    printf -v "$var" \'%s\' "$(cat "$file")"',
    "  fi",
    '  export "${var?}"',
    "}",
    "",
    "ensure_include_dir() {",
    '  local inc',
    '  inc="$(basename "$(dirname "$CONF_PATH")")"',
    '  if ! grep -Eq "^[[:space:]]*include_dir[[:space:]]*=[[:space:]]*\'${inc}\'" "$MAIN_CONF"; then',
    '    printf "include_dir = \'%s\'\\n" "$inc" >>"$MAIN_CONF"',
    '    log "added include_dir \'$inc\' to $MAIN_CONF"',
    "    CONF_CHANGED=1",
    "  fi",
    '  install -d -o "$PG_OS_USER" -g "$PG_OS_USER" -m 0755 "$(dirname "$CONF_PATH")"',
    "}",
    "",
    "# converge_running: start if down, restart on conf change, reload on hba change.",
    "converge_running() {",
    "  if ! is_ready; then",
    '    log "starting cluster"',
    "    pg_start",
    "  elif [ \"$CONF_CHANGED\" = 1 ]; then",
    '    log "settings changed: restarting cluster"',
    "    pg_restart",
    "  elif [ \"$HBA_CHANGED\" = 1 ]; then",
    '    log "pg_hba changed: reloading"',
    "    wait_ready",
    "    psql_pg -c 'SELECT pg_reload_conf();' >/dev/null",
    "  fi",
    "  wait_ready",
    "}",
    "",
    "CONF_CHANGED=0",
    "HBA_CHANGED=0",
  );
}

export interface PostgresPrimarySetupArgs extends PgHostArgs {
  /** Settings for the primary (role forced to `primary`). */
  conf: Omit<PostgresConfArgs, "role">;
  /** Databases/owners (used for pg_hba, init SQL and password loading). */
  databases: PgDatabase[];
  /** Replicas (pg_hba + slots). Default: []. */
  replicas?: PgReplica[];
  /** Replication role. Default: `replicator`. */
  replicationUser?: string;
  /** Env var for the replication password. Default: `PG_REPLICATION_PASSWORD`. */
  replicationPasswordEnv?: string;
  /** File read when that env var is unset. Default: `/etc/homelab/postgres/replicator.password`. */
  replicationPasswordFile?: string;
  /** Shell command run when `dataDir/PG_VERSION` is missing. Default: `pg_createcluster 15 main` (Debian). */
  createClusterCmd?: string;
  /** pgBackRest: render + install its config, write S3 credentials from env, stanza-create and check. Default: enabled with S3 defaults. `false` disables. */
  pgbackrest?: false | (PgBackRestConfArgs & {
    /** Where pgbackrest.conf goes. Default: `/etc/pgbackrest/pgbackrest.conf`. */
    configPath?: string;
    /** Include file written from PGBACKREST_REPO1_S3_KEY / PGBACKREST_REPO1_S3_KEY_SECRET when both are set (S3 only). Default: `/etc/pgbackrest/conf.d/50-s3-credentials.conf`. */
    credentialsPath?: string;
    /** Run `pgbackrest check` at the end. Default: true. */
    check?: boolean;
  });
}

/** Root-run, idempotent bash script that converges the primary: config, hba, roles, databases, slots, pgBackRest stanza. */
export function renderPostgresPrimarySetup(a: PostgresPrimarySetupArgs): string {
  const h = hostDefaults(a);
  const port = a.conf.port ?? 5432;
  const replEnv = a.replicationPasswordEnv ?? "PG_REPLICATION_PASSWORD";
  assertEnv(replEnv);
  const pgbr = a.pgbackrest === false ? undefined : (a.pgbackrest ?? {});
  const pgbrConfigPath = pgbr?.configPath ?? PGBACKREST_DEFAULT_CONFIG;
  const stanza = pgbr?.stanza ?? a.conf.stanza ?? "main";
  const conf = renderPostgresConf({
    ...a.conf,
    role: "primary",
    archive: pgbr ? (a.conf.archive ?? true) : false,
    stanza,
    pgbackrestConfigPath: pgbrConfigPath,
  });
  const hba = renderPgHba({ databases: a.databases, replicas: a.replicas, replicationUser: a.replicationUser });
  const sql = renderPgInitSql({ databases: a.databases, replicas: a.replicas, replicationUser: a.replicationUser, replicationPasswordEnv: replEnv });
  const hConf = heredoc(conf);
  const hHba = heredoc(hba);
  const hSql = heredoc(sql);
  const secrets: [string, string][] = [[replEnv, a.replicationPasswordFile ?? "/etc/homelab/postgres/replicator.password"]];
  const seen = new Set([replEnv]);
  for (const d of a.databases) {
    if (!seen.has(dbPasswordEnv(d))) {
      seen.add(dbPasswordEnv(d));
      secrets.push([dbPasswordEnv(d), dbPasswordFile(d)]);
    }
  }
  const out: string[] = [
    commonShell(h, port, "PostgreSQL 15 primary setup"),
    "# 1. secrets (from the environment or root-only files; never part of this script)",
    ...secrets.map(([v, f]) => `read_secret ${v} ${shellQuote(f)}`),
    "",
    "# 2. cluster exists (never re-initialised when PG_VERSION is present)",
    'if [ ! -f "$DATA_DIR/PG_VERSION" ]; then',
    '  log "no cluster in $DATA_DIR: creating"',
    `  ${a.createClusterCmd ?? "pg_createcluster 15 main"}`,
    "fi",
    "",
    "# 3. configuration",
    "ensure_include_dir",
    `if install_file "$CONF_PATH" 0644 ${hConf.open}`,
    hConf.body,
    "then CONF_CHANGED=1; fi",
    `if install_file "$HBA_PATH" 0640 ${hHba.open}`,
    hHba.body,
    "then HBA_CHANGED=1; fi",
  ];
  if (pgbr) {
    const pgbrConf = renderPgBackRestConf({ ...pgbr, stanza, pgDataDir: pgbr.pgDataDir ?? h.dataDir, pgPort: pgbr.pgPort ?? port, pgSocketDir: pgbr.pgSocketDir ?? h.socketDir });
    const hPgbr = heredoc(pgbrConf);
    const repoType = (pgbr.repo ?? { type: "s3" }).type;
    out.push(
      "",
      "# 4. pgBackRest config (before start: archive_command needs it)",
      `PGBR_CONF=${shellQuote(pgbrConfigPath)}`,
      `install_file "$PGBR_CONF" 0640 ${hPgbr.open} || true`,
      hPgbr.body,
      `install -d -o "$PG_OS_USER" -g "$PG_OS_USER" -m 0750 ${shellQuote(pgbr.logPath ?? "/var/log/pgbackrest")}`,
    );
    if (pgbr.repo?.type === "posix") {
      out.push(`install -d -o "$PG_OS_USER" -g "$PG_OS_USER" -m 0750 ${shellQuote(pgbr.repo.path ?? "/var/lib/pgbackrest")}`);
    }
    if (repoType === "s3") {
      const cred = pgbr.credentialsPath ?? "/etc/pgbackrest/conf.d/50-s3-credentials.conf";
      out.push(
        "# S3 credentials: written from the environment only when provided (the file is root+postgres readable, 0640).",
        'if [ -n "${PGBACKREST_REPO1_S3_KEY:-}" ] && [ -n "${PGBACKREST_REPO1_S3_KEY_SECRET:-}" ]; then',
        `  printf '[global]\\nrepo1-s3-key=%s\\nrepo1-s3-key-secret=%s\\n' "$PGBACKREST_REPO1_S3_KEY" "$PGBACKREST_REPO1_S3_KEY_SECRET" | install_file ${shellQuote(cred)} 0640 || true`,
        `elif [ ! -f ${shellQuote(cred)} ]; then`,
        `  log "warning: no S3 credentials (set PGBACKREST_REPO1_S3_KEY/_SECRET or provide ${cred}); WAL archiving will fail"`,
        "fi",
      );
    }
  }
  out.push(
    "",
    "# 5. running with the current settings",
    "converge_running",
    "",
    "# 6. roles, databases, slots (idempotent SQL; passwords via psql \\getenv)",
    `psql_pg ${hSql.open}`,
    hSql.body,
  );
  if (pgbr) {
    out.push(
      "",
      "# 7. pgBackRest stanza (stanza-create is a no-op when the stanza already matches)",
      `as_pg pgbackrest --config="$PGBR_CONF" --stanza=${stanza} stanza-create`,
    );
    if (pgbr.check ?? true) out.push(`as_pg pgbackrest --config="$PGBR_CONF" --stanza=${stanza} check`);
  }
  out.push("", 'log "primary converged"');
  return out.join("\n") + "\n";
}

export interface PostgresReplicaSetupArgs extends PgHostArgs {
  /** Settings for this replica (role forced to `replica`; archiving off unless `archive` is set). */
  conf: Omit<PostgresConfArgs, "role">;
  /** This replica (its slot name is used for pg_basebackup -S). */
  replica: PgReplica;
  /** Primary host (bo: 192.168.9.20). */
  primaryHost: string;
  /** Primary port. Default: 5432. */
  primaryPort?: number;
  /** Replication role. Default: `replicator`. */
  replicationUser?: string;
  /** Env var for the replication password. Default: `PG_REPLICATION_PASSWORD`. */
  replicationPasswordEnv?: string;
  /** File read when that env var is unset. Default: `/etc/homelab/postgres/replicator.password`. */
  replicationPasswordFile?: string;
  /** libpq password file written for pg_basebackup and the walreceiver (primary_conninfo references it via passfile=). Default: `/var/lib/postgresql/.pgpass-replication`. */
  passfile?: string;
  /** pg_hba for the replica (read-only app clients). Default: only local peer for postgres. */
  hba?: Omit<PgHbaArgs, "replicas">;
  /**
   * Run after the base backup when `mainConfPath` does not exist. For Debian use `pg_createcluster 15 main`
   * (it adopts an existing data dir); the script first creates empty postgresql.conf/pg_hba.conf/pg_ident.conf
   * in the data dir because pg_createcluster only adopts directories that contain them. Default: unset.
   */
  adoptClusterCmd?: string;
}

/**
 * Root-run, idempotent replica setup: `pg_basebackup -R -S <slot> -X stream` into an empty data dir
 * (standby.signal + primary_conninfo in postgresql.auto.conf; no recovery.conf since PG12). If PG_VERSION
 * already exists and standby.signal is present the base backup is skipped; if PG_VERSION exists without
 * standby.signal the script refuses (exit 2) instead of wiping data.
 */
export function renderPostgresReplicaSetup(a: PostgresReplicaSetupArgs): string {
  const h = hostDefaults(a);
  const port = a.conf.port ?? 5432;
  const repl = a.replicationUser ?? "replicator";
  const replEnv = a.replicationPasswordEnv ?? "PG_REPLICATION_PASSWORD";
  assertIdent("replication user", repl);
  assertEnv(replEnv);
  const slot = replicaSlot(a.replica);
  assertIdent("slot", slot);
  const primaryPort = a.primaryPort ?? 5432;
  const conf = renderPostgresConf({ ...a.conf, clusterName: a.conf.clusterName ?? a.replica.name, role: "replica", archive: a.conf.archive ?? false });
  const hba = renderPgHba({ databases: a.hba?.databases ?? [], replicationUser: repl, localSuperuserPeer: a.hba?.localSuperuserPeer });
  const hConf = heredoc(conf);
  const hHba = heredoc(hba);
  const out: string[] = [
    commonShell(h, port, `PostgreSQL 15 streaming replica setup (${a.replica.name}, slot ${slot})`),
    `PRIMARY_HOST=${shellQuote(a.primaryHost)}`,
    `PRIMARY_PORT=${primaryPort}`,
    `REPL_USER=${shellQuote(repl)}`,
    `SLOT=${shellQuote(slot)}`,
    `PASSFILE=${shellQuote(a.passfile ?? "/var/lib/postgresql/.pgpass-replication")}`,
    "",
    "# 1. replication password -> libpq passfile (escaped per libpq rules; never on a command line)",
    `read_secret ${replEnv} ${shellQuote(a.replicationPasswordFile ?? "/etc/homelab/postgres/replicator.password")}`,
    "pgpass_escape() { local s=\"${1//\\\\/\\\\\\\\}\"; printf '%s' \"${s//:/\\\\:}\"; }",
    `printf '%s:%s:replication:%s:%s\\n' "$(pgpass_escape "$PRIMARY_HOST")" "$PRIMARY_PORT" "$(pgpass_escape "$REPL_USER")" "$(pgpass_escape "$${replEnv}")" | install_file "$PASSFILE" 0600 || true`,
    "",
    "# 2. base backup only into an empty data directory",
    'if [ -f "$DATA_DIR/PG_VERSION" ]; then',
    '  if [ ! -f "$DATA_DIR/standby.signal" ]; then',
    '    log "refusing: $DATA_DIR holds a cluster that is not a standby (no standby.signal); not touching it"',
    "    exit 2",
    "  fi",
    '  log "standby already initialised in $DATA_DIR: skipping pg_basebackup"',
    "else",
    '  if [ -d "$DATA_DIR" ] && [ -n "$(ls -A "$DATA_DIR")" ]; then',
    '    log "refusing: $DATA_DIR is not empty and has no PG_VERSION"',
    "    exit 2",
    "  fi",
    '  install -d -o "$PG_OS_USER" -g "$PG_OS_USER" -m 0700 "$DATA_DIR"',
    '  log "pg_basebackup from $PRIMARY_HOST:$PRIMARY_PORT slot $SLOT"',
    '  as_pg env PGPASSFILE="$PASSFILE" "$PG_BIN/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$REPL_USER" -w \\',
    '    -D "$DATA_DIR" -R -S "$SLOT" -X stream --checkpoint=fast --progress',
    "  CONF_CHANGED=1",
  ];
  if (a.adoptClusterCmd) {
    out.push(
      '  if [ ! -f "$MAIN_CONF" ]; then',
      '    for f in postgresql.conf pg_hba.conf pg_ident.conf; do',
      '      [ -f "$DATA_DIR/$f" ] || install -o "$PG_OS_USER" -g "$PG_OS_USER" -m 0600 /dev/null "$DATA_DIR/$f"',
      "    done",
      `    ${a.adoptClusterCmd}`,
      "  fi",
    );
  }
  out.push(
    "fi",
    'if [ -f "$DATA_DIR/recovery.conf" ]; then log "recovery.conf found: not supported since PostgreSQL 12"; exit 2; fi',
    "",
    "# 3. configuration",
    "ensure_include_dir",
    `if install_file "$CONF_PATH" 0644 ${hConf.open}`,
    hConf.body,
    "then CONF_CHANGED=1; fi",
    `if install_file "$HBA_PATH" 0640 ${hHba.open}`,
    hHba.body,
    "then HBA_CHANGED=1; fi",
    "",
    "# 4. running, in recovery, streaming from the slot",
    "converge_running",
    "in_recovery=\"$(psql_pg -At -c 'SELECT pg_is_in_recovery();')\"",
    'if [ "$in_recovery" != t ]; then log "server is not in recovery: not a standby"; exit 1; fi',
    'log "replica converged (slot $SLOT)"',
  );
  return out.join("\n") + "\n";
}
