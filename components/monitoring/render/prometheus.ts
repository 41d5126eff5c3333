/**
 * Prometheus on the organisation's Prometheus guest (Debian 12's `prometheus` 2.42): the scrape
 * configuration, derived from the organisation's inventories (components/inventory/org.ts
 * scrapeTargets/probeTargets — no target is written by hand), and the daemon's arguments
 * (/etc/default/prometheus `ARGS`, read by the package's unit: `ExecStart=/usr/bin/prometheus $ARGS`).
 */
import { stringify } from "yaml";
import type { ProbeTarget, ScrapeTarget } from "../../inventory/monitoring";

/** Where Prometheus finds its files on the guest (the test points them at a temporary directory). */
export interface PrometheusPaths {
  /** Rule files directory. Default `/etc/prometheus/rules`. */
  rulesDir: string;
  /** CA bundle that verifies the internal-CA TLS targets. Default `/etc/prometheus/tls/ca.pem`. */
  caFile: string;
  /** Scrape credentials. Default `/etc/prometheus/secrets`. */
  secretsDir: string;
}

export const DEFAULT_PATHS: PrometheusPaths = { rulesDir: "/etc/prometheus/rules", caFile: "/etc/prometheus/tls/ca.pem", secretsDir: "/etc/prometheus/secrets" };

/** The organisation's app metrics token (the `app` scrape credentials) in `secretsDir`. */
export const APP_METRICS_TOKEN_FILE = "app-metrics.token";

/** Local ports of the exporters beside Prometheus (the Debian packages' defaults). */
export const LOCAL_PORTS = { prometheus: 9090, alertmanager: 9093, blackbox: 9115 } as const;

/** Arguments of {@link renderPrometheusConfig}. */
export interface PrometheusConfigArgs {
  /** Scrape and evaluation interval, seconds. */
  intervalSeconds: number;
  /** The Prometheus guest: its site and name label its own jobs. */
  self: { site: string; instance: string };
  targets: readonly ScrapeTarget[];
  /** TCP probes (blackbox `tcp_connect`) and TLS probes (`tls_connect`, certificate expiry). */
  probes: readonly ProbeTarget[];
  tlsProbes: readonly ProbeTarget[];
  /** Send alerts to the local Alertmanager. */
  alertmanager: boolean;
  paths?: Partial<PrometheusPaths>;
  /** Address the local exporters are reached on. Default `127.0.0.1`. */
  localAddress?: string;
}

type StaticConfig = { targets: string[]; labels: Record<string, string> };

function staticConfigs(ts: ReadonlyArray<{ address: string; port: number; site: string; instance: string; kind?: string }>): StaticConfig[] {
  return ts.map((t) => ({ targets: [`${t.address}:${t.port}`], labels: { site: t.site, instance: t.instance, ...(t.kind ? { kind: t.kind } : {}) } }));
}

function probeJob(name: string, module: string, probes: readonly ProbeTarget[], blackbox: string, interval: string) {
  return {
    job_name: name,
    scrape_interval: interval,
    metrics_path: "/probe",
    params: { module: [module] },
    static_configs: probes.map((p) => ({ targets: [`${p.address}:${p.port}`], labels: { site: p.site, instance: p.instance } })),
    // The probed address becomes the `target` parameter and label; the scrape goes to the local blackbox_exporter.
    relabel_configs: [
      { source_labels: ["__address__"], target_label: "__param_target" },
      { source_labels: ["__param_target"], target_label: "target" },
      { target_label: "__address__", replacement: blackbox },
    ],
  };
}

