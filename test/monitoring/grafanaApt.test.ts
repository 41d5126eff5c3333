/**
 * Grafana from Grafana's apt repository (decisions 380–384): on bo's `grafana` guest and beside
 * ryzen9's Prometheus the setup installs the `grafana` package at the inventory's pinned version and
 * holds it, through the same repository code as Loki and Alloy (components/monitoring/grafanaApt.ts
 * → components/shell/vendor-apt.sh, run for real in test/real/grafana-apt.test.ts); no operator-supplied
 * .deb and no config key are needed. The apt version of Grafana OSS is the release without a Debian
 * revision (`grafana=12.4.3`, as public installs from apt.grafana.com pin it; decision 380).
 */
import { committedInventory, committedPhase, serviceIndex } from "../helpers/inventory";
import { renderSite } from "../helpers/render";
import { loadInventory } from "../../components/inventory/load";
import { GRAFANA_APT, renderAlloySetup } from "../../components/monitoring/logs";
import { grafanaServiceOf, grafanaSettingsOf } from "../../components/monitoring/render/grafana";
import { renderGrafanaSetup } from "../../components/monitoring/grafana";

/** The VENDOR_APT_* assignments of a rendered script, in order. */
const vendorEnv = (script: string) => script.split("\n").filter((l) => l.startsWith("VENDOR_APT_"));

const setupOf = async (site: string, name: string) => String((await renderSite(site)).resources.find((x) => x.name === name)!.props.create);

describe("Grafana's package", () => {
  it.each([
    ["bo", "bo-grafana-grafana-setup"],
    ["ryzen9", "ryzen9-monitoring-grafana-setup"],
  ])("%s: installs grafana=<pinned version> from apt.grafana.com, held, before anything needs its user", async (site, name) => {
    const setup = await setupOf(site, name);
    expect(setup).toMatch(/^GRAFANA_VERSION=12\.4\.3$/m);
    expect(setup).toContain('vendor_apt_install grafana "$GRAFANA_VERSION"');
    expect(setup).toContain('apt-mark hold "$pkg"');
    expect(setup).toMatch(/^VENDOR_APT_KEY_FPR=B53AE77BADB630A683046005963FA27710458545$/m);
    expect(setup).toMatch(/^VENDOR_APT_SOURCE='https:\/\/apt\.grafana\.com stable main'$/m);
    // The package creates the grafana user and group the data directory and secrets are given to.
    const install = setup.search(/^vendor_apt_install grafana "\$GRAFANA_VERSION"$/m);
    expect(install).toBeGreaterThan(0);
    expect(install).toBeLessThan(setup.search(/^install -d -o grafana -g grafana /m));
    expect(install).toBeLessThan(setup.search(/^put\b.* root:grafana /m));
    // No operator-supplied .deb any more.
    expect(setup).not.toMatch(/GRAFANA_URL|GRAFANA_SHA256|grafanaPackage|\.deb/);
  });

  it("uses the very repository, key and source line Loki's Alloy agents use (one code path)", () => {
    const grafana = renderGrafanaSetup({ address: "198.51.100.9", domain: "example.internal", dataDir: "/var/lib/grafana", prometheusUrl: "http://198.51.100.9:9090", version: "12.4.3" });
    const alloy = renderAlloySetup({ version: "1.18.1-1", lokiUrl: "http://198.51.100.21:3100/loki/api/v1/push", site: "test", instance: "guest" });
    expect(vendorEnv(grafana)).toHaveLength(5);
    expect(vendorEnv(grafana)).toEqual(vendorEnv(alloy));
    expect(vendorEnv(grafana)).toContain(`VENDOR_APT_KEY_URL=${GRAFANA_APT.keyUrl}`);
    const fn = (s: string) => s.slice(s.indexOf("vendor_key_fpr()"), s.indexOf("\n}\n", s.indexOf("vendor_apt_install()")));
    expect(fn(grafana)).toBe(fn(alloy));
  });

  it("takes the version from the app's setting, on a grafana guest and beside Prometheus", () => {
    const bo = committedInventory("bo");
    bo.services[serviceIndex(bo, "grafana")].app = { kind: "grafana", version: "12.4.2" };
    expect(grafanaSettingsOf(grafanaServiceOf(loadInventory("bo", bo, committedPhase("bo")))!)).toEqual({ sso: true, version: "12.4.2" });
    const r9 = committedInventory("ryzen9");
    r9.services[serviceIndex(r9, "monitoring")].app.grafana.version = "12.4.2";
    expect(grafanaSettingsOf(grafanaServiceOf(loadInventory("ryzen9", r9, committedPhase("ryzen9")))!)?.version).toBe("12.4.2");
    expect(renderGrafanaSetup({ address: "198.51.100.9", domain: "example.internal", dataDir: "/var/lib/grafana", prometheusUrl: "http://198.51.100.9:9090", version: "12.4.2" })).toMatch(/^GRAFANA_VERSION=12\.4\.2$/m);
  });

  it("refuses a version that is not a release, in one line naming site, key path and value", () => {
    const bo = committedInventory("bo");
    const i = serviceIndex(bo, "grafana");
    bo.services[i].app = { kind: "grafana", version: "12.4" };
    expect(() => loadInventory("bo", bo, committedPhase("bo"))).toThrow(`homelab: site "bo": inventory.services[${i}].app.version = "12.4": must be a Grafana release like 12.4.3`);
  });

  it("a stack that still sets the removed homelab:grafanaPackage gets a warning naming it; the install is the apt one", async () => {
    const r = await renderSite("bo", { config: { "homelab:grafanaPackage": JSON.stringify({ url: "https://example.invalid/grafana.deb", sha256: "0".repeat(64) }) } });
    expect(r.logs.filter((l) => l.includes("homelab:grafanaPackage is no longer read"))).toHaveLength(1);
    expect(r.logs.join("\n")).toContain('site "bo"');
    const setup = String(r.resources.find((x) => x.name === "bo-grafana-grafana-setup")!.props.create);
    expect(setup).toContain('vendor_apt_install grafana "$GRAFANA_VERSION"');
    expect(setup).not.toContain("example.invalid");
  });
});
