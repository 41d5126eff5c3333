/**
 * hx310-db's Vaultwarden and Wiki.js (decisions 340-347): the rendered container environment, unit and
 * GraphQL documents against the pinned upstreams, and the contracts between the apps, their guests'
 * ports and the organisation's PostgreSQL primary and Gitea.
 *
 * Upstream sources: dani-garcia/vaultwarden tag 1.37.1 (.env.template, src/config.rs, src/main.rs,
 * src/api/web.rs, docker/Dockerfile.debian); requarks/wiki tag v2.5.314 (dev/build/Dockerfile and
 * config.yml, server/setup.js, server/graph/schemas/storage.graphql and authentication.graphql,
 * server/graph/resolvers/storage.js, server/modules/storage/git/definition.yml).
 */
import { appContractProblems } from "../../components/apps/contract";
import { appPlanOf } from "../../components/apps/registry";
import { giteaMachineSecretEnv } from "../../components/apps/gitea";
import { renderOciEnv, renderOciUnit } from "../../components/apps/oci";
import { VAULTWARDEN_ARGON2, VAULTWARDEN_IMAGE, vaultwardenContainer } from "../../components/apps/vaultwarden";
import { WIKIJS_GQL, WIKIJS_IMAGE, wikijsContainer, wikijsGitTarget } from "../../components/apps/wikijs";
import type { AppOf } from "../../components/inventory/apps";
import { loadInventory, ResolvedService, Site } from "../../components/inventory/load";
import { needsInternalCa, primaryDatabases } from "../../components/inventory/org";
import { committedInventory, committedPhase, serviceIndex } from "../helpers/inventory";

const load = (inv = committedInventory("hx310-db"), phase = committedPhase("hx310-db")): Site => loadInventory("hx310-db", inv, phase);
const site = load();
const svc = (s: Site, name: string) => [...s.services, ...s.deferred].find((x) => x.name === name) as ResolvedService;
const plan = (name: string, s = site) => appPlanOf(svc(s, name), s)!;
const envOf = (text: string) => Object.fromEntries(text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));

/** Every setting key of vaultwarden 1.37.1's .env.template (the ones this module may render). */
const VW_ENV_KEYS = ["DOMAIN", "SIGNUPS_ALLOWED", "INVITATIONS_ALLOWED", "DATA_FOLDER", "DATABASE_URL", "ENABLE_DB_WAL", "ENABLE_WEBSOCKET", "ADMIN_TOKEN", "ROCKET_ADDRESS", "ROCKET_PORT", "ROCKET_TLS", "SHOW_PASSWORD_HINT", "LOG_LEVEL"];

describe("Vaultwarden on hx310-db", () => {
  const p = plan("vaultwarden");
  const c = vaultwardenContainer(svc(site, "vaultwarden") as ResolvedService & { app: AppOf<"vaultwarden"> }, site);
  const env = envOf(renderOciEnv(c));

  it("runs the pinned image by digest (decision 340) and shows tag and digest", () => {
    expect(p.source).toEqual({ type: "oci", image: "docker.io/vaultwarden/server:1.37.1", digest: VAULTWARDEN_IMAGE.digest });
    expect(p.version).toBe("1.37.1@sha256:ebdfe70701c6");
    expect(renderOciUnit(c)).toContain(" docker.io/vaultwarden/server@sha256:ebdfe70701c60ac0c28c697e787cea767d7972940b786037b29fe0d507f821e8\n");
  });
  it("renders only settings of the pinned .env.template, signups closed, TLS on 443 in Rocket's syntax", () => {
    for (const k of Object.keys(env)) expect([k, VW_ENV_KEYS.includes(k)]).toEqual([k, true]);
    expect(env).toEqual({
      DOMAIN: "https://vaultwarden.homelab-proxmox.internal",
      SIGNUPS_ALLOWED: "false",
      INVITATIONS_ALLOWED: "true",
      DATA_FOLDER: "/data",
      ENABLE_WEBSOCKET: "true",
      ROCKET_ADDRESS: "0.0.0.0",
      ROCKET_PORT: "443",
      // .env.template: ROCKET_TLS={certs="/path/to/certs.pem",key="/path/to/key.pem"}
      ROCKET_TLS: '{certs="/ssl/cert.pem",key="/ssl/key.pem"}',
    });
    // ADMIN_TOKEN only in the root-only secret env file; no DATABASE_URL: config.rs's default sqlite://<DATA_FOLDER>/db.sqlite3.
    expect(c.secretEnv).toEqual(["ADMIN_TOKEN"]);
    const unit = renderOciUnit(c);
    expect(unit).toContain("--publish=192.168.100.10:443:443/tcp");
    expect(unit).toContain("--volume=/var/lib/vaultwarden:/data ");
    expect(unit).toContain("--volume=/etc/homelab/oci/vaultwarden-tls:/ssl:ro ");
    expect(unit).toContain("--env-file=/etc/homelab/oci/vaultwarden.secret.env");
  });
  it("asks the site's internal CA for a certificate of its name and address; the site now has a CA", () => {
    expect(p.tls).toEqual({ hostname: "vaultwarden", domain: "homelab-proxmox.internal", ips: ["192.168.100.10"], extraDnsNames: [] });
    expect(needsInternalCa(site)).toBe(true);
    expect(p.health).toEqual({ url: "https://192.168.100.10/alive" });
  });
  it("hashes the admin token with upstream's bitwarden preset (src/main.rs: m=65540, t=3, p=4), from a generated secret", () => {
    expect(VAULTWARDEN_ARGON2).toEqual({ memoryKiB: 65540, iterations: 3, parallelism: 4, length: 32 });
    expect(p.secrets).toEqual([{ env: "VAULTWARDEN_ADMIN_TOKEN", length: 48 }]);
    expect(p.script).toMatch(/^ARGON2_M=65540$/m);
    expect(p.script).toContain("argon2 \"$1\" -id -k \"$ARGON2_M\"");
  });
  it("keeps SQLite on the data mount, copies it consistently before restic (decision 341), no database on the primary", () => {
    expect(p.database).toBeUndefined();
    expect(p.backup).toEqual({ paths: ["/var/lib/vaultwarden"], localDatabases: [], preBackup: ["if [ -f /var/lib/vaultwarden/db.sqlite3 ]; then sqlite3 /var/lib/vaultwarden/db.sqlite3 \".backup '/var/lib/vaultwarden/db.sqlite3.backup'\"; fi"] });
    expect(appContractProblems(svc(site, "vaultwarden"), p)).toEqual([]);
  });
  it("the restore target on Qotom (phase 7) installs the same image and has no backup of its own", () => {
    const s7 = load(undefined, 7);
    const r = plan("vaultwarden-restore", s7);
    expect(r.version).toBe(p.version);
    expect(r.backup).toEqual({ paths: [], localDatabases: [], preBackup: [] });
    expect(appContractProblems(svc(s7, "vaultwarden-restore"), r)).toEqual([]);
  });
});

