/**
 * PostgreSQL 15 and pgBackRest configuration files: the postgresql.conf include, pg_hba.conf and
 * pgbackrest.conf. Pure; never receives a secret (S3 keys arrive in the setup script's environment).
 */
import { lines } from "../../shell";
import { assertIdent, dbOwner, PgDatabase, PgReplica, pgConfQuote, toCidr } from "./pgCommon";

// ---------------------------------------------------------------------------------------------
// postgresql.conf snippet
// ---------------------------------------------------------------------------------------------

export interface PostgresConfArgs {
  /** `primary` writes archiving + replication-sender settings; `replica` writes hot-standby settings. Default: `primary`. */
  role?: "primary" | "replica";
  /** Address the server listens on (e.g. 192.0.2.20). Required. */
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
  /** Repository: S3 (e.g. the site's MinIO) or a local directory. Required: it differs per site. */
  repo:
    | {
        type: "s3";
        /** S3 endpoint host (no scheme; pgBackRest always speaks HTTPS), e.g. `192.0.2.21`. Required: it differs per site. */
        endpoint: string;
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
  /** Full backups to retain (repo1-retention-full, with repo1-retention-full-type=count); the WAL archive is expired with the oldest of them. Default: 4 (four weekly fulls: a 4-week PITR window). */
  retentionFull?: number;
  /** Differential backups to retain (repo1-retention-diff). Default: 7 (a week of daily diffs; older points restore from a full + WAL). */
  retentionDiff?: number;
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
  const repo = a.repo;
  const g: string[] = ["[global]"];
  if (repo.type === "s3") {
    g.push(
      "repo1-type=s3",
      `repo1-path=${repo.path ?? "/pgbackrest"}`,
      `repo1-s3-bucket=${repo.bucket ?? "pg-wal"}`,
      `repo1-s3-endpoint=${repo.endpoint}`,
      `repo1-storage-port=${repo.port ?? 9000}`,
      `repo1-s3-region=${repo.region ?? "us-east-1"}`,
      "repo1-s3-uri-style=path",
      `repo1-storage-verify-tls=${(repo.verifyTls ?? true) ? "y" : "n"}`,
    );
    if (repo.caFile) g.push(`repo1-storage-ca-file=${repo.caFile}`);
  } else {
    g.push("repo1-type=posix", `repo1-path=${repo.path ?? "/var/lib/pgbackrest"}`);
  }
  // Option names and semantics: pgbackrest release/2.45 src/build/config/config.yaml (repo-retention-full,
  // repo-retention-full-type count|time, repo-retention-diff; expire-auto defaults to y after each backup).
  g.push(`repo1-retention-full=${a.retentionFull ?? 4}`, "repo1-retention-full-type=count", `repo1-retention-diff=${a.retentionDiff ?? 7}`, "start-fast=y", "compress-type=zst", `log-path=${a.logPath ?? "/var/log/pgbackrest"}`, "log-level-console=info", "log-level-file=info");
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
// scheduled pgBackRest backups (systemd)
// ---------------------------------------------------------------------------------------------

export interface PgBackRestScheduleArgs {
  /** Stanza. Default: `main`. */
  stanza?: string;
  /** pgbackrest.conf path. Default: `/etc/pgbackrest/pgbackrest.conf` (flag omitted). */
  configPath?: string;
  /** pgBackRest binary. Default: `/usr/bin/pgbackrest`. */
  pgbackrestBin?: string;
  /** OS user the backups run as. Default: `postgres`. */
  osUser?: string;
  /** IANA time zone of the site (OnCalendar). Required: it differs per site. */
  timeZone: string;
  /** Local time HH:MM of both backups. Default: `00:30` (before the nightly dumps and restic runs). */
  time?: string;
  /** Day of the weekly full backup (systemd weekday). Default: `Sun`; the differential runs on the other six days. */
  fullDay?: "Mon" | "Tue" | "Wed" | "Thu" | "Fri" | "Sat" | "Sun";
}

const WEEK = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;

/** Unit names of the schedule, in the order the setup script enables them. */
export const PGBACKREST_TIMERS = ["homelab-pgbackrest-full.timer", "homelab-pgbackrest-diff.timer"] as const;

/**
 * Weekly full and daily differential pgBackRest backups as systemd service + timer pairs (file name → text).
 * Each backup expires what the repository's retention no longer needs (pgBackRest runs `expire` after every
 * backup: expire-auto=y), which also bounds the WAL archive. A diff without a prior full becomes a full.
 */
export function renderPgBackRestSchedule(a: PgBackRestScheduleArgs): Record<string, string> {
  const stanza = a.stanza ?? "main";
  assertIdent("stanza", stanza);
  const time = a.time ?? "00:30";
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(time)) throw new Error(`time ${JSON.stringify(time)} must be HH:MM`);
  if (!/^[A-Za-z_+\-/0-9]+$/.test(a.timeZone)) throw new Error(`bad time zone ${JSON.stringify(a.timeZone)}`);
  const full = a.fullDay ?? "Sun";
  const others = WEEK.filter((d) => d !== full).join(",");
  const cfg = a.configPath && a.configPath !== PGBACKREST_DEFAULT_CONFIG ? ` --config=${a.configPath}` : "";
  const out: Record<string, string> = {};
  for (const [type, days, what] of [
    ["full", full, "weekly full"],
    ["diff", others, "daily differential"],
  ] as const) {
    out[`homelab-pgbackrest-${type}.service`] = lines(
      "# Managed by homelab (components/data/render/pgConf.ts).",
      "[Unit]",
      `Description=pgBackRest ${what} backup of stanza ${stanza} (homelab)`,
      "After=network-online.target postgresql.service",
      "Wants=network-online.target",
      "",
      "[Service]",
      "Type=oneshot",
      `User=${a.osUser ?? "postgres"}`,
      `ExecStart=${a.pgbackrestBin ?? "/usr/bin/pgbackrest"}${cfg} --stanza=${stanza} --type=${type} backup`,
      "Nice=10",
      "IOSchedulingClass=idle",
      "TimeoutStartSec=12h",
    );
    out[`homelab-pgbackrest-${type}.timer`] = lines(
      "# Managed by homelab (components/data/render/pgConf.ts).",
      "[Unit]",
      `Description=pgBackRest ${what} backup (homelab)`,
      "",
      "[Timer]",
      `OnCalendar=${days} *-*-* ${time}:00 ${a.timeZone}`,
      "Persistent=true",
      "RandomizedDelaySec=10min",
      "AccuracySec=1min",
      "",
      "[Install]",
      "WantedBy=timers.target",
    );
  }
  return out;
}

/**
 * max_slot_wal_keep_size for a primary whose cluster lives on a data mount of `dataMountGiB`: a tenth
 * of the mount (at least 1 GB, PostgreSQL's GB = 1024 MB). A replica that falls further behind loses
 * its slot (`wal_status = lost`) and must be rebuilt, instead of the primary's disk filling up.
 */
export function maxSlotWalKeepSize(dataMountGiB: number): string {
  if (!Number.isFinite(dataMountGiB) || dataMountGiB <= 0) throw new Error(`data mount size ${dataMountGiB} must be positive`);
  return `${Math.max(1, Math.floor(dataMountGiB / 10))}GB`;
}
