/**
 * Grafana beside Prometheus (issue 14 item 2; seed 002 LXC 9 "Grafana + Prometheus"): the Prometheus
 * guest whose app has the `grafana` setting runs the same Grafana as a separate `grafana` guest does
 * (components/monitoring/grafana.ts), with the Prometheus and Loki datasources and its login through the
 * site's authentik; behind Traefik the browser-facing URLs are the routes, the back channel stays direct.
 * Grafana's keys are held to grafana/grafana conf/defaults.ini in test/apps/grafanaOidc.test.ts.
 */
import * as YAML from "yaml";
import { committedInventory, committedPhase, serviceIndex } from "../helpers/inventory";
import { renderSite } from "../helpers/render";
import { loadInventory } from "../../components/inventory/load";
import { organisationOf } from "../../components/inventory/org";
import { oidcClients } from "../../components/apps/oidc";
import { grafanaServiceOf } from "../../components/monitoring/render/grafana";

/** The text `put '<dest>' …` writes (a quoted heredoc, components/shell putText). */
function putBody(script: string, dest: string): string {
  const re = new RegExp(`^put '?${dest.replace(/[/.]/g, "\\$&")}'? \\S+ \\S+ <<'([A-Z_0-9]+)'\\n([\\s\\S]*?)\\n\\1$`, "m");
  const m = re.exec(script);
  if (!m) throw new Error(`no put of ${dest}`);
  return m[2];
}

const ini = (text: string, section: string, key: string) => {
  const part = text.split(/^\[/m).find((p) => p.startsWith(`${section}]`)) ?? "";
  return new RegExp(`^${key} = (.*)$`, "m").exec(part)?.[1];
};

describe("ryzen9: Grafana on the Prometheus guest", () => {
  const site = loadInventory("ryzen9", committedInventory("ryzen9"), committedPhase("ryzen9"));

  it("the Prometheus guest with the grafana setting is the site's Grafana; its client's callback is on its Traefik route", () => {
    const g = grafanaServiceOf(site)!;
    expect([g.name, g.app?.kind]).toEqual(["monitoring", "prometheus"]);
    const client = oidcClients(organisationOf(site, [])).find((c) => c.oidc.clientId === "grafana")!;
    expect(client.service.name).toBe("monitoring");
    // Grafana's OAuth callback is /login/generic_oauth under root_url (pkg/api/api.go `/login/:name`).
    expect(client.oidc.redirectUris).toEqual(["https://monitoring.homelab.internal/login/generic_oauth"]);
  });

  it("renders grafana.ini (browser URLs through Traefik, back channel direct) and both datasources", async () => {
    const r = await renderSite("ryzen9");
    const setup = String(r.resources.find((x) => x.name === "ryzen9-monitoring-grafana-setup")!.props.create);
    const gi = putBody(setup, "/etc/grafana/grafana.ini");
    expect(ini(gi, "server", "root_url")).toBe("https://monitoring.homelab.internal/");
    expect(ini(gi, "paths", "data")).toBe("/var/lib/grafana");
    expect(ini(gi, "auth.generic_oauth", "auth_url")).toBe("https://authentik.homelab.internal/application/o/authorize/");
    expect(ini(gi, "auth.generic_oauth", "token_url")).toBe("https://10.0.30.13:9443/application/o/token/");
    expect(ini(gi, "auth.generic_oauth", "api_url")).toBe("https://10.0.30.13:9443/application/o/userinfo/");
    expect(ini(gi, "auth", "signout_redirect_url")).toBe("https://authentik.homelab.internal/application/o/grafana/end-session/");
    const ds = YAML.parse(putBody(setup, "/etc/grafana/provisioning/datasources/homelab.yaml")).datasources;
    expect(ds.map((d: any) => [d.type, d.url])).toEqual([
      ["prometheus", "http://10.0.30.20:9090"],
      ["loki", "http://10.0.30.21:3100"],
    ]);
    // The monitoring guest may call authentik's HTTPS port (its port list admits it), so the back channel works.
    const ak = site.services.find((s) => s.name === "authentik")!;
    expect(ak.ports.find((p) => p.port === 9443)!.from).toContain("monitoring");
    // It runs after the Prometheus setup on the same guest (never two apt runs at once).
    const grafanaDeps = r.resources.find((x) => x.name === "ryzen9-monitoring-grafana-setup")!.dependencies;
    const promSetup = r.resources.filter((x) => x.name.startsWith("ryzen9-monitoring-prometheus")).map((x) => x.urn);
    expect(grafanaDeps.some((u) => promSetup.includes(u))).toBe(true);
    // Grafana's port is probed like every other port.
    const prom = String(r.resources.find((x) => x.type === "command:remote:Command" && x.name.startsWith("ryzen9-monitoring-prometheus"))!.props.create);
    expect(prom).toContain("10.0.30.20:3000");
  }, 120000);

  it("no Grafana on a Prometheus guest without the setting", async () => {
    const inv = committedInventory("ryzen9");
    inv.services[serviceIndex(inv, "monitoring")].app = { kind: "prometheus" };
    const r = await renderSite("ryzen9", { inventory: inv });
    expect(r.resources.some((x) => x.name.endsWith("-grafana-setup"))).toBe(false);
    expect(r.resources.some((x) => x.name === "ryzen9-authentik-grafana-client-secret")).toBe(false);
  }, 120000);
});