/** definition.yml props of the git storage module at v2.5.314 (order as there). */
const GIT_PROPS = ["authType", "repoUrl", "branch", "sshPrivateKeyMode", "sshPrivateKeyPath", "sshPrivateKeyContent", "verifySSL", "basicUsername", "basicPassword", "defaultEmail", "defaultName", "localRepoPath", "alwaysNamespace", "gitBinaryPath"];

describe("Wiki.js on hx310-db", () => {
  const p = plan("wikijs");
  const wiki = svc(site, "wikijs") as ResolvedService & { app: AppOf<"wikijs"> };
  const c = wikijsContainer(wiki);

  it("runs the pinned image by digest (decision 344) on the primary's database, the contract's values under config.yml's names", () => {
    expect(p.source).toEqual({ type: "oci", image: "ghcr.io/requarks/wiki:2.5.314", digest: WIKIJS_IMAGE.digest });
    expect(p.version).toBe("2.5.314@sha256:68f0d1848261");
    // dev/build/config.yml reads $(DB_TYPE) $(DB_HOST) $(DB_PORT) $(DB_USER) $(DB_PASS) $(DB_NAME) $(DB_SSL).
    expect(envOf(renderOciEnv(c))).toEqual({ DB_TYPE: "postgres", DB_SSL: "false" });
    expect(c.secretEnv).toEqual(["DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASS"]);
    expect(p.database).toBe("wikijs");
    expect(p.script).toContain('export DB_PASS="$DB_PASSWORD"');
    // USER node (uid 1000), data folder ./data = /wiki/data, EXPOSE 3000.
    expect(c.volumes).toEqual([{ host: "/var/lib/wikijs", container: "/wiki/data", owner: "1000:1000" }]);
    expect(renderOciUnit(c)).toContain("--publish=192.168.100.11:3000:3000/tcp");
    expect(p.health).toEqual({ url: "http://192.168.100.11:3000/healthz", expect: '"ok":true' });
    expect(appContractProblems(wiki, p)).toEqual([]);
  });
  it("renders the git target with every prop of definition.yml but the secret, in the resolver's {\"v\": …} form", () => {
    const t = wikijsGitTarget(wiki, site)!;
    expect({ ...t, config: undefined }).toEqual({ isEnabled: true, key: "git", mode: "sync", syncInterval: "PT5M", config: undefined });
    expect(t.config.map((x) => x.key)).toEqual(GIT_PROPS.filter((k) => k !== "basicPassword"));
    const v = Object.fromEntries(t.config.map((x) => [x.key, JSON.parse(x.value).v]));
    expect(v).toMatchObject({ authType: "basic", repoUrl: "http://192.168.100.12:3000/hx310-db/wiki.git", branch: "main", basicUsername: "wikijs", verifySSL: true, localRepoPath: "./data/repo" });
    for (const x of t.config) expect(Object.keys(JSON.parse(x.value))).toEqual(["v"]);
  });
  it("sends GraphQL documents naming the schema's operations, arguments and fields", () => {
    expect(WIKIJS_GQL.login).toMatch(/authentication \{ login\(username: \$username, password: \$password, strategy: \$strategy\) \{ responseResult \{ succeeded message \} jwt \} \}/);
    expect(WIKIJS_GQL.targets).toBe("{ storage { targets { key isEnabled mode syncInterval config { key value } } } }");
    expect(WIKIJS_GQL.update).toContain("($targets: [StorageTargetInput]!) { storage { updateTargets(targets: $targets) { responseResult { succeeded message } } } }");
    expect(WIKIJS_GQL.status).toBe("{ storage { status { key status message } } }");
    expect(p.script).toContain("strategy: \"local\"");
  });
  it("takes the Gitea machine user's password as a peer secret that the Gitea plan generates", () => {
    const env = giteaMachineSecretEnv("wikijs");
    expect(env).toBe("GITEA_MACHINE_WIKIJS_PASSWORD");
    expect(p.peerSecrets).toEqual([{ service: "gitea", env }]);
    const g = plan("gitea");
    expect(g.secrets).toContainEqual({ env, length: 40 });
    expect(g.script).toMatch(/^AUTO_INIT=\(wiki\)$/m);
    expect(g.script).toMatch(/^MACHINE_USERS=\(wikijs\)$/m);
    expect(g.script).toMatch(/^MACHINE_GRANTS=\('wikijs wiki write'\)$/m);
    expect(g.script).toContain(`MACHINE_SECRETS=(${env})`);
    expect(p.secrets).toEqual([{ env: "WIKIJS_ADMIN_PASSWORD", length: 32 }]);
  });
});

