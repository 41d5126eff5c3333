/**
 * Monitoring with real tools (Debian 12: prometheus 2.42 + promtool, prometheus-alertmanager 0.25 +
 * amtool, prometheus-node-exporter 1.5, prometheus-postgres-exporter 0.11, PostgreSQL 15):
 * - promtool check config / check rules on the rendered files of every site whose organisation runs Prometheus;
 * - promtool test rules: every alert fires on a synthetic series and stays silent on a healthy one;
 * - amtool check-config on every receiver shape (webhook — seed 002's n8n → Telegram —, e-mail, Slack);
 * - a real Prometheus with bo's rendered configuration (addresses mapped to loopback) scrapes a real
 *   node_exporter and real postgres_exporters beside a PostgreSQL 15 primary and streaming replica, and
 *   Gitea's token-guarded /metrics (a stand-in with Gitea's check) with the token from its credentials file;
 *   every dashboard expression parses and returns data.
 */
import { spawn, ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { parse, stringify } from "yaml";
import { loadInventory } from "../../components/inventory/load";
import { listSites, readStackConfig, siblingSites } from "../../components/site/stackFiles";
import { organisationOf } from "../../components/inventory/org";
import { monitoringPlan, renderMonitoringFiles } from "../../components/monitoring/plan";
import { GENERIC_ALERTS, BACKUP_ALERTS, renderRules } from "../../components/monitoring/render/rules";
import { renderAlertmanagerConfig } from "../../components/monitoring/render/alertmanager";
import { APP_METRICS_TOKEN_FILE } from "../../components/monitoring/render/prometheus";
import { renderResticCheckScript } from "../../components/monitoring/render/resticCheck";
import { dashboardExprs, dashboards } from "../../components/monitoring/render/grafana";
import { RULE_CASES, ruleTests } from "./monitoring-rules";
import { PG_BIN, run, runOk, tempDir, waitFor } from "./helpers";

const base = tempDir("homelab-mon-");
const planOf = (name: string) => {
  const c = readStackConfig(name);
  const site = loadInventory(name, JSON.parse(c["homelab:inventory"]), Number(c["homelab:phase"] ?? 0));
  return monitoringPlan(organisationOf(site, siblingSites(site)));
};
const monitored = listSites().filter((s) => planOf(s));

describe("rendered files of every monitored site", () => {
  it("covers the sites whose organisation runs Prometheus", () => {
    expect(monitored).toEqual(expect.arrayContaining(["bo", "bh", "ep", "ryzen9"]));
  });
  it.each(monitored)("%s: promtool check config and check rules", (site) => {
    const dir = path.join(base, `check-${site}`);
    fs.mkdirSync(path.join(dir, "rules"), { recursive: true });
    const files = renderMonitoringFiles(planOf(site)!, { rulesDir: path.join(dir, "rules") });
    fs.writeFileSync(path.join(dir, "rules", "homelab.yml"), files.rulesYml);
    fs.writeFileSync(path.join(dir, "prometheus.yml"), files.prometheusYml);
    // --syntax-only: the CA and credential files exist only on the guest.
    runOk("promtool", ["check", "config", "--syntax-only", path.join(dir, "prometheus.yml")]);
    const r = runOk("promtool", ["check", "rules", path.join(dir, "rules", "homelab.yml")]);
    expect(r.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });
});

describe("promtool test rules", () => {
  it("has a firing and a silent case for every alert", () => {
    for (const a of [...GENERIC_ALERTS, ...BACKUP_ALERTS]) {
      expect(RULE_CASES[a]?.map((c) => c.fires).sort()).toEqual([false, true]);
    }
  });
  it("every alert fires on its failing series and stays silent on the healthy one (bo's rules)", () => {
    // bo's rules with one backed-up guest (every guest's pair is the same template; with all of them,
    // absent() would rightly fire for each guest the synthetic series leave out).
    const plan = planOf("bo")!;
    const files = { rulesYml: renderRules({ intervalSeconds: 30, backups: plan.backups.filter((b) => b.site === "bo" && b.instance === "postgres"), mountpoints: plan.mountpoints }) };
    // promtool compares annotations too: the test copy drops them (expr, for and labels are unchanged).
    const doc = parse(files.rulesYml);
    for (const g of doc.groups) for (const r of g.rules) delete r.annotations;
    const dir = path.join(base, "unit");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "rules.yml"), stringify(doc));
    fs.writeFileSync(path.join(dir, "tests.yml"), ruleTests("rules.yml", 30));
    fs.writeFileSync(path.join(dir, "tests-long.yml"), ruleTests("rules.yml", 1800, true));
    for (const f of ["tests.yml", "tests-long.yml"]) {
      const r = run("promtool", ["test", "rules", f], { cwd: dir, timeout: 280_000 });
      expect(`${r.stdout}${r.stderr}`).toContain("SUCCESS");
      expect(r.status).toBe(0);
    }
  });
  it("a broken rule makes promtool test rules fail (the harness can fail)", () => {
    const dir = path.join(base, "unit");
    const doc = parse(fs.readFileSync(path.join(dir, "rules.yml"), "utf8"));
    doc.groups[0].rules.find((r: any) => r.alert === "TargetDown").expr = "up == 2";
    fs.writeFileSync(path.join(dir, "broken.yml"), stringify(doc));
    fs.writeFileSync(path.join(dir, "tests-broken.yml"), ruleTests("broken.yml", 30));
    expect(run("promtool", ["test", "rules", "tests-broken.yml"], { cwd: dir, timeout: 280_000 }).status).not.toBe(0);
  });
});

