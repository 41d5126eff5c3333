import {
  renderPgBackRestConf,
  renderPgHba,
  renderPgInitSql,
  renderPostgresConf,
  renderPostgresPrimarySetup,
  renderPostgresReplicaSetup,
  PgDatabase,
} from "../../components/data/render/postgres";
import {
  renderResticAgentScript,
  renderResticEnv,
  renderResticExporterUnit,
  renderResticServiceUnit,
  renderResticTimerUnit,
  renderRestServerSetup,
  renderRestServerUnit,
  resticRestRepository,
} from "../../components/data/render/restic";
import { renderMinioBucketsScript, renderMinioEnv, renderMinioUnit } from "../../components/data/render/minio";

const SECRET = "S3cr3t-must-never-render-9f8e7d";
const dbs: PgDatabase[] = [
  { name: "authentik", clients: ["192.168.9.30"] },
  { name: "iron_honeycomb", clients: ["192.168.9.31", "10.0.0.0/24"] },
  { name: "odoo_bo", clients: ["192.168.9.32"] },
  { name: "n8n" },
  { name: "paperless" },
  { name: "gitea" },
];
const replicas = [
  { name: "bh", address: "192.168.50.22" },
  { name: "ep", address: "192.168.30.22" },
];

describe("postgres renderers", () => {
  test("primary conf: tuning, listen, scram, archiving with pgBackRest", () => {
    const c = renderPostgresConf({ serviceAddress: "192.168.9.20" });
    expect(c).toContain("listen_addresses = '192.168.9.20,localhost'");
    expect(c).toContain("shared_buffers = '4GB'");
    expect(c).toContain("effective_cache_size = '12GB'");
    expect(c).toContain("password_encryption = 'scram-sha-256'");
    expect(c).toContain("wal_level = 'replica'");
    expect(c).toContain("archive_mode = on");
    expect(c).toContain("archive_command = 'pgbackrest --stanza=main archive-push %p'");
    expect(c).not.toMatch(/standby_mode|recovery\.conf|aws s3/);
  });

  test("replica conf: hot standby, no archiving", () => {
    const c = renderPostgresConf({ serviceAddress: "192.168.50.22", role: "replica" });
    expect(c).toContain("hot_standby = on");
    expect(c).toContain("archive_mode = off");
    expect(c).not.toContain("archive_command");
  });

  test("pg_hba: replication only from each replica /32, apps only from declared clients, scram", () => {
    const h = renderPgHba({ databases: dbs, replicas });
    expect(h).toMatchInlineSnapshot(`
"# Managed by homelab (components/data/render/postgres.ts). Do not edit by hand.
# TYPE  DATABASE  USER  ADDRESS  METHOD
local   all  postgres  peer
host    replication  replicator  192.168.50.22/32  scram-sha-256
host    replication  replicator  192.168.30.22/32  scram-sha-256
host    authentik  authentik  192.168.9.30/32  scram-sha-256
host    iron_honeycomb  iron_honeycomb  192.168.9.31/32  scram-sha-256
host    iron_honeycomb  iron_honeycomb  10.0.0.0/24  scram-sha-256
host    odoo_bo  odoo_bo  192.168.9.32/32  scram-sha-256
"
`);
    for (const l of h.split("\n").filter((x) => x.startsWith("host"))) expect(l).toMatch(/scram-sha-256$/);
    expect(h).not.toMatch(/\b(md5|trust|password)\b/);
  });

  test("init SQL is idempotent and reads passwords with \\getenv", () => {
    const s = renderPgInitSql({ databases: dbs, replicas });
    expect(s).toContain("\\getenv pw_replication PG_REPLICATION_PASSWORD");
    expect(s).toContain(`ALTER ROLE "replicator" WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'pw_replication';`);
    expect(s).toContain("\\getenv pw_authentik PG_PASSWORD_AUTHENTIK");
    expect(s).toContain(
      "SELECT format('CREATE DATABASE %I OWNER %I', 'odoo_bo', 'odoo_bo') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'odoo_bo') \\gexec",
    );
    expect(s).toContain("SELECT pg_create_physical_replication_slot('replica_bh') WHERE NOT EXISTS");
    expect(s).toContain("'replica_ep'");
    expect(s).not.toMatch(/pg_ctl_reload_conf/);
  });

  test("pgbackrest.conf: S3 on MinIO with path style, no credentials", () => {
    const c = renderPgBackRestConf({ repo: { type: "s3", endpoint: "192.0.2.21" } });
    expect(c).toContain("repo1-type=s3");
    expect(c).toContain("repo1-s3-bucket=pg-wal");
    expect(c).toContain("repo1-s3-endpoint=192.0.2.21");
    expect(c).toContain("repo1-storage-port=9000");
    expect(c).toContain("repo1-s3-uri-style=path");
    expect(c).toContain("[main]\npg1-path=/var/lib/postgresql/15/main");
    expect(c).not.toMatch(/repo1-s3-key/);
  });

  test("replica setup: pg_basebackup -R -S slot -X stream, guarded by PG_VERSION", () => {
    const s = renderPostgresReplicaSetup({ conf: { serviceAddress: "192.168.50.22" }, replica: replicas[0], primaryHost: "192.168.9.20" });
    expect(s).toMatch(/pg_basebackup" -h "\$PRIMARY_HOST" .* -w \\\n\s+-D "\$DATA_DIR" -R -S "\$SLOT" -X stream/);
    expect(s).toContain("SLOT=replica_bh");
    expect(s).toContain('if [ -f "$DATA_DIR/PG_VERSION" ]; then');
    expect(s).not.toMatch(/standby_mode/);
  });

  test("primary setup uses pg_reload_conf() and production service control by default", () => {
    const s = renderPostgresPrimarySetup({ conf: { serviceAddress: "192.168.9.20" }, databases: dbs, replicas, pgbackrest: { repo: { type: "s3", endpoint: "192.0.2.21" }, schedule: { timeZone: "America/Chicago" } } });
    expect(s).toContain("SELECT pg_reload_conf();");
    expect(s).toContain("pg_restart() { systemctl restart postgresql@15-main; }");
    expect(s).toContain('--stanza="$STANZA" stanza-create');
    expect(s).toContain("STANZA=main");
    expect(s).toContain('"$PGBACKREST_REPO1_S3_KEY" "$PGBACKREST_REPO1_S3_KEY_SECRET"');
  });

  test("rejects unsafe identifiers", () => {
    expect(() => renderPgInitSql({ databases: [{ name: "x; DROP" }] })).toThrow();
    expect(() => renderPgHba({ databases: [{ name: "a", clients: ["not-an-ip"] }] })).toThrow();
  });
});

describe("restic renderers", () => {
  test("private repo URL starts with the user", () => {
    expect(resticRestRepository({ user: "bh", host: "192.0.2.22" })).toBe("rest:https://bh@192.0.2.22:8000/bh/");
  });

  test("env file has paths only and refuses embedded passwords", () => {
    expect(renderResticEnv({ repository: resticRestRepository({ user: "ep", host: "192.0.2.22" }) })).toMatchInlineSnapshot(`
"# Managed by homelab (components/data/render/restic.ts). No secrets here: only file paths.
RESTIC_REPOSITORY=rest:https://ep@192.0.2.22:8000/ep/
RESTIC_PASSWORD_FILE=/etc/restic/repo.password
HOMELAB_REST_PASSWORD_FILE=/etc/restic/rest-server.password
RESTIC_CACHE_DIR=/var/cache/restic
"
`);
    expect(() => renderResticEnv({ repository: `rest:https://ep:${SECRET}@h:8000/ep/` })).toThrow();
  });

  test("agent: dumps, conditional init, backup with host tag, retention", () => {
    const s = renderResticAgentScript({ hostTag: "bo", paths: ["/srv/gitea"], pgDump: { databases: ["gitea", "n8n"] } });
    // restic 0.14.0 (Debian 12) has no RESTIC_CACERT (cmd/restic/global.go reads it from v0.16.0): every call passes --cacert
    expect(s).toContain('if [ -n "${RESTIC_CACERT:-}" ]; then CACERT_ARGS=(--cacert "$RESTIC_CACERT"); fi');
    expect(s).toContain('if "$RESTIC" "${CACERT_ARGS[@]}" cat config >/dev/null 2>&1; then');
    expect(s).toContain('"$RESTIC" "${CACERT_ARGS[@]}" init');
    expect(s).toContain('backup --host "$HOST_TAG" --tag homelab --tag "$HOST_TAG"');
    expect(s).toContain('forget --host "$HOST_TAG" --keep-daily "$KEEP_DAILY" --keep-weekly "$KEEP_WEEKLY" --keep-monthly "$KEEP_MONTHLY" --prune');
    expect(s).toContain("KEEP_DAILY=30\nKEEP_WEEKLY=12\nKEEP_MONTHLY=12\n");
    expect(s).toContain("BACKUP_PATHS=(/srv/gitea /var/backups/postgres)");
    expect(s.indexOf("pg_dump_cmd --format=custom")).toBeLessThan(s.indexOf('"$RESTIC" "${CACERT_ARGS[@]}" backup'));
    expect(s).not.toMatch(/RESTC_/);
  });

  test("timer: zone-qualified OnCalendar, Persistent, RandomizedDelaySec", () => {
    const t = renderResticTimerUnit({ time: "02:00", timeZone: "Europe/Berlin" });
    expect(t).toContain("OnCalendar=*-*-* 02:00:00 Europe/Berlin");
    expect(t).toContain("Persistent=true");
    expect(t).toContain("RandomizedDelaySec=15min");
    expect(() => renderResticTimerUnit({ time: "25:00", timeZone: "Europe/Berlin" })).toThrow();
  });

  test("service unit is a oneshot with an EnvironmentFile", () => {
    const u = renderResticServiceUnit();
    expect(u).toContain("Type=oneshot");
    expect(u).toContain("EnvironmentFile=/etc/restic/restic.env");
  });

  test("rest-server unit + setup: private repos, prometheus, bcrypt htpasswd", () => {
    const u = renderRestServerUnit({ listen: "192.0.2.22:8000" });
    expect(u).toContain("ExecStart=/usr/local/bin/rest-server --path /srv/restic --listen 192.0.2.22:8000 --htpasswd-file /etc/rest-server/htpasswd --private-repos --prometheus");
    const s = renderRestServerSetup({ users: ["bh", "ep", "bo"] });
    expect(s).toContain('"$HTPASSWD" -B -C "$COST" -i "$HTPASSWD_FILE" "$user" <"$pwfile"');
    expect(renderResticExporterUnit()).toContain("--collector.textfile.directory=/var/lib/prometheus/node-exporter");
  });
});

describe("minio renderers", () => {
  test("bucket script: alias from env, mb --ignore-existing, versioning where asked", () => {
    const s = renderMinioBucketsScript({ url: "https://192.0.2.21:9000" });
    expect(s).toContain('"$MC" alias set "$ALIAS" "$URL" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"');
    for (const b of ["backups", "archives", "media", "pg-wal"]) expect(s).toContain(`"$MC" mb --ignore-existing "$ALIAS/${b}"`);
    expect(s).toContain('"$MC" version enable "$ALIAS/backups"');
    expect(s).toContain('"$MC" version enable "$ALIAS/archives"');
    expect(s).not.toContain('version enable "$ALIAS/media"');
  });
  test("unit + env carry no credentials", () => {
    expect(renderMinioUnit()).toContain("ExecStart=/usr/local/bin/minio server $MINIO_OPTS $MINIO_VOLUMES");
    expect(renderMinioEnv({ address: "192.0.2.21:9000", consoleAddress: "192.0.2.21:9001" })).toContain('MINIO_OPTS="--address 192.0.2.21:9000');
  });
});

describe("secrets never render, output is deterministic", () => {
  // Secret values are never arguments; the only way one could leak is via a name/path field.
  // Pass the secret as the *content* a caller might confuse with a path and make sure env-var
  // names/paths are what render, then scan all outputs for the secret string.
  const all = (): string[] => [
    renderPostgresConf({ serviceAddress: "192.168.9.20" }),
    renderPgHba({ databases: dbs, replicas }),
    renderPgInitSql({ databases: dbs, replicas }),
    renderPgBackRestConf({ repo: { type: "s3", endpoint: "192.0.2.21" } }),
    renderPostgresPrimarySetup({ conf: { serviceAddress: "192.168.9.20" }, databases: dbs, replicas, pgbackrest: { repo: { type: "s3", endpoint: "192.0.2.21" }, schedule: { timeZone: "America/Chicago" } } }),
    renderPostgresReplicaSetup({ conf: { serviceAddress: "192.168.50.22" }, replica: replicas[0], primaryHost: "192.168.9.20" }),
    renderResticEnv({ repository: resticRestRepository({ user: "bh", host: "192.0.2.22" }) }),
    renderResticAgentScript({ hostTag: "bh", paths: ["/etc"] }),
    renderResticServiceUnit(),
    renderResticTimerUnit({ timeZone: "Europe/Berlin" }),
    renderRestServerUnit({ listen: "192.0.2.22:8000" }),
    renderRestServerSetup({ users: ["bh"] }),
    renderResticExporterUnit(),
    renderMinioEnv({ address: "192.0.2.21:9000", consoleAddress: "192.0.2.21:9001" }),
    renderMinioUnit(),
    renderMinioBucketsScript({ url: "https://192.0.2.21:9000" }),
  ];
  test("no secret-looking values; secrets from env only", () => {
    const prev = { ...process.env };
    process.env.PG_REPLICATION_PASSWORD = SECRET;
    process.env.MINIO_ROOT_PASSWORD = SECRET;
    process.env.PGBACKREST_REPO1_S3_KEY_SECRET = SECRET;
    try {
      for (const t of all()) expect(t).not.toContain(SECRET);
    } finally {
      process.env = prev;
    }
  });
  test("deterministic", () => {
    expect(all()).toEqual(all());
  });
});
