/**
 * The apps on the OCI runner: Open WebUI (bh BH-2, ep's Konstanze EP-4, orion's LXC 1001), Home
 * Assistant (bh BH-5) and Paperless-ngx (bo BO-11). Their rendered container environment against the
 * names the pinned upstream reads (cited per block), their images by the published digests, and the
 * contracts with the inventory: ports, data on data mounts, backups, OIDC clients, the primary's
 * database and the model server's firewall (decision 11).
 */
import { loadInventory, ResolvedService, Site } from "../../components/inventory/load";
import { appPlanInOrg, appPlanOf } from "../../components/apps/registry";
import { appContractProblems } from "../../components/apps/contract";
import { AppOf } from "../../components/inventory/apps";
import { OPEN_WEBUI_IMAGE, webuiContainer } from "../../components/apps/openWebui";
import { HOME_ASSISTANT_IMAGE, haContainer } from "../../components/apps/homeAssistant";
import { PAPERLESS_IMAGE, paperlessContainer } from "../../components/apps/paperless";
import { renderOciUnit } from "../../components/apps/oci";
import { paperlessRedirectUri } from "../../components/mesh/render/authentikBlueprint";
import { activeApp, organisationOf, primaryDatabases } from "../../components/inventory/org";
import { stackDocument } from "../helpers/inventory";

const doc = (site: string) => stackDocument(site).config;
const raw = (site: string) => doc(site)["homelab:inventory"];
const load = (site: string, inv = raw(site)): Site => loadInventory(site, inv, Number(doc(site)["homelab:phase"]));
const svc = <K extends "open-webui" | "home-assistant" | "paperless">(site: Site, name: string) => site.services.find((s) => s.name === name)! as ResolvedService & { app: AppOf<K> };
const withApp = (site: string, name: string, app: Record<string, unknown>) => {
  const inv = raw(site);
  const s = inv.services.find((x: any) => x.name === name);
  s.app = { ...(typeof s.app === "string" ? { kind: s.app } : s.app), ...app };
  return load(site, inv);
};
const plan = (site: Site, name: string) => appPlanOf(svc(site, name), site)!;

/**
 * Environment names Open WebUI reads (open-webui backend/open_webui/config.py and env.py: the
 * PersistentConfig names, the same in the 2026 config-key map `oauth.oidc.client_id →
 * OAUTH_CLIENT_ID`, `oauth.oidc.provider_url → OPENID_PROVIDER_URL`, `oauth.oidc.redirect_uri →
 * OPENID_REDIRECT_URI`, `oauth.oidc.scopes → OAUTH_SCOPES`, `oauth.oidc.provider_name →
 * OAUTH_PROVIDER_NAME`), plus the CA variables Python's ssl (`SSL_CERT_FILE`) and requests
 * (`REQUESTS_CA_BUNDLE`) read. Cross-checked at the pinned release against open-webui/docs
 * docs/reference/env-configuration.mdx (stated "up-to-date with ... v0.11.0"; mirror commit 1eea3847):
 * every Open WebUI name here has an entry there; `OPENID_PROVIDER_URL` is the path of the
 * `.well-known/openid-configuration` document; `OPENID_REDIRECT_URI` defaults to
 * `<backend>/oauth/oidc/callback`; `ENABLE_PERSISTENT_CONFIG=False` makes the environment win at
 * each start; `ENABLE_OAUTH` (new master switch) defaults to True. docs/troubleshooting/custom-ca.md
 * there gives `SSL_CERT_FILE` as the way to trust another CA in the image; docs/enterprise/deployment/
 * index.md there names `/health` the liveness check (HTTP 200).
 */
const WEBUI_ENV = new Set([
  "WEBUI_URL", "WEBUI_SECRET_KEY", "ENABLE_PERSISTENT_CONFIG", "ENABLE_OLLAMA_API", "OLLAMA_BASE_URL", "ENABLE_OPENAI_API", "OPENAI_API_BASE_URL",
  "ENABLE_OAUTH_SIGNUP", "OAUTH_MERGE_ACCOUNTS_BY_EMAIL", "OAUTH_PROVIDER_NAME", "OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "OAUTH_SCOPES",
  "OPENID_PROVIDER_URL", "OPENID_REDIRECT_URI", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE",
]);

