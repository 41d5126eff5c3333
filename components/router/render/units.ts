/**
 * systemd units of the router: the addresses cloud-init does not configure (each zone's IPv6
 * gateway, the BGP link address on the upstream) and the BGP metrics timer
 * (components/router/scripts/bird-metrics.sh into node_exporter's textfile directory).
 */
import type { RouterModel } from "./model";
import { BGP_PROTOCOL } from "./bird";

/** node_exporter's textfile-collector directory (Debian's prometheus-node-exporter default). */
export const TEXTFILE_DIR = "/var/lib/prometheus/node-exporter";
/** Where the metrics script is installed. */
export const METRICS_SCRIPT = "/usr/local/lib/homelab/bird-metrics.sh";

/** homelab-router-addresses.service: `ip -6 addr replace` for every address the router holds that cloud-init does not set. */
export function renderAddressesUnit(m: RouterModel): string {
  const adds = [
    ...m.zones.filter((z) => z.gateway6 && z.ipv6).map((z) => `ExecStart=/usr/sbin/ip -6 addr replace ${z.gateway6}/${z.ipv6!.length} dev ${z.iface}`),
    ...(m.bgp?.localAddress ? [`ExecStart=/usr/sbin/ip -6 addr replace ${m.bgp.localAddress} dev ${m.upstream.iface}`] : []),
  ];
  return [
    "# Managed by homelab (components/router/render/units.ts).",
    "[Unit]",
    "Description=homelab router: IPv6 gateway and BGP link addresses",
    "After=network-online.target",
    "Wants=network-online.target",
    "Before=radvd.service dnsmasq.service bird.service",
    "",
    "[Service]",
    "Type=oneshot",
    "RemainAfterExit=yes",
    ...(adds.length ? adds : ["ExecStart=/bin/true"]),
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** homelab-bird-metrics.service + .timer (every minute), or undefined without BGP. */
export function renderMetricsUnits(m: RouterModel): { service: string; timer: string } | undefined {
  if (!m.bgp) return undefined;
  return {
    service: [
      "# Managed by homelab (components/router/render/units.ts).",
      "[Unit]",
      "Description=homelab: BGP session metrics for node_exporter",
      "After=bird.service",
      "",
      "[Service]",
      "Type=oneshot",
      `Environment=PROTOCOL=${BGP_PROTOCOL} TEXTFILE_DIR=${TEXTFILE_DIR} BIRD_SOCKET=/run/bird/bird.ctl`,
      `ExecStart=/bin/bash ${METRICS_SCRIPT}`,
      "",
    ].join("\n"),
    timer: [
      "# Managed by homelab (components/router/render/units.ts).",
      "[Unit]",
      "Description=homelab: BGP session metrics every minute",
      "",
      "[Timer]",
      "OnBootSec=1min",
      "OnUnitActiveSec=1min",
      "",
      "[Install]",
      "WantedBy=timers.target",
      "",
    ].join("\n"),
  };
}
