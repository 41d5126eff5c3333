/**
 * orion's NetBox and AI coordinator install scripts (components/apps/netbox.ts, aiCoordinator.ts) run
 * for real with bash, the shell library, git, util-linux's blkid and e2fsprogs' mkfs.ext4 on file-backed
 * "disks", twice, in a throwaway directory: every /etc, /opt and /var/lib path is rebased into it, and
 * the system commands (apt-get, dpkg, systemctl, runuser, psql, createdb, adduser, id, python3, pip,
 * nginx, curl, mount, mountpoint, install's -o/-g) are stubs that log their calls. What it proves:
 * the first run formats the disks, creates the role and database, checks the release tag against the
 * pinned commit, builds the venv and runs upstream's upgrade steps and createsuperuser once; a second run
 * changes nothing and restarts nothing; a tag naming another commit stops the run; secrets reach only
 * 0600 files; without a repository the coordinator gets its runtime and no service. The rendered configuration.py is
 * executed by the real python3, the units pass `systemd-analyze verify`, and the role/database SQL runs
 * against a real PostgreSQL 15.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadInventory, ResolvedService, Site } from "../../components/inventory/load";
import { PROJECT_ROOT } from "../../components/site/stackFiles";
import { appPlanInOrg } from "../../components/apps/registry";
import { renderNetboxConfiguration, renderNetboxUnits } from "../../components/apps/netbox";
import { hasCommand, PG_BIN, run, runOk, tempDir } from "./helpers";

const doc = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.orion.yaml"), "utf8")).config;
const load = (edit: (inv: any) => void = () => undefined): Site => {
  const inv = JSON.parse(JSON.stringify(doc["homelab:inventory"]));
  edit(inv);
  return loadInventory("orion", inv, Number(doc["homelab:phase"]));
};
const planOf = (site: Site, name: string) => appPlanInOrg(site.services.find((s) => s.name === name) as ResolvedService, site, [site])!;

const dir = tempDir("homelab-apps-netbox-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const stubs = path.join(dir, "bin");
const state = path.join(dir, "state");
const calls = path.join(dir, "calls.log");
const root = path.join(dir, "root");

const STUBS: Record<string, string> = {
  "apt-get": 'echo "apt-get $*" >>"$CALLS"',
  dpkg: "exit 0",
  systemctl: 'echo "systemctl $*" >>"$CALLS"',
  id: '[ -f "$STATE/user-$1" ]',
  adduser: 'echo "adduser $*" >>"$CALLS"; touch "$STATE/user-${*: -1}"',
  runuser: 'shift 3; exec "$@"',
  psql: [
    'q="${*: -1}"',
    'case "$q" in',
    '  *pg_roles*) [ -f "$STATE/role" ] && echo 1 ;;',
    '  *pg_database*) [ -f "$STATE/db" ] && echo 1 ;;',
    '  *users_user*) [ -f "$STATE/superuser" ] && echo 1 ;;',
    '  "CREATE ROLE"*) echo "psql $q" >>"$CALLS"; touch "$STATE/role" ;;',
    "esac",
  ].join("\n"),
  createdb: 'echo "createdb $*" >>"$CALLS"; touch "$STATE/db"',
  // python3 -c CHECK: the version check passes; python3 -m venv DIR: a venv whose pip and python3 log.
  python3: [
    'if [ "$1" = -m ] && [ "$2" = venv ]; then',
    '  mkdir -p "$3/bin"; echo "venv $3" >>"$CALLS"',
    '  printf \'#!/usr/bin/env bash\\necho "pip $*" >>"$CALLS"\\n\' >"$3/bin/pip"',
    '  printf \'#!/usr/bin/env bash\\necho "manage ${*:2}" >>"$CALLS"; [ "$2" = createsuperuser ] && [ -n "$DJANGO_SUPERUSER_PASSWORD" ] && touch "$STATE/superuser"; exit 0\\n\' >"$3/bin/python3"',
    '  chmod +x "$3/bin/pip" "$3/bin/python3"; exit 0',
    "fi",
    "exit 0",
  ].join("\n"),
  nginx: 'echo "nginx $*" >>"$CALLS"',
  curl: "exit 0",
  mount: 'echo "mount $*" >>"$CALLS"',
  mountpoint: "exit 1",
  install: 'args=(); while [ $# -gt 0 ]; do case "$1" in -o|-g) shift 2 ;; *) args+=("$1"); shift ;; esac; done; exec /usr/bin/install "${args[@]}"',
};

const git = (cwd: string, ...args: string[]) => runOk("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], { cwd }).stdout.trim();

/** The script with every system path under `root`, data disks as files, VM data disk devices as files. */
function rebase(script: string, extra: Array<[RegExp, string]> = []): string {
  let t = script.replace(/(?<![\w.-])\/(etc|opt|var\/lib|var\/backups)\//g, `${root}/$1/`);
  t = t.replace(/\/dev\/disk\/by-id\/scsi-0QEMU_QEMU_HARDDISK_drive-(scsi\d)/g, `${dir}/disks/$1`);
  t = t.replace(/^(ensure_data_disk "\$\w+" "\$\w+")$/gm, `$1 "${root}/etc/fstab"`);
  for (const [re, v] of extra) t = t.replace(re, v);
  return t;
}

function runInstall(text: string, env: Record<string, string>) {
  fs.writeFileSync(calls, "");
  fs.writeFileSync(path.join(dir, "install.sh"), text, { mode: 0o700 });
  const r = run("bash", [path.join(dir, "install.sh")], { env: { ...process.env, PATH: `${stubs}:${process.env.PATH}:/usr/sbin:/sbin`, CALLS: calls, STATE: state, ...env } });
  return { status: r.status, log: r.stderr, calls: fs.readFileSync(calls, "utf8") };
}

const SECRETS = { NETBOX_SECRET_KEY: "k".repeat(64), NETBOX_REDIS_PASSWORD: "r3dis", NETBOX_SUPERUSER_PASSWORD: "Sup3r" };
const tools = hasCommand("git") && fs.existsSync("/usr/sbin/mkfs.ext4") && fs.existsSync("/usr/sbin/blkid");
const maybe = tools ? describe : describe.skip;

maybe("NetBox install script, idempotent", () => {
  let upstream: string;
  let commit: string;
  beforeAll(() => {
    for (const d of [stubs, state, path.join(dir, "disks"), path.join(root, "etc/redis"), path.join(root, "etc/nginx/sites-enabled")]) fs.mkdirSync(d, { recursive: true });
    for (const [name, body] of Object.entries(STUBS)) fs.writeFileSync(path.join(stubs, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
    for (const d of ["scsi1", "scsi2"]) fs.writeFileSync(path.join(dir, "disks", d), Buffer.alloc(8 * 1024 * 1024));
    fs.writeFileSync(path.join(root, "etc/redis/redis.conf"), "bind 127.0.0.1 -::1\nport 6379\n");
    fs.writeFileSync(path.join(root, "etc/fstab"), "");
    upstream = path.join(dir, "netbox-upstream");
    fs.mkdirSync(path.join(upstream, "netbox/netbox"), { recursive: true });
    git(upstream, "init", "-q", "-b", "main");
    fs.writeFileSync(path.join(upstream, "requirements.txt"), "Django==5.2.9\n");
    fs.writeFileSync(path.join(upstream, "netbox/manage.py"), "\n");
    git(upstream, "add", "-A");
    git(upstream, "commit", "-q", "-m", "release");
    git(upstream, "tag", "v4.4.10");
    commit = git(upstream, "rev-parse", "HEAD");
  });
  const script = (pin = () => commit) => rebase(planOf(load(), "netbox").script, [[/^NETBOX_REPO=.*$/m, `NETBOX_REPO=${upstream}`], [/^NETBOX_COMMIT=.*$/m, `NETBOX_COMMIT=${pin()}`]]);

  it("first run: disks, role and database, source at the commit, venv and upgrade steps, superuser, units, nginx", () => {
    const r = runInstall(script(), SECRETS);
    if (r.status !== 0) throw new Error(r.log);
    expect(git(path.join(root, "opt/netbox"), "rev-parse", "HEAD")).toBe(commit);
    expect(r.calls).toContain("psql CREATE ROLE netbox LOGIN");
    expect(r.calls).toMatch(/createdb -O netbox -E UTF8 -T template0 netbox/);
    expect(r.calls).toContain(`pip install -q --no-input -r ${root}/opt/netbox/requirements.txt`);
    // upgrade.sh's steps at v4.4.10, in its order (mkdocs build aside, decision 320)
    const steps = r.calls.split("\n").filter((l) => l.startsWith("manage ")).map((l) => l.split(" ")[1]);
    expect(steps).toEqual(["migrate", "trace_paths", "collectstatic", "remove_stale_contenttypes", "reindex", "clearsessions", "createsuperuser"]);
    expect(r.calls).toContain("manage createsuperuser --noinput --username admin --email admin@orion.internal");
    for (const u of ["redis-server", "netbox", "netbox-rq", "nginx"]) expect(r.calls).toContain(`systemctl restart ${u}.service`);
    expect(r.calls).toContain("nginx -t -q");
    const envFile = path.join(root, "etc/netbox/netbox.env");
    expect(fs.readFileSync(envFile, "utf8")).toBe(`NETBOX_SECRET_KEY=${SECRETS.NETBOX_SECRET_KEY}\nNETBOX_REDIS_PASSWORD=r3dis\n`);
    expect(fs.statSync(envFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(root, "etc/redis/homelab-auth.conf"), "utf8")).toBe("requirepass r3dis\n");
    expect(fs.readFileSync(path.join(root, "etc/redis/redis.conf"), "utf8")).toContain(`include ${root}/etc/redis/homelab-auth.conf\n`);
    expect(fs.readFileSync(path.join(root, "etc/fstab"), "utf8").split("\n").filter(Boolean)).toHaveLength(2);
    // the site is written from a quoted heredoc: nginx's variables arrive unexpanded
    expect(fs.readFileSync(path.join(root, "etc/nginx/sites-available/netbox"), "utf8")).toContain("proxy_set_header X-Forwarded-Host $http_host;");
    expect(fs.readlinkSync(path.join(root, "etc/nginx/sites-enabled/netbox"))).toBe(path.join(root, "etc/nginx/sites-available/netbox"));
    for (const f of ["opt/netbox/netbox/netbox/configuration.py", "etc/systemd/system/netbox.service", "etc/nginx/sites-available/netbox"]) {
      expect(fs.readFileSync(path.join(root, f), "utf8")).not.toMatch(/k{64}|r3dis|Sup3r/);
    }
  });

  it("second run: nothing changes, nothing restarts, no second superuser", () => {
    const r = runInstall(script(), SECRETS);
    if (r.status !== 0) throw new Error(r.log);
    expect(r.calls).not.toMatch(/restart|createdb|CREATE ROLE|venv |pip |manage |daemon-reload|mkfs|adduser/);
    for (const u of ["redis-server", "netbox", "netbox-rq", "nginx"]) expect(r.calls).toContain(`systemctl start ${u}.service`);
    expect(r.log).not.toContain("updated ");
  });

  it("a new Redis password rewrites the include file and restarts Redis and NetBox", () => {
    const r = runInstall(script(), { ...SECRETS, NETBOX_REDIS_PASSWORD: "n3w" });
    if (r.status !== 0) throw new Error(r.log);
    expect(r.calls).toContain("systemctl restart redis-server.service");
    expect(r.calls).toContain("systemctl restart netbox.service");
    expect(r.calls).not.toContain("systemctl restart nginx.service");
  });
  it("a tag that names another commit stops the run before anything is checked out or built", () => {
    fs.rmSync(path.join(root, "opt/netbox"), { recursive: true, force: true });
    const r = runInstall(script(() => "f".repeat(40)), SECRETS);
    expect(r.status).not.toBe(0);
    expect(r.log).toContain(`tag v4.4.10 of ${upstream} is ${commit}, not the pinned ${"f".repeat(40)}`);
    expect(r.calls).not.toMatch(/venv |pip |manage /);
    expect(fs.existsSync(path.join(root, "opt/netbox/requirements.txt"))).toBe(false);
  });
});

maybe("AI coordinator install script", () => {
  let repo: string;
  let rev: string;
  const cdir = path.join(dir, "coord");
  beforeAll(() => {
    for (const d of [stubs, state, path.join(dir, "disks")]) fs.mkdirSync(d, { recursive: true });
    for (const [name, body] of Object.entries(STUBS)) fs.writeFileSync(path.join(stubs, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "disks", "scsi1"), Buffer.alloc(8 * 1024 * 1024));
    fs.mkdirSync(path.join(root, "etc"), { recursive: true });
    fs.writeFileSync(path.join(root, "etc/fstab"), "");
    repo = path.join(dir, "coordinator");
    fs.mkdirSync(path.join(repo, "coordinator"), { recursive: true });
    git(repo, "init", "-q", "-b", "main");
    fs.writeFileSync(path.join(repo, "coordinator/app.py"), "app = None\n");
    fs.writeFileSync(path.join(repo, "requirements.txt"), "httpx==0.28.1\n");
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "one");
    rev = git(repo, "rev-parse", "HEAD");
    void cdir;
  });
  const env = { LITELLM_MASTER_KEY: "m4ster", DB_HOST: "192.168.100.114", DB_PORT: "5432", DB_NAME: "coordinator", DB_USER: "coordinator", DB_PASSWORD: "dbpw" };

  it("without a repository the runtime is installed (pinned venv) and the run ends naming the setting; no unit, no service", () => {
    const r = runInstall(rebase(planOf(load(), "ai-coordinator").script), env);
    if (r.status !== 0) throw new Error(r.log);
    expect(r.log).toContain(`no coordinator runs until its code is configured: set app.repository and app.revision of service "ai-coordinator"`);
    expect(r.calls).toContain("pip install -q --no-input langgraph==1.2.11 langgraph-checkpoint-postgres==3.1.2 uvicorn==0.35.0");
    expect(r.calls).not.toMatch(/systemctl|git /);
    expect(fs.existsSync(path.join(root, "etc/ai-coordinator/secret.env"))).toBe(false);
  });

  const pinned = () =>
    rebase(
      planOf(
        load((inv) => {
          const s = inv.services.find((x: any) => x.name === "ai-coordinator");
          s.app = { ...s.app, repository: "https://git.example.org/luci/coordinator.git", revision: rev, requirements: "requirements.txt" };
        }),
        "ai-coordinator",
      ).script,
      [[/^REPO=.*$/m, `REPO=${repo}`]],
    );

  it("first run: the commit, the pinned venv, secrets in the 0600 file only, the unit started and healthy", () => {
    const r = runInstall(pinned(), env);
    if (r.status !== 0) throw new Error(r.log);
    expect(git(path.join(root, "opt/ai-coordinator/src"), "rev-parse", "HEAD")).toBe(rev);
    expect(r.calls).toContain("pip install -q --no-input langgraph==1.2.11 langgraph-checkpoint-postgres==3.1.2 uvicorn==0.35.0");
    expect(r.calls).toContain(`pip install -q --no-input -r ${root}/opt/ai-coordinator/src/requirements.txt`);
    const secret = path.join(root, "etc/ai-coordinator/secret.env");
    expect(fs.readFileSync(secret, "utf8")).toBe("OPENAI_API_KEY=sk-m4ster\nDATABASE_URL=postgresql://coordinator:dbpw@192.168.100.114:5432/coordinator\n");
    expect(fs.statSync(secret).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(root, "etc/ai-coordinator/coordinator.env"), "utf8")).not.toMatch(/m4ster|dbpw/);
    expect(r.calls).toContain("systemctl restart ai-coordinator.service");
    expect(r.log).toContain("coordinator healthy at http://192.168.100.30:8000/health");
  });

  it("second run: nothing changes, nothing restarts", () => {
    const r = runInstall(pinned(), env);
    if (r.status !== 0) throw new Error(r.log);
    expect(r.calls).not.toMatch(/restart|venv |pip |daemon-reload|mkfs|adduser/);
    expect(r.calls).toContain("systemctl start ai-coordinator.service");
  });
});

describe("NetBox configuration.py, executed by Python", () => {
  const site = load();
  const s = site.services.find((x) => x.name === "netbox") as any;
  (hasCommand("python3") ? it : it.skip)("defines the required settings with the secrets taken from the environment", () => {
    const f = path.join(dir, "configuration.py");
    fs.writeFileSync(f, renderNetboxConfiguration({ ...s, app: { ...s.app, sso: false } }, site));
    const probe = `import json, runpy; c = runpy.run_path(${JSON.stringify(f)}); print(json.dumps({k: v for k, v in c.items() if k.isupper()}))`;
    const out = JSON.parse(runOk("python3", ["-c", probe], { env: { ...process.env, NETBOX_SECRET_KEY: "s".repeat(64), NETBOX_REDIS_PASSWORD: "pw" } }).stdout);
    expect(out.SECRET_KEY).toBe("s".repeat(64));
    expect(out.ALLOWED_HOSTS).toContain("192.168.100.50");
    expect(out.DATABASES.default).toMatchObject({ NAME: "netbox", USER: "netbox", HOST: "" });
    expect(out.REDIS.tasks).toMatchObject({ HOST: "127.0.0.1", PORT: 6379, PASSWORD: "pw", DATABASE: 0 });
    expect(out.REDIS.caching.DATABASE).toBe(1);
    expect(out.METRICS_ENABLED).toBe(true);
    const missing = run("python3", ["-c", probe], { env: { PATH: process.env.PATH } });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain("KeyError: 'NETBOX_REDIS_PASSWORD'");
  });
});

describe("NetBox and coordinator units", () => {
  (hasCommand("systemd-analyze") ? it : it.skip)("systemd-analyze verify accepts each unit", () => {
    const units = path.join(dir, "units");
    fs.mkdirSync(units, { recursive: true });
    const u = renderNetboxUnits();
    const coordinator = planOf(load(), "ai-coordinator").config.find((c) => c.path.endsWith(".service"))!.text;
    const texts: Record<string, string> = { "netbox.service": u.web, "netbox-rq.service": u.rq, "ai-coordinator.service": coordinator };
    for (const [name, text] of Object.entries(texts)) {
      // The executables exist on the VM only: point them at real binaries so verify checks the rest.
      fs.writeFileSync(path.join(units, name), text.replace(/^ExecStart=\S+/m, "ExecStart=/bin/true"));
      const r = run("systemd-analyze", ["verify", path.join(units, name)], { env: { ...process.env, SYSTEMD_LOG_LEVEL: "notice" } });
      const relevant = (r.stdout + r.stderr).split("\n").filter((l) => l.includes(name));
      expect([name, relevant]).toEqual([name, []]);
    }
  });
});

/** The role and database SQL of netbox-install.sh against a real PostgreSQL 15 (Debian's postgresql-15), run as postgres as the script does. */
(fs.existsSync(`${PG_BIN}/initdb`) && hasCommand("runuser") ? describe : describe.skip)("NetBox's database statements on PostgreSQL 15", () => {
  const base = path.join(dir, "pgbase");
  const data = path.join(base, "data");
  const sock = path.join(base, "sock");
  const asPg = (cmd: string, args: string[]) => runOk("runuser", ["-u", "postgres", "--", `${PG_BIN}/${cmd}`, ...args]);
  const psql = (sql: string, db = "postgres", user = "postgres") => asPg("psql", ["-XtAq", "-v", "ON_ERROR_STOP=1", "-h", sock, "-p", "55499", "-U", user, "-d", db, "-c", sql]).stdout.trim();
  beforeAll(() => {
    fs.mkdirSync(sock, { recursive: true });
    runOk("chown", ["-R", "postgres:postgres", base]);
    runOk("chmod", ["0755", dir]);
    asPg("initdb", ["-D", data, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]);
    asPg("pg_ctl", ["-D", data, "-l", path.join(base, "pg.log"), "-o", `-k ${sock} -p 55499 -c listen_addresses=''`, "-w", "-t", "60", "start"]);
  }, 90_000);
  afterAll(() => run("runuser", ["-u", "postgres", "--", `${PG_BIN}/pg_ctl`, "-D", data, "-m", "immediate", "stop"]));

  it("creates the role and the database it owns once, and the owner may create tables in public", () => {
    const script = fs.readFileSync(path.join(PROJECT_ROOT, "components/apps/scripts/netbox-install.sh"), "utf8");
    const sql = (re: RegExp) => re.exec(script)![1];
    const roleQ = sql(/psql_q -c "(SELECT 1 FROM pg_roles[^"]*)"/);
    const create = sql(/psql_q -c "(CREATE ROLE [^"]*)"/);
    const dbQ = sql(/psql_q -c "(SELECT 1 FROM pg_database[^"]*)"/).replace("$DB_NAME", "netbox");
    expect(psql(roleQ)).toBe("");
    psql(create);
    expect(psql(roleQ)).toBe("1");
    expect(psql(dbQ)).toBe("");
    asPg("createdb", ["-h", sock, "-p", "55499", "-O", "netbox", "-E", "UTF8", "-T", "template0", "netbox"]);
    expect(psql(dbQ)).toBe("1");
    // PostgreSQL 15: public belongs to pg_database_owner, so the owner needs no GRANT (docs/installation/1-postgresql.md grants it for older setups).
    expect(psql("CREATE TABLE users_user (username text); SELECT 1", "netbox", "netbox")).toBe("1");
    const su = sql(/psql_q -d "\$DB_NAME" -c "(SELECT 1 FROM users_user[^"]*)"/).replace("${SUPERUSER[0]}", "admin");
    expect(psql(su, "netbox")).toBe("");
    psql("INSERT INTO users_user VALUES ('admin')", "netbox", "netbox");
    expect(psql(su, "netbox")).toBe("1");
  });
});
