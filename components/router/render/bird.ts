/**
 * The router's BIRD2 configuration (BIRD 2.0.12, Debian bookworm; bird(8) and the BIRD 2 user's
 * guide): the aggregate as a static `unreachable` route (the blackhole that makes it exist and
 * swallows traffic to unused parts of it), one eBGP session whose export filter passes exactly that
 * aggregate and whose import filter passes only a default route (`::/0`, capped by `import limit`),
 * and a kernel protocol that installs the learned default and the blackhole. `bird -p -c` accepts it
 * (test/real/router.test.ts).
 */
import type { RouterModel } from "./model";

/** Name of the BGP protocol (the metrics label). */
export const BGP_PROTOCOL = "upstream";

/** /etc/bird/bird.conf, or undefined when the site has no BGP. */
export function renderBird(m: RouterModel): string | undefined {
  const b = m.bgp;
  if (!b) return undefined;
  const agg = b.aggregate.text;
  const out = [
    `# Managed by homelab (components/router/render/bird.ts): AS${b.asn} of site ${m.site} to AS${b.peerAsn}.`,
    "log syslog all;",
    `router id ${m.routerId};`,
    "",
    "protocol device {",
    "}",
    "",
    "# The aggregate exists because of this route; traffic to its unused parts ends here.",
    "protocol static aggregate {",
    "  ipv6;",
    `  route ${agg} unreachable;`,
    "}",
    "",
    "# Announce exactly the aggregate.",
    "filter export_aggregate {",
    `  if net = ${agg} && source = RTS_STATIC then accept;`,
    "  reject;",
    "}",
    "",
    "# Accept only a default route from the upstream: a single-homed site needs nothing else, and",
    "# nothing the upstream leaks (our own prefix, more-specifics, a full table) gets in.",
    "filter import_default {",
    "  if net = ::/0 then accept;",
    "  reject;",
    "}",
    "",
    `protocol bgp ${BGP_PROTOCOL} {`,
    ...(b.neighbor ? [] : ["  # No neighbour address yet (router settings bgp.neighbor): the session stays down.", "  disabled;"]),
    `  description "AS${b.peerAsn}";`,
    `  local${b.localAddress ? ` ${b.localAddress.split("/")[0]}` : ""} as ${b.asn};`,
    `  neighbor ${b.neighbor ?? "::1"} as ${b.peerAsn};`,
    "  ipv6 {",
    "    import filter import_default;",
    "    import limit 10 action disable;",
    "    export filter export_aggregate;",
    "  };",
    "}",
    "",
    "# The learned default route and the blackhole go to the kernel; nothing comes back from it.",
    "protocol kernel {",
    "  ipv6 {",
    "    import none;",
    "    export where source = RTS_BGP || source = RTS_STATIC;",
    "  };",
    "}",
  ];
  return out.join("\n") + "\n";
}
