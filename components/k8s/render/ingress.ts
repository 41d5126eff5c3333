/**
 * Cluster platform values/objects: ingress-nginx, cert-manager (+ ClusterIssuers), Longhorn
 * (+ RecurringJobs), NVIDIA device plugin (+ RuntimeClass), kube-prometheus-stack.
 * Pure: values objects and plain manifests; chart versions live in versions.ts.
 */
import type { IClusterIssuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer";
import type { IRuntimeClass } from "kubernetes-models/node.k8s.io/v1/RuntimeClass";
import { ACME_SERVERS, CHARTS } from "./versions";
import { ipv4ToInt, metallbFixedIpAnnotations } from "./metallb";

/** Node label put on GPU nodes at k3s registration and used as nodeSelector for GPU pods. */
export const GPU_NODE_LABEL = { key: "nvidia.com/gpu.present", value: "true" } as const;
/** RuntimeClass k3s creates for the NVIDIA container runtime (k3s docs, advanced.md). */
export const NVIDIA_RUNTIME_CLASS = "nvidia";
export const INGRESS_CLASS = "nginx";

export interface IngressNginxArgs {
  /** Fixed LoadBalancer IP; must be inside a MetalLB pool. */
  loadBalancerIP: string;
  /** MetalLB pool to allocate from (optional). */
  pool?: string;
  /** Make this the cluster default IngressClass (default true). */
  defaultClass?: boolean;
  /** Enable ServiceMonitor (needs kube-prometheus-stack CRDs first). Default false. */
  serviceMonitor?: boolean;
}

/**
 * ingress-nginx chart values. The fixed IP is requested with the MetalLB annotation on the
 * controller Service (controller.service.annotations); controller.service.loadBalancerIP is
 * marked deprecated in the chart and MetalLB refuses a Service that sets both.
 */
export function ingressNginxValues(args: IngressNginxArgs): Record<string, unknown> {
  ipv4ToInt(args.loadBalancerIP);
  return {
    controller: {
      ingressClass: INGRESS_CLASS,
      ingressClassResource: { name: INGRESS_CLASS, enabled: true, default: args.defaultClass ?? true },
      allowSnippetAnnotations: false,
      service: {
        type: "LoadBalancer",
        externalTrafficPolicy: "Local",
        annotations: metallbFixedIpAnnotations(args.loadBalancerIP, args.pool),
      },
      config: {
        "use-forwarded-headers": "false",
        "proxy-body-size": "10m",
        "ssl-redirect": "true",
        "hsts": "true",
      },
      metrics: { enabled: true, serviceMonitor: { enabled: args.serviceMonitor ?? false } },
      resources: { requests: { cpu: "100m", memory: "128Mi" } },
    },
  };
}

/** cert-manager chart values: CRDs installed and kept by the chart (`crds.enabled`, not `installCRDs`). */
export function certManagerValues(args: { serviceMonitor?: boolean } = {}): Record<string, unknown> {
  return {
    crds: { enabled: true, keep: true },
    prometheus: { enabled: true, servicemonitor: { enabled: args.serviceMonitor ?? false } },
  };
}

export interface ClusterIssuerArgs {
  /** ACME account email. Optional: Let's Encrypt accepts accounts without one (and no longer sends expiry mail). */
  email?: string;
  /** Ingress class used for http01 challenges (default "nginx"). */
  ingressClassName?: string;
  /** Name prefix: issuers are `<prefix>-staging` and `<prefix>-prod` (default "letsencrypt"). */
  prefix?: string;
}

/** Let's Encrypt staging + prod ClusterIssuers with an http01 solver on the given ingress class. */
export function letsEncryptClusterIssuers(args: ClusterIssuerArgs): IClusterIssuer[] {
  if (args.email !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(args.email)) throw new Error(`invalid ACME email ${JSON.stringify(args.email)}`);
  const prefix = args.prefix ?? "letsencrypt";
  const ingressClassName = args.ingressClassName ?? INGRESS_CLASS;
  return (["staging", "prod"] as const).map((env) => ({
    apiVersion: "cert-manager.io/v1",
    kind: "ClusterIssuer",
    metadata: { name: `${prefix}-${env}`, labels: { "app.kubernetes.io/managed-by": "homelab" } },
    spec: {
      acme: {
        server: ACME_SERVERS[env],
        ...(args.email ? { email: args.email } : {}),
        privateKeySecretRef: { name: `${prefix}-${env}-account-key` },
        solvers: [{ http01: { ingress: { ingressClassName } } }],
      },
    },
  }));
}

export interface LonghornArgs {
  /** Replicas per volume; must not exceed the number of storage nodes (sector7 has 2). */
  replicaCount: number;
  /** Backup target URL, e.g. "nfs://host:/export" or "s3://bucket@region/". Omit for none. */
  backupTarget?: string;
  /** Secret (in longhorn-system) holding backup target credentials, for S3/CIFS. */
  backupTargetCredentialSecret?: string;
}

/**
 * Longhorn chart values (1.12.1): default StorageClass, replica counts, default backup store.
 * In this chart version the backup target is `defaultBackupStore.backupTarget`
 * (it left defaultSettings when BackupTarget became its own resource).
 */
export function longhornValues(args: LonghornArgs): Record<string, unknown> {
  if (!Number.isInteger(args.replicaCount) || args.replicaCount < 1) throw new Error("replicaCount must be a positive integer");
  const rc = String(args.replicaCount);
  const values: Record<string, unknown> = {
    persistence: {
      defaultClass: true,
      defaultClassReplicaCount: args.replicaCount,
      reclaimPolicy: "Retain",
    },
    defaultSettings: {
      defaultReplicaCount: { v1: rc, v2: rc },
    },
  };
  if (args.backupTarget) {
    if (!/^(nfs|s3|cifs|azblob):\/\//.test(args.backupTarget)) throw new Error(`unsupported backup target ${args.backupTarget}`);
    values.defaultBackupStore = {
      backupTarget: args.backupTarget,
      ...(args.backupTargetCredentialSecret ? { backupTargetCredentialSecret: args.backupTargetCredentialSecret } : {}),
    };
  }
  return values;
}

/** longhorn.io/v1beta2 RecurringJob (field names from chart/templates/crds.yaml, v1.12.1). */
export interface RecurringJob {
  apiVersion: "longhorn.io/v1beta2";
  kind: "RecurringJob";
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  spec: {
    name: string;
    task: "snapshot" | "snapshot-force-create" | "snapshot-cleanup" | "snapshot-delete" | "backup" | "backup-force-create" | "filesystem-trim" | "system-backup";
    cron: string;
    retain: number;
    concurrency: number;
    groups: string[];
    labels?: Record<string, string>;
    parameters?: Record<string, string>;
  };
}

export interface RecurringJobArgs {
  namespace?: string;
  /** Include a backup job (needs a backup target). Default true. */
  backups?: boolean;
  /** Cron for the daily snapshot (default 02:00). */
  snapshotCron?: string;
  /** Cron for the daily backup (default 03:00). */
  backupCron?: string;
  snapshotRetain?: number;
  backupRetain?: number;
}

/**
 * Recurring jobs in the "default" group: Longhorn applies default-group jobs to every volume
 * that has no recurring-job labels of its own, so all app PVCs are covered.
 */
export function longhornRecurringJobs(args: RecurringJobArgs = {}): RecurringJob[] {
  const namespace = args.namespace ?? CHARTS.longhorn.namespace;
  const mk = (name: string, task: RecurringJob["spec"]["task"], cron: string, retain: number): RecurringJob => ({
    apiVersion: "longhorn.io/v1beta2",
    kind: "RecurringJob",
    metadata: { name, namespace, labels: { "app.kubernetes.io/managed-by": "homelab" } },
    spec: { name, task, cron, retain, concurrency: 1, groups: ["default"] },
  });
  const jobs = [
    mk("daily-snapshot", "snapshot", args.snapshotCron ?? "0 2 * * *", args.snapshotRetain ?? 7),
    mk("weekly-trim", "filesystem-trim", "0 4 * * 0", 0),
  ];
  if (args.backups ?? true) jobs.push(mk("daily-backup", "backup", args.backupCron ?? "0 3 * * *", args.backupRetain ?? 14));
  for (const j of jobs) if (j.spec.cron.trim().split(/\s+/).length !== 5) throw new Error(`cron for ${j.metadata.name} must have 5 fields`);
  return jobs.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/**
 * NVIDIA device plugin values (0.19.3). The chart's default affinity requires Node Feature
 * Discovery labels; it is deleted (`affinity: null`: Helm coalesces user values into the chart's
 * map by map, so `{}` would keep the default and only null removes a key; the Release needs
 * `allowNullValues` to pass the null on) and a plain nodeSelector on GPU_NODE_LABEL is used,
 * and the plugin runs under the nvidia RuntimeClass.
 */
export function nvidiaDevicePluginValues(args: { nodeSelector?: Record<string, string> } = {}): Record<string, unknown> {
  return {
    runtimeClassName: NVIDIA_RUNTIME_CLASS,
    nodeSelector: args.nodeSelector ?? { [GPU_NODE_LABEL.key]: GPU_NODE_LABEL.value },
    affinity: null,
    gfd: { enabled: false },
    nfd: { enabled: false },
  };
}

/**
 * RuntimeClass "nvidia" -> containerd handler "nvidia". k3s already ships RuntimeClass
 * definitions for the alternative runtimes it detects, so on k3s this object is only needed
 * if that bundled manifest is disabled; provided for non-k3s clusters and for tests.
 */
export function nvidiaRuntimeClass(): IRuntimeClass {
  return {
    apiVersion: "node.k8s.io/v1",
    kind: "RuntimeClass",
    metadata: { name: NVIDIA_RUNTIME_CLASS, labels: { "app.kubernetes.io/managed-by": "homelab" } },
    handler: "nvidia",
  };
}

export interface KubePrometheusStackArgs {
  /** Grafana public host, e.g. grafana.sector7.example.com. */
  grafanaHost: string;
  /** Secret (in the monitoring namespace) with keys admin-user / admin-password. */
  grafanaAdminSecret: string;
  clusterIssuer: string;
  storageClass: string;
  prometheusStorage: string;
  grafanaStorage?: string;
  retention?: string;
}

/**
 * kube-prometheus-stack values (88.5.3) for k3s: scrapes of control-plane components that k3s
 * runs inside one process (and does not expose separately) are disabled.
 */
export function kubePrometheusStackValues(args: KubePrometheusStackArgs): Record<string, unknown> {
  const tlsSecret = `${args.grafanaHost.replace(/\./g, "-")}-tls`;
  return {
    kubeControllerManager: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeProxy: { enabled: false },
    kubeEtcd: { enabled: false },
    grafana: {
      admin: { existingSecret: args.grafanaAdminSecret, userKey: "admin-user", passwordKey: "admin-password" },
      persistence: { enabled: true, storageClassName: args.storageClass, size: args.grafanaStorage ?? "5Gi" },
      ingress: {
        enabled: true,
        ingressClassName: INGRESS_CLASS,
        annotations: { "cert-manager.io/cluster-issuer": args.clusterIssuer },
        hosts: [args.grafanaHost],
        tls: [{ secretName: tlsSecret, hosts: [args.grafanaHost] }],
      },
    },
    prometheus: {
      prometheusSpec: {
        retention: args.retention ?? "15d",
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        storageSpec: {
          volumeClaimTemplate: {
            spec: {
              storageClassName: args.storageClass,
              accessModes: ["ReadWriteOnce"],
              resources: { requests: { storage: args.prometheusStorage } },
            },
          },
        },
      },
    },
  };
}
