/**
 * AdGuard Home (ryzen9 LXC 2): AdGuardHome.yaml rendered from the inventory and held to the keys of
 * AdguardTeam/AdGuardHome v0.107.79 (cited per list), DNS rewrites derived for every route and service,
 * upstreams from the site's other resolvers, DoT/DoH with the internal CA's certificate, and the admin
 * login from a generated secret whose bcrypt hash is made on the guest (test/real/apps-adguard.test.ts).
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadInventory, ResolvedService, Site } from "../../components/inventory/load";
import { PROJECT_ROOT } from "../../components/site/stackFiles";
import { appPlanOf } from "../../components/apps/registry";
import { appContractProblems } from "../../components/apps/contract";
import { webRoutes } from "../../components/apps/webRoutes";

const doc = (site: string) => YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${site}.yaml`), "utf8")).config;
const raw = (site: string) => doc(site)["homelab:inventory"];
const load = (site: string, inv = raw(site)): Site => loadInventory(site, inv, Number(doc(site)["homelab:phase"]));
const svc = (site: Site, name: string) => site.services.find((s) => s.name === name)! as ResolvedService;

/**
 * internal/home/config.go (configuration, httpConfig `address` (yaml.v3 lower-cases the untagged field),
 * dnsConfig, tlsConfigSettings), internal/home/auth.go (webUser), internal/dnsforward/config.go,
 * internal/filtering/filtering.go and rewrites.go, internal/configmigrate (schema_version 34).
 */
const KEYS = [
  /^http\.address$/,
  /^users\.\d+\.(name|password)$/,
  /^dns\.(port|bind_hosts\.\d+|upstream_dns\.\d+|bootstrap_dns\.\d+)$/,
  /^tls\.(enabled|server_name|force_https|port_https|port_dns_over_tls|port_dns_over_quic|certificate_path|private_key_path)$/,
  /^filtering\.(protection_enabled|filtering_enabled|rewrites_enabled)$/,
  /^filtering\.rewrites\.\d+\.(domain|answer|enabled)$/,
  /^schema_version$/,
];
const leaves = (o: unknown, prefix = ""): string[] =>
  o && typeof o === "object" ? Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => leaves(v, `${prefix}${k}.`)) : [prefix.replace(/\.$/, "")];

describe("the ryzen9 AdGuard Home plan", () => {
  const site = load("ryzen9");
  const p = appPlanOf(svc(site, "adguard"), site)!;
  const conf = YAML.parse(p.config[0].text);
  it("uses only AdGuard Home v0.107.79 keys, schema 34", () => {
    for (const k of leaves(conf)) expect([k, KEYS.some((re) => re.test(k))]).toEqual([k, true]);
    expect(conf.schema_version).toBe(34);
  });
  it("DNS on its own address; upstream is the site's other resolver (the router)", () => {
    expect(conf.dns).toMatchObject({ bind_hosts: ["10.0.30.11"], port: 53, upstream_dns: ["10.0.30.1"], bootstrap_dns: ["10.0.30.1"] });
    expect(conf.http.address).toBe("10.0.30.11:3000");
  });
  it("a rewrite for every web route's name to Traefik and every other service's name to its address", () => {
    const rw = new Map<string, string>(conf.filtering.rewrites.map((r: any) => [r.domain, r.answer]));
    for (const r of webRoutes(site)) expect([r.host, rw.get(r.host)]).toEqual([r.host, "10.0.30.10"]);
    expect(rw.get("traefik.homelab.internal")).toBe("10.0.30.10");
    expect(rw.get("postgres.homelab.internal")).toBe("10.0.20.10");
    expect(rw.get("redis.homelab.internal")).toBe("10.0.20.12");
    for (const s of site.services.filter((x) => x.ipv4)) expect(rw.has(`${s.name}.homelab.internal`)).toBe(true);
  });
  it("DoT on 853 and DoH on 443 with the internal CA's certificate for adguard.homelab.internal", () => {
    expect(conf.tls).toMatchObject({ enabled: true, server_name: "adguard.homelab.internal", port_https: 443, port_dns_over_tls: 853, force_https: false });
    expect(p.tls).toEqual({ hostname: "adguard", domain: "homelab.internal", ips: ["10.0.30.11"], extraDnsNames: [] });
  });
  it("the admin's password is a generated secret; only a placeholder for its bcrypt hash is rendered", () => {
    expect(conf.users).toEqual([{ name: "admin", password: "HOMELAB_ADMIN_BCRYPT" }]);
    expect(p.secrets).toEqual([{ env: "ADGUARD_ADMIN_PASSWORD", length: 32 }]);
  });
  it("agrees with its service; unpinned until the inventory gives the release's sha256", () => {
    expect(appContractProblems(svc(site, "adguard"), p)).toEqual([]);
    expect(p.version).toBe("unpinned");
  });
});
