/**
 * Issue 14's done-when, end to end through the stack program (the render helpers, as `plan` renders):
 * a service added to ryzen9's inventory with an HTTP port open to Traefik, and no other edit, gets
 *   1. a Traefik route (router + service in the dynamic configuration the install writes),
 *   2. an AdGuard Home DNS rewrite of its name to Traefik,
 *   3. an SSO gate: the router's forward-auth middleware at authentik's embedded outpost, and the
 *      blueprint's domain-level proxy provider (served by that outpost) covering its host,
 *   4. a monitor: a blackbox probe of its port in Prometheus's configuration.
 * Upstream facts each assertion leans on are cited where they are used.
 */
import * as YAML from "yaml";
import { committedInventory } from "../helpers/inventory";
import { renderSite } from "../helpers/render";
import type { RenderResult } from "../../scripts/lib/offline";

/** The value of `NAME='…'` in a rendered script's environment block (components/shell envBlock/shq quoting). */
function envValue(script: string, name: string): string {
  const m = new RegExp(`^${name}='((?:[^']|'\\\\'')*)'$`, "ms").exec(script);
  if (!m) throw new Error(`no ${name} in the script`);
  return m[1].replace(/'\\''/g, "'");
}

/** authentik's custom tags, kept as plain markers so the blueprint parses. */
const customTags: YAML.Tags = [
  { tag: "!Find", collection: "seq", resolve: (seq: any) => ({ $find: seq.toJSON() }) } as any,
  { tag: "!KeyOf", resolve: (s: string) => ({ $keyOf: s }) } as any,
  { tag: "!Env", resolve: (s: string) => ({ $env: s }) } as any,
];

const create = (r: RenderResult, name: string) => {
  const res = r.resources.find((x) => x.name === name);
  if (!res) throw new Error(`no resource ${name}`);
  return String(res.props.create);
};

const WIKI = { name: "wiki", description: "a wiki (added by the test)", kind: "lxc", host: "ryzen9", vmid: 120, network: "apps", ipv4: "10.0.40.20", cores: 1, memoryMiB: 512, diskGiB: 8, ports: [{ port: 3000, from: ["traefik"], description: "wiki UI" }], phase: 3 };

describe("issue 14: a service added to ryzen9 with an HTTP port, and no other edit", () => {
  let before: RenderResult;
  let after: RenderResult;
  beforeAll(async () => {
    before = await renderSite("ryzen9");
    const inv = committedInventory("ryzen9");
    inv.services.push(WIKI);
    after = await renderSite("ryzen9", { inventory: inv });
  }, 240000);

  it("gets a Traefik route to its port, gated by the authentik middleware", () => {
    const dyn = YAML.parse(envValue(create(after, "ryzen9-traefik-app-install"), "DYNAMIC_TEXT"));
    expect(dyn.http.routers.wiki).toEqual({ rule: 'Host("wiki.homelab.internal")', entryPoints: ["websecure"], service: "wiki", middlewares: ["authentik"], tls: {} });
    expect(dyn.http.services.wiki.loadBalancer.servers).toEqual([{ url: "http://10.0.40.20:3000" }]);
    // The route did not exist before the edit.
    const old = YAML.parse(envValue(create(before, "ryzen9-traefik-app-install"), "DYNAMIC_TEXT"));
    expect(old.http.routers.wiki).toBeUndefined();
  });

  it("gets an AdGuard Home rewrite of its name to Traefik", () => {
    const conf = YAML.parse(envValue(create(after, "ryzen9-adguard-app-install"), "CONF_TEXT"));
    expect(conf.filtering.rewrites).toEqual(expect.arrayContaining([{ domain: "wiki.homelab.internal", answer: "10.0.30.10", enabled: true }]));
    const old = YAML.parse(envValue(create(before, "ryzen9-adguard-app-install"), "CONF_TEXT"));
    expect(old.filtering.rewrites.some((r: any) => r.domain === "wiki.homelab.internal")).toBe(false);
  });

  it("is gated by authentik's forward auth: the embedded outpost's Traefik endpoint and a domain-level provider covering its host", () => {
    const dyn = YAML.parse(envValue(create(after, "ryzen9-traefik-app-install"), "DYNAMIC_TEXT"));
    // goauthentik/authentik internal/outpost/proxyv2/application/mode_forward.go registers
    // /outpost.goauthentik.io/auth/traefik; the embedded outpost answers on the server's HTTP port 9000.
    expect(dyn.http.middlewares.authentik.forwardAuth.address).toBe("http://10.0.30.13:9000/outpost.goauthentik.io/auth/traefik");
    const bp = YAML.parse(envValue(create(after, "ryzen9-authentik-install"), "AK_BLUEPRINT_TEXT"), { customTags });
    const provider = bp.entries.find((e: any) => e.model === "authentik_providers_proxy.proxyprovider");
    expect(provider.attrs.mode).toBe("forward_domain");
    // internal/outpost/proxyv2/handlers.go lookupApp: a forward_domain app serves every host ending with its cookie domain.
    expect("wiki.homelab.internal".endsWith(provider.attrs.cookie_domain)).toBe(true);
    const outpost = bp.entries.find((e: any) => e.model === "authentik_outposts.outpost");
    expect(outpost.identifiers).toEqual({ managed: "goauthentik.io/outposts/embedded" });
    expect(outpost.attrs.providers).toEqual([{ $keyOf: provider.id }]);
    const app = bp.entries.find((e: any) => e.model === "authentik_core.application" && e.attrs.provider?.$keyOf === provider.id);
    expect(app).toBeDefined();
  });

  it("a site without Traefik (bo) keeps a blueprint without forward auth", async () => {
    const bo = await renderSite("bo");
    const bp = envValue(create(bo, "bo-authentik-install"), "AK_BLUEPRINT_TEXT");
    expect(bp).not.toContain("authentik_providers_proxy.proxyprovider");
    expect(bp).not.toContain("authentik_outposts.outpost");
  }, 120000);

  it("gets a blackbox probe of its port from Prometheus (the guest's firewall admits the Prometheus guest)", () => {
    const prom = after.resources.find((x) => x.type === "command:remote:Command" && x.name.startsWith("ryzen9-monitoring-prometheus"))!;
    expect(String(prom.props.create)).toContain("10.0.40.20:3000");
    const old = before.resources.find((x) => x.name === prom.name)!;
    expect(String(old.props.create)).not.toContain("10.0.40.20:3000");
  });
});
