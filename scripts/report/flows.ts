/**
 * The organisation's data flows and mesh routes, derived from its sites' inventories by the same
 * functions the program composes them with (components/inventory/org.ts, components/data/plan.ts,
 * components/mesh/render/meshPolicy.ts, components/apps/registry.ts). Nothing here is listed by
 * hand: a flow exists because an app, a backup or a scrape target does.
 */
import type { ResolvedService, Site } from "../../components/inventory/load";
import { activeWithApp, placementOf, replicasOf } from "../../components/inventory/org";
import { prometheusOf, scrapeTargets } from "../../components/inventory/monitoring";
import { backupAgentPlan, pgBackRestRepoPlan } from "../../components/data/plan";
import { meshPlanFromSites } from "../../components/mesh/render/meshPolicy";
import { oidcClients } from "../../components/apps/oidc";

/** Kinds of data flow the topology draws. */
export const FLOW_KINDS = ["replication", "database", "backup", "archive", "scrape", "oidc"] as const;
export type FlowKind = (typeof FLOW_KINDS)[number];

/** One end of a flow: a service (guest or workload) or a physical host of a site. */
export interface FlowEnd {
  site: string;
  /** Service name, or host name when `type` is `host`. */
  name: string;
  type: "service" | "host";
}

/** A data flow between two nodes of the organisation, in the direction the data travels. */
export interface Flow {
  /** Stable id: `<kind>:<from>-><to>`. */
  id: string;
  kind: FlowKind;
  from: FlowEnd;
  to: FlowEnd;
  /** What moves, for people. */
  label: string;
  /** The two ends are in different sites. */
  crossSite: boolean;
}

/** A NetBird network route between two mesh sites (unordered pair; `routes` names each direction's LAN). */
export interface MeshLink {
  a: string;
  b: string;
  /** `<site> <prefix> → <site>` for every route one site's routing peer receives from the other. */
  routes: string[];
}

const nodeId = (e: FlowEnd) => `${e.site}/${e.type === "host" ? "host:" : ""}${e.name}`;

function flow(kind: FlowKind, from: FlowEnd, to: FlowEnd, label: string): Flow {
  return { id: `${kind}:${nodeId(from)}->${nodeId(to)}`, kind, from, to, label, crossSite: from.site !== to.site };
}

const svc = (site: Site | string, service: ResolvedService | string): FlowEnd => ({
  site: typeof site === "string" ? site : site.name,
  name: typeof service === "string" ? service : service.name,
  type: "service",
});

/** Every data flow of one organisation (its sites, at their phase; active services only). */
export function organisationFlows(org: readonly Site[]): Flow[] {
  const out: Flow[] = [];
  const primary = placementOf(org, "postgres-primary");
  if (primary) {
    const p = svc(primary.site, primary.service);
    for (const r of replicasOf(org)) out.push(flow("replication", p, svc(r.site, r.service), `streaming replication (slot ${r.name})`));
    for (const site of org) {
      for (const s of site.services) {
        const db = s.app && "database" in s.app ? s.app.database : undefined;
        if (db) out.push(flow("database", svc(site, s), p, `database ${db}`));
      }
    }
    if (pgBackRestRepoPlan(primary.site, primary.service).type === "s3") {
      const store = activeWithApp(primary.site, "object-store")[0];
      if (store) out.push(flow("archive", p, svc(primary.site, store), "pgBackRest backups and WAL archive"));
    }
  }
  const restic = placementOf(org, "restic-server");
  if (restic) {
    for (const site of org) {
      for (const a of backupAgentPlan(site)) out.push(flow("backup", svc(site, a.service), svc(restic.site, restic.service), `restic ${a.at} ${a.timeZone} (repository ${a.repoUser})`));
    }
  }
  const prom = prometheusOf(org);
  if (prom) {
    const jobs = new Map<string, { end: FlowEnd; jobs: string[] }>();
    for (const t of scrapeTargets(org)) {
      const end: FlowEnd = { site: t.site, name: t.instance, type: t.kind === "host" ? "host" : "service" };
      const key = nodeId(end);
      const entry = jobs.get(key) ?? { end, jobs: [] };
      entry.jobs.push(`${t.job} :${t.port}`);
      jobs.set(key, entry);
    }
    for (const { end, jobs: list } of jobs.values()) out.push(flow("scrape", svc(prom.site, prom.service), end, `scrapes ${list.join(", ")}`));
  }
  for (const { client, site, idp } of ssoClients(org)) out.push(flow("oidc", svc(site, client), svc(idp.site, idp.service), `OIDC login at ${idp.site.name}/${idp.service.name}`));
  return out;
}

/**
 * Services that log in through the organisation's identity provider: every OIDC client of the
 * organisation (components/apps/oidc.ts `oidcClients`: app plans' `oidc` and declared clients such as
 * Grafana) and NetBird (the mesh coordinator's logins).
 */
export function ssoClients(org: readonly Site[]): Array<{ client: ResolvedService; site: Site; idp: NonNullable<ReturnType<typeof placementOf<"identity-provider">>> }> {
  const idp = placementOf(org, "identity-provider");
  if (!idp) return [];
  const out: Array<{ client: ResolvedService; site: Site }> = oidcClients(org).map((c) => ({ client: c.service, site: c.site }));
  for (const site of org) {
    for (const s of site.services) if (s.app?.kind === "mesh-coordinator") out.push({ client: s, site });
  }
  return out.map((o) => ({ ...o, idp }));
}

/** The mesh's site-to-site routes: one link per pair of member sites that route to each other. */
export function meshLinks(org: readonly Site[]): MeshLink[] {
  if (!org.some((s) => s.inventory.mesh)) return [];
  const { plan } = meshPlanFromSites(org);
  const links = new Map<string, MeshLink>();
  for (const r of plan.routes) {
    for (const group of r.distributionGroups) {
      const to = plan.sites.find((s) => group === `routers-${s.id}`)?.id;
      if (!to || to === r.site) continue;
      const [a, b] = [r.site, to].sort();
      const link = links.get(`${a}|${b}`) ?? { a, b, routes: [] };
      link.routes.push(`${r.site} ${r.network} → ${to}`);
      links.set(`${a}|${b}`, link);
    }
  }
  return [...links.values()].sort((x, y) => `${x.a}|${x.b}`.localeCompare(`${y.a}|${y.b}`));
}
