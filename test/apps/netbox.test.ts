/**
 * orion's NetBox (VM 500) and AI coordinator (VM 300) app modules (decisions 320, 321): the pins, the
 * rendered NetBox configuration against the names NetBox reads, the units and nginx site against
 * upstream's contrib files, SSO only with an identity provider, secrets kept out of the scripts,
 * the coordinator's peers derived from the site, and its install stopping without a repository.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadInventory, ResolvedService, Site } from "../../components/inventory/load";
import { PROJECT_ROOT } from "../../components/site/stackFiles";
import { appPlanInOrg, appPlanOf, planContext } from "../../components/apps/registry";
import { appContractProblems } from "../../components/apps/contract";
import { NETBOX_DEFAULT, renderNetboxConfiguration, renderNetboxUnits, renderNginx, vmDataDisks } from "../../components/apps/netbox";
import { backupAgentPlan } from "../../components/data/plan";

const doc = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.orion.yaml"), "utf8")).config;
const raw = () => JSON.parse(JSON.stringify(doc["homelab:inventory"]));
const load = (inv = raw()): Site => loadInventory("orion", inv, Number(doc["homelab:phase"]));
const svc = (site: Site, name: string) => site.services.find((s) => s.name === name)! as ResolvedService & { app: any };
const withApp = (name: string, app: Record<string, unknown>) => {
  const inv = raw();
  const s = inv.services.find((x: any) => x.name === name);
  s.app = { ...s.app, ...app };
  return load(inv);
};

describe("NetBox (orion VM 500)", () => {
  const site = load();
  const s = svc(site, "netbox");
  const plan = appPlanInOrg(s, site, [site])!;

  it("is the upstream source at the commit of tag v4.4.10", () => {
    // netbox-community/netbox: `git rev-parse v4.4.10^{commit}` = fa8a9ef9de35b349d3ecd3c25ef98ba08a0a67c3
    // (a lightweight tag on that commit); v4.5.0's docs/installation/index.md requires Python 3.12+,
    // which Debian 12 (3.11) lacks, so 4.4 is the newest series the VM runs.
    expect(NETBOX_DEFAULT).toEqual({ version: "4.4.10", commit: "fa8a9ef9de35b349d3ecd3c25ef98ba08a0a67c3" });
    expect(plan.source).toEqual({ type: "git", repository: "https://github.com/netbox-community/netbox.git", commit: NETBOX_DEFAULT.commit, version: "4.4.10" });
    expect(plan.version).toBe("4.4.10 (fa8a9ef9de35)");
    expect(plan.script).toContain(`NETBOX_COMMIT=${NETBOX_DEFAULT.commit}`);
    expect(plan.script).toContain('refs/tags/v$NETBOX_VERSION');
  });

  const noSso = { ...s, app: { ...s.app, sso: false } };
  it("renders only configuration names NetBox 4.4.10 reads, with the secrets from the environment", () => {
    const conf = renderNetboxConfiguration(noSso, site);
    const names = [...conf.matchAll(/^([A-Z_]+) = /gm)].map((m) => m[1]);
    // netbox/netbox/settings.py at v4.4.10: getattr(configuration, NAME) for each of these; every
    // SOCIAL_AUTH_* name of the configuration is copied into the settings.
    const READ = ["ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DATABASES", "REDIS", "SECRET_KEY", "MEDIA_ROOT", "REPORTS_ROOT", "SCRIPTS_ROOT", "METRICS_ENABLED", "TIME_ZONE", "LOGIN_REQUIRED", "REMOTE_AUTH_BACKEND"];
    for (const n of names) expect([n, READ.includes(n) || n.startsWith("SOCIAL_AUTH_")]).toEqual([n, true]);
    expect(names).toEqual(expect.arrayContaining(["ALLOWED_HOSTS", "DATABASES", "REDIS", "SECRET_KEY"])); // the four required (docs/installation/3-netbox.md)
    expect(conf).toContain("ALLOWED_HOSTS = ['192.168.100.50', 'netbox.orion.internal', 'netbox', 'localhost', '127.0.0.1']");
    expect(conf).toContain("SECRET_KEY = os.environ['NETBOX_SECRET_KEY']");
    expect(conf).toContain("'PASSWORD': os.environ['NETBOX_REDIS_PASSWORD'], 'DATABASE': 0");
    expect(conf).toContain("'DATABASE': 1"); // tasks and caching need distinct databases (3-netbox.md)
    expect(conf).toContain("DATABASES = {'default': {'NAME': 'netbox', 'USER': 'netbox', 'PASSWORD': '', 'HOST': ''");
    expect(conf).toContain("TIME_ZONE = 'America/Edmonton'");
    expect(conf).not.toMatch(/SOCIAL_AUTH|REMOTE_AUTH/); // orion's organisation has no identity provider
  });

  it("has no OIDC client without an identity provider, and the generic OIDC backend with one", () => {
    expect(plan.oidc).toBeUndefined();
    expect(plan.script).toMatch(/^SSO=0$/m);
    const direct = appPlanOf(s, site, planContext(site))!; // sso defaults to true when the org is not consulted
    expect(direct.oidc).toEqual({ clientId: "netbox", name: "NetBox", redirectUris: ["http://192.168.100.50:8000/oauth/complete/oidc/"], launchUrl: "http://192.168.100.50:8000/" });
    const conf = renderNetboxConfiguration(noSso, site);
    const sso = renderNetboxConfiguration({ ...s, app: { ...s.app, sso: true } }, site);
    expect(conf).not.toContain("social_core");
    // social-core 4.8.3 social_core/backends/open_id_connect.py: OpenIdConnectAuth, name "oidc", SOCIAL_AUTH_OIDC_OIDC_ENDPOINT/_KEY/_SECRET.
    expect(sso).toContain("REMOTE_AUTH_BACKEND = 'social_core.backends.open_id_connect.OpenIdConnectAuth'");
    expect(sso).toContain("SOCIAL_AUTH_OIDC_OIDC_ENDPOINT = os.environ['NETBOX_OIDC_ENDPOINT']");
    expect(sso).toContain("SOCIAL_AUTH_OIDC_KEY = 'netbox'");
    expect(sso).toContain("SOCIAL_AUTH_OIDC_SECRET = os.environ['OIDC_CLIENT_SECRET']");
  });

  it("serves /static/ and proxies the rest as contrib/nginx.conf does, on the service address only", () => {
    const n = renderNginx(s, site);
    expect(n).toContain("listen 192.168.100.50:8000;");
    expect(n).toContain("alias /opt/netbox/netbox/static/;");
    expect(n).toContain("proxy_pass http://127.0.0.1:8001;");
    for (const h of ["X-Forwarded-Host $http_host", "X-Real-IP $remote_addr", "X-Forwarded-Proto $scheme"]) expect(n).toContain(`proxy_set_header ${h};`);
  });

  it("runs gunicorn and the rq worker as contrib/netbox.service and netbox-rq.service do", () => {
    const u = renderNetboxUnits();
    expect(u.web).toContain("ExecStart=/opt/netbox/venv/bin/gunicorn --pid /run/netbox/netbox.pid --pythonpath /opt/netbox/netbox --config /opt/netbox/gunicorn.py netbox.wsgi");
    expect(u.rq).toContain("ExecStart=/opt/netbox/venv/bin/python3 /opt/netbox/netbox/manage.py rqworker high default low");
    for (const t of [u.web, u.rq]) {
      expect(t).toContain("User=netbox");
      expect(t).toContain("EnvironmentFile=/etc/netbox/netbox.env");
      expect(t).toContain("RequiresMountsFor=/var/lib/netbox");
    }
  });

  it("keeps its state on the VM's data disks, dumps its database first and is scraped at /metrics", () => {
    expect(vmDataDisks(s, ["/var/lib/postgresql", "/var/lib/netbox"])).toEqual({
      "/var/lib/postgresql": "/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi1",
      "/var/lib/netbox": "/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi2",
    });
    expect(appContractProblems(s, plan)).toEqual([]);
    expect(plan.backup.localDatabases).toEqual(["netbox"]);
    const agent = backupAgentPlan(site).find((a) => a.service === "netbox")!;
    expect(agent.databases).toEqual(["netbox"]);
    expect(agent.paths).toEqual(["/var/lib/netbox", "/var/backups/postgresql"]);
    // urls.py: METRICS_ENABLED adds django_prometheus.urls, whose path is "metrics" (django-prometheus v2.4.0).
    expect(plan.metrics).toEqual([{ job: "netbox", port: 8000, scheme: "http", path: "/metrics" }]);
    expect(plan.health.url).toBe("http://192.168.100.50:8000/login/");
  });

  it("generates its secrets (SECRET_KEY at least 50 characters, 3-netbox.md) and never writes them into the script", () => {
    const byEnv = Object.fromEntries(plan.secrets.map((x) => [x.env, x.length]));
    expect(byEnv.NETBOX_SECRET_KEY).toBeGreaterThanOrEqual(50);
    expect(Object.keys(byEnv).sort()).toEqual(["NETBOX_REDIS_PASSWORD", "NETBOX_SECRET_KEY", "NETBOX_SUPERUSER_PASSWORD"]);
    expect(plan.script).toMatch(/require_env NETBOX_SECRET_KEY NETBOX_REDIS_PASSWORD NETBOX_SUPERUSER_PASSWORD/);
    expect(plan.script).not.toMatch(/^NETBOX_SECRET_KEY=/m);
  });

  it("refuses a data mount layout without PostgreSQL's disk", () => {
    const inv = raw();
    inv.services.find((x: any) => x.name === "netbox").dataMounts = [{ path: "/var/lib/netbox", sizeGiB: 30 }];
    const site2 = load(inv);
    expect(() => appPlanOf(svc(site2, "netbox"), site2)).toThrow('homelab: service "netbox": needs a data mount at /var/lib/postgresql');
  });
});

describe("AI coordinator (orion VM 300)", () => {
  const REV = "0123456789abcdef0123456789abcdef01234567";
  const site = load();
  const s = svc(site, "ai-coordinator");
  const plan = appPlanInOrg(s, site, [site])!;

  it("installs the runtime and says which setting is missing while no repository is configured", () => {
    expect(plan.version).toBe("unpinned (langgraph 1.2.11, uvicorn 0.35.0)");
    expect(plan.source.type).toBe("unpinned");
    const stop = plan.script.indexOf('if [ -z "$REPO" ]; then');
    expect(stop).toBeGreaterThan(plan.script.indexOf('"$APP_DIR/venv/bin/pip" install -q --no-input "${PACKAGES[@]}"'));
    expect(stop).toBeLessThan(plan.script.indexOf('put "$UNIT_PATH"'));
    expect(plan.script).toContain('no coordinator runs until its code is configured: $HINT');
    expect(plan.script).toContain('set app.repository and app.revision of service "ai-coordinator"');
  });

  it("runs the pinned commit with LangGraph, its Postgres checkpointer and uvicorn at their versions", () => {
    const site2 = withApp("ai-coordinator", { repository: "https://git.example.org/luci/coordinator.git", revision: REV });
    const p = appPlanInOrg(svc(site2, "ai-coordinator"), site2, [site2])!;
    expect(p.source).toEqual({ type: "git", repository: "https://git.example.org/luci/coordinator.git", commit: REV, version: REV.slice(0, 12) });
    expect(p.version).toBe(`${REV.slice(0, 12)} (langgraph 1.2.11, uvicorn 0.35.0)`);
    // langchain-ai/langgraph tags 1.2.11 and checkpointpostgres==3.1.2; encode/uvicorn tag 0.35.0.
    expect(p.script).toContain("PACKAGES=(langgraph==1.2.11 langgraph-checkpoint-postgres==3.1.2 uvicorn==0.35.0)");
    const unit = p.config.find((c) => c.path.endsWith(".service"))!.text;
    // uvicorn 0.35.0 uvicorn/main.py: APP argument, --host, --port, --app-dir.
    expect(unit).toContain("ExecStart=/opt/ai-coordinator/venv/bin/uvicorn --host 192.168.100.30 --port 8000 --app-dir /opt/ai-coordinator/src coordinator.app:app");
    expect(p.health.url).toBe("http://192.168.100.30:8000/health");
  });

  it("at phase 1, before the pgvector primary (phase 2), it plans without its database and without the Postgres checkpointer", () => {
    const early = loadInventory("orion", raw(), 1);
    const p = appPlanInOrg(svc(early, "ai-coordinator"), early, [early])!;
    expect(p.database).toBeUndefined();
    expect(p.script).toContain("PACKAGES=(langgraph==1.2.11 uvicorn==0.35.0)");
    expect(p.script).toMatch(/^DATABASE=(''|)$/m);
    // From phase 2 on the database is wired (the committed phase).
    expect(plan.database).toBe("coordinator");
  });

  it("is handed LiteLLM (with its key), Ollama and its database from the site, and backs up its state", () => {
    const env = plan.config.find((c) => c.path === "/etc/ai-coordinator/coordinator.env")!.text;
    expect(env).toContain("OPENAI_BASE_URL=http://192.168.100.112:4000\n");
    expect(env).toContain("OLLAMA_BASE_URL=http://192.168.100.110:11434\n");
    expect(env).toContain("COORDINATOR_STATE_DIR=/var/lib/ai-coordinator\n");
    expect(plan.peerSecrets).toEqual([{ service: "litellm", env: "LITELLM_MASTER_KEY" }]);
    expect(plan.database).toBe("coordinator");
    expect(appContractProblems(s, plan)).toEqual([]);
    expect(backupAgentPlan(site).find((a) => a.service === "ai-coordinator")!.paths).toEqual(["/var/lib/ai-coordinator"]);
  });

  it("gets no Ollama address when Ollama's firewall does not admit it", () => {
    const inv = raw();
    inv.services.find((x: any) => x.name === "ollama").ports[0].from = ["open-webui", "litellm", "flowise"];
    const site2 = load(inv);
    const p = appPlanInOrg(svc(site2, "ai-coordinator"), site2, [site2])!;
    expect(p.config[0].text).not.toContain("OLLAMA_BASE_URL");
  });

  it("refuses a repository without a revision in one line naming the key", () => {
    expect(() => withApp("ai-coordinator", { repository: "https://git.example.org/c.git" })).toThrow(/^homelab: site "orion": inventory\.services\[1\]\.app\.revision = \(missing\): is required with app\.repository/);
  });
});
