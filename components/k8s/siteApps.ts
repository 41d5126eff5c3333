/**
 * The workloads of a site's K8sSitePlan: Heimdall, a shared Postgres, n8n (GPU), NocoDB (on the
 * shared Postgres), AppFlowy and kube-prometheus-stack by app kind; the agent platform (Backstage,
 * the Vapor API and the agents). Secrets are built from random Outputs into Secret stringData only.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { heimdallManifests, n8nManifests, nocodbDbUrl, nocodbManifests, agentWorkloadManifests, sharedPostgresManifests } from "./render/apps";
import { kubePrometheusStackValues } from "./render/ingress";
import { CHARTS } from "./render/versions";
import { K8sObject } from "./render/common";
import { AgentWorkloadsPlan, AppPlan, MonitoringPlan, withBackupGroup } from "./sitePlan";
import { k8sObjects } from "./objects";
import { releaseArgs } from "./metalLbIngress";
import { AppFlowyStack } from "./appFlowyStack";

/** Arguments of {@link SiteApps}. */
export interface SiteAppsArgs {
  provider: k8s.Provider;
  apps: AppPlan[];
  storageClass: string;
  /** ClusterIssuer for public hosts (required when an app has a host). */
  clusterIssuer?: string;
  timezone: string;
  /** AppFlowy admin e-mail. */
  adminEmail: string;
  /** Platform resources the apps wait for. */
  dependsOn: pulumi.Resource[];
  /** kube-prometheus-stack without an inventory service: Grafana on a NodePort. Default: none. */
  monitoring?: MonitoringPlan;
  /** The agent platform (Backstage, the Vapor API, the agents). Default: none. */
  agentWorkloads?: AgentWorkloadsPlan;
}

const MANAGED = { "app.kubernetes.io/managed-by": "homelab" };
/** The shared Postgres Service (sharedPostgresManifests names it "postgres") in its namespace. */
const sharedPgHost = (namespace: string) => `postgres.${namespace}.svc.cluster.local`;

/** Site workloads. */
export class SiteApps extends pulumi.ComponentResource {
  /** Secret outputs to export (AppFlowy and Grafana admin). */
  public readonly credentials: Record<string, { user: string; password: pulumi.Output<string> }> = {};

