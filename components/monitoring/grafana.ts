/**
 * Grafana on the organisation's `grafana` guest, or beside Prometheus (app `prometheus`, setting
 * `grafana`; decision 354): the pinned `grafana` package of Grafana's apt repository, held (decision
 * 380; the key and source line are Loki's and Alloy's, components/monitoring/grafanaApt.ts),
 * provisioned Prometheus (and Loki) datasources and the four dashboards, local admin with a random
 * password (secret output), login through authentik when the identity provider issues Grafana a client
 * (see docs/decisions.md).
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { lines, putText, readScript, shellScript } from "../shell";
import { GuestConnection, remoteScript } from "../remote/script";
import { dashboards, GrafanaOidc, renderGrafanaDashboardProvider, renderGrafanaDatasource, renderGrafanaIni } from "./render/grafana";
import { grafanaApt } from "./grafanaApt";

export interface GrafanaArgs {
  guest: pulumi.Resource;
  connection: GuestConnection;
  address: string;
  /** Browser URL (grafana.ini `root_url`). Default `http://<address>:3000/`. */
  rootUrl?: string;
  domain: string;
  dataDir: string;
  prometheusUrl: string;
  /** The organisation's Loki (a second provisioned datasource). Default none. */
  lokiUrl?: string;
  /** The `grafana` package version in Grafana's apt repository (the app's `version` setting; default in components/inventory/apps.ts). */
  version: string;
  oidc?: GrafanaOidc & { clientSecret: pulumi.Input<string>; caPem: pulumi.Input<string> };
  /** Resources the setup runs after, besides the guest (the Prometheus setup when Grafana shares its guest). Default none. */
  dependsOn?: pulumi.Resource[];
}

/** Pure: the Grafana setup script. */
export function renderGrafanaSetup(a: { address: string; rootUrl?: string; domain: string; dataDir: string; prometheusUrl: string; lokiUrl?: string; version: string; oidc?: GrafanaOidc }): string {
  const boards = dashboards();
  const apt = grafanaApt();
  return shellScript({
    title: `Grafana ${a.version} (apt.grafana.com)`,
    source: "components/monitoring/grafana.ts",
    logTag: "grafana",
    env: { ...apt.env, GRAFANA_VERSION: a.version, DATA_DIR: a.dataDir, OIDC: !!a.oidc },
    body: [
      apt.body,
      readScript(__dirname, "scripts/grafana.sh").trimEnd(),
      ...putText(
        "/etc/systemd/system/grafana-server.service.d/homelab.conf",
        "0644",
        "root:root",
        lines("# Managed by homelab (components/monitoring/grafana.ts).", "[Service]", "EnvironmentFile=/etc/grafana/homelab.env"),
      ),
      ...putText("/etc/grafana/grafana.ini", "0640", "root:grafana", renderGrafanaIni({ domain: a.domain, rootUrl: a.rootUrl ?? `http://${a.address}:3000/`, dataDir: a.dataDir, oidc: a.oidc })),
      ...putText("/etc/grafana/provisioning/datasources/homelab.yaml", "0640", "root:grafana", renderGrafanaDatasource({ prometheusUrl: a.prometheusUrl, lokiUrl: a.lokiUrl })),
      ...putText("/etc/grafana/provisioning/dashboards/homelab.yaml", "0640", "root:grafana", renderGrafanaDashboardProvider()),
      ...Object.entries(boards).flatMap(([f, text]) => putText(`/etc/grafana/dashboards/homelab/${f}`, "0644", "root:grafana", text)),
      "systemctl daemon-reload",
      "converge_units grafana-server.service",
      'log "grafana converged"',
    ],
  });
}

export class Grafana extends pulumi.ComponentResource {
  /** Local admin password (secret). */
  public readonly adminPassword: pulumi.Output<string>;
  constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:monitoring:Grafana", name, {}, opts);
    const admin = new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, { parent: this });
    this.adminPassword = pulumi.secret(admin.result);
    const { clientSecret, caPem, ...oidc } = args.oidc ?? ({} as Partial<NonNullable<GrafanaArgs["oidc"]>>);
    remoteScript(
      `${name}-setup`,
      {
        connection: args.connection,
        script: renderGrafanaSetup({ address: args.address, rootUrl: args.rootUrl, domain: args.domain, dataDir: args.dataDir, prometheusUrl: args.prometheusUrl, lokiUrl: args.lokiUrl, version: args.version, oidc: args.oidc ? (oidc as GrafanaOidc) : undefined }),
        secrets: {
          GF_SECURITY_ADMIN_PASSWORD: this.adminPassword,
          ...(args.oidc ? { GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET: pulumi.secret(pulumi.output(clientSecret!)), GRAFANA_CA_PEM: pulumi.output(caPem!) } : {}),
        },
      },
      { parent: this, dependsOn: [args.guest, ...(args.dependsOn ?? [])] },
    );
    this.registerOutputs({ adminPassword: this.adminPassword });
  }
}
