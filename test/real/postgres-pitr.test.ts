/**
 * Real point-in-time recovery with pgBackRest 2.45 and PostgreSQL 15 (Debian 12), from the generated
 * primary setup script (posix repository, as a site without an object store uses) and the generated
 * backup units. The commands are the ones docs/how-to/restore.md gives.
 *
 * Upstream facts (pgbackrest release/2.45 src/build/config/config.yaml): restore `--type=time` needs
 * `--target`; `--target-action` is pause|promote|shutdown (default pause); `--archive-mode=off` keeps
 * the restored cluster from archiving into the same repository; `--pg1-path` selects the data directory;
 * backup `--type` is full|diff|incr and a diff with no prior full becomes a full.
 */
import * as fs from "fs";
import * as path from "path";
import { renderPostgresPrimarySetup } from "../../components/data/render/postgres";
import { PG_BIN, run, runOk, runScript, tempDir } from "./helpers";

const PORT = 55442;
const RESTORED_PORT = 55443;
const AS_PG = "runuser -u postgres --";
const base = tempDir("homelab-pitr-");
const sock = path.join(base, "sock");
const logs = path.join(base, "logs");
const dataDir = path.join(base, "primary");
const restoredDir = path.join(base, "restored");
const unitDir = path.join(base, "units");
const repo = path.join(base, "repo");
const pgbrConf = path.join(base, "pgbackrest", "pgbackrest.conf");
const enabled = path.join(base, "timers-enabled");
const pgCtl = (dir: string, action: string, extra = "") => `${AS_PG} ${PG_BIN}/pg_ctl -D ${dir} -l ${logs}/${path.basename(dir)}.log -w -t 60 ${extra} ${action}`;

const script = renderPostgresPrimarySetup({
  dataDir,
  mainConfPath: path.join(dataDir, "postgresql.conf"),
  confPath: path.join(dataDir, "conf.d", "50-homelab.conf"),
  hbaPath: path.join(dataDir, "pg_hba.conf"),
  socketDir: sock,
  startCmd: pgCtl(dataDir, "start"),
  restartCmd: pgCtl(dataDir, "restart"),
  readyTimeoutSec: 60,
  createClusterCmd: `install -d -o postgres -g postgres -m 0700 ${dataDir} && ${AS_PG} ${PG_BIN}/initdb -D ${dataDir} --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null`,
  conf: { serviceAddress: "127.0.0.1", listenAddresses: ["127.0.0.1"], port: PORT, unixSocketDirectory: sock, sharedBuffers: "32MB", effectiveCacheSize: "128MB", maxConnections: 20, archiveTimeout: "60s", maxSlotWalKeepSize: "4GB" },
  databases: [{ name: "wikijs", clients: ["127.0.0.1"] }],
  pgbackrest: {
    configPath: pgbrConf,
    repo: { type: "posix", path: repo },
    logPath: path.join(logs, "pgbackrest"),
    lockPath: path.join(logs, "pgbackrest-lock"),
    schedule: { timeZone: "UTC", unitDir, enableCmd: `touch ${enabled}`, enabledCmd: `test -e ${enabled}` },
  },
});
const secrets = { PG_REPLICATION_PASSWORD: "pitr-test-replication", PG_PASSWORD_WIKIJS: "pitr-test-wikijs" };

function psql(port: number, sql: string, db = "wikijs"): string {
  return runOk("runuser", ["-u", "postgres", "--", `${PG_BIN}/psql`, "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", sock, "-p", String(port), "-d", db, "-c", sql]).stdout.trim();
}
function pgbackrest(args: string[]) {
  return runOk("runuser", ["-u", "postgres", "--", "pgbackrest", `--config=${pgbrConf}`, "--stanza=main", ...args]);
}
function backups(): { type: string }[] {
  return JSON.parse(pgbackrest(["--output=json", "info"]).stdout)[0].backup;
}

beforeAll(() => {
  for (const d of [sock, logs]) {
    fs.mkdirSync(d, { recursive: true });
    runOk("chown", ["postgres:postgres", d]);
  }
});
afterAll(() => {
  for (const dir of [restoredDir, dataDir]) {
    if (fs.existsSync(path.join(dir, "postmaster.pid"))) run("bash", ["-c", `${pgCtl(dir, "stop")} -m immediate`]);
  }
  if (!process.env.KEEP_PG_TEST) fs.rmSync(base, { recursive: true, force: true });
});

