/**
 * The site program: the same composition for every stack, from the site's inventory and its
 * organisation's — guests, then the apps and tiers they run, then the cross-site wiring, then the
 * outputs. No site is named here; what a site does is in its `Pulumi.<site>.yaml`.
 */
import type { Site } from "../components/inventory/load";
import { checkOrganisation, needsInternalCa, organisationOf } from "../components/inventory/org";
import { ProxmoxSite } from "../components/site/proxmoxSite";
import { SiteContext } from "../components/site/context";
import { Deployment } from "../components/site/deployment";
import { InternalCa } from "../components/mesh/internalCa";
import { dataTier } from "../components/data/siteData";
import { meshTier } from "../components/mesh/siteMesh";
import { k8sTier } from "../components/k8s/siteK8s";

/** The plain summary every site exports: what exists, where, and what waits for a later phase. */
function summary(site: Site, proxmox: ProxmoxSite | undefined): Record<string, unknown> {
  const metal = site.hosts.filter((h) => h.kind === "baremetal");
  const pools = site.networks.flatMap((n) => n.loadBalancerPools);
  return {
    site: site.name,
    phase: site.phase,
    ...(proxmox ? { guests: proxmox.guests } : {}),
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
  const hasGuests = site.services.some((s) => s.kind === "lxc" || s.kind === "vm");
  const proxmox = hasGuests ? new ProxmoxSite(site.name, { site }) : undefined;
  const ctx = new SiteContext(site, org, proxmox, deployment);
  const ca = needsInternalCa(site) ? new InternalCa(`${site.name}-ca`, { organisation: site.inventory.organisation }) : undefined;
  const data = dataTier(ctx, ca);
  const mesh = meshTier(ctx, { ca, primary: data.primary ? { databases: data.primary.databases, resource: data.primary } : undefined });
  const k8s = k8sTier(ctx);
  return { ...summary(site, proxmox), ...data.outputs, ...mesh, ...k8s };
}
