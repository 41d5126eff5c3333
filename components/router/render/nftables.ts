/**
 * The router's nftables ruleset (one `inet` table, IPv4 and IPv6 under one policy), rendered from
 * the {@link RouterModel}. Syntax per nftables 1.0.6 (Debian bookworm), nft(8): `table inet`,
 * base chains `type filter hook input|forward priority filter; policy drop;`, `type nat hook
 * prerouting priority dstnat` / `postrouting priority srcnat`, `dnat ip to ADDR:PORT` in an inet
 * table, `masquerade`; `nft -c -f` accepts it (test/real/router.test.ts).
 *
 * The file flushes only its own table, so other tables on the VM are left alone.
 */
import type { Prefix } from "../../inventory/net";
import type { RouterModel, Zone } from "./model";

/** The table's name. */
export const NFT_TABLE = "homelab";

const q = (s: string) => JSON.stringify(s);
const set = (xs: readonly string[]) => (xs.length === 1 ? xs[0] : `{ ${xs.join(", ")} }`);

function prefixesOf(zones: readonly Zone[], extra: readonly Prefix[], family: "ipv4" | "ipv6"): string[] {
  return [...zones.map((z) => (family === "ipv4" ? z.ipv4 : z.ipv6)).filter((p): p is Prefix => !!p), ...extra.filter((p) => p.family === family)].map((p) => p.text);
}

/** ICMPv6 the router itself must accept (neighbour discovery, errors, echo): RFC 4890 section 4.4. */
const ICMPV6_INPUT = ["destination-unreachable", "packet-too-big", "time-exceeded", "parameter-problem", "echo-request", "nd-router-solicit", "nd-router-advert", "nd-neighbor-solicit", "nd-neighbor-advert"];
/** ICMPv6 errors forwarded regardless of zone (path MTU discovery must work): RFC 4890 section 4.3.1. */
const ICMPV6_FORWARD = ["destination-unreachable", "packet-too-big", "time-exceeded", "parameter-problem"];

/** The ruleset text. */
export function renderNftables(m: RouterModel): string {
  const wan = q(m.upstream.iface);
  const mgmtZones = m.zones.filter((z) => z.management);
  const others = m.zones.filter((z) => !z.management);
  const mgmt4 = m.managementPrefixes.filter((p) => p.family === "ipv4").map((p) => p.text);
  const mgmt6 = m.managementPrefixes.filter((p) => p.family === "ipv6").map((p) => p.text);
  const nonGuestIfaces = [m.upstream.iface, ...mgmtZones.map((z) => z.iface)].map(q);
  const out: string[] = [
    `# Managed by homelab (components/router/render/nftables.ts): router ${m.router} of site ${m.site}.`,
    "# Zones: " + [`${m.upstream.name}=${m.upstream.iface} (upstream)`, ...m.zones.map((z) => `${z.name}=${z.iface}${z.management ? " (management)" : ""}`)].join(", "),
    `table inet ${NFT_TABLE}`,
    `delete table inet ${NFT_TABLE}`,
    `table inet ${NFT_TABLE} {`,
    "  chain input {",
    "    type filter hook input priority filter; policy drop;",
    "    ct state established,related accept",
    "    ct state invalid drop",
    '    iifname "lo" accept',
    `    icmpv6 type { ${ICMPV6_INPUT.join(", ")} } accept`,
    "    icmp type { echo-request, destination-unreachable, time-exceeded } limit rate 20/second accept",
    `    iifname ${wan} udp sport 67 udp dport 68 accept comment "DHCP client on the upstream"`,
  ];
  if (m.bgp?.neighbor) out.push(`    iifname ${wan} ip6 saddr ${m.bgp.neighbor} tcp dport 179 accept comment "BGP from AS${m.bgp.peerAsn}"`);
  for (const z of m.zones) {
    const i = q(z.iface);
    out.push(`    iifname ${i} udp dport 67 accept comment "DHCP ${z.name}"`, `    iifname ${i} meta l4proto { tcp, udp } th dport 53 accept comment "DNS ${z.name}"`);
  }
  for (const z of mgmtZones) {
    if (z.ipv4) out.push(`    iifname ${q(z.iface)} ip saddr ${z.ipv4.text} tcp dport 22 accept comment "SSH from management ${z.name}"`);
    if (z.ipv6) out.push(`    iifname ${q(z.iface)} ip6 saddr ${z.ipv6.text} tcp dport 22 accept comment "SSH from management ${z.name}"`);
  }
  if (mgmt4.length) out.push(`    iifname ${set(nonGuestIfaces)} ip saddr ${set(mgmt4)} tcp dport 22 accept comment "SSH from management prefixes"`);
  if (mgmt6.length) out.push(`    iifname ${set(nonGuestIfaces)} ip6 saddr ${set(mgmt6)} tcp dport 22 accept comment "SSH from management prefixes"`);
  out.push("  }", "", "  chain forward {", "    type filter hook forward priority filter; policy drop;", "    ct state established,related accept", "    ct state invalid drop", `    icmpv6 type { ${ICMPV6_FORWARD.join(", ")} } accept`);
  const allMgmt4 = prefixesOf(mgmtZones, m.managementPrefixes, "ipv4");
  const allMgmt6 = prefixesOf(mgmtZones, m.managementPrefixes, "ipv6");
  for (const z of others) {
    if (allMgmt4.length) out.push(`    iifname ${q(z.iface)} ip daddr ${set(allMgmt4)} drop comment "${z.name} is not management"`);
    if (allMgmt6.length) out.push(`    iifname ${q(z.iface)} ip6 daddr ${set(allMgmt6)} drop comment "${z.name} is not management"`);
  }
  for (const z of m.zones) out.push(`    iifname ${q(z.iface)} oifname ${wan} accept comment "${z.name} to ${m.upstream.name}"`);
  for (const f of m.forwards) {
    if (f.ipv4) out.push(`    iifname ${wan} ip daddr ${f.ipv4} ${f.protocol} dport ${f.port} ct status dnat accept comment "published: ${f.service} ${f.protocol}/${f.port}"`);
    if (f.ipv6) out.push(`    iifname ${wan} ip6 daddr ${f.ipv6} ${f.protocol} dport ${f.port} accept comment "published: ${f.service} ${f.protocol}/${f.port}"`);
  }
  out.push("  }", "", "  chain output {", "    type filter hook output priority filter; policy accept;", "  }");
  const dnat = m.forwards.filter((f) => f.ipv4);
  out.push("", "  chain prerouting {", "    type nat hook prerouting priority dstnat; policy accept;");
  for (const f of dnat) out.push(`    iifname ${wan} ${f.protocol} dport ${f.port} dnat ip to ${f.ipv4}:${f.port} comment "published: ${f.service}"`);
  out.push("  }", "", "  chain postrouting {", "    type nat hook postrouting priority srcnat; policy accept;", `    oifname ${wan} meta nfproto ipv4 masquerade comment "IPv4 leaves by the upstream's address"`, "  }", "}");
  return out.join("\n") + "\n";
}
