/**
 * Pure: what the Kubernetes layer of a site deploys at the stack's phase, from the inventory's
 * `kubernetes` section and its k8s services' apps. The site program only turns this plan into
 * components; tests check it without any Pulumi runtime.
 *
 * Nodes are the guests whose app is `k3s-server`/`k3s-agent` when the site has them, else its
 * bare-metal hosts (the first is the server). The platform (MetalLB, ingress-nginx, cert-manager,
 * Longhorn, a NodePort kube-prometheus-stack), the NVIDIA device plugin and the agent platform
 * arrive at the phases the section names; each app at its service's phase.
 */
import { InventoryError, ResolvedService, Site } from "../inventory/load";
import { activeApp, activeWithApp } from "../inventory/org";
import { GPU_NODE_LABEL, longhornRecurringJobs, RecurringJob } from "./render/ingress";
import { K8sObject } from "./render/common";
import { AGENT_NAMES as AGENTS, AgentName as Agent } from "./render/apps";
import { CHARTS, requirePinnedImage } from "./render/versions";
import type { NodePrerequisites } from "./render/k3s";

/** A node to install k3s on. `vm` names the inventory service when the node is a VM. */
export interface NodePlan {
  name: string;
  address: string;
  labels: Record<string, string>;
  vm?: string;
  /** Host packages the node needs (Longhorn's iSCSI/NFS clients, the NVIDIA toolkit on GPU nodes). */
  prerequisites: NodePrerequisites;
}

/** The platform charts a site may adopt, by their key in CHARTS. */
export const ADOPTABLE_CHARTS = {
  metallb: "metallb",
  "ingress-nginx": "ingressNginx",
  "cert-manager": "certManager",
  longhorn: "longhorn",
  "nvidia-device-plugin": "nvidiaDevicePlugin",
} as const satisfies Record<string, keyof typeof CHARTS>;
export type AdoptableChart = (typeof ADOPTABLE_CHARTS)[keyof typeof ADOPTABLE_CHARTS];

/** Existing Helm releases to import, by chart key, and whether they are managed yet. */
export interface AdoptedReleases {
  releases: Partial<Record<AdoptableChart, { name: string; namespace: string }>>;
  /** false: imported with every input ignored (first `up`); true: upgraded to this program's chart and values. */
  manage: boolean;
}

export interface ClusterPlan {
  name: string;
  server: NodePlan;
  agents: NodePlan[];
  /** Default SSH login user (overridable with homelab:sshUser). */
  sshUser: string;
  /** The cluster runs already: never install k3s or create a token; read its kubeconfig. */
  adopt: boolean;
}

export interface PlatformPlan {
  metallb?: { pool: string; ranges: string[]; reserved: string[] };
  ingress?: { address: string };
  certManager: boolean;
  longhorn: { replicaCount: number; backupTarget?: string; recurringJobs: RecurringJob[] };
  nvidia: boolean;
  /** Existing releases the platform imports instead of installing (adopt mode). */
  adopted?: AdoptedReleases;
}

/** kube-prometheus-stack without an inventory service: Grafana on a NodePort. */
export interface MonitoringPlan {
  grafanaNodePort: number;
  prometheusStorage: string;
}

/** The agent platform's workloads. */
export interface AgentWorkloadsPlan {
  images: WorkloadImages;
  namespace: string;
  backstageNodePort?: number;
}

/** The apps the k8s layer knows how to build, by app kind. */
export const KNOWN_APPS = ["heimdall", "postgres", "n8n", "nocodb", "appflowy", "grafana"] as const;
export type K8sAppKind = (typeof KNOWN_APPS)[number];

export interface AppPlan {
  /** Service name (resource names). */
  name: string;
  /** What to build. */
  kind: K8sAppKind;
  namespace: string;
  /** Inventory storage, e.g. "20Gi". */
  storage: string;
  storageGiB: number;
  host?: string;
  gpu: boolean;
  /** Longhorn recurring-job group of the app's volumes, when it has a longhorn backup. */
  backupGroup?: string;
}

