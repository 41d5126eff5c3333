/**
 * Gitea (bo BO-9): app.ini against the keys the pinned upstream reads, its run-time placeholders
 * against what the install script fills in, the OIDC client against the authentik blueprint, the
 * database against the PostgreSQL primary, the seed's repositories, the dump before the backup.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadInventory, ResolvedService, Site } from "../../components/inventory/load";
import type { AppOf } from "../../components/inventory/apps";
import { PROJECT_ROOT } from "../../components/site/stackFiles";
import { appPlanOf, appPlanInOrg } from "../../components/apps/registry";
import { appContractProblems } from "../../components/apps/contract";
import { GITEA_AUTH_SOURCE, GITEA_RELEASE, giteaDumpUnits, giteaRedirectUri, renderGiteaIni } from "../../components/apps/gitea";
import { oidcClients } from "../../components/apps/oidc";
import { activeApp, organisationOf, primaryDatabases } from "../../components/inventory/org";
import { authentikBlueprint, clientSecretEnv } from "../../components/mesh/render/authentik";

const doc = (site: string) => YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${site}.yaml`), "utf8")).config;
const load = (site: string, inv = doc(site)["homelab:inventory"]): Site => loadInventory(site, inv, Number(doc(site)["homelab:phase"]));
const gitea = (site: Site) => site.services.find((s) => s.app?.kind === "gitea")! as ResolvedService & { app: AppOf<"gitea"> };
const org = () => {
  const sites = ["bo", "bh", "ep"].map((n) => load(n));
  return organisationOf(sites[0], sites.slice(1));
};

/** go-ini as Gitea reads app.ini: keys before the first section belong to the default section "". */
function parseIni(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = { "": {} };
  let section = "";
  for (const line of text.split("\n")) {
    if (/^\s*([;#].*)?$/.test(line)) continue;
    const sec = /^\[(.+)\]$/.exec(line.trim());
    if (sec) {
      section = sec[1];
      if (section in out) throw new Error(`duplicate section ${section}`);
      out[section] = {};
      continue;
    }
    const kv = /^([A-Z_]+)\s*=\s*(.*)$/.exec(line);
    if (!kv) throw new Error(`not an app.ini line: ${line}`);
    if (kv[1] in out[section]) throw new Error(`duplicate key ${section}.${kv[1]}`);
    out[section][kv[1]] = kv[2];
  }
  return out;
}

/**
 * Keys of go-gitea/gitea custom/conf/app.example.ini (the documented settings; sections as written
 * there), for the sections app.ini uses. A misspelt key would be ignored silently by Gitea.
 */
const GITEA_KEYS: Record<string, string[]> = {
  "": ["APP_NAME", "RUN_USER", "RUN_MODE", "WORK_PATH"],
  server: ["PROTOCOL", "HTTP_ADDR", "HTTP_PORT", "DOMAIN", "ROOT_URL", "APP_DATA_PATH", "DISABLE_SSH", "START_SSH_SERVER", "SSH_DOMAIN", "SSH_PORT", "OFFLINE_MODE", "LFS_START_SERVER", "LFS_JWT_SECRET"],
  lfs: ["PATH"],
  repository: ["ROOT", "DEFAULT_BRANCH", "DEFAULT_PRIVATE"],
  database: ["DB_TYPE", "HOST", "NAME", "USER", "PASSWD", "SSL_MODE"],
  security: ["INSTALL_LOCK", "SECRET_KEY", "INTERNAL_TOKEN"],
  oauth2: ["JWT_SECRET"],
  service: ["DISABLE_REGISTRATION", "ALLOW_ONLY_EXTERNAL_REGISTRATION"],
  oauth2_client: ["ENABLE_AUTO_REGISTRATION", "USERNAME", "ACCOUNT_LINKING"],
  openid: ["ENABLE_OPENID_SIGNIN", "ENABLE_OPENID_SIGNUP"],
  metrics: ["ENABLED", "TOKEN"],
  log: ["MODE", "LEVEL"],
  "cron.update_checker": ["ENABLED"],
};

describe("app.ini", () => {
  const bo = load("bo");
  const text = renderGiteaIni(gitea(bo), bo);
  const ini = parseIni(text);
  it("has only keys Gitea documents, in their sections", () => {
    for (const [section, kv] of Object.entries(ini)) {
      expect(GITEA_KEYS[section]).toBeDefined();
      for (const k of Object.keys(kv)) expect(GITEA_KEYS[section]).toContain(k);
    }
  });
  it("keeps repositories, LFS and data on the data mount and listens on the service address", () => {
    expect(ini[""].WORK_PATH).toBe("/var/lib/gitea");
    expect(ini.repository.ROOT).toBe("/var/lib/gitea/repositories");
    expect(ini.lfs.PATH).toBe("/var/lib/gitea/lfs");
    expect(ini.server).toMatchObject({ HTTP_ADDR: "192.168.9.40", HTTP_PORT: "3000", ROOT_URL: "http://192.168.9.40:3000/", LFS_START_SERVER: "true", SSH_PORT: "22" });
    expect(ini.security.INSTALL_LOCK).toBe("true");
  });
  it("connects to the primary with values filled in on the guest (no secret in the text)", () => {
    expect(ini.database).toEqual({ DB_TYPE: "postgres", HOST: "@DB_HOST@:@DB_PORT@", NAME: "@DB_NAME@", USER: "@DB_USER@", PASSWD: "@DB_PASSWORD@", SSL_MODE: "disable" });
  });
  it("every placeholder is one the install script fills in", () => {
    const placeholders = [...new Set([...text.matchAll(/@([A-Z_]+)@/g)].map((m) => m[1]))].sort();
    const sh = fs.readFileSync(path.join(PROJECT_ROOT, "components/apps/scripts/gitea-install.sh"), "utf8");
    const filled = [...sh.matchAll(/^for [a-z] in ([A-Z_ ]+); do$/gm)].flatMap((m) => m[1].split(" "));
    expect(placeholders).toEqual([...new Set(filled)].sort());
  });
  it("without sso: no external registration and no client", () => {
    const inv = doc("bo")["homelab:inventory"];
    inv.services.find((s: any) => s.name === "gitea").app.sso = false;
    const site = load("bo", inv);
    expect(parseIni(renderGiteaIni(gitea(site), site)).service.DISABLE_REGISTRATION).toBe("true");
    expect(appPlanOf(gitea(site), site)!.oidc).toBeUndefined();
  });
});

describe("the Gitea plan", () => {
  const bo = load("bo");
  const p = appPlanOf(gitea(bo), bo)!;
  it("pins the release by sha256 and shows its version", () => {
    expect(p.version).toBe("1.27.3");
    expect(p.source).toEqual({ type: "release", ...GITEA_RELEASE });
    expect(p.script).toContain(`GITEA_SHA256=${GITEA_RELEASE.sha256}`);
    expect(GITEA_RELEASE.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
  it("creates the seed's repositories under the organisation", () => {
    expect(p.script).toContain("REPOS=(apiary-infrastructure apiary-ai-agents apiary-web apiary-odoo-mods)");
    expect(p.script).toContain("OWNER=apiary");
  });
  it("health /api/healthz, /metrics behind the app metrics token (filled in on the guest), secrets by name only", () => {
    expect(p.health.url).toBe("http://192.168.9.40:3000/api/healthz");
    // go-gitea/gitea modules/setting/metrics.go ([metrics] ENABLED, TOKEN); routers/web/metrics.go: `Bearer <TOKEN>`.
    expect(p.metrics).toEqual([{ job: "gitea", port: 3000, scheme: "http", path: "/metrics", auth: "bearer" }]);
    expect(parseIni(p.config[0].text).metrics).toEqual({ ENABLED: "true", TOKEN: "@METRICS_TOKEN@" });
    expect(p.script).not.toMatch(/METRICS_TOKEN=/);
    expect(p.secrets.map((s) => s.env)).toEqual(["GITEA_SECRET_KEY", "GITEA_ADMIN_PASSWORD"]);
    expect(p.script).toMatch(/require_env GITEA_SECRET_KEY GITEA_ADMIN_PASSWORD DB_HOST DB_PORT DB_NAME DB_USER DB_PASSWORD METRICS_TOKEN/);
  });
  it("dumps 20 minutes before the guest's restic backup, into the backed-up data mount", () => {
    const d = giteaDumpUnits(gitea(bo));
    expect(d.timer).toContain("OnCalendar=*-*-* 00:40:00");
    expect(p.backup).toEqual({ paths: ["/var/lib/gitea"], localDatabases: [], preBackup: ["systemctl start gitea-dump.service"] });
    expect(d.command).toContain("--file /var/lib/gitea/dumps/gitea-dump.zip");
  });
  it("the pre-backup hook never runs Gitea's CLI as root: it starts the dump unit, which runs as the git user", () => {
    // go-gitea/gitea modules/setting/setting.go (`loadRunModeFrom`, 1.2x through 1.27): with os.Getuid() == 0
    // every command that loads the settings (cmd/dump.go `setting.MustInstalled()`) stops with "Gitea is not
    // supposed to be run as root"; with INSTALL_LOCK the current user must also be RUN_USER. The restic
    // agent's unit (components/data/render/restic.ts) has no User=, so it runs its hooks as root.
    const d = giteaDumpUnits(gitea(bo));
    for (const c of p.backup.preBackup) expect(c).not.toMatch(/\/usr\/local\/bin\/gitea\b/);
    expect(d.service).toMatch(/^User=git$/m);
    expect(d.service).toMatch(new RegExp(`^ExecStart=${d.command.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"));
    expect(p.script).toContain("gitea-dump.service");
  });
  it("agrees with its service (ports, data mount, backup)", () => {
    expect(appContractProblems(gitea(bo), p)).toEqual([]);
  });
  it("without an identity provider in the organisation (hx310-db) it plans no client", () => {
    const hx = load("hx310-db");
    expect(appPlanInOrg(gitea(hx), hx, [hx])!.oidc).toBeUndefined();
    expect(appPlanInOrg(gitea(hx), hx, [hx])!.script).toContain("OIDC=0");
  });
});

describe("contract: Gitea, the authentik blueprint and the PostgreSQL primary agree", () => {
  it("the blueprint registers exactly the callback of the login source the script adds", () => {
    const o = org();
    const p = appPlanOf(gitea(o[0]), o[0])!;
    const clients = oidcClients(o);
    const bp = YAML.parse(
      authentikBlueprint({
        authentikUrl: "https://192.168.9.30:9443",
        netbird: { clientId: "netbird", cliRedirectUrls: [], serviceAccount: "nb", serviceAccountPasswordEnv: "NB" },
        clients: clients.map((c) => ({ ...c.oidc, clientSecretEnv: clientSecretEnv(c.oidc.clientId) })),
      }),
      { customTags: ["!Find", "!KeyOf", "!Env"].map((tag) => ({ tag, ...(tag === "!Find" ? { collection: "seq" as const } : {}), resolve: (v: any) => v })) as any },
    );
    const provider = bp.entries.find((e: any) => e.model === "authentik_providers_oauth2.oauth2provider" && e.attrs.client_id === "gitea");
    const root = parseIni(p.config[0].text).server.ROOT_URL;
    expect(provider.attrs.redirect_uris.map((u: any) => u.url)).toEqual([giteaRedirectUri(root, GITEA_AUTH_SOURCE)]);
    expect(p.script).toContain(`AUTH_NAME=${GITEA_AUTH_SOURCE}`);
    expect(p.script).toContain("OIDC_CLIENT_ID=gitea");
  });
  it("its database exists on the primary, reachable from its address only", () => {
    const o = org();
    const g = gitea(o[0]);
    const db = primaryDatabases(o, activeApp(o[0], "postgres-primary")!).find((d) => d.name === g.app.database)!;
    expect(db).toEqual({ name: "gitea", clients: ["192.168.9.40/32"] });
    expect(appPlanOf(g, o[0])!.database).toBe("gitea");
  });
});
