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
import type { AdoptableChart, AdoptedReleases } from "./sitePlan";

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
  /** Releases that exist already (kubernetes.adopt): imported, not installed. */
  adopted?: AdoptedReleases;
}

/** Every input of a Release: what an import with manage=false ignores, so it matches whatever runs. */
export const RELEASE_INPUTS: string[] = [
  "allowNullValues", "atomic", "chart", "cleanupOnFail", "compat", "createNamespace", "dependencyUpdate", "description", "devel",
  "disableCRDHooks", "disableOpenapiValidation", "disableWebhooks", "forceUpdate", "keyring", "lint", "manifest",
  "maxHistory", "name", "namespace", "postrender", "recreatePods", "renderSubchartNotes", "replace", "repositoryOpts",
  "resetValues", "resourceNames", "reuseValues", "skipAwait", "skipCrds", "takeOwnership", "timeout", "valueYamlFiles", "values",
  "verify", "version", "waitForJobs",
];

/**
 * Resource options that adopt an existing release: `import` of `<namespace>/<name>` (the ID
 * pulumi-kubernetes' Release.Read parses on import, provider/pkg/provider/helm_release.go). The
 * engine imports only while the resource is not in the state with that ID (pulumi
 * pkg/resource/deploy/step_generator.go: isImport), and fails an import whose inputs differ from
 * the live release ("inputs to import do not match the existing resource"), so the first `up`
 * ignores every input; with `manage` the next `up` is an ordinary upgrade to our chart and values.
 */
export function adoptOptions(adopted: AdoptedReleases | undefined, key: AdoptableChart): pulumi.CustomResourceOptions {
  const r = adopted?.releases[key];
  if (!r) return {};
  return { import: `${r.namespace}/${r.name}`, ...(adopted!.manage ? {} : { ignoreChanges: RELEASE_INPUTS }) };
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
    const adopted = args.adopted;
    // An adopted release keeps its name and namespace (a change of either would replace it).
    const pin = (key: AdoptableChart): ChartPin => {
      const r = adopted?.releases[key];
      return r ? { ...CHARTS[key], namespace: r.namespace } : CHARTS[key];
    };
    const relArgs = (key: AdoptableChart, values: Record<string, unknown>, extra: Partial<k8s.helm.v3.ReleaseArgs> = {}) => {
      const r = adopted?.releases[key];
      return releaseArgs(pin(key), values, { ...(r ? { name: r.name } : {}), ...extra });
    };

    let poolObjects: pulumi.Resource[] = [];
    if (args.metallb) {
      const release = new k8s.helm.v3.Release(`${name}-metallb`, relArgs("metallb", metallbValues()), { ...base, ...adoptOptions(adopted, "metallb") });
      this.releases.metallb = release;
      // The CRs need the chart's CRDs and its validating webhook: only after the release is ready.
      poolObjects = k8sObjects(`${name}-metallb`, metallbL2Pool({ name: args.metallb.pool, namespace: pin("metallb").namespace, ranges: args.metallb.ranges, reserved: args.metallb.reserved }), { ...base, dependsOn: [release] });
      this.ready.push(release, ...poolObjects);
    }

    if (args.ingress) {
      if (!args.metallb) throw new Error(`${name}: ingress needs a MetalLB pool for its LoadBalancer address`);
      const address = args.ingress.address;
      if (!args.metallb.ranges.some((r) => rangeContains(r, address))) throw new Error(`${name}: ingress address ${address} is outside the MetalLB pool ${args.metallb.pool}`);
      const release = new k8s.helm.v3.Release(
        `${name}-ingress-nginx`,
        relArgs("ingressNginx", ingressNginxValues({ loadBalancerIP: address, pool: args.metallb.pool })),
        { ...base, dependsOn: poolObjects, ...adoptOptions(adopted, "ingressNginx") },
      );
      this.releases.ingressNginx = release;
      this.ingressAddress = address;
      this.ready.push(release);
    }

    if (args.certManager) {
      const release = new k8s.helm.v3.Release(`${name}-cert-manager`, relArgs("certManager", certManagerValues()), { ...base, ...adoptOptions(adopted, "certManager") });
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
        relArgs("longhorn", longhornValues({ replicaCount: args.longhorn.replicaCount, backupTarget: args.longhorn.backupTarget })),
        // Protected: the storage system owns every volume; uninstalling it must be deliberate.
        { ...base, protect: true, ...adoptOptions(adopted, "longhorn") },
      );
      this.releases.longhorn = release;
      this.storageClass = "longhorn";
      const jobs = k8sObjects(`${name}-longhorn`, (args.longhorn.recurringJobs ?? []).map((j) => ({ ...j, metadata: { ...j.metadata, namespace: pin("longhorn").namespace } })), { ...base, dependsOn: [release] });
      this.ready.push(release, ...jobs);
    }

    if (args.nvidia) {
      // allowNullValues: the provider drops null values otherwise (helm_release.go mergeMaps/excludeNulls),
      // and only a null deletes the chart's default affinity (Helm coalesces maps).
      const release = new k8s.helm.v3.Release(
        `${name}-nvidia-device-plugin`,
        relArgs("nvidiaDevicePlugin", nvidiaDevicePluginValues(), { allowNullValues: true }),
        { ...base, ...adoptOptions(adopted, "nvidiaDevicePlugin") },
      );
      this.releases.nvidiaDevicePlugin = release;
      this.ready.push(release);
    }

    this.registerOutputs({ ingressAddress: this.ingressAddress, issuers: this.issuers, storageClass: this.storageClass });
  }
}
