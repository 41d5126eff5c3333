/**
 * The site's router (app `router`, VM 200 at orion): installs the configuration rendered from the
 * inventory (components/router/render) on the VM over SSH as its cloud-init user with sudo, by the
 * site's one SSH rule. One idempotent script: files are put only when they differ, each is checked
 * by its tool, and a service restarts only when its own file changed (scripts/router-apply.sh).
 */
import * as pulumi from "@pulumi/pulumi";
import type { ResolvedService, Site } from "../inventory/load";
import type { GuestConnection } from "../remote/script";
import { remoteScript } from "../remote/script";
import { putText, readScript, shellScript } from "../shell";
import { renderRouter, RouterConfig, ROUTER_PATHS } from "./render";
import { METRICS_SCRIPT, renderAddressesUnit, renderMetricsUnits } from "./render/units";

/** Arguments of {@link Router}. */
export interface RouterArgs {
  site: Site;
  service: ResolvedService;
  /** SSH to the VM as its cloud-init user (`ctx.ssh(address, "debian")`). */
  connection: pulumi.Input<GuestConnection>;
  /** The VM (created and booted first). */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** Pure: the install script of a rendered router configuration. */
export function renderRouterInstall(c: RouterConfig): string {
  const m = c.model;
  const file = (flag: string, dest: string, mode: string, owner: string, text: string) => [...putText(dest, mode, owner, text), `if put_changed; then ${flag}=1; fi`];
  const metrics = renderMetricsUnits(m);
  const body = [
    `ensure_packages nftables dnsmasq radvd${c.bird ? " bird2" : ""}`,
    ...file("SYSCTL_CHANGED", ROUTER_PATHS.sysctl, "0644", "root:root", c.sysctl),
    ...file("ADDR_CHANGED", "/etc/systemd/system/homelab-router-addresses.service", "0644", "root:root", renderAddressesUnit(m)),
    ...file("NFT_CHANGED", ROUTER_PATHS.nftables, "0644", "root:root", c.nftables),
    ...file("DNSMASQ_CHANGED", ROUTER_PATHS.dnsmasq, "0644", "root:root", c.dnsmasq),
    ...file("RADVD_CHANGED", ROUTER_PATHS.radvd, "0644", "root:root", c.radvd),
    ...(c.bird && metrics
      ? [
          ...file("BIRD_CHANGED", ROUTER_PATHS.bird, "0640", "bird:bird", c.bird),
          ...file("METRICS_CHANGED", METRICS_SCRIPT, "0755", "root:root", readScript(__dirname, "scripts/bird-metrics.sh")),
          ...file("METRICS_CHANGED", "/etc/systemd/system/homelab-bird-metrics.service", "0644", "root:root", metrics.service),
          ...file("METRICS_CHANGED", "/etc/systemd/system/homelab-bird-metrics.timer", "0644", "root:root", metrics.timer),
        ]
      : []),
    readScript(__dirname, "scripts/router-apply.sh"),
  ];
  return shellScript({
    title: `router ${m.router} of site ${m.site}: nftables, dnsmasq, radvd${c.bird ? ", BIRD2" : ""}`,
    source: "components/router/router.ts",
    logTag: "router",
    env: { IFACES: [m.upstream.iface, ...m.zones.map((z) => z.iface)], BGP: !!c.bird, NFT_CHANGED: 0, DNSMASQ_CHANGED: 0, RADVD_CHANGED: 0, BIRD_CHANGED: 0, SYSCTL_CHANGED: 0, ADDR_CHANGED: 0, METRICS_CHANGED: 0 },
    body,
  });
}

/** The router's configuration, installed. */
export class Router extends pulumi.ComponentResource {
  /** The rendered configuration (its model feeds the plan's `router` output). */
  readonly config: RouterConfig;

  constructor(name: string, a: RouterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:router:Router", name, {}, opts);
    this.config = renderRouter(a.site, a.service);
    remoteScript(`${name}-install`, { connection: a.connection, script: renderRouterInstall(this.config), sudo: true }, { parent: this, dependsOn: a.dependsOn });
    this.registerOutputs({});
  }
}
