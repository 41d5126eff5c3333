/**
 * Logs (issue 14, seed 002; decision 232): Grafana Loki on the site's `loki` guest and a Grafana
 * Alloy agent on every LXC and VM of that site, both pinned packages of Grafana's apt repository
 * (apt.grafana.com) whose signing key is held to its published fingerprint. Generic: any site whose
 * inventory has an active `loki` app gets them (components/monitoring/siteMonitoring.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { putText, readScript, shellScript } from "../shell";
import { GRAFANA_APT, grafanaApt } from "./grafanaApt";
import { GuestConnection, remoteScript } from "../remote/script";
import { LOKI_PORT, renderLokiConfig, renderLokiDropIn, LokiConfigArgs } from "./render/loki";
import { renderAlloyConfig } from "./render/alloy";

export { GRAFANA_APT };

const apt = grafanaApt();

/** Loki's push URL at `address`. */
export function lokiPushUrl(address: string): string {
  return `http://${address}:${LOKI_PORT}/loki/api/v1/push`;
}

/** Pure: Loki's setup script (secrets, when S3: LOKI_S3_SECRET_KEY and LOKI_CA_PEM on stdin). */
export function renderLokiSetup(a: LokiConfigArgs & { version: string }): string {
  return shellScript({
    title: `Grafana Loki ${a.version} (apt.grafana.com)`,
    source: "components/monitoring/logs.ts",
    logTag: "loki",
    env: {
      ...apt.env,
      LOKI_VERSION: a.version,
      DATA_DIR: a.dataDir,
      HEALTH_URL: `http://${a.address}:${LOKI_PORT}/ready`,
      S3: a.s3 ? 1 : 0,
      LOKI_DROPIN: renderLokiDropIn({ envFile: a.s3 ? "/etc/loki/s3.env" : undefined }),
    },
    // The config is a quoted heredoc: its `${LOKI_S3_SECRET_KEY}` is for Loki's -config.expand-env, not the shell
    // (dpkg keeps it over the package's conffile: vendor_apt_install passes --force-confold).
    body: [apt.body, ...putText("/etc/loki/config.yml", "0644", "root:root", renderLokiConfig(a)), readScript(__dirname, "scripts/loki-server.sh").trimEnd()],
  });
}

/** Pure: the Alloy agent's setup script on one guest. */
export function renderAlloySetup(a: { version: string; lokiUrl: string; site: string; instance: string }): string {
  return shellScript({
    title: `Grafana Alloy ${a.version} (apt.grafana.com): journal to Loki`,
    source: "components/monitoring/logs.ts",
    logTag: "alloy",
    env: { ...apt.env, ALLOY_VERSION: a.version, ALLOY_CONFIG: renderAlloyConfig(a) },
    body: [apt.body, readScript(__dirname, "scripts/alloy-agent.sh").trimEnd()],
  });
}

/** Arguments of {@link LokiServer}. */
export interface LokiServerArgs {
  /** The Loki guest. */
  guest: pulumi.Resource;
  connection: GuestConnection;
  /** Rendered configuration inputs and the pinned version. */
  config: LokiConfigArgs & { version: string };
  /** The S3 secret key of the `loki` MinIO user (when `config.s3`). */
  s3SecretKey?: pulumi.Input<string>;
  /** CA bundle that signed MinIO's certificate (when `config.s3`). */
  caPem?: pulumi.Input<string>;
  /** Resources to wait for (the bucket user). */
  dependsOn?: pulumi.Resource[];
}

/** Loki on its guest. */
export class LokiServer extends pulumi.ComponentResource {
  constructor(name: string, args: LokiServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:monitoring:LokiServer", name, {}, opts);
    const secrets: Record<string, pulumi.Input<string>> = {};
    if (args.config.s3) {
      if (!args.s3SecretKey || !args.caPem) throw new Error(`homelab: ${name}: Loki on S3 needs the bucket user's secret and the CA`);
      secrets.LOKI_S3_SECRET_KEY = pulumi.secret(pulumi.output(args.s3SecretKey));
      secrets.LOKI_CA_PEM = args.caPem;
    }
    remoteScript(`${name}-setup`, { connection: args.connection, script: renderLokiSetup(args.config), secrets }, { parent: this, dependsOn: [args.guest, ...(args.dependsOn ?? [])] });
    this.registerOutputs({});
  }
}