/**
 * Environment names Paperless-ngx v2.20.15 reads: src/paperless/settings.py (`PAPERLESS_URL`,
 * `PAPERLESS_TIME_ZONE`, `PAPERLESS_OCR_LANGUAGE`, `PAPERLESS_SECRET_KEY`, `PAPERLESS_DBHOST`,
 * `PAPERLESS_DBPORT`, `PAPERLESS_DBNAME`, `PAPERLESS_DBUSER`, `PAPERLESS_DBPASS`, `PAPERLESS_REDIS`,
 * `PAPERLESS_APPS`, `PAPERLESS_SOCIALACCOUNT_PROVIDERS`, `PAPERLESS_SOCIAL_AUTO_SIGNUP`), the image's
 * init-tesseract-langs (`PAPERLESS_OCR_LANGUAGES`) and requests (`REQUESTS_CA_BUNDLE`).
 */
const PAPERLESS_ENV = new Set([
  "PAPERLESS_URL", "PAPERLESS_TIME_ZONE", "PAPERLESS_OCR_LANGUAGE", "PAPERLESS_OCR_LANGUAGES", "PAPERLESS_SECRET_KEY", "PAPERLESS_DBHOST", "PAPERLESS_DBPORT",
  "PAPERLESS_DBNAME", "PAPERLESS_DBUSER", "PAPERLESS_DBPASS", "PAPERLESS_REDIS", "PAPERLESS_APPS", "PAPERLESS_SOCIALACCOUNT_PROVIDERS", "PAPERLESS_SOCIAL_AUTO_SIGNUP",
  "REQUESTS_CA_BUNDLE",
]);

