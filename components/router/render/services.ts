/**
 * dnsmasq (DHCP and DNS), radvd (router advertisements) and the sysctl file of the router, rendered
 * from the {@link RouterModel}.
 *
 * dnsmasq 2.90 (Debian bookworm, dnsmasq(8)): `interface=`, `bind-dynamic`, `domain=`, `local=`,
 * `dhcp-range=set:TAG,START,END,MASK,LEASE`, `dhcp-option=tag:TAG,option:router,ADDR`,
 * `host-record=NAME[,NAME…],ADDR[,ADDR…]`, `dhcp-authoritative`, `domain-needed`, `bogus-priv`.
 * No static leases: the inventory holds no MAC addresses, and every static address is configured
 * in its guest (cloud-init, the LXC config); DHCP scopes exclude them (the loader checks it).
 *
 * radvd 2.19 (radvd.conf(5)): `interface IF { AdvSendAdvert on; prefix P/64 { AdvOnLink on;
 * AdvAutonomous on; }; RDNSS ADDR { }; DNSSL DOMAIN { }; };`.
 */
import type { RouterModel } from "./model";

/** The DHCP lease time. */
export const LEASE_TIME = "12h";

function mask(length: number): string {
  const bits = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 0xff).join(".");
}

/** /etc/dnsmasq.d/homelab.conf. */
export function renderDnsmasq(m: RouterModel): string {
  const out = [`# Managed by homelab (components/router/render/services.ts): DHCP and DNS of site ${m.site}.`, "bind-dynamic", "domain-needed", "bogus-priv", "dhcp-authoritative"];
  for (const z of m.zones) out.push(`interface=${z.iface}`);
  out.push(`no-dhcp-interface=${m.upstream.iface}`);
  if (m.domain) out.push(`domain=${m.domain}`, `local=/${m.domain}/`, "expand-hosts");
  for (const z of m.zones) {
    if (!z.dhcp || !z.ipv4) continue;
    out.push(
      "",
      `# ${z.name}`,
      `dhcp-range=set:${z.name},${z.dhcp.start},${z.dhcp.end},${mask(z.ipv4.length)},${LEASE_TIME}`,
      ...(z.gateway4 ? [`dhcp-option=tag:${z.name},option:router,${z.gateway4}`, `dhcp-option=tag:${z.name},option:dns-server,${z.gateway4}`] : []),
      ...(m.domain ? [`dhcp-option=tag:${z.name},option:domain-name,${m.domain}`] : []),
    );
  }
  if (m.domain && m.dns.length) {
    out.push("", `# records of ${m.domain}: every service with an address, every reservation`);
    for (const r of m.dns) out.push(`host-record=${r.name}.${m.domain},${r.name},${r.addresses.join(",")}`);
  }
  return out.join("\n") + "\n";
}

/** /etc/radvd.conf: one interface block per zone with an IPv6 /64 (SLAAC), the router as DNS server. */
export function renderRadvd(m: RouterModel): string {
  const out = [`# Managed by homelab (components/router/render/services.ts): router advertisements of site ${m.site}.`];
  for (const z of m.zones) {
    if (!z.ipv6) continue;
    if (z.ipv6.length !== 64) throw new Error(`homelab: site "${m.site}": router: ${z.name}'s IPv6 prefix ${z.ipv6.text} is not a /64 (SLAAC needs one)`);
    out.push(
      `interface ${z.iface} {`,
      "  AdvSendAdvert on;",
      "  MinRtrAdvInterval 30;",
      "  MaxRtrAdvInterval 100;",
      `  prefix ${z.ipv6.text} {`,
      "    AdvOnLink on;",
      "    AdvAutonomous on;",
      "  };",
      ...(z.gateway6 ? [`  RDNSS ${z.gateway6} {`, "  };"] : []),
      ...(m.domain ? [`  DNSSL ${m.domain} {`, "  };"] : []),
      "};",
    );
  }
  return out.join("\n") + "\n";
}

/** /etc/sysctl.d/90-homelab-router.conf: forwarding on, RAs still accepted on the upstream, strict reverse-path filtering. */
export function renderSysctl(m: RouterModel): string {
  return [
    `# Managed by homelab (components/router/render/services.ts): router ${m.router}.`,
    "net.ipv4.ip_forward = 1",
    "net.ipv6.conf.all.forwarding = 1",
    `net.ipv6.conf.${m.upstream.iface}.accept_ra = 2`,
    "net.ipv4.conf.all.rp_filter = 1",
    "net.ipv4.conf.default.rp_filter = 1",
    "",
  ].join("\n");
}
