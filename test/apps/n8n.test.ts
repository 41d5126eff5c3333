/**
 * n8n (bo BO-10): the rendered environment against the variables the pinned upstream reads, the pins,
 * the OIDC client (decision 51: login only when licensed) against the blueprint, and the database
 * against the PostgreSQL primary.
 */
import * as fs from "fs";
import * as path from "path";
import { loadInventory, ResolvedService, Site } from "../../components/inventory/load";
import type { AppOf } from "../../components/inventory/apps";
import { PROJECT_ROOT } from "../../components/site/stackFiles";
import { appPlanOf } from "../../components/apps/registry";
import { appContractProblems } from "../../components/apps/contract";
import { N8N_RELEASE, NODE_RELEASE, n8nRedirectUri, renderN8nSettings } from "../../components/apps/n8n";
import { oidcClients } from "../../components/apps/oidc";
import { activeApp, organisationOf, primaryDatabases } from "../../components/inventory/org";
import { stackDocument } from "../helpers/inventory";

const doc = (site: string) => stackDocument(site).config;
const raw = (site: string) => doc(site)["homelab:inventory"];
const load = (site: string, inv = raw(site)): Site => loadInventory(site, inv, Number(doc(site)["homelab:phase"]));
const n8n = (site: Site) => site.services.find((s) => s.app?.kind === "n8n")! as ResolvedService & { app: AppOf<"n8n"> };
const withApp = (app: Record<string, unknown>) => {
  const inv = raw("bo");
  const s = inv.services.find((x: any) => x.name === "n8n");
  s.app = { ...s.app, ...app };
  return load("bo", inv);
};

/**
 * Environment variables n8n reads, as declared with `@Env('…')` in npm @n8n/config 2.39.0 (the exact
 * dependency of n8n 2.41.1): dist/configs/database.config.js, endpoints.config.js, generic.config.js,
 * instance-settings-config.js, diagnostics.config.js, version-notifications, sso.config.js. Its
 * dist/decorators.js also reads `<NAME>_FILE`. Re-checked in the packed @n8n/config 2.39.0: the
 * N8N_SSO_MANAGED_BY_ENV and N8N_SSO_OIDC_* names are declared in dist/configs/
 * instance-settings-loader.config.js; N8N_HOST/PORT/PROTOCOL/LISTEN_ADDRESS/EDITOR_BASE_URL in
 * dist/index.js; N8N_SECURE_COOKIE in auth.config.js. n8n 2.41.1's dist/instance-settings-loader/
 * loaders/sso/oidc.instance-settings-loader.js, with login enabled, requires a non-empty client id and
 * secret and a URL discovery endpoint; dist/modules/sso-oidc/oidc.service.ee.js builds the callback
 * `<instance base URL>/<endpoints.rest>/sso/oidc/callback` (n8nRedirectUri).
 */
const N8N_ENV = new Set([
  "DB_TYPE",
  "DB_POSTGRESDB_HOST",
  "DB_POSTGRESDB_PORT",
  "DB_POSTGRESDB_DATABASE",
  "DB_POSTGRESDB_USER",
  "DB_POSTGRESDB_PASSWORD",
  "N8N_ENCRYPTION_KEY",
  "N8N_LISTEN_ADDRESS",
  "N8N_PORT",
  "N8N_PROTOCOL",
  "N8N_HOST",
  "N8N_EDITOR_BASE_URL",
  "N8N_SECURE_COOKIE",
  "N8N_METRICS",
  "N8N_DIAGNOSTICS_ENABLED",
  "N8N_VERSION_NOTIFICATIONS_ENABLED",
  "N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS",
  "GENERIC_TIMEZONE",
  "N8N_SSO_MANAGED_BY_ENV",
  "N8N_SSO_OIDC_CLIENT_ID",
  "N8N_SSO_OIDC_CLIENT_SECRET",
  "N8N_SSO_OIDC_DISCOVERY_ENDPOINT",
  "N8N_SSO_OIDC_LOGIN_ENABLED",
]);

const sh = fs.readFileSync(path.join(PROJECT_ROOT, "components/apps/scripts/n8n-install.sh"), "utf8");