describe("Open WebUI", () => {
  it.each([
    ["bh", "open-webui", "http://192.168.50.20:11434", "192.168.50.21", 8080],
    ["ep", "konstanze", "http://192.168.30.20:11434", "192.168.30.21", 8080],
    ["orion", "open-webui", "http://192.168.100.110:11434", "192.168.100.111", 3000],
  ])("%s %s talks to the site's Ollama and listens on its declared port", (name, service, ollama, address, port) => {
    const site = load(name);
    const c = webuiContainer(svc(site, service), site);
    expect(c.env).toMatchObject({ OLLAMA_BASE_URL: ollama, ENABLE_OLLAMA_API: "True", ENABLE_OPENAI_API: "False", WEBUI_URL: `http://${address}:${port}` });
    expect(c.publish).toEqual([{ address, hostPort: port, containerPort: 8080, protocol: "tcp" }]);
    expect(c.volumes![0]).toEqual({ host: "/var/lib/open-webui", container: "/app/backend/data" });
    for (const k of [...Object.keys(c.env!), ...c.secretEnv!]) expect(WEBUI_ENV).toContain(k);
    const p = plan(site, service);
    expect(appContractProblems(svc(site, service), p)).toEqual([]);
    // decision 11: the Ollama it talks to admits this front end's address on 11434
    const o = site.services.find((s) => s.app?.kind === "ollama")!;
    expect(o.firewall.find((f) => f.port === 11434)!.sources.map((s) => s.replace(/\/32$/, ""))).toContain(address);
  });
  it("takes an OpenAI-compatible upstream instead (orion's LiteLLM, for example)", () => {
    const site = withApp("orion", "open-webui", { upstream: { openai: "http://192.168.100.112:4000/v1/" } });
    expect(webuiContainer(svc(site, "open-webui"), site).env).toMatchObject({ ENABLE_OLLAMA_API: "False", ENABLE_OPENAI_API: "True", OPENAI_API_BASE_URL: "http://192.168.100.112:4000/v1" });
  });
  it.each([
    ["an ollama service the site lacks", { upstream: { ollama: "nope" } }, /site "bh": inventory\.services\[\d+\]\.app\.upstream\.ollama = "nope": no ollama service of that name on this site/],
    ["an upstream that is neither", { upstream: { litellm: "x" } }, /app\.upstream/],
  ])("the loader refuses %s", (_what, app, message) => {
    expect(() => withApp("bh", "open-webui", app)).toThrow(message);
  });
  it("the loader needs app.upstream where the site has no single Ollama", () => {
    const inv = raw("bh");
    inv.services = inv.services.filter((s: any) => s.name !== "ollama");
    for (const s of inv.services) if (s.ports) for (const p of s.ports) p.from = (p.from ?? []).filter((f: string) => f !== "ollama");
    expect(() => load("bh", inv)).toThrow(/inventory\.services\[\d+\]\.app\.upstream = \(missing\): the site has 0 ollama services: name one/);
  });
  it("logs in through authentik: an OIDC client per instance, redirect /oauth/oidc/callback (main.py), secrets from stdin only", () => {
    const site = load("bh");
    const p = plan(site, "open-webui");
    expect(p.oidc).toEqual({
      clientId: "bh-open-webui",
      name: "Open WebUI open-webui (bh)",
      redirectUris: ["http://192.168.50.21:8080/oauth/oidc/callback"],
      launchUrl: "http://192.168.50.21:8080",
    });
    const c = webuiContainer(svc(site, "open-webui"), site);
    expect(c.env).toMatchObject({ OAUTH_CLIENT_ID: "bh-open-webui", OPENID_REDIRECT_URI: "http://192.168.50.21:8080/oauth/oidc/callback", ENABLE_OAUTH_SIGNUP: "True" });
    expect(c.secretEnv).toEqual(["WEBUI_SECRET_KEY", "OAUTH_CLIENT_SECRET", "OPENID_PROVIDER_URL"]);
    expect(p.script).toContain("require_env OIDC_ISSUER");
    expect(p.script).toContain('OPENID_PROVIDER_URL="${OIDC_ISSUER%/}/.well-known/openid-configuration"');
    expect(p.secrets).toEqual([{ env: "WEBUI_SECRET_KEY", length: 48 }]);
  });
  it("without sso it has no client and reads no OIDC variable", () => {
    const site = withApp("ep", "konstanze", { sso: false });
    const p = plan(site, "konstanze");
    expect(p.oidc).toBeUndefined();
    expect(p.script).not.toContain("OIDC_ISSUER");
    expect(Object.keys(webuiContainer(svc(site, "konstanze"), site).env!).filter((k) => /OAUTH|OPENID/.test(k))).toEqual([]);
  });
  it("keeps the inventory authoritative over values saved in the database (ENABLE_PERSISTENT_CONFIG, default True)", () => {
    const site = load("ep");
    expect(webuiContainer(svc(site, "konstanze"), site).env!.ENABLE_PERSISTENT_CONFIG).toBe("False");
  });
  it("runs the published image by digest; app.image overrides it", () => {
    const site = load("bh");
    const p = plan(site, "open-webui");
    expect(p.source).toEqual({ type: "oci", image: "ghcr.io/open-webui/open-webui:v0.11.0", digest: OPEN_WEBUI_IMAGE.digest });
    expect(p.version).toBe("v0.11.0@sha256:72c0ba641ba7");
    expect(renderOciUnit(webuiContainer(svc(site, "open-webui"), site))).toContain(`ghcr.io/open-webui/open-webui@${OPEN_WEBUI_IMAGE.digest}`);
    const other = withApp("bh", "open-webui", { image: { tag: "v9.9.9", digest: `sha256:${"e".repeat(64)}` } });
    expect(plan(other, "open-webui").version).toBe("v9.9.9@sha256:eeeeeeeeeeee");
    expect(() => withApp("bh", "open-webui", { image: { tag: "v1", digest: "sha256:abc" } })).toThrow(/sha256:<64 hex>/);
  });
  it("health: GET /health answers {\"status\": true} (main.py); backup: the data directory with a consistent SQLite copy", () => {
    const p = plan(load("ep"), "konstanze");
    expect(p.health).toEqual({ url: "http://192.168.30.21:8080/health", expect: '"status":true' });
    expect(p.backup.paths).toEqual(["/var/lib/open-webui"]);
    expect(p.backup.preBackup).toEqual([`sqlite3 /var/lib/open-webui/webui.db ".backup '/var/lib/open-webui/webui.db.backup'"`]);
  });
});

