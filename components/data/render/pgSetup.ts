/**
 * The root-run, idempotent setup scripts of the PostgreSQL 15 primary and its streaming replicas:
 * components/data/scripts/postgres-lib.sh + postgres-primary.sh / postgres-replica.sh, composed with
 * the toolkit (components/shell) and parameterised by an environment block and a few host-specific
 * functions. Secrets are never arguments: scripts read them from environment variables (or
 * root-only files) whose names are arguments.
 */
import { assertSingleLine, envBlock, EnvValue, heredoc, readScript, shellScript } from "../../shell";
import { assertEnv, assertIdent, dbPasswordEnv, dbPasswordFile, PgDatabase, PgReplica, replicaSlot } from "./pgCommon";
import {
  PGBACKREST_DEFAULT_CONFIG,
  PGBACKREST_TIMERS,
  PgBackRestConfArgs,
  PgBackRestScheduleArgs,
  PgHbaArgs,
  PostgresConfArgs,
  renderPgBackRestConf,
  renderPgBackRestSchedule,
  renderPgHba,
  renderPostgresConf,
} from "./pgConf";
import { renderPgInitSql } from "./pgSql";

const PG_LIB = readScript(__dirname, "../scripts/postgres-lib.sh");
const PRIMARY_SH = readScript(__dirname, "../scripts/postgres-primary.sh");
const REPLICA_SH = readScript(__dirname, "../scripts/postgres-replica.sh");

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

/** `NAME="$(cat <<'EOF' … EOF)"`: a rendered text (one trailing newline, restored by put_env) as a variable. */
function textVar(name: string, text: string): string[] {
  assertEnv(name);
  const h = heredoc(text.replace(/\n*$/, "\n"));
  return [`${name}="$(cat ${h.open}`, h.body, `)"`];
}

/** Environment block, host functions and postgres-lib.sh: the head of both setup scripts. */
function head(h: ReturnType<typeof hostDefaults>, port: number, env: Record<string, EnvValue>, texts: Record<string, string>, hooks: string[]): string[] {
  return [
    ...envBlock({
      PG_BIN: h.pgBinDir,
      DATA_DIR: h.dataDir,
      MAIN_CONF: h.mainConfPath,
      CONF_PATH: h.confPath,
      HBA_PATH: h.hbaPath,
      SOCKET_DIR: h.socketDir,
      PG_PORT: port,
      PG_OS_USER: h.osUser,
      READY_TIMEOUT: h.readyTimeoutSec,
      ...env,
    }),
    ...Object.entries(texts).flatMap(([n, t]) => textVar(n, t)),
    "",
    "# host-specific commands",
    `as_pg() { ${h.runAs} "$@"; }`,
    `pg_start() { ${h.startCmd}; }`,
    `pg_restart() { ${h.restartCmd}; }`,
    ...hooks,
    "",
    PG_LIB.trimEnd(),
    "",
  ];
}

