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
  it("agrees with its service", () => {
    expect(appContractProblems(svc(site, "adguard"), p)).toEqual([]);
  });
  // Decision 332: v0.107.79's AdGuardHome_linux_amd64.tar.gz (the release whose keys are checked above)
  // at the sha256 that independent public pins carry identically (a Homebrew-style formula, an AUR
  // PKGBUILD's sha256sums_x86_64, install scripts that also agree on the arm64 archive 3f7893c1…, and
  // audit notes stating that the release's checksums.txt lists the same digest).
  it("the committed release: v0.107.79's linux_amd64 archive by its published sha256", () => {
    expect(p.version).toBe("0.107.79");
    expect(p.source).toEqual({
      type: "release",
      version: "0.107.79",
      url: "https://github.com/AdguardTeam/AdGuardHome/releases/download/v0.107.79/AdGuardHome_linux_amd64.tar.gz",
      sha256: "c48f4a43000665484c5ec28177de11a004759b620dae8f77b2aabefc9ef3687f",
    });
  });
  it("without a release it is unpinned and the install stops naming the setting", () => {
    const inv = raw("ryzen9");
    inv.services.find((x: any) => x.name === "adguard").app = { kind: "adguard-home" };
    const site2 = load("ryzen9", inv);
    const u = appPlanOf(svc(site2, "adguard"), site2)!;
    expect(u.version).toBe("unpinned");
    expect(u.script).toContain("ADGUARD_HINT='set app.release of service \"adguard\"");
  });
});