describe("Home Assistant (decision 13)", () => {
  const site = load("bh");
  const c = haContainer(svc(site, "home-assistant"), site);
  const p = plan(site, "home-assistant");
  it("runs the published image by digest with /config on its data mount, 8123 on the service address", () => {
    expect(p.source).toEqual({ type: "oci", image: "ghcr.io/home-assistant/home-assistant:2026.9.1", digest: HOME_ASSISTANT_IMAGE.digest });
    expect(c.volumes).toEqual([{ host: "/srv/homeassistant", container: "/config" }]);
    expect(c.publish).toEqual([{ address: "192.168.50.40", hostPort: 8123, containerPort: 8123, protocol: "tcp" }]);
    expect(c.env).toEqual({ TZ: site.inventory.timezone });
    expect(appContractProblems(svc(site, "home-assistant"), p)).toEqual([]);
  });
  it("health: the frontend's /manifest.json (frontend/__init__.py MANIFEST_JSON, no auth)", () => {
    expect(p.health).toEqual({ url: "http://192.168.50.40:8123/manifest.json", expect: "Home automation platform" });
  });
  it("backs up its configuration directory with a consistent copy of the recorder database; no OIDC client", () => {
    expect(p.backup.paths).toEqual(["/srv/homeassistant"]);
    expect(p.backup.preBackup[0]).toContain("sqlite3 /srv/homeassistant/home-assistant_v2.db \".backup '/srv/homeassistant/home-assistant_v2.db.backup'\"");
    expect(p.oidc).toBeUndefined();
  });
  it("its LXC has nesting for podman (decision 13)", () => {
    expect(raw("bh").services.find((s: any) => s.name === "home-assistant").features).toMatchObject({ nesting: true });
  });
});

