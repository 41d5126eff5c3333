/**
 * Real PostgreSQL 15 test: primary + two streaming replicas built only from the generated
 * conf / pg_hba / init SQL / setup scripts, WAL archiving through pgBackRest to a local posix repo.
 * Runs as root; every PostgreSQL process runs as the `postgres` OS user.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import {
  maxSlotWalKeepSize,
  PgDatabase,
  PgReplica,
  renderPostgresPrimarySetup,
  renderPostgresReplicaSetup,
} from "../../components/data/render/postgres";
import { PG_BIN, run, runOk, runScript, tempDir, waitFor } from "./helpers";

const PRIMARY_PORT = 55432;
const base = tempDir("homelab-pg-");
const sock = path.join(base, "sock");
const logs = path.join(base, "logs");
const primaryDir = path.join(base, "primary");
const replicaDirs = { bh: path.join(base, "replica-bh"), ep: path.join(base, "replica-ep") };
const replicaPorts = { bh: 55433, ep: 55434 };
const AS_PG = "runuser -u postgres --";

const secrets: Record<string, string> = {
  PG_REPLICATION_PASSWORD: `repl-${crypto.randomBytes(12).toString("hex")}:x\\y`,
};
const databases: PgDatabase[] = ["authentik", "iron_honeycomb", "odoo_bo", "n8n", "paperless", "gitea"].map((name) => {
  secrets[`PG_PASSWORD_${name.toUpperCase()}`] = `pw-${name}-${crypto.randomBytes(12).toString("hex")}`;
  return { name, clients: ["127.0.0.1"] };
});
const replicas: PgReplica[] = [
  { name: "bh", address: "127.0.0.1" },
  { name: "ep", address: "127.0.0.1" },
];

function pgCtl(dir: string, action: string): string {
  return `${AS_PG} ${PG_BIN}/pg_ctl -D ${dir} -l ${logs}/${path.basename(dir)}.log -w -t 60 ${action}`;
}

function host(dir: string, port: number) {
  return {
    dataDir: dir,
    mainConfPath: path.join(dir, "postgresql.conf"),
    confPath: path.join(dir, "conf.d", "50-homelab.conf"),
    hbaPath: path.join(dir, "pg_hba.conf"),
    socketDir: sock,
    startCmd: pgCtl(dir, "start"),
    restartCmd: pgCtl(dir, "restart"),
    readyTimeoutSec: 60,
    conf: {
      serviceAddress: "127.0.0.1",
      listenAddresses: ["127.0.0.1"],
      port,
      unixSocketDirectory: sock,
      sharedBuffers: "32MB",
      effectiveCacheSize: "128MB",
      maxConnections: 30,
      archiveTimeout: "60s",
      // decision 27: the primary caps WAL kept for a dead replica (siteData: a tenth of the data mount)
      maxSlotWalKeepSize: maxSlotWalKeepSize(42),
    },
  };
}

const pgbrConfigPath = path.join(base, "pgbackrest", "pgbackrest.conf");
const pgbrRepo = path.join(base, "pgbr-repo");
const primaryScript = renderPostgresPrimarySetup({
  ...host(primaryDir, PRIMARY_PORT),
  databases,
  replicas,
  createClusterCmd: `install -d -o postgres -g postgres -m 0700 ${primaryDir} && ${AS_PG} ${PG_BIN}/initdb -D ${primaryDir} --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null`,
  pgbackrest: {
    configPath: pgbrConfigPath,
    repo: { type: "posix", path: pgbrRepo },
    logPath: path.join(logs, "pgbackrest"),
    lockPath: path.join(logs, "pgbackrest-lock"),
    initialFull: false,
    schedule: false,
  },
});
const replicaScript = (name: "bh" | "ep"): string =>
  renderPostgresReplicaSetup({
    ...host(replicaDirs[name], replicaPorts[name]),
    replica: replicas.find((r) => r.name === name)!,
    primaryHost: "127.0.0.1",
    primaryPort: PRIMARY_PORT,
    passfile: path.join(base, `pgpass-${name}`),
    hba: { databases },
  });

function psql(port: number, sql: string, db = "postgres"): string {
  return runOk("runuser", ["-u", "postgres", "--", `${PG_BIN}/psql`, "-X", "-At", "-h", sock, "-p", String(port), "-d", db, "-c", sql]).stdout.trim();
}
function postmasterPid(dir: string): string {
  return fs.readFileSync(path.join(dir, "postmaster.pid"), "utf8").split("\n")[0];
}
function runPrimary() {
  return runScript(path.join(base, "primary-setup.sh"), primaryScript, secrets);
}
function runReplica(name: "bh" | "ep") {
  return runScript(path.join(base, `replica-${name}-setup.sh`), replicaScript(name), secrets);
}
const SLOTS_SQL = "SELECT slot_name, slot_type FROM pg_replication_slots ORDER BY 1";
const REPL_SQL =
  "SELECT s.slot_name, r.application_name, r.client_addr, r.state, r.sync_state, r.sent_lsn = r.replay_lsn AS caught_up " +
  "FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid ORDER BY 1";

beforeAll(() => {
  for (const d of [sock, logs]) {
    fs.mkdirSync(d, { recursive: true });
    runOk("chown", ["postgres:postgres", d]);
  }
});

afterAll(() => {
  for (const dir of [replicaDirs.bh, replicaDirs.ep, primaryDir]) {
    if (fs.existsSync(path.join(dir, "postmaster.pid"))) run("bash", ["-c", `${pgCtl(dir, "stop")} -m immediate`]);
  }
  if (!process.env.KEEP_PG_TEST) fs.rmSync(base, { recursive: true, force: true });
});

describe("PostgreSQL 15 primary + 2 streaming replicas from generated artifacts", () => {
  test("scripts never contain secret values", () => {
    for (const text of [primaryScript, replicaScript("bh"), replicaScript("ep")]) {
      for (const v of Object.values(secrets)) expect(text).not.toContain(v);
      expect(text).not.toMatch(/recovery\.conf'?\s*$/m);
      expect(text).not.toContain("standby_mode");
    }
  });

  test("primary setup converges, creates roles/dbs/slots, archives WAL via pgBackRest", () => {
    const r = runPrimary();
    if (r.status !== 0) console.log(r.stdout, r.stderr);
    expect(r.status).toBe(0);
    expect(psql(PRIMARY_PORT, SLOTS_SQL)).toBe("replica_bh|physical\nreplica_ep|physical");
    expect(psql(PRIMARY_PORT, "SELECT datname FROM pg_database WHERE datname NOT LIKE 'template%' AND datname <> 'postgres' ORDER BY 1")).toBe(
      "authentik\ngitea\niron_honeycomb\nn8n\nodoo_bo\npaperless",
    );
    expect(psql(PRIMARY_PORT, "SHOW shared_buffers")).toBe("32MB");
    expect(psql(PRIMARY_PORT, "SHOW password_encryption")).toBe("scram-sha-256");
    // PostgreSQL 15 reports the cap it really applies (default -1 = unlimited before decision 27 was implemented)
    expect(psql(PRIMARY_PORT, "SHOW max_slot_wal_keep_size")).toBe("4GB");
    expect(psql(PRIMARY_PORT, "SELECT rolreplication FROM pg_roles WHERE rolname='replicator'")).toBe("t");
    expect(psql(PRIMARY_PORT, "SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname='authentik'")).toBe("SCRAM-SHA-256$");
    // pgBackRest check passed inside the script; the archive holds WAL segments
    const archived = run("bash", ["-c", `find ${pgbrRepo}/archive/main -name '0000000100000000000000*' | head -n 3`]).stdout.trim();
    console.log(`pgBackRest archived segments:\n${archived}`);
    expect(archived).not.toBe("");
    expect(runOk("runuser", ["-u", "postgres", "--", "pgbackrest", `--config=${pgbrConfigPath}`, "--stanza=main", "check"]).status).toBe(0);
  });

  test("application access: scram over TCP only to its own database", () => {
    const env = { ...process.env, PGPASSWORD: secrets.PG_PASSWORD_AUTHENTIK };
    const ok = run(`${PG_BIN}/psql`, ["-X", "-At", "-h", "127.0.0.1", "-p", String(PRIMARY_PORT), "-U", "authentik", "-d", "authentik", "-c", "SELECT current_user"], { env });
    expect(ok.stdout.trim()).toBe("authentik");
    const denied = run(`${PG_BIN}/psql`, ["-X", "-At", "-h", "127.0.0.1", "-p", String(PRIMARY_PORT), "-U", "authentik", "-d", "gitea", "-c", "SELECT 1"], { env });
    expect(denied.status).not.toBe(0);
    expect(denied.stderr).toMatch(/no pg_hba\.conf entry/);
    const wrongPw = run(`${PG_BIN}/psql`, ["-X", "-h", "127.0.0.1", "-p", String(PRIMARY_PORT), "-U", "authentik", "-d", "authentik", "-c", "SELECT 1"], {
      env: { ...process.env, PGPASSWORD: "wrong" },
    });
    expect(wrongPw.stderr).toMatch(/password authentication failed/);
  });

  test("two replicas stream from their slots, replay writes and are read-only", async () => {
    for (const n of ["bh", "ep"] as const) {
      const r = runReplica(n);
      if (r.status !== 0) console.log(r.stdout, r.stderr);
      expect(r.status).toBe(0);
      const dir = replicaDirs[n];
      expect(fs.existsSync(path.join(dir, "standby.signal"))).toBe(true);
      expect(fs.existsSync(path.join(dir, "recovery.conf"))).toBe(false);
      const auto = fs.readFileSync(path.join(dir, "postgresql.auto.conf"), "utf8");
      expect(auto).toMatch(new RegExp(`primary_slot_name = 'replica_${n}'`));
      expect(auto).toContain("passfile=");
      for (const v of Object.values(secrets)) expect(auto).not.toContain(v);
      expect(psql(replicaPorts[n], "SELECT pg_is_in_recovery()")).toBe("t");
    }
    await waitFor(() => psql(PRIMARY_PORT, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") === "2", 30_000);
    const rows = runOk("runuser", ["-u", "postgres", "--", `${PG_BIN}/psql`, "-X", "-h", sock, "-p", String(PRIMARY_PORT), "-d", "postgres", "-c", REPL_SQL]).stdout;
    console.log(`pg_stat_replication on primary:\n${rows}`);
    expect(rows).toMatch(/replica_bh .*streaming/);
    expect(rows).toMatch(/replica_ep .*streaming/);

    psql(PRIMARY_PORT, "CREATE TABLE IF NOT EXISTS probe (id int PRIMARY KEY, v text); INSERT INTO probe VALUES (1, 'hello-from-bo') ON CONFLICT DO NOTHING", "authentik");
    for (const n of ["bh", "ep"] as const) {
      await waitFor(() => run("runuser", ["-u", "postgres", "--", `${PG_BIN}/psql`, "-X", "-At", "-h", sock, "-p", String(replicaPorts[n]), "-d", "authentik", "-c", "SELECT v FROM probe WHERE id = 1"]).stdout.trim() === "hello-from-bo", 30_000);
      const ro = run("runuser", ["-u", "postgres", "--", `${PG_BIN}/psql`, "-X", "-h", sock, "-p", String(replicaPorts[n]), "-d", "authentik", "-c", "INSERT INTO probe VALUES (2, 'x')"]);
      expect(ro.status).not.toBe(0);
      expect(ro.stderr).toMatch(/read-only transaction/);
    }
  });

  test("re-running every setup script changes nothing", () => {
    const before = {
      slots: psql(PRIMARY_PORT, SLOTS_SQL),
      pids: [primaryDir, replicaDirs.bh, replicaDirs.ep].map(postmasterPid),
      sysid: [replicaDirs.bh, replicaDirs.ep].map((d) => runOk(`${PG_BIN}/pg_controldata`, [d]).stdout.match(/system identifier:\s+(\d+)/)![1]),
    };
    for (const d of [replicaDirs.bh, replicaDirs.ep]) fs.writeFileSync(path.join(d, "homelab-sentinel"), "keep");
    const p = runPrimary();
    expect(p.status).toBe(0);
    expect(p.stderr).not.toMatch(/updated |starting|restarting|reloading/);
    for (const n of ["bh", "ep"] as const) {
      const r = runReplica(n);
      expect(r.status).toBe(0);
      expect(r.stderr).toContain("skipping pg_basebackup");
      expect(r.stderr).not.toMatch(/updated |starting|restarting|reloading/);
      expect(fs.existsSync(path.join(replicaDirs[n], "homelab-sentinel"))).toBe(true);
    }
    expect(psql(PRIMARY_PORT, SLOTS_SQL)).toBe(before.slots);
    expect([primaryDir, replicaDirs.bh, replicaDirs.ep].map(postmasterPid)).toEqual(before.pids);
    for (const n of ["bh", "ep"] as const) expect(psql(replicaPorts[n], "SELECT v FROM probe WHERE id = 1", "authentik")).toBe("hello-from-bo");
    expect(psql(PRIMARY_PORT, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")).toBe("2");
    expect(before.sysid[0]).toBe(runOk(`${PG_BIN}/pg_controldata`, [replicaDirs.bh]).stdout.match(/system identifier:\s+(\d+)/)![1]);
  });

  test("replica setup refuses to touch a non-standby cluster", () => {
    fs.rmSync(path.join(replicaDirs.ep, "standby.signal"));
    try {
      const r = runReplica("ep");
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/refusing/);
      expect(fs.existsSync(path.join(replicaDirs.ep, "PG_VERSION"))).toBe(true);
    } finally {
      fs.writeFileSync(path.join(replicaDirs.ep, "standby.signal"), "");
      runOk("chown", ["postgres:postgres", path.join(replicaDirs.ep, "standby.signal")]);
    }
  });
});