describe("hx310-db contracts: ports, firewall and databases agree", () => {
  const fw = (name: string, port: number) => svc(site, name).firewall.find((f) => f.port === port && f.protocol === "tcp")!;
  it("each app's ports are its guest's declared ports", () => {
    for (const n of ["vaultwarden", "wikijs", "gitea"]) expect([n, appContractProblems(svc(site, n), plan(n))]).toEqual([n, []]);
  });
  it("Gitea's HTTP port admits Wiki.js; PostgreSQL admits Wiki.js and Gitea and no longer Vaultwarden", () => {
    expect(fw("gitea", 3000).sources).toContain("192.168.100.11/32");
    const pg = fw("postgres", 5432).sources;
    expect(pg).toEqual(expect.arrayContaining(["192.168.100.11/32", "192.168.100.12/32"]));
    expect(pg).not.toContain("192.168.100.10/32");
  });
  it("the primary serves and dumps exactly the apps' databases", () => {
    const dbs = primaryDatabases([site], svc(site, "postgres") as ResolvedService & { app: AppOf<"postgres-primary"> }).map((d) => d.name).sort();
    expect(dbs).toEqual(["gitea", "wikijs"]);
    const b = svc(site, "postgres").backup as { databases: string[] };
    expect([...b.databases].sort()).toEqual(dbs);
  });
});

describe("hx310-db inventory checks of the Git storage", () => {
  const broken = (edit: (inv: any) => void) => {
    const inv = committedInventory("hx310-db");
    edit(inv);
    return () => load(inv);
  };
  it("refuses a repository the Gitea does not create, in one line naming the key", () => {
    expect(broken((inv) => (inv.services[serviceIndex(inv, "wikijs")].app.git.repository = "docs"))).toThrow(/^homelab: site "hx310-db": inventory\.services\[\d+\]\.app\.git\.repository = "docs": is not among the repositories of "gitea"$/);
  });
  it("refuses a user that is no machine user of the Gitea, and a Gitea port that does not admit Wiki.js", () => {
    expect(broken((inv) => (inv.services[serviceIndex(inv, "wikijs")].app.git.user = "bob"))).toThrow(/app\.git\.user = "bob": is no machine user of "gitea"/);
    expect(broken((inv) => (inv.services[serviceIndex(inv, "gitea")].ports[0].from = ["192.168.30.0/24"]))).toThrow(/app\.git\.service = "gitea": tcp\/3000 of "gitea" does not admit "wikijs"/);
  });
  it("refuses a machine user's repository that Gitea does not create", () => {
    const edit = (inv: any) => {
      delete inv.services[serviceIndex(inv, "wikijs")].app.git;
      inv.services[serviceIndex(inv, "gitea")].app.machineUsers[0].repositories = ["nope"];
    };
    expect(broken(edit)).toThrow(/app\.machineUsers\[0\]\.repositories\[0\] = "nope": is not one of app\.repositories/);
  });
});