export interface PostgresPrimarySetupArgs extends PgHostArgs {
  /** Settings for the primary (role forced to `primary`). */
  conf: Omit<PostgresConfArgs, "role">;
  /** Databases/owners (used for pg_hba, init SQL and password loading). */
  databases: PgDatabase[];
  /** Replicas (pg_hba + slots). Default: []. */
  replicas?: PgReplica[];
  /** Extensions created in every database (their files must be installed: renderPgInstall). Default: none. */
  extensions?: string[];
  /** Replication role. Default: `replicator`. */
  replicationUser?: string;
  /** Env var for the replication password. Default: `PG_REPLICATION_PASSWORD`. */
  replicationPasswordEnv?: string;
  /** File read when that env var is unset. Default: `/etc/homelab/postgres/replicator.password`. */
  replicationPasswordFile?: string;
  /** Shell command run when `dataDir/PG_VERSION` is missing. Default: `pg_createcluster 15 main` (Debian). */
  createClusterCmd?: string;
  /** pgBackRest: render + install its config, write S3 credentials from env, stanza-create and check. Required (its S3 endpoint differs per site); `false` disables. */
  pgbackrest: false | (PgBackRestConfArgs & {
    /** Where pgbackrest.conf goes. Default: `/etc/pgbackrest/pgbackrest.conf`. */
    configPath?: string;
    /** Include file written from PGBACKREST_REPO1_S3_KEY / PGBACKREST_REPO1_S3_KEY_SECRET when both are set (S3 only). Default: `/etc/pgbackrest/conf.d/50-s3-credentials.conf`. */
    credentialsPath?: string;
    /** Run `pgbackrest check` at the end. Default: true. */
    check?: boolean;
    /** Env var holding the PEM of the S3 endpoint's CA, written to the repo's `caFile` (0644) before pgBackRest runs. Default: unset (the CA file is managed elsewhere). */
    caPemEnv?: string;
    /** Take a full backup when the repository has none yet (point-in-time recovery needs a base backup). Default: true. */
    initialFull?: boolean;
    /** Weekly full + daily differential backups as systemd timers; `false` installs none. Required (the time zone differs per site). */
    schedule: false | (Omit<PgBackRestScheduleArgs, "stanza" | "configPath"> & {
      /** Where the units go. Default: `/etc/systemd/system`. */
      unitDir?: string;
      /** Shell command run when a unit changed or the timers are not enabled. Default: `systemctl daemon-reload && systemctl enable --now <timers>`. */
      enableCmd?: string;
      /** Shell command that succeeds when the timers are enabled. Default: `systemctl is-enabled --quiet <timers>`. */
      enabledCmd?: string;
    });
  });
}

/** Root-run, idempotent bash script that converges the primary: config, hba, roles, databases, slots, pgBackRest stanza. */
export function renderPostgresPrimarySetup(a: PostgresPrimarySetupArgs): string {
  const h = hostDefaults(a);
  const port = a.conf.port ?? 5432;
  const replEnv = a.replicationPasswordEnv ?? "PG_REPLICATION_PASSWORD";
  assertEnv(replEnv);
  const pgbr = a.pgbackrest === false ? undefined : a.pgbackrest;
  const pgbrConfigPath = pgbr?.configPath ?? PGBACKREST_DEFAULT_CONFIG;
  const stanza = pgbr?.stanza ?? a.conf.stanza ?? "main";
  assertIdent("stanza", stanza);
  const conf = renderPostgresConf({ ...a.conf, role: "primary", archive: pgbr ? (a.conf.archive ?? true) : false, stanza, pgbackrestConfigPath: pgbrConfigPath });
  const hba = renderPgHba({ databases: a.databases, replicas: a.replicas, replicationUser: a.replicationUser });
  const sql = renderPgInitSql({ databases: a.databases, replicas: a.replicas, replicationUser: a.replicationUser, replicationPasswordEnv: replEnv, extensions: a.extensions });
  const secrets = new Map<string, string>([[replEnv, a.replicationPasswordFile ?? "/etc/homelab/postgres/replicator.password"]]);
  for (const d of a.databases) if (!secrets.has(dbPasswordEnv(d))) secrets.set(dbPasswordEnv(d), dbPasswordFile(d));
  const texts: Record<string, string> = { PG_CONF: conf, PG_HBA: hba, INIT_SQL: sql };
  const hooksExtra: string[] = [];
  let pgbrEnv: Record<string, EnvValue> = { PGBR: false };
  if (pgbr) {
    texts.PGBR_CONF_TEXT = renderPgBackRestConf({ ...pgbr, stanza, pgDataDir: pgbr.pgDataDir ?? h.dataDir, pgPort: pgbr.pgPort ?? port, pgSocketDir: pgbr.pgSocketDir ?? h.socketDir });
    const caFile = pgbr.repo.type === "s3" ? pgbr.repo.caFile : undefined;
    if (pgbr.caPemEnv !== undefined) {
      assertEnv(pgbr.caPemEnv);
      if (!caFile) throw new Error("pgbackrest.caPemEnv needs an S3 repo with caFile");
    }
    pgbrEnv = {
      PGBR: true,
      PGBR_CONF: pgbrConfigPath,
      PGBR_LOG_PATH: pgbr.logPath ?? "/var/log/pgbackrest",
      PGBR_POSIX_PATH: pgbr.repo.type === "posix" ? (pgbr.repo.path ?? "/var/lib/pgbackrest") : "",
      PGBR_REPO_TYPE: pgbr.repo.type,
      PGBR_CRED: pgbr.credentialsPath ?? "/etc/pgbackrest/conf.d/50-s3-credentials.conf",
      PGBR_CA_ENV: pgbr.caPemEnv ?? "",
      PGBR_CA_FILE: pgbr.caPemEnv ? caFile! : "",
      STANZA: stanza,
      PGBR_CHECK: pgbr.check ?? true,
      PGBR_INITIAL_FULL: pgbr.initialFull ?? true,
      PGBR_UNIT_DIR: "",
      PGBR_UNIT_NAMES: [],
    };
    if (pgbr.schedule) {
      const units = renderPgBackRestSchedule({ ...pgbr.schedule, stanza, configPath: pgbrConfigPath });
      const names = Object.keys(units).sort();
      names.forEach((n, i) => (texts[`PGBR_UNIT_${i}`] = units[n]));
      pgbrEnv.PGBR_UNIT_DIR = pgbr.schedule.unitDir ?? "/etc/systemd/system";
      pgbrEnv.PGBR_UNIT_NAMES = names;
      hooksExtra.push(`PGBR_UNIT_TEXTS=(${names.map((_, i) => `"$PGBR_UNIT_${i}"`).join(" ")})`);
      hooksExtra.push(`pgbr_enable_timers() { ${pgbr.schedule.enableCmd ?? `systemctl daemon-reload && systemctl enable --now ${PGBACKREST_TIMERS.join(" ")}`}; }`);
      hooksExtra.push(`pgbr_timers_enabled() { ${pgbr.schedule.enabledCmd ?? `systemctl is-enabled --quiet ${PGBACKREST_TIMERS.join(" ")}`}; }`);
    }
  }
  const env: Record<string, EnvValue> = { SECRET_VARS: [...secrets.keys()], SECRET_FILES: [...secrets.values()], ...pgbrEnv };
  const hooks = [`create_cluster() { ${a.createClusterCmd ?? "pg_createcluster 15 main"}; }`, ...hooksExtra];
  return shellScript({
    title: "PostgreSQL 15 primary setup",
    source: "components/data/render/pgSetup.ts",
    logTag: "homelab-pg",
    body: [...head(h, port, env, texts, hooks), PRIMARY_SH],
  });
}

