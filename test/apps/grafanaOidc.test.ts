/**
 * Grafana's login through authentik (issue 11 item 4, decision 141): its client is declared like an
 * app module's and reaches the blueprint through the same derivation (components/apps/oidc.ts); the
 * grafana.ini it renders uses only keys of Grafana's conf/defaults.ini and agrees with that client.
 */
import { loadInventory, Site } from "../../components/inventory/load";
import { identityProviderUrl, oidcClients, oidcIssuer } from "../../components/apps/oidc";
import { organisationOf, activeApp } from "../../components/inventory/org";
import { grafanaOidc, grafanaRootUrl, renderGrafanaIni } from "../../components/monitoring/render/grafana";
import { renderGrafanaSetup } from "../../components/monitoring/grafana";
import { stackDocument } from "../helpers/inventory";

const doc = (site: string) => stackDocument(site).config;
const load = (site: string, inv = doc(site)["homelab:inventory"]): Site => loadInventory(site, inv, Number(doc(site)["homelab:phase"]));
const org = (bo = load("bo")) => organisationOf(bo, [load("bh"), load("ep")]);

/** grafana.ini sections and keys as Grafana reads them (a key under the wrong section is ignored). */
function parseIni(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section = "";
  for (const line of text.split("\n")) {
    if (/^\s*([;#].*)?$/.test(line)) continue;
    const sec = /^\[(.+)\]$/.exec(line.trim());
    if (sec) {
      section = sec[1];
      out[section] = {};
      continue;
    }
    const kv = /^([a-z_]+)\s*=\s*(.*)$/.exec(line);
    if (!kv) throw new Error(`not a grafana.ini line: ${line}`);
    out[section][kv[1]] = kv[2];
  }
  return out;
}

/** Keys of grafana/grafana conf/defaults.ini in the two auth sections grafana.ini writes. */
const DEFAULTS_INI: Record<string, string[]> = {
  auth: ["login_cookie_name", "disable_login_form", "disable_signout_menu", "signout_redirect_url", "oauth_auto_login", "oauth_state_cookie_max_age"],
  "auth.generic_oauth": ["name", "icon", "enabled", "allow_sign_up", "client_id", "client_secret", "scopes", "empty_scopes", "email_attribute_name", "email_attribute_path", "login_attribute_path", "name_attribute_path", "role_attribute_path", "role_attribute_strict", "groups_attribute_path", "id_token_attribute_name", "team_ids_attribute_path", "auth_url", "token_url", "api_url", "teams_url", "allowed_domains", "team_ids", "allowed_organizations", "tls_skip_verify_insecure", "tls_client_cert", "tls_client_key", "tls_client_ca", "use_pkce", "auth_style", "allow_assign_grafana_admin"],
};

describe("Grafana's OIDC client", () => {
  const o = org();
  const svc = activeApp(o[0], "grafana")!;
  const client = grafanaOidc(svc)!;
  const ini = parseIni(renderGrafanaIni({ domain: "bo.apiary.internal", rootUrl: grafanaRootUrl(svc.ipv4!), dataDir: "/var/lib/grafana", oidc: { authentikUrl: identityProviderUrl(o)!, slug: client.clientId, clientId: client.clientId } }));

  it("is one of the organisation's clients, derived like the modules' (no per-app blueprint block)", () => {
    expect(oidcClients(o).find((c) => c.oidc.clientId === "grafana")!.oidc).toEqual(client);
  });
  it("its redirect URI is Grafana's generic OAuth callback on the root URL grafana.ini states", () => {
    expect(client.redirectUris).toEqual([`${ini.server.root_url}login/generic_oauth`]);
    expect(client.launchUrl).toBe(ini.server.root_url);
  });
  it("grafana.ini uses only defaults.ini keys in the auth sections, and never holds the secret", () => {
    for (const section of ["auth", "auth.generic_oauth"]) for (const k of Object.keys(ini[section])) expect(DEFAULTS_INI[section]).toContain(k);
    expect(ini["auth.generic_oauth"].client_secret).toBeUndefined();
    expect(ini["auth.generic_oauth"]).toMatchObject({ enabled: "true", client_id: "grafana", auth_url: "https://192.168.9.30:9443/application/o/authorize/", tls_client_ca: "/etc/grafana/homelab-ca.pem" });
    expect(ini.auth.signout_redirect_url).toBe(`${oidcIssuer(o, "grafana")}end-session/`);
  });
  it("the setup gets the secret as GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET on stdin, into the root-only env file", () => {
    const s = renderGrafanaSetup({ address: svc.ipv4!, domain: "bo.apiary.internal", dataDir: "/var/lib/grafana", prometheusUrl: "http://192.168.9.23:9090", version: "12.4.3", oidc: { authentikUrl: identityProviderUrl(o)!, slug: "grafana", clientId: "grafana" } });
    expect(s).toContain("OIDC=1");
    expect(s).toContain("vars+=(GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET)");
  });
  it("no client when the service turns sso off", () => {
    const inv = doc("bo")["homelab:inventory"];
    inv.services.find((s: any) => s.name === "grafana").app = { kind: "grafana", sso: false };
    const o2 = org(load("bo", inv));
    expect(oidcClients(o2).map((c) => c.oidc.clientId)).not.toContain("grafana");
  });
});
