/**
 * The inventory's `kubernetes` section: the site's k3s cluster, its platform and the phases they
 * arrive at (components/k8s/sitePlan.ts turns it into a plan).
 */
import { z } from "zod";
import { dnsLabel } from "./fields";

/** A phase gate: the feature exists when the stack's phase is at least this. */
export const phaseGate = z.number().int().min(0).max(9);

/** The site's k3s cluster: its nodes are the bare-metal hosts, or the guests whose app is `k3s-server`/`k3s-agent`. */
export const KubernetesSchema = z.strictObject({
  /** Phase from which k3s is installed on the nodes. */
  phase: phaseGate,
  /** SSH login user on the nodes (overridable with config `homelab:sshUser`). Default `root`. */
  sshUser: z.string().regex(/^[a-z_][a-z0-9_-]*$/, "must be a user name").default("root"),
  /**
   * Adopt a running cluster instead of installing one: k3s is never installed, reconfigured or
   * restarted for its flags, no join token is created (the cluster keeps its own), the kubeconfig
   * is read from the server node on every `up`, and the listed Helm releases are imported
   * (`<namespace>/<name>`) instead of installed next to the existing ones. Host prerequisites
   * (open-iscsi, nfs-common, the NVIDIA toolkit) are still installed. Default: install k3s.
   */
  adopt: z
    .strictObject({
      /** Existing releases of the platform charts to import. Default: none. */
      releases: z
        .array(
          z.strictObject({
            /** Which platform chart the release is. */
            chart: z.enum(["metallb", "ingress-nginx", "cert-manager", "longhorn", "nvidia-device-plugin"]),
            /** Release name (`helm list -A`). Default: the chart name. */
            name: dnsLabel.optional(),
            /** Release namespace. Default: the chart's namespace in components/k8s/render/versions.ts. */
            namespace: dnsLabel.optional(),
          }),
        )
        .default([]),
      /**
       * false (first `up`): import the releases exactly as they run (every input ignored, so the
       * import cannot fail on differing values). true (after the import): manage them, i.e. the next
       * `up` upgrades them to the pinned chart and this program's values. Default false.
       */
      manageReleases: z.boolean().default(false),
    })
    .optional(),
  /** Cluster services and the phase they arrive at. Default: none. */
  platform: z
    .strictObject({
      /** Phase of the cluster services. */
      phase: phaseGate,
      /** MetalLB in L2 mode on the first network's first load-balancer pool. Default false. */
      metallb: z.boolean().default(false),
      /** ingress-nginx on the pool's first address (needs `metallb`). Default false. */
      ingress: z.boolean().default(false),
      /** cert-manager with ACME staging/production issuers. Default false. */
      certManager: z.boolean().default(false),
      /**
       * kube-prometheus-stack without an inventory service of its own, Grafana on a NodePort (a site
       * without an ingress). Default: none (a `grafana` k8s service brings it with an ingress).
       */
      monitoring: z
        .strictObject({
          /** NodePort of Grafana. Default 30080. */
          grafanaNodePort: z.number().int().min(30000).max(32767).default(30080),
          /** Prometheus volume in GiB. Default 50. */
          prometheusStorageGiB: z.number().int().positive().default(50),
        })
        .optional(),
    })
    .optional(),
  /** NVIDIA device plugin on GPU hosts from this phase. Default: never. */
  nvidiaPhase: phaseGate.optional(),
  /** The agent platform (Backstage, the Vapor API, four agents; pinned images from config `homelab:workloadImages`). Default: none. */
  agentWorkloads: z
    .strictObject({
      /** Phase it arrives at. */
      phase: phaseGate,
      /** Namespace of the workloads. */
      namespace: dnsLabel,
      /** NodePort of Backstage when the site has no ingress. Default: a ClusterIP service. */
      backstageNodePort: z.number().int().min(30000).max(32767).optional(),
    })
    .optional(),
});
