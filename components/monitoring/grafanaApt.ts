/**
 * Grafana's apt repository (apt.grafana.com), shared by every package the library takes from it:
 * Loki and Alloy (components/monitoring/logs.ts, decision 232) and Grafana itself
 * (components/monitoring/grafana.ts, decision 380). The key, the source line and the pinned,
 * held install are the shell toolkit's `vendorApt` (components/shell/vendor-apt.sh).
 */
import { vendorApt, VendorApt } from "../shell";

/**
 * Grafana's apt signing key: https://apt.grafana.com/gpg.key, fingerprint
 * B53AE77BADB630A683046005963FA27710458545 as published on apt.grafana.com (the key that replaced
 * 4E40DDF6…24098CB6 and 0E22EB88…2CF3C0C6 in 2023; quoted in voxpupuli/puppet-grafana PR #336 and
 * pinned by grafana-agent/alloy Puppet modules). The install refuses any other key.
 */
export const GRAFANA_APT: VendorApt = {
  keyUrl: "https://apt.grafana.com/gpg.key",
  keyFingerprint: "B53AE77BADB630A683046005963FA27710458545",
  keyring: "/etc/apt/keyrings/grafana.asc",
  list: "/etc/apt/sources.list.d/grafana.list",
  source: "https://apt.grafana.com stable main",
};

/** The repository's environment and shell functions (`vendor_apt_install PACKAGE VERSION`) for a shellScript. */
export const grafanaApt = (): { env: Record<string, string>; body: string } => vendorApt(GRAFANA_APT);
