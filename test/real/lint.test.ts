/** shellcheck on every generated script, systemd-analyze verify on every generated unit. */
import * as fs from "fs";
import * as path from "path";
import { renderPgBackRestSchedule, renderPostgresPrimarySetup, renderPostgresReplicaSetup, PgDatabase } from "../../components/data/render/postgres";
import {
  renderResticAgentScript,
  renderResticExporterUnit,
  renderResticServiceUnit,
  renderResticTimerUnit,
  renderRestServerSetup,
  renderRestServerUnit,
} from "../../components/data/render/restic";
import { renderMinioBucketsScript, renderMinioUnit } from "../../components/data/render/minio";
import { run, tempDir } from "./helpers";

const dbs: PgDatabase[] = ["authentik", "iron_honeycomb", "odoo_bo", "n8n", "paperless", "gitea"].map((name) => ({ name, clients: ["192.168.9.30"] }));
const replicas = [
  { name: "bh", address: "192.168.50.22" },
  { name: "ep", address: "192.168.30.22" },
];

const scripts: Record<string, string> = {
  "pg-primary-setup.sh": renderPostgresPrimarySetup({ conf: { serviceAddress: "192.168.9.20" }, databases: dbs, replicas, pgbackrest: { repo: { type: "s3", endpoint: "192.0.2.21" }, schedule: { timeZone: "America/Chicago" } } }),
  "pg-primary-setup-posix.sh": renderPostgresPrimarySetup({
    conf: { serviceAddress: "127.0.0.1", port: 55432 },
    databases: dbs,
    replicas,
    pgbackrest: { repo: { type: "posix", path: "/tmp/x" }, configPath: "/tmp/pgbr.conf", check: false, schedule: false },
  }),
  "pg-primary-setup-nopgbr.sh": renderPostgresPrimarySetup({ conf: { serviceAddress: "192.168.9.20" }, databases: dbs, pgbackrest: false }),
  "pg-replica-bh-setup.sh": renderPostgresReplicaSetup({
    conf: { serviceAddress: "192.168.50.22" },
    replica: replicas[0],
    primaryHost: "192.168.9.20",
    adoptClusterCmd: "pg_createcluster 15 main",
  }),
  "pg-replica-ep-setup.sh": renderPostgresReplicaSetup({ conf: { serviceAddress: "192.168.30.22" }, replica: replicas[1], primaryHost: "192.168.9.20", hba: { databases: dbs } }),
  "restic-agent-bo.sh": renderResticAgentScript({ hostTag: "bo", paths: ["/srv/paperless", "/srv/gitea"], excludes: ["*.tmp"], pgDump: { databases: ["n8n", "paperless", "gitea"] } }),
  "restic-agent-bh.sh": renderResticAgentScript({ hostTag: "bh", paths: ["/etc", "/srv"], textfileDir: null }),
  "rest-server-setup.sh": renderRestServerSetup({ users: ["bh", "ep", "bo"] }),
  "minio-buckets.sh": renderMinioBucketsScript({ url: "https://192.0.2.21:9000" }),
};

const units: Record<string, string> = {
  "homelab-restic-backup.service": renderResticServiceUnit({ scriptPath: "/usr/bin/restic", after: ["postgresql.service"] }),
  "homelab-restic-backup.timer": renderResticTimerUnit({ time: "02:00", timeZone: "America/Chicago" }),
  "rest-server.service": renderRestServerUnit({ listen: "192.0.2.22:8000", binPath: "/usr/bin/restic", tls: { cert: "/etc/rest-server/cert.pem", key: "/etc/rest-server/key.pem" } }),
  "restic-exporter.service": renderResticExporterUnit({ binPath: "/bin/true" }),
  "minio.service": renderMinioUnit({ binPath: "/bin/true" }),
  // pgBackRest's weekly full / daily differential backups (ExecStart must exist for verify: the Debian package's binary)
  ...renderPgBackRestSchedule({ timeZone: "America/Chicago", configPath: "/etc/pgbackrest/pgbackrest.conf" }),
};

const dir = tempDir("homelab-lint-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("shellcheck", () => {
  test.each(Object.keys(scripts))("%s passes shellcheck", (name) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, scripts[name]);
    expect(scripts[name].startsWith("#!/usr/bin/env bash\n")).toBe(true);
    expect(scripts[name]).toContain("set -euo pipefail");
    const r = run("shellcheck", ["--shell=bash", "--severity=style", f]);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
    const syntax = run("bash", ["-n", f]);
    expect(syntax.status).toBe(0);
  });
});

describe("systemd-analyze verify", () => {
  test("all units verify cleanly", () => {
    const unitDir = path.join(dir, "units");
    fs.mkdirSync(unitDir);
    for (const [n, t] of Object.entries(units)) fs.writeFileSync(path.join(unitDir, n), t);
    const r = run("systemd-analyze", ["verify", ...Object.keys(units).map((n) => path.join(unitDir, n))], {
      env: { ...process.env, SYSTEMD_LOG_LEVEL: "notice" },
    });
    const relevant = (r.stdout + r.stderr)
      .split("\n")
      .filter((l) => l.trim() !== "")
      // the container itself has no running systemd; only report lines about our units
      .filter((l) => Object.keys(units).some((n) => l.includes(n)));
    expect(relevant).toEqual([]);
    expect(r.status).toBe(0);
  });

  test("the pgBackRest schedule's calendars: full on Sundays, differential on the other six days", () => {
    const sched = renderPgBackRestSchedule({ timeZone: "America/Chicago" });
    const spec = (t: string) => sched[`homelab-pgbackrest-${t}.timer`].match(/^OnCalendar=(.*)$/m)![1];
    const full = run("systemd-analyze", ["calendar", "--iterations=2", spec("full")]);
    expect(full.status).toBe(0);
    expect(full.stdout).toMatch(/Normalized form: Sun \*-\*-\* 00:30:00 America\/Chicago/);
    const diff = run("systemd-analyze", ["calendar", "--iterations=7", spec("diff")]);
    expect(diff.status).toBe(0);
    expect(diff.stdout).toMatch(/Normalized form: Mon\.\.Sat \*-\*-\* 00:30:00 America\/Chicago/);
    expect(diff.stdout).not.toMatch(/Sun \d{4}-/);
  });

  test("OnCalendar with time zone is a valid calendar spec", () => {
    const r = run("systemd-analyze", ["calendar", "*-*-* 01:00:00 America/Chicago"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Normalized form: \*-\*-\* 01:00:00 America\/Chicago/);
  });
});
