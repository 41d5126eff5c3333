/**
 * The cluster platform: MetalLB (L2 pool), ingress-nginx on a fixed LoadBalancer address,
 * cert-manager with Let's Encrypt ClusterIssuers, Longhorn as the default StorageClass with
 * recurring jobs, and the NVIDIA device plugin. Every chart is pinned in render/versions.ts;
 * every piece is optional so a site takes only what it has (orion has no LB pool).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ChartPin, CHARTS } from "./render/versions";
import { metallbL2Pool, metallbValues, rangeContains } from "./render/metallb";
import {
  certManagerValues,
  ingressNginxValues,
  letsEncryptClusterIssuers,
  longhornValues,
  nvidiaDevicePluginValues,
  RecurringJob,
} from "./render/ingress";
import { k8sObjects } from "./objects";

/** Arguments of {@link MetalLbIngress}. */
export interface MetalLbIngressArgs {
  /** Provider of the target cluster. */
  provider: k8s.Provider;
  /** MetalLB L2 pool; omit for no MetalLB (and then no ingress). */
  metallb?: { pool: string; ranges: string[]; reserved?: string[] };
  /** ingress-nginx on this fixed address (must lie in the MetalLB pool). */
  ingress?: { address: string };
  /** cert-manager + Let's Encrypt staging/prod ClusterIssuers (http01 via nginx). */
  certManager?: { email?: string; issuerPrefix?: string };
  /** Longhorn as the default StorageClass, and its recurring jobs. */
  longhorn?: { replicaCount: number; backupTarget?: string; recurringJobs?: RecurringJob[] };
  /** Deploy the NVIDIA device plugin (GPU nodes carry GPU_NODE_LABEL). Default false. */
  nvidia?: boolean;
}

/** Options every chart gets: pinned chart, wait for readiness, roll back a failed install. */
export function releaseArgs(pin: ChartPin, values: Record<string, unknown>, extra: Partial<k8s.helm.v3.ReleaseArgs> = {}): k8s.helm.v3.ReleaseArgs {
  return {
    name: pin.chart,
    chart: pin.chart,
    version: pin.version,
    repositoryOpts: { repo: pin.repo },
    namespace: pin.namespace,
    createNamespace: true,
    values,
    // helm waits for Deployments/DaemonSets/CRDs to be ready; atomic rolls a failed install back.
    skipAwait: false,
    atomic: true,
    cleanupOnFail: true,
    timeout: 900,
    ...extra,
  };
}

export const ISSUER_PREFIX = "letsencrypt";

/** Cluster platform services. */
export class MetalLbIngress extends pulumi.ComponentResource {
  public readonly releases: Record<string, k8s.helm.v3.Release> = {};
  /** ClusterIssuer names (staging, prod) when cert-manager is deployed. */
  public readonly issuers?: { staging: string; prod: string };
  /** Default StorageClass name (Longhorn) when deployed. */
  public readonly storageClass?: string;
  /** The ingress LoadBalancer address. */
  public readonly ingressAddress?: string;
  /** Everything workloads must wait for (releases and custom resources). */
  public readonly ready: pulumi.Resource[] = [];

  constructor(name: string, args: MetalLbIngressArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:k8s:MetalLbIngress", name, {}, opts);
    const provider = args.provider;
    const base = { parent: this, provider };

    let poolObjects: pulumi.Resource[] = [];
    if (args.metallb) {
      const release = new k8s.helm.v3.Release(`${name}-metallb`, releaseArgs(CHARTS.metallb, metallbValues()), base);
      this.releases.metallb = release;
      // The CRs need the chart's CRDs and its validating webhook: only after the release is ready.
      poolObjects = k8sObjects(`${name}-metallb`, metallbL2Pool({ name: args.metallb.pool, namespace: CHARTS.metallb.namespace, ranges: args.metallb.ranges, reserved: args.metallb.reserved }), { ...base, dependsOn: [release] });
      this.ready.push(release, ...poolObjects);
    }

    if (args.ingress) {
      if (!args.metallb) throw new Error(`${name}: ingress needs a MetalLB pool for its LoadBalancer address`);
      const address = args.ingress.address;
      if (!args.metallb.ranges.some((r) => rangeContains(r, address))) throw new Error(`${name}: ingress address ${address} is outside the MetalLB pool ${args.metallb.pool}`);
      const release = new k8s.helm.v3.Release(
        `${name}-ingress-nginx`,
        releaseArgs(CHARTS.ingressNginx, ingressNginxValues({ loadBalancerIP: address, pool: args.metallb.pool })),
        { ...base, dependsOn: poolObjects },
      );
      this.releases.ingressNginx = release;
      this.ingressAddress = address;
      this.ready.push(release);
    }

    if (args.certManager) {
      const release = new k8s.helm.v3.Release(`${name}-cert-manager`, releaseArgs(CHARTS.certManager, certManagerValues()), base);
      this.releases.certManager = release;
      const prefix = args.certManager.issuerPrefix ?? ISSUER_PREFIX;
      const issuers = k8sObjects(`${name}-issuer`, letsEncryptClusterIssuers({ email: args.certManager.email, prefix }), {
        ...base,
        dependsOn: [release, ...(this.releases.ingressNginx ? [this.releases.ingressNginx] : [])],
      });
      this.issuers = { staging: `${prefix}-staging`, prod: `${prefix}-prod` };
      this.ready.push(release, ...issuers);
    }

    if (args.longhorn) {
      const release = new k8s.helm.v3.Release(
        `${name}-longhorn`,
        releaseArgs(CHARTS.longhorn, longhornValues({ replicaCount: args.longhorn.replicaCount, backupTarget: args.longhorn.backupTarget })),
        // Protected: the storage system owns every volume; uninstalling it must be deliberate.
        { ...base, protect: true },
      );
      this.releases.longhorn = release;
      this.storageClass = "longhorn";
      const jobs = k8sObjects(`${name}-longhorn`, args.longhorn.recurringJobs ?? [], { ...base, dependsOn: [release] });
      this.ready.push(release, ...jobs);
    }

    if (args.nvidia) {
      const release = new k8s.helm.v3.Release(`${name}-nvidia-device-plugin`, releaseArgs(CHARTS.nvidiaDevicePlugin, nvidiaDevicePluginValues()), base);
      this.releases.nvidiaDevicePlugin = release;
      this.ready.push(release);
    }

    this.registerOutputs({ ingressAddress: this.ingressAddress, issuers: this.issuers, storageClass: this.storageClass });
  }
}
