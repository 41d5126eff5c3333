/**
 * PostgreSQL 15 on bo with streaming replicas on bh/ep and WAL archiving to MinIO via pgBackRest.
 * Scripts come from render/postgres.ts (proven by test/real/postgres.test.ts); secrets reach them
 * only as environment variables on the Command's secret stdin (components/remote/script.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PgDatabase, PgReplica, renderPostgresPrimarySetup, renderPostgresReplicaSetup } from "./render/postgres";
import { renderPgExtensionsInstall } from "./render/pgExtensions";
import { GuestConnection, remoteScript } from "../remote/script";
import { shellScript } from "../shell";

const PGBACKREST_CA = "/etc/pgbackrest/minio-ca.pem";

/** Install PostgreSQL 15 (+ pgBackRest) from Debian when missing; `noMainCluster` stops Debian creating 15/main (replicas). */
export function renderPgInstall(a: { noMainCluster: boolean; pgbackrest: boolean }): string {
  return shellScript({
    title: "PostgreSQL packages",
    source: "components/data/postgresPrimaryWithReplicas.ts",
    env: { PKGS: ["postgresql-15", ...(a.pgbackrest ? ["pgbackrest"] : [])] },
    body: [
      ...(a.noMainCluster
        ? [
            "install -d /etc/postgresql-common",
            "grep -qx 'create_main_cluster = false' /etc/postgresql-common/createcluster.conf 2>/dev/null || echo 'create_main_cluster = false' >>/etc/postgresql-common/createcluster.conf",
          ]
        : []),
      "need_install=0",
      `for p in "\${PKGS[@]}"; do dpkg-query -W -f='\${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need_install=1; done`,
      'if [ "$need_install" = 1 ]; then',
      "  apt-get update -qq",
      '  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${PKGS[@]}"',
      "fi",
    ],
  });
}

/** Database connection info handed to consumers. */
export interface PgConnectionInfo {
  host: string;
  port: number;
  database: string;
  user: string;
  password: pulumi.Output<string>;
}

/** Arguments of {@link PostgresPrimaryWithReplicas}. */
export interface PostgresPrimaryWithReplicasArgs {
  /** The primary's guest (LxcService container); every Command depends on it. */
  guest: pulumi.Resource;
  /** SSH connection to the primary. */
  connection: GuestConnection;
  /** Primary address (e.g. 192.0.2.20). */
  address: string;
  /** Port. Default 5432. */
  port?: number;
  /** Consumer databases with client addresses (from plan.ts postgresPrimaryPlan). */
  databases: PgDatabase[];
  /** Streaming replicas (pg_hba /32 + one slot each). */
  replicas: PgReplica[];
  /**
   * pgBackRest's repository: the site's MinIO (endpoint host/port, bucket, CA PEM, access key, secret key
   * (secret), and the setup it depends on), or a directory on the primary's own data mount when the site
   * runs no object store (decision 110).
   */
  repo: { type: "s3"; minio: { address: string; port: number; bucket: string; caPem: pulumi.Input<string>; accessKey: pulumi.Input<string>; secretKey: pulumi.Input<string>; setup?: pulumi.Resource } } | { type: "posix"; path: string };
  /** The site's IANA time zone (backup timers). */
  timeZone: string;
  /** max_slot_wal_keep_size (from the data mount: render/pgConf.ts maxSlotWalKeepSize). */
  maxSlotWalKeepSize: string;
  /** Extensions created in every database (components/inventory/apps.ts PG_EXTENSIONS). Default none. */
  extensions?: string[];
  /** Pinned PGDG apt version of postgresql-15-pgvector; required when `extensions` has `vector` (else the install stops naming `pgvectorHint`). */
  pgvectorVersion?: string;
  /** The inventory setting to name when the pgvector pin is missing. Default: `app.pgvectorVersion`. */
  pgvectorHint?: string;
  /** shared_buffers / effective_cache_size. Default 4GB / 12GB (render defaults). */
  sharedBuffers?: string;
  effectiveCacheSize?: string;
}

/** The PostgreSQL 15 primary: roles, databases, slots, pg_hba, pgBackRest stanza; random secret passwords. */
export class PostgresPrimaryWithReplicas extends pulumi.ComponentResource {
  public readonly endpoint: { host: string; port: number };
  public readonly replicationUser = "replicator";
  public readonly replicationPassword: pulumi.Output<string>;
  /** Connection info by database name (passwords secret). */
  public readonly databases: Record<string, PgConnectionInfo> = {};
  /** The setup Command. */
  public readonly setup: pulumi.Resource;