describe("Alertmanager receivers (amtool check-config)", () => {
  it.each([
    ["webhook (n8n → Telegram)", { webhook: { url: "https://n8n.example.org/webhook/alerts", sendResolved: true } }],
    ["e-mail", { email: { to: "ops@example.org", from: "alerts@example.org", smarthost: "smtp.example.org:587", username: "alerts", password: "pw", requireTls: true } }],
    ["slack", { slack: { apiUrl: "https://hooks.slack.com/services/T/B/X", channel: "#alerts" } }],
    ["none", undefined],
  ])("%s", (_n, receiver) => {
    const f = path.join(base, `am-${_n.replace(/\W+/g, "-")}.yml`);
    fs.writeFileSync(f, renderAlertmanagerConfig(receiver as any));
    runOk("amtool", ["check-config", f]);
  });
});

describe("a real Prometheus scrapes real exporters with bo's rendered configuration", () => {
  const procs: ChildProcess[] = [];
  const dir = path.join(base, "live");
  const GITEA_TOKEN = "g1teaMetr1csT0ken";
  const giteaAuth: string[] = [];
  let gitea: http.Server | undefined;
  const sock = path.join(dir, "sock");
  const textfile = path.join(dir, "textfile");
  const AS_PG = ["runuser", "-u", "postgres", "--"];
  const start = (cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", fs.openSync(path.join(dir, `${path.basename(cmd)}-${procs.length}.log`), "a")] });
    procs.push(p);
    return p;
  };
  const q = async (expr: string) => {
    const r = await fetch(`http://127.0.0.1:19090/api/v1/query?query=${encodeURIComponent(expr)}`);
    const j = (await r.json()) as { status: string; error?: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    if (j.status !== "success") throw new Error(`${expr}: ${j.error}`);
    return j.data.result;
  };

  beforeAll(async () => {
    fs.mkdirSync(sock, { recursive: true });
    fs.mkdirSync(textfile, { recursive: true });
    fs.chmodSync(dir, 0o755);
    runOk("chown", ["postgres", sock]);
    fs.mkdirSync(path.join(dir, "pglog"));
    runOk("chown", ["postgres", path.join(dir, "pglog")]);
    const primary = path.join(dir, "primary");
    const replica = path.join(dir, "replica");
    for (const d of [primary, replica]) {
      fs.mkdirSync(d, { mode: 0o700 });
      runOk("chown", ["postgres", d]);
    }
    runOk(AS_PG[0], [...AS_PG.slice(1), `${PG_BIN}/initdb`, "-D", primary, "-A", "trust", "-U", "postgres"]);
    // archive_command fails on purpose: pg_stat_archiver_failed_count becomes non-zero (the WAL-archiving alert's metric).
    fs.appendFileSync(path.join(primary, "postgresql.conf"), `\nlisten_addresses=''\nport=56432\nunix_socket_directories='${sock}'\nwal_level=replica\narchive_mode=on\narchive_command='false'\narchive_timeout=1\n`);
    runOk(AS_PG[0], [...AS_PG.slice(1), `${PG_BIN}/pg_ctl`, "-D", primary, "-l", path.join(dir, "pglog", "primary.log"), "-w", "start"]);
    runOk(AS_PG[0], [...AS_PG.slice(1), `${PG_BIN}/pg_basebackup`, "-h", sock, "-p", "56432", "-D", replica, "-R", "-C", "-S", "bh", "-X", "stream"]);
    fs.appendFileSync(path.join(replica, "postgresql.conf"), "\nport=56433\narchive_mode=off\n");
    runOk(AS_PG[0], [...AS_PG.slice(1), `${PG_BIN}/pg_ctl`, "-D", replica, "-l", path.join(dir, "pglog", "replica.log"), "-w", "start"]);
    runOk(AS_PG[0], [...AS_PG.slice(1), `${PG_BIN}/psql`, "-h", sock, "-p", "56432", "-c", "CREATE TABLE t AS SELECT generate_series(1,100000) g; SELECT pg_switch_wal();"]);

    // restic metrics through the real check script against a local repository.
    const repo = path.join(dir, "repo");
    fs.writeFileSync(path.join(dir, "pw"), "test-password\n");
    const renv = { RESTIC_REPOSITORY: repo, RESTIC_PASSWORD_FILE: path.join(dir, "pw") };
    runOk("restic", ["init", "-q"], { env: { ...process.env, ...renv } });
    runOk("restic", ["backup", "-q", "--host", "postgres", primary + "/PG_VERSION"], { env: { ...process.env, ...renv } });
    fs.writeFileSync(path.join(dir, "check.sh"), renderResticCheckScript({ restic: "restic", textfileDir: textfile, readDataSubset: "" }));
    runOk("bash", [path.join(dir, "check.sh")], { env: { ...process.env, ...renv } });
    const now = Math.floor(Date.now() / 1000);
    fs.writeFileSync(
      path.join(textfile, "restic_backup.prom"),
      [`restic_backup_last_success_timestamp_seconds{host="postgres"} ${now}`, `restic_backup_success{host="postgres"} 1`, `restic_backup_duration_seconds{host="postgres"} 3`, `restic_snapshots_total{host="postgres"} 1`, ""].join("\n"),
    );

    start("prometheus-node-exporter", ["--web.listen-address=127.0.0.1:19100", `--collector.textfile.directory=${textfile}`]);
    const dsn = (port: number) => `user=postgres host=${sock} port=${port} dbname=postgres sslmode=disable`;
    start("prometheus-postgres-exporter", ["--web.listen-address=127.0.0.1:19187"], { DATA_SOURCE_NAME: dsn(56432) });
    start("prometheus-postgres-exporter", ["--web.listen-address=127.0.0.1:19188"], { DATA_SOURCE_NAME: dsn(56433) });
    fs.writeFileSync(path.join(dir, "blackbox.yml"), "modules:\n  tcp_connect: { prober: tcp, timeout: 5s }\n  tls_connect: { prober: tcp, timeout: 5s, tcp: { tls: true } }\n");
    start("prometheus-blackbox-exporter", ["--web.listen-address=127.0.0.1:19115", `--config.file=${path.join(dir, "blackbox.yml")}`]);

    // Gitea's /metrics as go-gitea/gitea routers/web/metrics.go guards it (v1.27): 401 unless the
    // Authorization header is exactly `Bearer <[metrics] TOKEN>`. The token file is written the way
    // prometheus-server.sh's put_env writes it (with its trailing newline).
    fs.mkdirSync(path.join(dir, "secrets"));
    fs.writeFileSync(path.join(dir, "secrets", APP_METRICS_TOKEN_FILE), `${GITEA_TOKEN}\n`);
    gitea = http.createServer((req, res) => {
      giteaAuth.push(String(req.headers.authorization));
      if (req.headers.authorization !== `Bearer ${GITEA_TOKEN}`) return void res.writeHead(401).end();
      res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" }).end("# TYPE gitea_users gauge\ngitea_users 1\n");
    });
    await new Promise<void>((r) => gitea!.listen(13000, "127.0.0.1", r));

    // bo's rendered configuration; only addresses are mapped to loopback (and the rule and secrets directories to the temp dir).
    const plan = planOf("bo")!;
    const files = renderMonitoringFiles(plan, { rulesDir: path.join(dir, "rules"), secretsDir: path.join(dir, "secrets") });
    const map: Record<string, string> = {
      "192.168.9.40:3000": "127.0.0.1:13000",
      "192.168.9.20:9100": "127.0.0.1:19100",
      "192.168.9.20:9187": "127.0.0.1:19187",
      "192.168.50.22:9187": "127.0.0.1:19188",
      "127.0.0.1:9090": "127.0.0.1:19090",
      "127.0.0.1:9115": "127.0.0.1:19115",
      "192.168.9.20:5432": "127.0.0.1:19187",
    };
    let yml = files.prometheusYml;
    for (const [from, to] of Object.entries(map)) yml = yml.split(from).join(to);
    fs.mkdirSync(path.join(dir, "rules"));
    fs.writeFileSync(path.join(dir, "rules", "homelab.yml"), files.rulesYml);
    fs.writeFileSync(path.join(dir, "prometheus.yml"), yml);
    start("prometheus", [`--config.file=${path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(dir, "tsdb")}`, "--web.listen-address=127.0.0.1:19090"]);
    await waitFor(() => run("curl", ["-fsS", "http://127.0.0.1:19090/-/ready"]).status === 0, 60_000, 500);
    // two scrapes 30 s apart, so rate() has two samples
    await new Promise((r) => setTimeout(r, 75_000));
  }, 240_000);

  afterAll(() => {
    gitea?.close();
    for (const p of procs) p.kill();
    for (const d of ["replica", "primary"]) run(AS_PG[0], [...AS_PG.slice(1), `${PG_BIN}/pg_ctl`, "-D", path.join(dir, d), "-m", "immediate", "stop"]);
  });

  it("node_exporter and both postgres_exporters are up", async () => {
    expect((await q('up{job="node", site="bo", instance="postgres"}'))[0]?.value[1]).toBe("1");
    expect((await q('up{job="postgres", site="bo", instance="postgres"}'))[0]?.value[1]).toBe("1");
    expect((await q('up{job="postgres", site="bh", instance="pg-replica"}'))[0]?.value[1]).toBe("1");
    expect((await q('pg_up{site="bh", instance="pg-replica"}'))[0]?.value[1]).toBe("1");
  });

  it("the gitea job sends the app metrics token from its credentials file as a bearer token", async () => {
    expect((await q('up{job="gitea", site="bo", instance="gitea"}'))[0]?.value[1]).toBe("1");
    expect((await q('gitea_users{instance="gitea"}'))[0]?.value[1]).toBe("1");
    expect(giteaAuth.length).toBeGreaterThan(0);
    expect(new Set(giteaAuth)).toEqual(new Set([`Bearer ${GITEA_TOKEN}`]));
  });

  it("replication and archiving metrics are non-zero", async () => {
    // postgres_exporter 0.11 has no pg_replication_is_replica (measured): the replica is seen through the primary's slot and pg_stat_replication.
    expect(Number((await q('pg_replication_slots_active{instance="postgres", slot_name="bh"}'))[0]?.value[1])).toBe(1);
    expect((await q('pg_stat_replication_pg_wal_lsn_diff{instance="postgres"}')).length).toBeGreaterThan(0);
    expect(Number((await q('pg_stat_archiver_failed_count{instance="postgres"}'))[0]?.value[1])).toBeGreaterThan(0);
    expect(Number((await q('restic_check_success{instance="postgres"}'))[0]?.value[1])).toBe(1);
  });

  it("every dashboard expression parses and returns data", async () => {
    const empty: string[] = [];
    for (const [file, json] of Object.entries(dashboards())) {
      for (const { panel, expr } of dashboardExprs(json)) {
        if ((await q(expr)).length === 0) empty.push(`${file} "${panel}": ${expr}`);
      }
    }
    expect(empty).toEqual([]);
  });
});