/** prometheus.yml. Labels: `site`, `instance` (service or node name), `kind` (guest/host) on node targets. */
export function renderPrometheusConfig(a: PrometheusConfigArgs): string {
  const p = { ...DEFAULT_PATHS, ...a.paths };
  const local = a.localAddress ?? "127.0.0.1";
  const interval = `${a.intervalSeconds}s`;
  const jobs = [...new Set(a.targets.map((t) => t.job))];
  const selfLabels = { site: a.self.site, instance: a.self.instance };
  const scrape: unknown[] = [
    { job_name: "prometheus", static_configs: [{ targets: [`${local}:${LOCAL_PORTS.prometheus}`], labels: selfLabels }] },
    ...(a.alertmanager ? [{ job_name: "alertmanager", static_configs: [{ targets: [`${local}:${LOCAL_PORTS.alertmanager}`], labels: selfLabels }] }] : []),
    { job_name: "blackbox", static_configs: [{ targets: [`${local}:${LOCAL_PORTS.blackbox}`], labels: selfLabels }] },
  ];
  for (const job of jobs) {
    const ts = a.targets.filter((t) => t.job === job);
    const first = ts[0];
    scrape.push({
      job_name: job,
      ...(first.scheme === "https" ? { scheme: "https", tls_config: { ca_file: p.caFile } } : {}),
      ...(first.path !== "/metrics" ? { metrics_path: first.path } : {}),
      ...(first.auth === "rest-server" ? { basic_auth: { username: "metrics", password_file: `${p.secretsDir}/rest-server.password` } } : {}),
      ...(first.auth === "minio" ? { authorization: { type: "Bearer", credentials_file: `${p.secretsDir}/minio.token` } } : {}),
      ...(first.auth === "app" ? { authorization: { type: "Bearer", credentials_file: `${p.secretsDir}/${APP_METRICS_TOKEN_FILE}` } } : {}),
      static_configs: staticConfigs(ts.map((t) => ({ ...t, kind: job === "node" ? t.kind : undefined }))),
    });
  }
  const bb = `${local}:${LOCAL_PORTS.blackbox}`;
  if (a.probes.length) scrape.push(probeJob("blackbox-tcp", "tcp_connect", a.probes, bb, interval));
  if (a.tlsProbes.length) scrape.push(probeJob("blackbox-tls", "tls_connect", a.tlsProbes, bb, interval));
  const doc = {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: `${Math.min(10, a.intervalSeconds)}s` },
    ...(a.alertmanager ? { alerting: { alertmanagers: [{ static_configs: [{ targets: [`${local}:${LOCAL_PORTS.alertmanager}`] }] }] } } : {}),
    rule_files: [`${p.rulesDir}/*.yml`],
    scrape_configs: scrape,
  };
  return "# Managed by homelab (components/monitoring/render/prometheus.ts). Targets derived from the organisation's inventories.\n" + stringify(doc, { lineWidth: 0 });
}

/** Arguments of {@link renderPrometheusArgs}. */
export interface PrometheusArgsArgs {
  /** The data mount holding the TSDB. */
  dataDir: string;
  /** Its size in GiB: the TSDB is capped at 80% of it (the rest: WAL, compaction head room). */
  dataGiB: number;
  retentionDays: number;
  /** Listen address. Default `0.0.0.0:9090` (the firewall limits who reaches it). */
  listen?: string;
}

/** The retention size cap in GiB for a data mount of `dataGiB` (80%, at least 1). */
export function retentionSizeGiB(dataGiB: number): number {
  return Math.max(1, Math.floor(dataGiB * 0.8));
}

/** /etc/default/prometheus: `ARGS` for the Debian unit. Prometheus reads size units as powers of 2 ("GB" = GiB). */
export function renderPrometheusArgs(a: PrometheusArgsArgs): string {
  const args = [
    "--config.file=/etc/prometheus/prometheus.yml",
    `--storage.tsdb.path=${a.dataDir.replace(/\/$/, "")}/metrics2/`,
    `--storage.tsdb.retention.time=${a.retentionDays}d`,
    `--storage.tsdb.retention.size=${retentionSizeGiB(a.dataGiB)}GB`,
    `--web.listen-address=${a.listen ?? `0.0.0.0:${LOCAL_PORTS.prometheus}`}`,
  ];
  return `# Managed by homelab (components/monitoring/render/prometheus.ts).\nARGS="${args.join(" ")}"\n`;
}