describe("Paperless-ngx (bo BO-11)", () => {
  const bo = load("bo");
  const s = svc<"paperless">(bo, "paperless");
  const c = paperlessContainer(s, bo);
  const p = plan(bo, "paperless");
  it("reads only names settings.py v2.20.15 knows; secrets and connection details arrive on stdin", () => {
    for (const k of [...Object.keys(c.env!), ...c.secretEnv!]) expect(PAPERLESS_ENV).toContain(k);
    expect(c.secretEnv).toEqual(expect.arrayContaining(["PAPERLESS_SECRET_KEY", "PAPERLESS_DBHOST", "PAPERLESS_DBPASS", "PAPERLESS_REDIS", "PAPERLESS_SOCIALACCOUNT_PROVIDERS"]));
    expect(c.env).toMatchObject({ PAPERLESS_URL: "http://192.168.9.42:8000", PAPERLESS_OCR_LANGUAGE: "eng", PAPERLESS_APPS: "allauth.socialaccount.providers.openid_connect" });
    expect(p.secrets.map((x) => x.env)).toEqual(["PAPERLESS_SECRET_KEY", "PAPERLESS_REDIS_PASSWORD"]);
    expect(p.script).toContain("require_env PAPERLESS_SECRET_KEY PAPERLESS_REDIS_PASSWORD DB_HOST DB_PORT DB_NAME DB_USER DB_PASSWORD");
  });
  it("OCR languages: joined with + for OCRmyPDF; those the image lacks are installed at start", () => {
    const site = withApp("bo", "paperless", { ocrLanguages: ["deu", "eng", "nld"] });
    expect(paperlessContainer(svc(site, "paperless"), site).env).toMatchObject({ PAPERLESS_OCR_LANGUAGE: "deu+eng+nld", PAPERLESS_OCR_LANGUAGES: "nld" });
    expect(() => withApp("bo", "paperless", { ocrLanguages: ["English"] })).toThrow(/Tesseract language code/);
  });
  it("data, media, consume and export on the data mount, owned by the image's paperless user (1000)", () => {
    expect(c.volumes!.filter((v) => !v.readOnly).map((v) => `${v.host}:${v.container}:${v.owner}`)).toEqual([
      "/opt/paperless/data:/usr/src/paperless/data:1000:1000",
      "/opt/paperless/media:/usr/src/paperless/media:1000:1000",
      "/opt/paperless/consume:/usr/src/paperless/consume:1000:1000",
      "/opt/paperless/export:/usr/src/paperless/export:1000:1000",
    ]);
    expect(appContractProblems(s, p)).toEqual([]);
  });
  it("runs document_exporter (the image's command) into export/ before each backup, which holds export/", () => {
    expect(p.backup.preBackup).toEqual(["podman exec paperless document_exporter /usr/src/paperless/export --delete --no-progress-bar"]);
    expect(p.backup.paths).toContain("/opt/paperless/export");
    expect(s.backup && "paths" in s.backup ? s.backup.paths : []).toContain("/opt/paperless/export");
  });
  it("its database is the primary's paperless, reachable from its address only", () => {
    expect(p.database).toBe("paperless");
    const org = organisationOf(bo, ["bh", "ep"].map((n) => load(n)));
    const db = primaryDatabases(org, activeApp(org[0], "postgres-primary")!).find((d) => d.name === "paperless")!;
    expect(JSON.stringify(db)).toContain("192.168.9.42");
  });
  it("its OIDC client is the one the authentik blueprint issues (client id, allauth callback)", () => {
    expect(p.oidc).toEqual({ clientId: "paperless", name: "Paperless-ngx", redirectUris: [paperlessRedirectUri("http://192.168.9.42:8000", "authentik")], launchUrl: "http://192.168.9.42:8000" });
    expect(p.oidc!.redirectUris[0]).toBe("http://192.168.9.42:8000/accounts/oidc/authentik/login/callback/");
  });
  it("image by the published digest; health: the login page (templates/account/login.html)", () => {
    expect(p.source).toEqual({ type: "oci", image: "ghcr.io/paperless-ngx/paperless-ngx:2.20.15", digest: PAPERLESS_IMAGE.digest });
    expect(p.health).toEqual({ url: "http://192.168.9.42:8000/accounts/login/", expect: "Paperless-ngx sign in" });
  });
  it("the broker is local: Redis on loopback and the service address, its port not opened in the guest firewall", () => {
    expect(p.script).toContain("REDIS_BIND=192.168.9.42");
    expect(s.firewall.some((f) => f.port === 6379)).toBe(false);
  });
  it("needs its database on the primary", () => {
    const inv = raw("bo");
    const x = inv.services.find((y: any) => y.name === "paperless");
    x.app = { kind: "paperless" };
    const site = load("bo", inv);
    expect(() => plan(site, "paperless")).toThrow(/set app.database/);
  });
});

describe("OIDC clients only where the organisation has an identity provider", () => {
  it("every committed site's plans with an OIDC client are in an organisation with an active identity-provider", () => {
    const sites = ["bo", "bh", "ep", "orion", "ryzen9", "hx310-db", "sector7"].map((n) => load(n));
    let checked = 0;
    for (const site of sites) {
      const org = organisationOf(site, sites.filter((x) => x !== site));
      const idp = org.some((x) => activeApp(x, "identity-provider"));
      for (const s of site.services) {
        if (s.kind !== "lxc" && s.kind !== "vm") continue; // the apps tier installs guests only
        // the apps tier plans in the organisation (registry.ts appPlanInOrg: no client without an identity provider)
        const p = appPlanInOrg(s, site, org);
        if (p?.oidc) {
          expect([site.name, s.name, idp]).toEqual([site.name, s.name, true]);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
    // orion (organisation luci) has none: its Open WebUI logs in with its own accounts
    expect(plan(load("orion"), "open-webui").oidc).toBeUndefined();
  });
});
