/** The router component as the site program wires it (orion), and its install script. */
import { named, renderSite } from "../helpers/render";
import { renderRouter, routerService } from "../../components/router/render";
import { renderRouterInstall } from "../../components/router/router";
import { orion } from "./fixture";

describe("orion's router", () => {
  it("is installed on VM 200 as the cloud-init user with sudo, after the VM, and exported as the plan's `router`", async () => {
    const r = await renderSite("orion");
    const install = named(r, "orion-router-install", "command:remote:Command");
    expect(install.props.connection).toMatchObject({ host: "192.168.100.1", user: "debian" });
    expect(String(install.props.create)).toContain("sudo -n");
    expect(install.dependencies).toEqual(expect.arrayContaining([expect.stringMatching(/VmLegacy::orion-router$/), expect.stringMatching(/Command::orion-router-guest-agent$/)]));
    const out = r.outputs.router as any;
    expect(out.bgp.announced).toEqual(["2602:f674::/48"]);
    expect(out.nat).toHaveLength(2);
  });

  it("no router output on a site without a router app", async () => {
    const r = await renderSite("sector7");
    expect(r.outputs.router).toBeUndefined();
  });
});

describe("install script", () => {
  const site = orion();
  const c = renderRouter(site, routerService(site)!);
  const script = renderRouterInstall(c);

  it("puts every rendered file where Debian's packages read it, each with its own change flag", () => {
    for (const [flag, dest] of [
      ["NFT_CHANGED", "/etc/nftables.conf"],
      ["DNSMASQ_CHANGED", "/etc/dnsmasq.d/homelab.conf"],
      ["RADVD_CHANGED", "/etc/radvd.conf"],
      ["BIRD_CHANGED", "/etc/bird/bird.conf"],
      ["SYSCTL_CHANGED", "/etc/sysctl.d/90-homelab-router.conf"],
    ])
      expect(script).toMatch(new RegExp(`put ${dest.replace(/[./]/g, "\\$&")} [^\\n]*\\n[\\s\\S]*?\\nif put_changed; then ${flag}=1; fi`));
    expect(script).toContain(c.nftables.trimEnd());
    expect(script).toContain("ensure_packages nftables dnsmasq radvd bird2");
    expect(script).toContain("IFACES=(ens19 ens18 ens20)");
  });

  it("configures the IPv6 gateways cloud-init does not", () => {
    expect(script).toContain("ExecStart=/usr/sbin/ip -6 addr replace 2602:f674:0:2000::1/64 dev ens20");
  });
});