/** Pinned images of the agent platform (config `homelab:workloadImages`). */
export interface WorkloadImages {
  backstage: string;
  vaporApi: string;
  agents: Record<Agent, string>;
}

export interface K8sSitePlan {
  cluster?: ClusterPlan;
  platform?: PlatformPlan;
  apps: AppPlan[];
  /** kube-prometheus-stack without an inventory service. */
  monitoring?: MonitoringPlan;
  agentWorkloads?: AgentWorkloadsPlan;
  /** Names to point at the ingress address. */
  dnsRecords: { name: string; address: string; service: string }[];
}

function k8sServices(site: Site): ResolvedService[] {
  return site.services.filter((s) => s.kind === "k8s");
}

/** Longhorn recurring jobs from the services' `backup.longhorn` (one group per service). */
export function backupJobs(services: readonly ResolvedService[], backupTarget: string | undefined, namespace = "longhorn-system"): RecurringJob[] {
  const jobs: RecurringJob[] = [];
  for (const s of services) {
    const b = s.backup;
    if (!b || !("longhorn" in b)) continue;
    if (b.longhorn.cron.trim().split(/\s+/).length !== 5) throw new Error(`service ${s.name}: backup.longhorn.cron must have 5 fields`);
    const name = `${s.name}-${backupTarget ? "backup" : "snapshot"}`;
    jobs.push({
      apiVersion: "longhorn.io/v1beta2",
      kind: "RecurringJob",
      metadata: { name, namespace, labels: { "app.kubernetes.io/managed-by": "homelab" } },
      // Without a backup target a "backup" job can only fail: keep local snapshots instead.
      spec: { name, task: backupTarget ? "backup" : "snapshot", cron: b.longhorn.cron, retain: b.longhorn.retain, concurrency: 1, groups: [groupFor(s)] },
    });
  }
  return jobs.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/**
 * Recurring-job group of a service's volumes. Helm-managed volumes (app grafana = the
 * kube-prometheus-stack chart) cannot be labelled here, so they use Longhorn's "default"
 * group, which covers every volume without recurring-job labels.
 */
function groupFor(s: ResolvedService): string {
  return s.app?.kind === "grafana" ? "default" : s.name;
}

/** Longhorn labels that put a PVC's volume into a recurring-job group. */
export function longhornGroupLabels(group: string): Record<string, string> {
  return { "recurring-job.longhorn.io/source": "enabled", [`recurring-job-group.longhorn.io/${group}`]: "enabled" };
}

/** Adds the recurring-job group labels to every PVC and StatefulSet volumeClaimTemplate. */
export function withBackupGroup<T extends K8sObject>(objs: T[], group: string | undefined): T[] {
  if (!group) return objs;
  const labels = longhornGroupLabels(group);
  return objs.map((o) => {
    if (o.kind === "PersistentVolumeClaim") return { ...o, metadata: { ...o.metadata, labels: { ...(o.metadata?.labels ?? {}), ...labels } } };
    if (o.kind === "StatefulSet" && o.spec?.volumeClaimTemplates) {
      return {
        ...o,
        spec: {
          ...o.spec,
          volumeClaimTemplates: o.spec.volumeClaimTemplates.map((t) => ({ ...t, metadata: { ...t.metadata, labels: { ...(t.metadata?.labels ?? {}), ...labels } } })),
        },
      };
    }
    return o;
  });
}

function appPlans(site: Site): AppPlan[] {
  return k8sServices(site).map((s) => {
    const kind = s.app?.kind;
    if (!kind || !(KNOWN_APPS as readonly string[]).includes(kind)) {
      throw new Error(`site ${site.name}: no Kubernetes builder for service ${s.name} (app ${kind ?? "not set"}; known: ${KNOWN_APPS.join(", ")})`);
    }
    if (!s.namespace) throw new Error(`site ${site.name}: service ${s.name} needs a namespace`);
    if (!s.storageGiB || !Number.isInteger(s.storageGiB)) throw new Error(`site ${site.name}: service ${s.name} needs an integer storageGiB`);
    const hasBackup = !!s.backup && "longhorn" in s.backup;
    return {
      name: s.name,
      kind: kind as K8sAppKind,
      namespace: s.namespace,
      storage: `${s.storageGiB}Gi`,
      storageGiB: s.storageGiB,
      ...(s.dnsName ? { host: s.dnsName } : {}),
      gpu: s.gpu,
      ...(hasBackup && kind !== "grafana" ? { backupGroup: s.name } : {}),
    };
  });
}

/** Parses and checks `homelab:workloadImages` (every image pinned). */
export function parseWorkloadImages(raw: unknown): WorkloadImages {
  const o = (raw ?? {}) as Partial<WorkloadImages>;
  const agents = (o.agents ?? {}) as Partial<Record<Agent, string>>;
  const missing = [...(o.backstage ? [] : ["backstage"]), ...(o.vaporApi ? [] : ["vaporApi"]), ...AGENTS.filter((a) => !agents[a]).map((a) => `agents.${a}`)];
  if (missing.length) throw new Error(`homelab:workloadImages is missing ${missing.join(", ")}`);
  requirePinnedImage(o.backstage!);
  requirePinnedImage(o.vaporApi!);
  for (const a of AGENTS) requirePinnedImage(agents[a]!);
  return { backstage: o.backstage!, vaporApi: o.vaporApi!, agents: agents as Record<Agent, string> };
}

/** Deployment settings the plan reads from the stack config (not the inventory). */
export interface K8sPlanOptions {
  /** Longhorn backup target (config `homelab:longhornBackupTarget`). Default: snapshots only. */
  backupTarget?: string;
  /** Raw `homelab:workloadImages`, required once the agent platform is active. */
  images?: unknown;
}

function nodesOf(site: Site, prereq: (gpu: boolean) => NodePrerequisites): { server: NodePlan; agents: NodePlan[] } | undefined {
  const server = activeApp(site, "k3s-server");
  const guestNodes = [...site.services, ...site.deferred].some((s) => s.app?.kind === "k3s-server");
  if (guestNodes) {
    if (!server) return undefined;
    const agents = activeWithApp(site, "k3s-agent").sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    const node = (s: ResolvedService): NodePlan => ({ name: s.name, address: s.ipv4!, labels: {}, vm: s.name, prerequisites: prereq(false) });
    return { server: node(server), agents: agents.map(node) };
  }
  const metal = site.hosts.filter((h) => h.kind === "baremetal");
  if (metal.length === 0) return undefined;
  const nodes = metal.map((h): NodePlan => {
    if (!h.address) throw new Error(`site ${site.name}: host ${h.name} has no address`);
    return { name: h.name, address: h.address, labels: h.gpu ? { [GPU_NODE_LABEL.key]: GPU_NODE_LABEL.value } : {}, prerequisites: prereq(h.gpu) };
  });
  return { server: nodes[0], agents: nodes.slice(1) };
}

/** The adopt section's releases with their defaults (name = chart, namespace = the pin's). */
export function adoptedReleases(adopt: { releases: { chart: keyof typeof ADOPTABLE_CHARTS; name?: string; namespace?: string }[]; manageReleases: boolean }): AdoptedReleases {
  const releases: AdoptedReleases["releases"] = {};
  for (const r of adopt.releases) {
    const key = ADOPTABLE_CHARTS[r.chart];
    if (releases[key]) throw new Error(`kubernetes.adopt.releases lists ${r.chart} twice`);
    releases[key] = { name: r.name ?? CHARTS[key].chart, namespace: r.namespace ?? CHARTS[key].namespace };
  }
  return { releases, manage: adopt.manageReleases };
}

/** The Kubernetes layer of `site` at its phase (empty without a `kubernetes` section). */
export function k8sPlan(site: Site, opts: K8sPlanOptions = {}): K8sSitePlan {
  const apps = appPlans(site);
  const plan: K8sSitePlan = { apps, dnsRecords: [] };
  const k = site.inventory.kubernetes;
  if (!k) return plan;
  const phase = site.phase;
  const nvidiaActive = k.nvidiaPhase !== undefined && phase >= k.nvidiaPhase;
  // Longhorn comes with the platform and needs iscsid on every node before its first volume.
  const nodes = phase >= k.phase ? nodesOf(site, (gpu) => ({ longhorn: !!k.platform, nvidia: gpu && nvidiaActive })) : undefined;
  if (!nodes) {
    if (apps.length) throw new Error(`site ${site.name}: apps ${apps.map((a) => a.name).join(", ")} are active before the cluster (phase ${k.phase})`);
    return plan;
  }
  plan.cluster = { name: site.name, server: nodes.server, agents: nodes.agents, sshUser: k.sshUser, adopt: !!k.adopt };
  const p = k.platform;
  if (!p || phase < p.phase) {
    if (apps.length) throw new Error(`site ${site.name}: apps ${apps.map((a) => a.name).join(", ")} are active before the platform (phase ${p?.phase ?? "not set"})`);
    return plan;
  }
  const all = [nodes.server, ...nodes.agents];
  const lan = site.networks[0];
  const pool = lan.loadBalancerPools[0];
  const reserved = [...(lan.gateway ? [lan.gateway] : []), ...all.map((n) => n.address), ...lan.reserved.map((r) => r.address)];
  const longhornServices = k8sServices(site).some((s) => s.backup && "longhorn" in s.backup);
  plan.platform = {
    ...(p.metallb ? { metallb: { pool: pool.name, ranges: [`${pool.start}-${pool.end}`], reserved } } : {}),
    ...(p.ingress ? { ingress: { address: pool.start } } : {}),
    certManager: p.certManager,
    longhorn: {
      replicaCount: Math.min(all.length, 3),
      ...(opts.backupTarget ? { backupTarget: opts.backupTarget } : {}),
      recurringJobs: longhornServices ? backupJobs(k8sServices(site), opts.backupTarget) : longhornRecurringJobs({ backups: !!opts.backupTarget }),
    },
    nvidia: nvidiaActive && site.hosts.some((h) => h.gpu),
    ...(k.adopt ? { adopted: adoptedReleases(k.adopt) } : {}),
  };
  if (p.monitoring) plan.monitoring = { grafanaNodePort: p.monitoring.grafanaNodePort, prometheusStorage: `${p.monitoring.prometheusStorageGiB}Gi` };
  const w = k.agentWorkloads;
  if (w && phase >= w.phase) {
    if (opts.images === undefined) {
      throw new InventoryError(
        site.name,
        "homelab:workloadImages",
        undefined,
        `phase ${phase} deploys Backstage, the Vapor API and four agents: set pinned image references {backstage, vaporApi, agents: {${AGENTS.join(", ")}}} or keep the phase below ${w.phase}`,
      );
    }
    let images: WorkloadImages;
    try {
      images = parseWorkloadImages(opts.images);
    } catch (e) {
      throw new InventoryError(site.name, "homelab:workloadImages", opts.images, (e as Error).message.replace(/^homelab:workloadImages /, ""));
    }
    plan.agentWorkloads = { images, namespace: w.namespace, ...(w.backstageNodePort ? { backstageNodePort: w.backstageNodePort } : {}) };
  }
  if (plan.platform.ingress) {
    const address = plan.platform.ingress.address;
    plan.dnsRecords = apps
      .filter((a) => a.host)
      .map((a) => ({ name: a.host!, address, service: a.name }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
  return plan;
}
