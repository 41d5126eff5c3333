/**
 * blackbox_exporter (Debian 12's prometheus-blackbox-exporter 0.23) on the Prometheus guest: the
 * probes that carry the monitors (docs/decisions.md, Monitoring: Uptime Kuma is only a status
 * page). `tcp_connect` for every TCP port Prometheus may reach; `tls_connect` for the internal-CA
 * TLS servers, whose `probe_ssl_earliest_cert_expiry` feeds CertificateExpiresSoon.
 * Module fields: blackbox_exporter config/config.go (Module.Prober, Timeout, TCP.TLS, TCP.TLSConfig).
 */
import { stringify } from "yaml";

/** /etc/prometheus/blackbox.yml; `caFile` verifies the internal CA's servers. */
export function renderBlackboxConfig(a: { caFile: string }): string {
  return (
    "# Managed by homelab (components/monitoring/render/blackbox.ts).\n" +
    stringify({
      modules: {
        tcp_connect: { prober: "tcp", timeout: "5s" },
        tls_connect: { prober: "tcp", timeout: "5s", tcp: { tls: true, tls_config: { ca_file: a.caFile } } },
      },
    })
  );
}