  constructor(name: string, args: SiteAppsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:k8s:SiteApps", name, {}, opts);
    const base = { parent: this, provider: args.provider };
    // Protected: the database and n8n's stored credentials are encrypted or initialised with these; a new value would lock the data away.
    const pw = (n: string, length: number, protect = false) => new random.RandomPassword(`${name}-${n}`, { length, special: false }, { parent: this, protect });
    const namespace = (app: string, ns: string) =>
      // Protected: deleting a namespace deletes its PVCs, whatever protects them in Pulumi.
      new k8s.core.v1.Namespace(`${name}-${app}-namespace`, { metadata: { name: ns, labels: MANAGED } }, { ...base, dependsOn: args.dependsOn, protect: true });
    const secret = (app: string, ns: pulumi.Resource, meta: { name: string; namespace: string }, data: pulumi.Input<Record<string, pulumi.Input<string>>>) =>
      new k8s.core.v1.Secret(`${name}-${app}-secret`, { metadata: { ...meta, labels: MANAGED }, type: "Opaque", stringData: pulumi.secret(data) }, { ...base, dependsOn: [ns] });
    const issuer = (a: AppPlan) => {
      if (!args.clusterIssuer) throw new Error(`${name}: app ${a.name} has a public host but the site has no ClusterIssuer`);
      return args.clusterIssuer;
    };
    const host = (a: AppPlan) => {
      if (!a.host) throw new Error(`${name}: app ${a.name} needs dnsName`);
      return a.host;
    };
    const deploy = (a: AppPlan, objs: K8sObject[], after: pulumi.Resource[]) =>
      k8sObjects(`${name}-${a.name}`, withBackupGroup(objs, a.backupGroup), { ...base, dependsOn: [...after, ...args.dependsOn] });

    let postgres: { password: pulumi.Output<string>; ready: pulumi.Resource[] } | undefined;
    const pgPlan = args.apps.find((a) => a.kind === "postgres");
    if (pgPlan) {
      const ns = namespace(pgPlan.name, pgPlan.namespace);
      const password = pulumi.secret(pw(`${pgPlan.name}-password`, 32, true).result);
      const sec = secret(pgPlan.name, ns, { name: "postgres-credentials", namespace: pgPlan.namespace }, { POSTGRES_PASSWORD: password });
      const objs = deploy(pgPlan, sharedPostgresManifests({ namespace: pgPlan.namespace, storageClass: args.storageClass, size: pgPlan.storage, secretName: "postgres-credentials", database: "nocodb" }), [ns, sec]);
      postgres = { password, ready: objs };
    }

    for (const a of args.apps) {
      switch (a.kind) {
        case "postgres":
          break;
        case "heimdall": {
          const ns = namespace(a.name, a.namespace);
          deploy(a, heimdallManifests({ namespace: a.namespace, storageClass: args.storageClass, size: a.storage, host: host(a), clusterIssuer: issuer(a), timezone: args.timezone }), [ns]);
          break;
        }
        case "n8n": {
          const ns = namespace(a.name, a.namespace);
          const sec = secret(a.name, ns, { name: "n8n-secrets", namespace: a.namespace }, { N8N_ENCRYPTION_KEY: pw("n8n-encryption-key", 48, true).result });
          deploy(a, n8nManifests({ namespace: a.namespace, storageClass: args.storageClass, size: a.storage, host: host(a), clusterIssuer: issuer(a), secretName: "n8n-secrets", timezone: args.timezone, gpu: a.gpu }), [ns, sec]);
          break;
        }
        case "nocodb": {
          if (!postgres) throw new Error(`${name}: nocodb runs on the shared postgres, which is not active`);
          const ns = namespace(a.name, a.namespace);
          const dbUrl = postgres.password.apply((p) => nocodbDbUrl({ host: sharedPgHost(pgPlan!.namespace), user: "postgres", password: p, database: "nocodb" }));
          const sec = secret(a.name, ns, { name: "nocodb-secrets", namespace: a.namespace }, { NC_DB: dbUrl, NC_AUTH_JWT_SECRET: pw("nocodb-jwt-secret", 48).result });
          deploy(a, nocodbManifests({ namespace: a.namespace, storageClass: args.storageClass, size: a.storage, host: host(a), clusterIssuer: issuer(a), secretName: "nocodb-secrets" }), [ns, sec, ...postgres.ready]);
          break;
        }
        case "appflowy": {
          const half = `${Math.floor(a.storageGiB / 2)}Gi`;
          const app = new AppFlowyStack(
            `${name}-${a.name}`,
            {
              provider: args.provider,
              namespace: a.namespace,
              host: host(a),
              storageClass: args.storageClass,
              clusterIssuer: issuer(a),
              adminEmail: args.adminEmail,
              sizes: { postgres: half, minio: half },
              transform: (objs) => withBackupGroup(objs, a.backupGroup),
              dependsOn: args.dependsOn,
            },
            { parent: this },
          );
          this.credentials.appflowy = { user: app.adminEmail, password: app.adminPassword };
          break;
        }
        case "grafana": {
          const grafanaStorage = 5;
          if (a.storageGiB <= grafanaStorage) throw new Error(`${name}: grafana storageGiB must exceed ${grafanaStorage}`);
          this.monitoring(name, base, a.namespace, args.dependsOn, (secretName) =>
            kubePrometheusStackValues({
              grafanaHost: host(a),
              grafanaAdminSecret: secretName,
              clusterIssuer: issuer(a),
              storageClass: args.storageClass,
              prometheusStorage: `${a.storageGiB - grafanaStorage}Gi`,
              grafanaStorage: `${grafanaStorage}Gi`,
            }),
          );
          break;
        }
      }
    }

    if (args.monitoring) {
      const m = args.monitoring;
      this.monitoring(name, base, CHARTS.kubePrometheusStack.namespace, args.dependsOn, (secretName) => {
        const v = kubePrometheusStackValues({ grafanaHost: "grafana.invalid", grafanaAdminSecret: secretName, clusterIssuer: "none", storageClass: args.storageClass, prometheusStorage: m.prometheusStorage });
        const g = v.grafana as Record<string, unknown>;
        return { ...v, grafana: { ...g, ingress: { enabled: false }, service: { type: "NodePort", nodePort: m.grafanaNodePort } } };
      });
    }

    if (args.agentWorkloads) {
      const w = args.agentWorkloads;
      const ns = namespace(w.namespace, w.namespace);
      const objs = agentWorkloadManifests({
        namespace: w.namespace,
        clusterIssuer: args.clusterIssuer ?? "none",
        backstage: { image: w.images.backstage },
        vaporApi: { image: w.images.vaporApi },
        agents: w.images.agents,
      }).map((o) =>
        // No ingress: Backstage is reached on the NodePort the inventory opens.
        o.kind === "Service" && o.metadata?.name === "backstage" && w.backstageNodePort
          ? { ...o, spec: { ...o.spec, type: "NodePort", ports: (o.spec?.ports ?? []).map((p) => ({ ...p, nodePort: w.backstageNodePort })) } }
          : o,
      );
      k8sObjects(`${name}-${w.namespace}`, objs, { ...base, dependsOn: [ns, ...args.dependsOn] });
    }
    this.registerOutputs({});
  }

  private monitoring(
    name: string,
    base: { parent: pulumi.Resource; provider: k8s.Provider },
    ns: string,
    dependsOn: pulumi.Resource[],
    values: (grafanaSecret: string) => Record<string, unknown>,
  ): void {
    const nsRes = new k8s.core.v1.Namespace(`${name}-monitoring-namespace`, { metadata: { name: ns, labels: MANAGED } }, { ...base, dependsOn, protect: true });
    const password = pulumi.secret(new random.RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, { parent: this }).result);
    const secretName = "grafana-admin";
    const sec = new k8s.core.v1.Secret(
      `${name}-grafana-admin-secret`,
      { metadata: { name: secretName, namespace: ns, labels: MANAGED }, type: "Opaque", stringData: pulumi.secret({ "admin-user": "admin", "admin-password": password }) },
      { ...base, dependsOn: [nsRes] },
    );
    new k8s.helm.v3.Release(
      `${name}-kube-prometheus-stack`,
      releaseArgs({ ...CHARTS.kubePrometheusStack, namespace: ns }, values(secretName), { createNamespace: false }),
      { ...base, dependsOn: [nsRes, sec, ...dependsOn] },
    );
    this.credentials.grafana = { user: "admin", password };
  }
}
