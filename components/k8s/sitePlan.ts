/**
 * Pure: what the Kubernetes layer of a site deploys at the stack's phase. The stacks only
 * turn this plan into components; tests check it without any Pulumi runtime.
 *
 * sector7 (seed 003 phases 0-6): cluster + MetalLB/ingress/cert-manager/Longhorn at 2, NVIDIA
 * device plugin at 3, apps at the phase each carries in the inventory (heimdall, postgres,
 * n8n, nocodb 4; appflowy 5; grafana = kube-prometheus-stack 6).
 * orion (seed 001): cluster as soon as its VMs exist (1); cluster services (Longhorn,
 * kube-prometheus-stack) and the user's workloads at 5.
 */
import { ResolvedService, Site } from "../inventory/load";
import { GPU_NODE_LABEL, longhornRecurringJobs, RecurringJob } from "./render/ingress";
import { K8sObject } from "./render/common";
import { ORION_AGENTS, OrionAgent } from "./render/apps";
import { requirePinnedImage } from "./render/versions";

export const SECTOR7_PHASES = { cluster: 2, platform: 2, nvidia: 3 } as const;
export const ORION_PHASES = { cluster: 1, platform: 5, workloads: 5 } as const;

/** A node to install k3s on. `vm` names the inventory service when the node is a VM. */
export interface NodePlan {
  name: string;
  address: string;
  labels: Record<string, string>;
  vm?: string;
}

export interface ClusterPlan {
  name: string;
  server: NodePlan;
  agents: NodePlan[];
  /** Default SSH login user (overridable with homelab:sshUser). */
  sshUser: string;
}

export interface PlatformPlan {
  metallb?: { pool: string; ranges: string[]; reserved: string[] };
  ingress?: { address: string };
  certManager: boolean;
  longhorn: { replicaCount: number; backupTarget?: string; recurringJobs: RecurringJob[] };
  nvidia: boolean;
}

/** The apps the k8s layer knows how to build, by inventory service name. */
export const KNOWN_APPS = ["heimdall", "postgres", "n8n", "nocodb", "appflowy", "grafana"] as const;
export type AppName = (typeof KNOWN_APPS)[number];

export interface AppPlan {
  name: AppName;
  namespace: string;
  /** Inventory storage, e.g. "20Gi". */
  storage: string;
  storageGiB: number;
  host?: string;
  gpu: boolean;
  /** Longhorn recurring-job group of the app's volumes, when it has a longhorn backup. */
  backupGroup?: string;
}

export interface OrionImages {
  backstage: string;
  vaporApi: string;
  agents: Record<OrionAgent, string>;
}

export interface K8sSitePlan {
  cluster?: ClusterPlan;
  platform?: PlatformPlan;
  apps: AppPlan[];
  /** kube-prometheus-stack without an inventory entry (orion). */
  monitoring: boolean;
  orionWorkloads?: OrionImages;
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
 * Recurring-job group of a service's volumes. Helm-managed volumes (grafana = the
 * kube-prometheus-stack chart) cannot be labelled here, so they use Longhorn's "default"
 * group, which covers every volume without recurring-job labels.
 */
function groupFor(s: ResolvedService): string {
  return s.name === "grafana" ? "default" : s.name;
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
    if (!(KNOWN_APPS as readonly string[]).includes(s.name)) throw new Error(`site ${site.name}: no Kubernetes builder for service ${s.name} (known: ${KNOWN_APPS.join(", ")})`);
    if (!s.namespace) throw new Error(`site ${site.name}: service ${s.name} needs a namespace`);
    if (!s.storageGiB || !Number.isInteger(s.storageGiB)) throw new Error(`site ${site.name}: service ${s.name} needs an integer storageGiB`);
    const hasBackup = !!s.backup && "longhorn" in s.backup;
    return {
      name: s.name as AppName,
      namespace: s.namespace,
      storage: `${s.storageGiB}Gi`,
      storageGiB: s.storageGiB,
      ...(s.dnsName ? { host: s.dnsName } : {}),
      gpu: s.gpu,
      ...(hasBackup && s.name !== "grafana" ? { backupGroup: s.name } : {}),
    };
  });
}