describe("pgBackRest point-in-time recovery (real PostgreSQL 15)", () => {
  test("setup caps slot WAL, takes the first full backup and installs the weekly/daily timers", () => {
    const r = runScript(path.join(base, "setup.sh"), script, secrets);
    if (r.status !== 0) console.log(r.stdout, r.stderr);
    expect(r.status).toBe(0);
    expect(psql(PORT, "SHOW max_slot_wal_keep_size", "postgres")).toBe("4GB");
    expect(r.stderr).toContain("no backup in the repository yet: taking a full backup");
    expect(backups().map((b) => b.type)).toEqual(["full"]);
    expect(fs.readdirSync(unitDir).sort()).toEqual(["homelab-pgbackrest-diff.service", "homelab-pgbackrest-diff.timer", "homelab-pgbackrest-full.service", "homelab-pgbackrest-full.timer"]);
    expect(fs.existsSync(enabled)).toBe(true);
    const conf = fs.readFileSync(pgbrConf, "utf8");
    expect(conf).toMatch(/^repo1-retention-full=4$/m);
    expect(conf).toMatch(/^repo1-retention-diff=7$/m);
    // a second run takes no further backup and leaves enabled timers alone
    const again = runScript(path.join(base, "setup.sh"), script, secrets);
    expect(again.status).toBe(0);
    expect(again.stderr).not.toContain("taking a full backup");
    expect(again.stderr).not.toContain("enabling the pgBackRest backup timers");
    expect(backups()).toHaveLength(1);
  });

  test("the daily unit's command takes a differential backup", () => {
    const unit = fs.readFileSync(path.join(unitDir, "homelab-pgbackrest-diff.service"), "utf8");
    expect(unit).toMatch(/^User=postgres$/m);
    const exec = unit.match(/^ExecStart=(.*)$/m)![1];
    expect(exec).toBe(`/usr/bin/pgbackrest --config=${pgbrConf} --stanza=main --type=diff backup`);
    runOk("runuser", ["-u", "postgres", "--", ...exec.split(" ")]);
    expect(backups().map((b) => b.type)).toEqual(["full", "diff"]);
  });

  test("restore to a noted time into a fresh data directory shows exactly the rows written before it", async () => {
    psql(PORT, "CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes SELECT g, 'before-' || g FROM generate_series(1, 3) g");
    await new Promise((r) => setTimeout(r, 1100));
    const target = psql(PORT, "SET TIME ZONE 'UTC'; SELECT now()").split("\n").pop()!;
    await new Promise((r) => setTimeout(r, 1100));
    psql(PORT, "INSERT INTO notes SELECT g, 'after-' || g FROM generate_series(4, 6) g; DELETE FROM notes WHERE id = 1");
    // make sure the WAL holding the later writes is archived too (check switches WAL and waits for it)
    pgbackrest(["check"]);
    expect(psql(PORT, "SELECT string_agg(body, ',' ORDER BY id) FROM notes")).toBe("before-2,before-3,after-4,after-5,after-6");

    fs.mkdirSync(restoredDir, { mode: 0o700 });
    runOk("chown", ["postgres:postgres", restoredDir]);
    // docs/how-to/restore.md: pgbackrest --stanza=main --type=time --target=... --target-action=promote --archive-mode=off --pg1-path=<dir> restore
    pgbackrest(["--type=time", `--target=${target}`, "--target-action=promote", "--archive-mode=off", `--pg1-path=${restoredDir}`, "restore"]);
    runOk("bash", ["-c", pgCtl(restoredDir, "start", `-o "-p ${RESTORED_PORT}"`)]);
    // promoted at the target: writable, on a new timeline, holding exactly the first rows
    for (let i = 0; i < 60 && psql(RESTORED_PORT, "SELECT pg_is_in_recovery()", "postgres") === "t"; i++) await new Promise((r) => setTimeout(r, 500));
    expect(psql(RESTORED_PORT, "SELECT pg_is_in_recovery()", "postgres")).toBe("f");
    const rows = psql(RESTORED_PORT, "SELECT id, body FROM notes ORDER BY id");
    console.log(`restored to ${target}:\n${rows}`);
    expect(rows).toBe("1|before-1\n2|before-2\n3|before-3");
    expect(psql(RESTORED_PORT, "SHOW archive_mode", "postgres")).toBe("off");
    // the original keeps running with its own rows
    expect(psql(PORT, "SELECT count(*) FROM notes")).toBe("5");
  });
});
