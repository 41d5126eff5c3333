/**
 * The Kubernetes tier of one site, from its `kubernetes` section and k8s services (k8sPlan): k3s on
 * the nodes over SSH, the cluster platform, and the apps — in that order, each waiting for the last.
 */
import { SiteContext } from "../site/context";
import { K3sCluster, K3sNode } from "./k3sCluster";
import { MetalLbIngress } from "./metalLbIngress";
import { SiteApps } from "./siteApps";
import { k8sPlan, NodePlan } from "./sitePlan";

/** Composes the Kubernetes tier; returns its stack outputs (none without a cluster at this phase). */
export function k8sTier(ctx: SiteContext): Record<string, unknown> {
  const { site, deployment: d } = ctx;
  const plan = k8sPlan(site, { backupTarget: d.longhornBackupTarget, images: d.workloadImages });
  const outputs: Record<string, unknown> = site.inventory.kubernetes ? { dnsRecords: plan.dnsRecords } : {};
  if (!plan.cluster) return outputs;

  const node = (n: NodePlan): K3sNode => ({ ...n, dependsOn: n.vm ? ctx.guestComponent(n.vm) : [] });
  const sshUser = d.sshUser ?? plan.cluster.sshUser;
  const sshKey = plan.cluster.server.vm ? ctx.ssh(plan.cluster.server.address, sshUser).privateKey : d.sshPrivateKey;
  const cluster = new K3sCluster(`${site.name}-k3s`, {
    clusterName: plan.cluster.name,
    server: node(plan.cluster.server),
    agents: plan.cluster.agents.map(node),
    // The one SSH rule: guest nodes carry the organisation's deploy key; bare-metal nodes were not
    // built by this program, so they take the configured key or the SSH agent.
    connection: { user: sshUser, ...(sshKey ? { privateKey: sshKey } : {}) },
    adopt: plan.cluster.adopt,
  });
  outputs.k3sServer = cluster.serverAddress;
  outputs.kubeconfig = cluster.kubeconfig;
  const p = plan.platform;
  if (!p) return outputs;

  const platform = new MetalLbIngress(`${site.name}-platform`, {
    provider: cluster.provider,
    metallb: p.metallb,
    ingress: p.ingress,
    certManager: p.certManager ? { email: d.acmeEmail } : undefined,
    longhorn: p.longhorn,
    nvidia: p.nvidia,
    adopted: p.adopted,
  });
  const apps = new SiteApps(`${site.name}-apps`, {
    provider: cluster.provider,
    apps: plan.apps,
    storageClass: platform.storageClass!,
    clusterIssuer: platform.issuers?.prod,
    timezone: site.inventory.timezone,
    adminEmail: d.adminEmail ?? `admin@${site.inventory.dns.domain}`,
    dependsOn: platform.ready,
    monitoring: plan.monitoring,
    agentWorkloads: plan.agentWorkloads,
  });
  if (platform.ingressAddress) outputs.ingressAddress = platform.ingressAddress;
  if (platform.issuers) outputs.clusterIssuers = platform.issuers;
  outputs.credentials = apps.credentials;
  return outputs;
}
