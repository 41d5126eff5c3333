/**
 * The site program: the same composition for every stack, from the site's inventory and its
 * organisation's — guests, then the apps and tiers they run, then the cross-site wiring, then the
 * outputs. No site is named here; what a site does is in its `Pulumi.<site>.yaml`.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Site } from "../components/inventory/load";
import { checkOrganisation, needsInternalCa, organisationOf } from "../components/inventory/org";
import { checkBackupTargets } from "../components/inventory/backupTargets";
import { ProxmoxSite } from "../components/site/proxmoxSite";
import { SiteContext } from "../components/site/context";
import { Deployment } from "../components/site/deployment";
import { deployKeyFor, deployKeyOutputs } from "../components/site/deployKey";
import { InternalCa } from "../components/mesh/internalCa";
import { dataTier } from "../components/data/siteData";
import { meshTier } from "../components/mesh/siteMesh";
import { k8sTier } from "../components/k8s/siteK8s";
import { monitoringTier } from "../components/monitoring/siteMonitoring";
import { routerTier } from "../components/router/siteRouter";
import { appsTier } from "../components/apps/siteApps";

/** The plain summary every site exports: what exists, where, and what waits for a later phase. */
function summary(site: Site, proxmox: ProxmoxSite | undefined): Record<string, unknown> {
  const rootPam = proxmox?.rootPamGuests ?? [];
  const metal = site.hosts.filter((h) => h.kind === "baremetal");
  const pools = site.networks.flatMap((n) => n.loadBalancerPools);
  return {
    site: site.name,
    phase: site.phase,
    ...(proxmox ? { guests: proxmox.guests } : {}),
    ...(rootPam.length ? { rootPamGuests: rootPam } : {}),
    ...(metal.length ? { nodes: metal.map((h) => ({ name: h.name, address: h.address, gpu: h.gpu })) } : {}),
    ...(pools.length ? { loadBalancerPools: pools } : {}),
    deferred: site.deferred.map((s) => ({ name: s.name, phase: s.phase })),
  };
}

/**
 * Composes `site`. `siblings` are the other loaded sites of the project (the organisation is
 * taken from them); `deployment` is the rest of the stack config.
 */
export function siteProgram(site: Site, siblings: readonly Site[], deployment: Deployment): Record<string, unknown> {
  const org = organisationOf(site, siblings);
  checkOrganisation(org);
  checkBackupTargets(org);
  const hasGuests = site.services.some((s) => s.kind === "lxc" || s.kind === "vm");
  const ctx = new SiteContext(site, org, undefined, deployment);
  // The organisation's deploy key exists before the guests: they get its public half at creation.
  const deployKey = hasGuests ? deployKeyFor(site, org, (name) => ctx.upstream(name)) : undefined;
  ctx.deployKey = deployKey;
  const proxmox = hasGuests
    ? new ProxmoxSite(site.name, {
        site,
        org,
        deployPublicKey: deployKey?.publicKey,
        ssh: (host, user) => ctx.ssh(host, user),
        rootPam: { endpoint: deployment.proxmox.endpoint, insecure: deployment.proxmox.insecure, password: deployment.proxmoxRootPassword },
      })
    : undefined;
  ctx.attachGuests(proxmox);
  const ca = needsInternalCa(site) ? new InternalCa(`${site.name}-ca`, { organisation: site.inventory.organisation }) : undefined;
  const data = dataTier(ctx, ca);
  const mesh = meshTier(ctx, { ca, primary: data.primary ? { databases: data.primary.databases, resource: data.primary } : undefined });
  const k8s = k8sTier(ctx);
  const monitoring = monitoringTier(ctx, ca, data.minio);
  const apps = appsTier(ctx, { primary: data.primary ? { databases: data.primary.databases, resource: data.primary } : undefined, ca, appMetricsToken: monitoring.appMetricsToken as pulumi.Output<string> | undefined });
  return { ...summary(site, proxmox), ...(deployKey ? deployKeyOutputs(site, deployKey) : {}), ...routerTier(ctx), ...data.outputs, ...mesh, ...k8s, ...monitoring, ...apps };
}