export interface PostgresReplicaSetupArgs extends PgHostArgs {
  /** Settings for this replica (role forced to `replica`; archiving off unless `archive` is set). */
  conf: Omit<PostgresConfArgs, "role">;
  /** This replica (its slot name is used for pg_basebackup -S). */
  replica: PgReplica;
  /** Primary host (e.g. 192.0.2.20). */
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
  const conf = renderPostgresConf({ ...a.conf, clusterName: a.conf.clusterName ?? a.replica.name, role: "replica", archive: a.conf.archive ?? false });
  const hba = renderPgHba({ databases: a.hba?.databases ?? [], replicationUser: repl, localSuperuserPeer: a.hba?.localSuperuserPeer });
  const env: Record<string, EnvValue> = {
    PRIMARY_HOST: assertSingleLine("primaryHost", a.primaryHost),
    PRIMARY_PORT: a.primaryPort ?? 5432,
    REPL_USER: repl,
    SLOT: slot,
    PASSFILE: a.passfile ?? "/var/lib/postgresql/.pgpass-replication",
    REPL_ENV: replEnv,
    REPL_FILE: a.replicationPasswordFile ?? "/etc/homelab/postgres/replicator.password",
    ADOPT: !!a.adoptClusterCmd,
  };
  const hooks = a.adoptClusterCmd ? [`adopt_cluster() { ${a.adoptClusterCmd}; }`] : [];
  return shellScript({
    title: `PostgreSQL 15 streaming replica setup (${a.replica.name}, slot ${slot})`,
    source: "components/data/render/pgSetup.ts",
    logTag: "homelab-pg",
    body: [...head(h, port, env, { PG_CONF: conf, PG_HBA: hba }, hooks), REPLICA_SH],
  });
}