  constructor(name: string, args: PostgresPrimaryWithReplicasArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:data:PostgresPrimaryWithReplicas", name, {}, opts);
    const port = args.port ?? 5432;
    this.endpoint = { host: args.address, port };
    const pw = (n: string) => pulumi.secret(new random.RandomPassword(`${name}-${n.replace(/_/g, "-")}-password`, { length: 40, special: false }, { parent: this }).result);
    this.replicationPassword = pw("replicator");
    const minio = args.repo.type === "s3" ? args.repo.minio : undefined;
    const secrets: Record<string, pulumi.Input<string>> = {
      PG_REPLICATION_PASSWORD: this.replicationPassword,
      ...(minio ? { PGBACKREST_REPO1_S3_KEY: minio.accessKey, PGBACKREST_REPO1_S3_KEY_SECRET: pulumi.secret(minio.secretKey), PGBACKREST_CA_PEM: minio.caPem } : {}),
    };
    for (const d of args.databases) {
      const owner = d.owner ?? d.name;
      const env = d.passwordEnv ?? `PG_PASSWORD_${owner.toUpperCase()}`;
      if (!(env in secrets)) secrets[env] = pw(owner);
      this.databases[d.name] = { host: args.address, port, database: d.name, user: owner, password: pulumi.secret(secrets[env]) };
    }
    let install = remoteScript(`${name}-install`, { connection: args.connection, script: renderPgInstall({ noMainCluster: false, pgbackrest: true }) }, { parent: this, dependsOn: [args.guest] });
    const extScript = renderPgExtensionsInstall(args.extensions ?? [], { vector: args.pgvectorVersion }, `set ${args.pgvectorHint ?? "app.pgvectorVersion"} to the PGDG apt version of postgresql-15-pgvector`);
    if (extScript) install = remoteScript(`${name}-extensions`, { connection: args.connection, script: extScript }, { parent: this, dependsOn: [install] });
    const script = renderPostgresPrimarySetup({
      conf: { serviceAddress: args.address, port, sharedBuffers: args.sharedBuffers, effectiveCacheSize: args.effectiveCacheSize, maxSlotWalKeepSize: args.maxSlotWalKeepSize },
      databases: args.databases,
      replicas: args.replicas,
      extensions: args.extensions,
      replicationUser: this.replicationUser,
      // MinIO's CA (public) arrives with the secrets and is written before pgBackRest runs.
      pgbackrest: minio
        ? { repo: { type: "s3", endpoint: minio.address, port: minio.port, bucket: minio.bucket, caFile: PGBACKREST_CA }, caPemEnv: "PGBACKREST_CA_PEM", schedule: { timeZone: args.timeZone } }
        : { repo: { type: "posix", path: (args.repo as { path: string }).path }, schedule: { timeZone: args.timeZone } },
    });
    this.setup = remoteScript(`${name}-setup`, { connection: args.connection, script, secrets }, { parent: this, dependsOn: [args.guest, install, ...(minio?.setup ? [minio.setup] : [])] });
    this.registerOutputs({ endpoint: this.endpoint, replicationUser: this.replicationUser, replicationPassword: this.replicationPassword });
  }
}

/** Arguments of {@link PostgresReplica}. */
export interface PostgresReplicaArgs {
  /** The replica's guest; every Command depends on it. */
  guest: pulumi.Resource;
  /** SSH connection to the replica. */
  connection: GuestConnection;
  /** This replica (name = slot suffix on the primary, address = its own). */
  replica: PgReplica;
  /** Primary endpoint (from bo's stack output). */
  primary: { host: pulumi.Input<string>; port: pulumi.Input<number> };
  /** Replication role name (from bo). Default `replicator`. */
  replicationUser?: string;
  /** Replication password (secret, from bo). */
  replicationPassword: pulumi.Input<string>;
}

/** A streaming replica: pg_basebackup -R -S into an empty data dir, hot standby; never wipes data. */
export class PostgresReplica extends pulumi.ComponentResource {
  public readonly setup: pulumi.Resource;

  constructor(name: string, args: PostgresReplicaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:data:PostgresReplica", name, {}, opts);
    const install = remoteScript(`${name}-install`, { connection: args.connection, script: renderPgInstall({ noMainCluster: true, pgbackrest: false }) }, { parent: this, dependsOn: [args.guest] });
    // The primary's host/port are plan-time strings in practice; the script is rendered per value so it stays readable.
    const script = pulumi.all([args.primary.host, args.primary.port]).apply(([host, port]) =>
      renderPostgresReplicaSetup({
        conf: { serviceAddress: args.replica.address },
        replica: args.replica,
        primaryHost: String(host),
        primaryPort: Number(port),
        replicationUser: args.replicationUser ?? "replicator",
        adoptClusterCmd: "pg_createcluster 15 main",
      }),
    );
    this.setup = remoteScript(
      `${name}-setup`,
      { connection: args.connection, script, secrets: { PG_REPLICATION_PASSWORD: pulumi.secret(args.replicationPassword) } },
      { parent: this, dependsOn: [args.guest, install] },
    );
    this.registerOutputs({ primaryHost: args.primary.host });
  }
}
