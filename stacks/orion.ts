import * as pulumi from "@pulumi/pulumi";
import { Site } from "../components/inventory/load";
import { ProxmoxSite, siteSummary } from "../components/site/proxmoxSite";
import { K3sCluster, K3sNode, sshConnectionFromConfig } from "../components/k8s/k3sCluster";
import { MetalLbIngress } from "../components/k8s/metalLbIngress";
import { SiteApps } from "../components/k8s/siteApps";
import { NodePlan, orionPlan } from "../components/k8s/sitePlan";

/** The orion site: Proxmox guests, k3s on its VMs, cluster services and workloads at phase 5. */
export function orion(site: Site) {
  const cfg = new pulumi.Config("homelab");
  const plan = orionPlan(site, { images: cfg.getObject<unknown>("orionImages") });
  const guests = new ProxmoxSite(site.name, { site });
  const outputs: Record<string, unknown> = siteSummary(site, guests);
  if (!plan.cluster) return outputs;

  const node = (n: NodePlan): K3sNode => {
    const vm = n.vm ? guests.vms[n.vm] : undefined;
    if (n.vm && !vm) throw new Error(`orion: k3s node ${n.name} has no VM`);
    return { ...n, dependsOn: vm ? [vm] : [] };
  };
  const cluster = new K3sCluster(`${site.name}-k3s`, {
    clusterName: plan.cluster.name,
    server: node(plan.cluster.server),
    agents: plan.cluster.agents.map(node),
    connection: sshConnectionFromConfig(plan.cluster.sshUser),
  });
  const result: Record<string, unknown> = { ...outputs, k3sServer: cluster.serverAddress, kubeconfig: cluster.kubeconfig };
  if (!plan.platform) return result;

  const platform = new MetalLbIngress(`${site.name}-platform`, { provider: cluster.provider, longhorn: plan.platform.longhorn });
  const apps = new SiteApps(`${site.name}-apps`, {
    provider: cluster.provider,
    apps: plan.apps,
    storageClass: platform.storageClass!,
    timezone: site.inventory.timezone,
    adminEmail: cfg.get("adminEmail") ?? `admin@${site.inventory.dns.domain}`,
    dependsOn: platform.ready,
    monitoring: plan.monitoring ? { grafanaNodePort: 30080, prometheusStorage: "50Gi" } : undefined,
    orionWorkloads: plan.orionWorkloads ? { images: plan.orionWorkloads, namespace: "orion", backstageNodePort: 30000 } : undefined,
  });
  return { ...result, credentials: apps.credentials };
}