describe("n8n's environment", () => {
  it("every rendered setting and every run-time variable is one n8n reads", () => {
    const all = [...renderN8nSettings(n8n(withApp({ licensed: true })), load("bo")).map(([k]) => k), ...[...sh.matchAll(/vars\+?=\(([A-Z0-9_ ]+)\)/g)].flatMap((m) => m[1].split(" "))];
    expect(all.length).toBeGreaterThan(15);
    for (const k of all) expect(N8N_ENV).toContain(k);
  });
  it("bo: on the primary, listening on the service address, metrics on, telemetry off", () => {
    const env = Object.fromEntries(renderN8nSettings(n8n(load("bo")), load("bo")));
    expect(env).toMatchObject({ DB_TYPE: "postgresdb", N8N_LISTEN_ADDRESS: "192.168.9.41", N8N_PORT: "5678", N8N_EDITOR_BASE_URL: "http://192.168.9.41:5678/", N8N_METRICS: "true", N8N_DIAGNOSTICS_ENABLED: "false", GENERIC_TIMEZONE: "America/Chicago" });
  });
  it("without a database on the primary (orion's n8n), n8n's SQLite", () => {
    const inv = raw("bo");
    delete inv.services.find((x: any) => x.name === "n8n").app.database;
    expect(Object.fromEntries(renderN8nSettings(n8n(load("bo", inv)), load("bo"))).DB_TYPE).toBe("sqlite");
    expect(appPlanOf(n8n(load("bo", inv)), load("bo"))!.database).toBeUndefined();
  });
  it("OIDC login (an enterprise feature, decision 51) is switched on only with `licensed: true`; the client is declared either way", () => {
    const off = Object.fromEntries(renderN8nSettings(n8n(load("bo")), load("bo")));
    expect(off.N8N_SSO_OIDC_LOGIN_ENABLED).toBeUndefined();
    expect(appPlanOf(n8n(load("bo")), load("bo"))!.oidc?.clientId).toBe("n8n");
    const on = Object.fromEntries(renderN8nSettings(n8n(withApp({ licensed: true })), load("bo")));
    expect(on).toMatchObject({ N8N_SSO_MANAGED_BY_ENV: "true", N8N_SSO_OIDC_LOGIN_ENABLED: "true", N8N_SSO_OIDC_CLIENT_ID: "n8n" });
    expect(appPlanOf(n8n(withApp({ licensed: true })), load("bo"))!.script).toContain("OIDC_LOGIN=1");
  });
});

describe("the n8n plan", () => {
  const bo = load("bo");
  const p = appPlanOf(n8n(bo), bo)!;
  it("pins n8n by the registry's sha512 integrity and Node.js by its published sha256", () => {
    expect(N8N_RELEASE.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    expect(NODE_RELEASE.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(p.script).toContain(`N8N_INTEGRITY=${N8N_RELEASE.integrity}`);
    expect(p.script).toContain(`NODE_SHA256=${NODE_RELEASE.sha256}`);
    expect(p.version).toBe("2.41.1 (node 24.11.1)");
  });
  it("health /healthz/readiness (n8n 2.41.1 dist/abstract-server.js: 200 only once migrated), metrics /metrics on its port, encryption key kept protected", () => {
    expect(p.health.url).toBe("http://192.168.9.41:5678/healthz/readiness");
    expect(p.metrics).toEqual([{ job: "n8n", port: 5678, scheme: "http", path: "/metrics" }]);
    expect(p.secrets).toEqual([{ env: "N8N_ENCRYPTION_KEY", length: 48, protect: true }]);
    expect(appContractProblems(n8n(bo), p)).toEqual([]);
  });
  it("no secret in the rendered settings or the script text", () => {
    expect(p.config[0].text).not.toMatch(/PASSWORD|ENCRYPTION_KEY|CLIENT_SECRET/);
    expect(p.script).toContain("put_env_file /etc/n8n/secrets.env");
  });
});

describe("contract: n8n, the authentik blueprint and the PostgreSQL primary agree", () => {
  const o = () => {
    const sites = ["bo", "bh", "ep"].map((n) => load(n));
    return organisationOf(sites[0], sites.slice(1));
  };
  it("the client's redirect URI is n8n's callback on its editor base URL", () => {
    const c = oidcClients(o()).find((x) => x.oidc.clientId === "n8n")!;
    const base = Object.fromEntries(renderN8nSettings(n8n(o()[0]), o()[0])).N8N_EDITOR_BASE_URL;
    expect(c.oidc.redirectUris).toEqual([n8nRedirectUri(base)]);
    expect(c.oidc.launchUrl).toBe(base);
  });
  it("its database exists on the primary, reachable from its address only", () => {
    const org = o();
    const db = primaryDatabases(org, activeApp(org[0], "postgres-primary")!).find((d) => d.name === "n8n");
    expect(db).toEqual({ name: "n8n", clients: ["192.168.9.41/32"] });
  });
});
