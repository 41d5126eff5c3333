/**
 * The organisation's Prometheus guest: Prometheus, Alertmanager and blackbox_exporter from
 * Debian 12's packages, configured from the rendered (derived) files. Alertmanager's whole config
 * is a secret (its receiver), delivered on stdin.
 */
import * as pulumi from "@pulumi/pulumi";
import { putText, readScript, shellScript } from "../shell";
import { GuestConnection, remoteScript } from "../remote/script";
import { renderAlertmanagerArgs } from "./render/alertmanager";
import { renderBlackboxConfig } from "./render/blackbox";
import { APP_METRICS_TOKEN_FILE, DEFAULT_PATHS } from "./render/prometheus";

/** The rendered files of the Prometheus guest (all plain text; no secret). */
export interface PrometheusFiles {
  prometheusYml: string;
  rulesYml: string;
  defaults: string;
  dataDir: string;
  alertmanager: boolean;
}

/** Pure: the setup script of the Prometheus guest. */
export function renderPrometheusServerSetup(f: PrometheusFiles): string {
  const p = DEFAULT_PATHS;
  return shellScript({
    title: "Prometheus, Alertmanager and blackbox_exporter (Debian packages)",
    source: "components/monitoring/prometheusServer.ts",
    logTag: "prometheus",
    env: { DATA_DIR: f.dataDir, ALERTMANAGER: f.alertmanager, SECRETS_DIR: p.secretsDir, CA_FILE: p.caFile, APP_TOKEN_FILE: APP_METRICS_TOKEN_FILE },
    body: [
      "for p in prometheus prometheus-alertmanager prometheus-blackbox-exporter; do dpkg -s \"$p\" >/dev/null 2>&1 || mark_changed; done",
      "ensure_packages prometheus prometheus-alertmanager prometheus-blackbox-exporter curl",
      `install -d -o root -g prometheus -m 0755 ${p.rulesDir}`,
      ...putText("/etc/prometheus/prometheus.yml", "0644", "root:prometheus", f.prometheusYml),
      ...putText(`${p.rulesDir}/homelab.yml`, "0644", "root:prometheus", f.rulesYml),
      ...putText("/etc/default/prometheus", "0644", "root:root", f.defaults),
      ...putText("/etc/prometheus/blackbox.yml", "0644", "root:prometheus", renderBlackboxConfig({ caFile: p.caFile })),
      ...putText("/etc/default/prometheus-alertmanager", "0644", "root:root", renderAlertmanagerArgs()),
      readScript(__dirname, "scripts/prometheus-server.sh").trimEnd(),
    ],
  });
}

export interface PrometheusServerArgs {
  guest: pulumi.Resource;
  connection: GuestConnection;
  files: PrometheusFiles;
  /** alertmanager.yml (secret: it holds the receiver). */
  alertmanagerConfig: pulumi.Input<string>;
  /** CA bundle for the internal-CA TLS targets and probes. */
  caPem?: pulumi.Input<string>;
  /** Password of rest-server's `metrics` user. */
  restServerPassword?: pulumi.Input<string>;
  /** MinIO's Prometheus bearer token (the site MinIO's `prometheus` user, or homelab:minioPrometheusToken for a MinIO in another site). */
  minioToken?: pulumi.Input<string>;
  /** The organisation's app metrics token (the `app` scrape credentials: Gitea's [metrics] TOKEN). Default none (no such target). */
  appMetricsToken?: pulumi.Input<string>;
  dependsOn?: pulumi.Resource[];
}

export class PrometheusServer extends pulumi.ComponentResource {
  constructor(name: string, args: PrometheusServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:monitoring:PrometheusServer", name, {}, opts);
    remoteScript(
      `${name}-setup`,
      {
        connection: args.connection,
        script: renderPrometheusServerSetup(args.files),
        secrets: {
          ALERTMANAGER_CONFIG: pulumi.secret(pulumi.output(args.alertmanagerConfig)),
          ...(args.caPem ? { PROMETHEUS_CA_PEM: args.caPem } : {}),
          ...(args.restServerPassword ? { REST_SERVER_METRICS_PASSWORD: pulumi.secret(pulumi.output(args.restServerPassword)) } : {}),
          ...(args.minioToken ? { MINIO_PROMETHEUS_TOKEN: pulumi.secret(pulumi.output(args.minioToken)) } : {}),
          ...(args.appMetricsToken ? { APP_METRICS_TOKEN: pulumi.secret(pulumi.output(args.appMetricsToken)) } : {}),
        },
      },
      { parent: this, dependsOn: [args.guest, ...(args.dependsOn ?? [])] },
    );
    this.registerOutputs({});
  }
}
