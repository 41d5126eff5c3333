/**
 * The router's whole configuration, rendered from a site's inventory (pure; components/router
 * installs it, test/real/router.test.ts runs it in network namespaces).
 */
import type { ResolvedService, Site } from "../../inventory/load";
import { routerModel, RouterModel } from "./model";
import { renderNftables } from "./nftables";
import { renderDnsmasq, renderRadvd, renderSysctl } from "./services";
import { BGP_PROTOCOL, renderBird } from "./bird";

export { routerModel, routerService, defaultInterface } from "./model";
export type { RouterModel, Zone, Forward, Bgp } from "./model";
export { BGP_PROTOCOL } from "./bird";

/** Where each file goes on the router. */
export const ROUTER_PATHS = {
  nftables: "/etc/nftables.conf",
  dnsmasq: "/etc/dnsmasq.d/homelab.conf",
  radvd: "/etc/radvd.conf",
  bird: "/etc/bird/bird.conf",
  sysctl: "/etc/sysctl.d/90-homelab-router.conf",
} as const;

/** The rendered files. `bird` is absent on a site without BGP. */
export interface RouterConfig {
  readonly model: RouterModel;
  readonly nftables: string;
  readonly dnsmasq: string;
  readonly radvd: string;
  readonly bird?: string;
  readonly sysctl: string;
}

/** Every file of router `service` at `site`. */
export function renderRouter(site: Site, service: ResolvedService): RouterConfig {
  const model = routerModel(site, service);
  return { model, nftables: renderNftables(model), dnsmasq: renderDnsmasq(model), radvd: renderRadvd(model), bird: renderBird(model), sysctl: renderSysctl(model) };
}

/** The readable policy `plan` shows (output `router`). */
export function routerSummary(m: RouterModel): Record<string, unknown> {
  const zone = (z: RouterModel["zones"][number]) =>
    [`${z.name} (${z.iface})`, z.ipv4 && `${z.ipv4.text} via ${z.gateway4}`, z.ipv6 && `${z.ipv6.text} by RA`, z.dhcp && `DHCP ${z.dhcp.start}–${z.dhcp.end}`, z.management ? "management" : "isolated from management"]
      .filter(Boolean)
      .join(", ");
  return {
    service: m.router,
    zones: [`${m.upstream.name} (${m.upstream.iface}): upstream, inbound denied`, ...m.zones.map(zone)],
    forwarding: [...m.zones.map((z) => `${z.name} → ${m.upstream.name}`), "no zone reaches another zone", ...m.zones.filter((z) => !z.management).map((z) => `${z.name} ↛ management`)],
    management: { ssh: [...m.zones.filter((z) => z.management).map((z) => z.name), ...m.managementPrefixes.map((p) => p.text)] },
    nat: m.zones.filter((z) => z.ipv4).map((z) => `${z.ipv4!.text} masqueraded on ${m.upstream.name}`),
    forwards: m.forwards.length
      ? m.forwards.map((f) => `${m.upstream.name} ${f.protocol}/${f.port} → ${f.service}${f.ipv4 ? ` ${f.ipv4}:${f.port}` : ""}${f.ipv6 ? ` [${f.ipv6}]:${f.port}` : ""}`)
      : "none (no service in a zone of the router has a port from any)",
    dns: m.domain ? `${m.domain}: ${m.dns.length} records` : "no domain",
    bgp: m.bgp
      ? {
          session: `AS${m.bgp.asn} → AS${m.bgp.peerAsn} (${BGP_PROTOCOL}) ${m.bgp.neighbor ? `neighbour ${m.bgp.neighbor}` : "disabled: no neighbour address yet"}`,
          announced: [m.bgp.aggregate.text],
          accepted: ["::/0"],
        }
      : "none",
  };
}
