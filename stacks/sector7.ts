import * as pulumi from "@pulumi/pulumi";
import { Site } from "../components/inventory/load";
import { K3sCluster, sshConnectionFromConfig } from "../components/k8s/k3sCluster";
import { MetalLbIngress } from "../components/k8s/metalLbIngress";
import { SiteApps } from "../components/k8s/siteApps";
import { sector7Plan } from "../components/k8s/sitePlan";

/**
 * The sector7 site: bare-metal k3s nodes joined over SSH, then the platform and apps that
 * sector7Plan() selects for the stack's phase.
 */
export function sector7(site: Site) {
  const cfg = new pulumi.Config("homelab");
  const plan = sector7Plan(site, { backupTarget: cfg.get("longhornBackupTarget") });
  const lan = site.networks[0];
  const outputs: Record<string, unknown> = {
    site: site.name,
    phase: site.phase,
    nodes: site.hosts.map((h) => ({ name: h.name, address: h.address, gpu: h.gpu })),
    loadBalancerPools: lan.loadBalancerPools,
    deferred: site.deferred.map((s) => ({ name: s.name, phase: s.phase })),
    dnsRecords: plan.dnsRecords,
  };
  if (!plan.cluster || !plan.platform) return outputs;

  const cluster = new K3sCluster(`${site.name}-k3s`, {
    clusterName: plan.cluster.name,
    server: plan.cluster.server,
    agents: plan.cluster.agents,
    connection: sshConnectionFromConfig(plan.cluster.sshUser),
  });
  const p = plan.platform;
  const platform = new MetalLbIngress(`${site.name}-platform`, {
    provider: cluster.provider,
    metallb: p.metallb,
    ingress: p.ingress,
    certManager: p.certManager ? { email: cfg.get("acmeEmail") } : undefined,
    longhorn: p.longhorn,
    nvidia: p.nvidia,
  });
  const apps = new SiteApps(`${site.name}-apps`, {
    provider: cluster.provider,
    apps: plan.apps,
    storageClass: platform.storageClass!,
    clusterIssuer: platform.issuers?.prod,
    timezone: site.inventory.timezone,
    adminEmail: cfg.get("adminEmail") ?? `admin@${site.inventory.dns.domain}`,
    dependsOn: platform.ready,
  });
  return {
    ...outputs,
    kubeconfig: cluster.kubeconfig,
    ingressAddress: platform.ingressAddress,
    clusterIssuers: platform.issuers,
    credentials: apps.credentials,
  };
}
