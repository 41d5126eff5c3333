/**
 * What the deployment report must show, computed straight from the inventory's organisation
 * derivations (components/inventory/org.ts, components/data/plan.ts) and the renders — not from the
 * report's own model — so the report's tests compare it with an independent account.
 */
import type { Site } from "../../components/inventory/load";
import { placementOf, replicasOf } from "../../components/inventory/org";
import { scrapeTargets } from "../../components/inventory/monitoring";
import { oidcClients } from "../../components/apps/oidc";
import { backupAgentPlan } from "../../components/data/plan";
import { listSites, readStackConfig } from "../../scripts/lib/offline";
import { loadInventory } from "../../components/inventory/load";

/** A flow as `kind from -> to` (`site/service`, hosts as `site/host:name`). */
export type FlowText = string;

/** Every committed site, loaded, grouped by organisation. */
export function committedOrganisations(): Site[][] {
  const sites = listSites().map((name) => {
    const c = readStackConfig(name);
    return loadInventory(name, JSON.parse(c["homelab:inventory"]), Number(c["homelab:phase"] ?? 0));
  });
  const orgs = new Map<string, Site[]>();
  for (const s of sites) orgs.set(s.inventory.organisation, [...(orgs.get(s.inventory.organisation) ?? []), s]);
  return [...orgs.values()];
}

/**
 * The cross-site data flows the inventories declare: replicas of another site's primary, backups to
 * another site's restic server, another site's Prometheus scraping a guest or node, a login at
 * another site's identity provider, and a database on another site's primary.
 */
export function expectedCrossSiteFlows(org: readonly Site[]): FlowText[] {
  const out = new Set<FlowText>();
  const primary = placementOf(org, "postgres-primary");
  const p = primary ? `${primary.site.name}/${primary.service.name}` : "";
  for (const r of replicasOf(org)) if (r.site !== primary?.site) out.add(`replication ${p} -> ${r.site.name}/${r.service.name}`);
  for (const site of org) {
    if (site === primary?.site) continue;
    for (const s of site.services) if (s.app && "database" in s.app && s.app.database) out.add(`database ${site.name}/${s.name} -> ${p}`);
  }
  const restic = placementOf(org, "restic-server");
  for (const site of org) {
    if (!restic || site === restic.site) continue;
    for (const a of backupAgentPlan(site)) out.add(`backup ${site.name}/${a.service} -> ${restic.site.name}/${restic.service.name}`);
  }
  const prom = placementOf(org, "prometheus");
  for (const t of prom ? scrapeTargets(org) : []) {
    if (t.site !== prom!.site.name) out.add(`scrape ${prom!.site.name}/${prom!.service.name} -> ${t.site}/${t.kind === "host" ? "host:" : ""}${t.instance}`);
  }
  const idp = placementOf(org, "identity-provider");
  for (const c of oidcClients(org)) if (idp && c.site !== idp.site) out.add(`oidc ${c.site.name}/${c.service.name} -> ${idp.site.name}/${idp.service.name}`);
  return [...out].sort();
}