/** sector7: bare-metal nodes over SSH, MetalLB L2 pool, ingress on the pool's first address. */
export function sector7Plan(site: Site, opts: { backupTarget?: string } = {}): K8sSitePlan {
  const apps = appPlans(site);
  const phase = site.phase;
  const plan: K8sSitePlan = { apps, monitoring: false, dnsRecords: [] };
  if (phase < SECTOR7_PHASES.cluster) {
    if (apps.length) throw new Error(`site ${site.name}: apps ${apps.map((a) => a.name).join(", ")} are active before the cluster (phase ${SECTOR7_PHASES.cluster})`);
    return plan;
  }
  const metal = site.hosts.filter((h) => h.kind === "baremetal");
  if (metal.length === 0) throw new Error(`site ${site.name}: no bare-metal hosts for the k3s cluster`);
  const nodes = metal.map((h): NodePlan => {
    if (!h.address) throw new Error(`site ${site.name}: host ${h.name} has no address`);
    return { name: h.name, address: h.address, labels: h.gpu ? { [GPU_NODE_LABEL.key]: GPU_NODE_LABEL.value } : {} };
  });
  plan.cluster = { name: site.name, server: nodes[0], agents: nodes.slice(1), sshUser: "root" };

  const lan = site.networks[0];
  const pool = lan.loadBalancerPools[0];
  if (!pool) throw new Error(`site ${site.name}: network ${lan.name} has no loadBalancerPools for MetalLB`);
  const reserved = [...(lan.gateway ? [lan.gateway] : []), ...nodes.map((n) => n.address), ...lan.reserved.map((r) => r.address)];
  const ingressAddress = pool.start;
  plan.platform = {
    metallb: { pool: pool.name, ranges: [`${pool.start}-${pool.end}`], reserved },
    ingress: { address: ingressAddress },
    certManager: true,
    longhorn: { replicaCount: Math.min(nodes.length, 3), ...(opts.backupTarget ? { backupTarget: opts.backupTarget } : {}), recurringJobs: backupJobs(k8sServices(site), opts.backupTarget) },
    nvidia: phase >= SECTOR7_PHASES.nvidia && site.hosts.some((h) => h.gpu),
  };
  plan.dnsRecords = apps
    .filter((a) => a.host)
    .map((a) => ({ name: a.host!, address: ingressAddress, service: a.name }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return plan;
}

/** Parses and checks `homelab:orionImages` (every image pinned). */
export function parseOrionImages(raw: unknown): OrionImages {
  const o = (raw ?? {}) as Partial<OrionImages>;
  const agents = (o.agents ?? {}) as Partial<Record<OrionAgent, string>>;
  const missing = [
    ...(o.backstage ? [] : ["backstage"]),
    ...(o.vaporApi ? [] : ["vaporApi"]),
    ...ORION_AGENTS.filter((a) => !agents[a]).map((a) => `agents.${a}`),
  ];
  if (missing.length) throw new Error(`homelab:orionImages is missing ${missing.join(", ")}`);
  requirePinnedImage(o.backstage!);
  requirePinnedImage(o.vaporApi!);
  for (const a of ORION_AGENTS) requirePinnedImage(agents[a]!);
  return { backstage: o.backstage!, vaporApi: o.vaporApi!, agents: agents as Record<OrionAgent, string> };
}

/** orion: k3s on the k3s-master / k3s-worker-N VMs; cluster services and workloads at phase 5. */
export function orionPlan(site: Site, opts: { images?: unknown } = {}): K8sSitePlan {
  const plan: K8sSitePlan = { apps: appPlans(site), monitoring: false, dnsRecords: [] };
  const master = site.services.find((s) => s.kind === "vm" && s.name === "k3s-master");
  const workers = site.services.filter((s) => s.kind === "vm" && /^k3s-worker-\d+$/.test(s.name)).sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  if (site.phase < ORION_PHASES.cluster || !master) {
    if (site.phase >= ORION_PHASES.workloads) throw new Error(`site ${site.name}: phase ${site.phase} needs the k3s-master VM`);
    return plan;
  }
  const node = (s: ResolvedService): NodePlan => {
    if (!s.ipv4) throw new Error(`site ${site.name}: ${s.name} needs a static ipv4 for k3s`);
    return { name: s.name, address: s.ipv4, labels: {}, vm: s.name };
  };
  plan.cluster = { name: site.name, server: node(master), agents: workers.map(node), sshUser: "debian" };
  if (site.phase >= ORION_PHASES.platform) {
    plan.platform = {
      certManager: false,
      longhorn: { replicaCount: Math.min(1 + workers.length, 3), recurringJobs: longhornRecurringJobs({ backups: false }) },
      nvidia: false,
    };
    plan.monitoring = true;
  }
  if (site.phase >= ORION_PHASES.workloads) {
    if (opts.images === undefined) {
      throw new Error(
        `site ${site.name}: phase ${site.phase} deploys Backstage, the Vapor API and four agents, but homelab:orionImages is not set; ` +
          `set it to pinned image references {backstage, vaporApi, agents: {${ORION_AGENTS.join(", ")}}} or keep the phase below ${ORION_PHASES.workloads}`,
      );
    }
    plan.orionWorkloads = parseOrionImages(opts.images);
  }
  return plan;
}
