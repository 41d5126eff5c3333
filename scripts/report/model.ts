/**
 * The deployment report's model, built from the same in-process renders `npm run plan` prints
 * (scripts/lib/offline.ts, scripts/lib/crossSite.ts) and the inventory's organisation derivations.
 * Pure: renders, violations and the texts of decisions.md and the stack files go in; plain data
 * comes out, for the HTML and SVG renderers (html.ts, svg.ts) and the diff (diff.ts).
 */
import type { ResolvedService, Site } from "../../components/inventory/load";
import { backupWaitsForApp } from "../../components/data/plan";
import { guestUsage, GuestUsage } from "../../policy/lib/guests";
import type { RenderResult } from "../lib/offline";
import type { Violation } from "../lib/policies";
import { hostTable, HostRow } from "../lib/report";
import { Decision, decisionsFor, parseDecisions } from "./decisions";
import { Flow, MeshLink, meshLinks, organisationFlows, ssoClients } from "./flows";

/** One site as rendered, with the policy pack's verdict on it and its stack file's text. */
export interface SiteInput {
  result: RenderResult;
  violations: readonly Violation[];
  /** The text of `Pulumi.<site>.yaml` (for the decisions it cites). */
  stackFile: string;
}

/** A port a service opens and who may reach it. */
export interface PortCell {
  /** `5432/tcp`. */
  port: string;
  /** Sources as the inventory writes them (`any`, network or service names, prefixes). */
  from: string[];
  /** The sources resolved to addresses (empty: any). */
  sources: string[];
  description?: string;
}

/** One row of a site's deployment matrix: a service, active or deferred. */
export interface MatrixRow {
  /** `<site>/<service>`: the row's identity (diff). */
  key: string;
  site: string;
  service: string;
  /** The seed's identifier, e.g. `BO-3`. */
  ref?: string;
  description: string;
  kind: ResolvedService["kind"];
  /** App kind (`postgres-primary`, `odoo`, …). */
  app?: string;
  /** Installed version from the stack output `apps`, when a module installs the app. */
  version?: string;
  host?: string;
  vmid?: number;
  /** Static addresses of every NIC (`dhcp` for a DHCP NIC). */
  addresses: string[];
  /** Network of each NIC, primary first. */
  networks: string[];
  cores?: number;
  memoryMiB?: number;
  /** Root disk plus data mounts, GiB (k8s: persistent storage). */
  diskGiB?: number;
  /** `/path 100 GiB on hdd`. */
  dataMounts: string[];
  ports: PortCell[];
  phase: number;
  status: "active" | "deferred";
  stateful: boolean;
  /** The rendered guest resource is `protect`ed. */
  protected: boolean;
  backup: { schedule: string; target: string };
  /** `<site>/<service>` of the identity provider this service logs in through. */
  sso?: string;
  /** Prometheus jobs that scrape it (empty: not monitored). */
  monitoredBy: string[];
  /** The values come from a rendered Proxmox guest (else from the inventory). */
  rendered: boolean;
}

/** A physical host and its budget. */
export interface HostModel extends HostRow {
  kind: "proxmox" | "baremetal";
  address?: string;
  /** Threads, reserved threads and the allowed overcommit (Proxmox nodes). */
  threads?: number;
  reservedCores: number;
  cpuOvercommit: number;
  installedMemoryGiB?: number;
  reservedMemoryGiB: number;
  gpu: boolean;
}

/** A network of a site. */
export interface NetworkModel {
  name: string;
  bridge?: string;
  vlan?: number;
  ipv4?: string;
  ipv6?: string;
  gateway?: string;
  futureVlans: string[];
}

/** One site of the report. */
export interface SiteModel {
  name: string;
  organisation: string;
  description: string;
  phase: number;
  timezone: string;
  mesh: boolean;
  resources: number;
  networks: NetworkModel[];
  hosts: HostModel[];
  rows: MatrixRow[];
  violations: Violation[];
  /** What the program logged while rendering (warnings about settings not made yet). */
  logs: string[];
  decisions: Array<{ number: number; title: string; section: string; text: string; why: string[] }>;
}

/** One organisation: its sites, flows and mesh routes. */
export interface OrganisationModel {
  name: string;
  sites: string[];
  flows: Flow[];
  mesh: MeshLink[];
}

/** The whole report. */
export interface ReportModel {
  sites: SiteModel[];
  organisations: OrganisationModel[];
}

const GIB = (n: number) => `${Number.isInteger(n) ? n : n.toFixed(1)} GiB`;

function backupCell(site: Site, s: ResolvedService, status: MatrixRow["status"], agents: ReadonlyArray<{ service: string; repoUser: string }>, target: string | undefined): MatrixRow["backup"] {
  const b = s.backup;
  if (!b) return { schedule: s.stateful ? "none" : "—", target: "—" };
  if ("exempt" in b) return { schedule: "exempt", target: b.exempt };
  if ("longhorn" in b) return { schedule: `Longhorn cron ${b.longhorn.cron}, keep ${b.longhorn.retain}`, target: "the cluster's Longhorn backup target" };
  const dumps = b.databases.length ? `, dumps ${b.databases.join(", ")}` : "";
  const schedule = `daily ${b.at} ${site.inventory.timezone}${dumps}`;
  const agent = agents.find((a) => a.service === s.name);
  if (agent) return { schedule, target: target ? `${target} (repository ${agent.repoUser})` : `repository ${agent.repoUser}` };
  if (status === "deferred") return { schedule, target: "deferred with the service" };
  if (backupWaitsForApp(s)) return { schedule, target: "no agent until its app is installed" };
  return { schedule, target: "no restic server in the organisation" };
}

function portsOf(s: ResolvedService): PortCell[] {
  return s.firewall.map((p) => ({ port: `${p.port}/${p.protocol}`, from: [...p.from], sources: [...p.sources], description: p.description }));
}

/** The rendered Proxmox guest of `s` (same node and VMID), if any. */
function renderedGuest(result: RenderResult, s: ResolvedService): (GuestUsage & { protect: boolean }) | undefined {
  if (s.vmid === undefined) return undefined;
  for (const r of result.resources) {
    const g = guestUsage(r.type, r.name, r.props as Record<string, unknown>, r.urn);
    if (g && g.vmid === s.vmid && g.node === s.host) return { ...g, protect: r.protect };
  }
  return undefined;
}

function rowOf(input: SiteInput, s: ResolvedService, status: MatrixRow["status"], ctx: { sso: Map<string, string>; scraped: Map<string, string[]>; backupTarget?: string }): MatrixRow {
  const { result } = input;
  const site = result.site;
  const key = `${site.name}/${s.name}`;
  const apps = Array.isArray(result.outputs.apps) ? (result.outputs.apps as Array<{ service?: string; version?: string }>) : [];
  const agents = Array.isArray(result.outputs.backups) ? (result.outputs.backups as Array<{ service: string; repoUser: string }>) : [];
  const g = status === "active" ? renderedGuest(result, s) : undefined;
  const inventoryAddresses = [s.ipv4, s.ipv6, ...s.extraNics.map((n) => n.ipv4)].filter((a): a is string => !!a);
  return {
    key,
    site: site.name,
    service: s.name,
    ref: s.ref,
    description: s.description,
    kind: s.kind,
    app: s.app?.kind,
    version: apps.find((a) => a.service === s.name)?.version,
    host: g?.node ?? s.host,
    vmid: g?.vmid ?? s.vmid,
    // An appliance VM has no cloud-init and so no rendered address: it sets the inventory's itself.
    addresses: g && g.addresses.length ? [...g.addresses.map((a) => a.address), ...inventoryAddresses.filter((a) => a === "dhcp")] : inventoryAddresses,
    networks: [s.network, ...s.extraNics.map((n) => n.network)],
    cores: g?.cores ?? s.cores,
    memoryMiB: g?.memoryMiB ?? s.memoryMiB,
    diskGiB: g ? g.disks.reduce((n, d) => n + d.sizeGiB, 0) : s.kind === "k8s" ? s.storageGiB : s.totalDiskGiB || undefined,
    dataMounts: s.dataMounts.map((m) => `${m.path} ${GIB(m.sizeGiB)} on ${m.datastore ?? s.datastore ?? "?"}`),
    ports: portsOf(s),
    phase: s.phase,
    status,
    stateful: s.stateful,
    protected: g?.protect ?? false,
    backup: backupCell(site, s, status, agents, ctx.backupTarget),
    sso: status === "active" ? ctx.sso.get(key) : undefined,
    monitoredBy: status === "active" ? (ctx.scraped.get(key) ?? []) : [],
    rendered: !!g,
  };
}

function hostsOf(result: RenderResult): HostModel[] {
  const usage = hostTable(result);
  return result.site.hosts.map((h) => {
    const u = usage.find((x) => x.host === h.name) ?? { host: h.name, guests: 0, cores: 0, memoryGiB: 0, datastores: h.datastores.map((d) => ({ id: d.id, usedGiB: 0, capacityGiB: d.capacityGiB })) };
    return {
      ...u,
      kind: h.kind,
      address: h.address,
      threads: h.cores,
      reservedCores: h.reservedCores,
      cpuOvercommit: h.cpuOvercommit,
      installedMemoryGiB: h.memoryGiB,
      reservedMemoryGiB: h.reservedMemoryGiB,
      gpu: h.gpu,
    };
  });
}

/** The organisations of `sites` (by inventory `organisation`), each with its sites in name order. */
export function organisations(sites: readonly Site[]): Array<{ name: string; sites: Site[] }> {
  const byName = new Map<string, Site[]>();
  for (const s of [...sites].sort((a, b) => a.name.localeCompare(b.name))) {
    const list = byName.get(s.inventory.organisation) ?? [];
    list.push(s);
    byName.set(s.inventory.organisation, list);
  }
  return [...byName.entries()].map(([name, list]) => ({ name, sites: list })).sort((a, b) => a.name.localeCompare(b.name));
}

/** Build the report for every rendered site; `decisionsMarkdown` is docs/decisions.md. */
export function buildReport(inputs: readonly SiteInput[], decisionsMarkdown: string): ReportModel {
  const decisions: Decision[] = parseDecisions(decisionsMarkdown);
  const orgs = organisations(inputs.map((i) => i.result.site));
  const organisationModels: OrganisationModel[] = orgs.map((o) => ({ name: o.name, sites: o.sites.map((s) => s.name), flows: organisationFlows(o.sites), mesh: meshLinks(o.sites) }));
  const sites: SiteModel[] = [];
  for (const org of orgs) {
    const flows = organisationModels.find((o) => o.name === org.name)!.flows;
    const sso = new Map(ssoClients(org.sites).map((c) => [`${c.site.name}/${c.client.name}`, `${c.idp.site.name}/${c.idp.service.name}`]));
    const scraped = new Map<string, string[]>();
    for (const f of flows.filter((x) => x.kind === "scrape" && x.to.type === "service")) scraped.set(`${f.to.site}/${f.to.name}`, f.label.replace(/^scrapes /, "").split(", "));
    // The backup target as the restic server's own render exports it (`resticServer`).
    const resticSite = inputs.find((i) => i.result.site.inventory.organisation === org.name && i.result.outputs.resticServer);
    const rs = resticSite?.result.outputs.resticServer as { host?: string; port?: number } | undefined;
    const resticService = resticSite?.result.site.services.find((s) => s.app?.kind === "restic-server");
    const backupTarget = rs?.host ? `${resticSite!.result.site.name}/${resticService?.name ?? "restic"} https://${rs.host}:${rs.port}` : undefined;
    for (const site of org.sites) {
      const input = inputs.find((i) => i.result.site === site)!;
      const ctx = { sso, scraped, backupTarget };
      const rows = [...site.services.map((s) => rowOf(input, s, "active", ctx)), ...site.deferred.map((s) => rowOf(input, s, "deferred", ctx))].sort((a, b) => indexOf(site, a.service) - indexOf(site, b.service));
      sites.push({
        name: site.name,
        organisation: org.name,
        description: site.inventory.description,
        phase: site.phase,
        timezone: site.inventory.timezone,
        mesh: site.inventory.mesh,
        resources: input.result.resources.length,
        networks: site.networks.map((n) => ({ name: n.name, bridge: n.bridge, vlan: n.vlan, ipv4: n.ipv4, ipv6: n.ipv6?.prefix, gateway: n.gateway, futureVlans: n.futureVlans.map((f) => `VLAN ${f.vlan} ${f.name} ${f.prefix}`) })),
        hosts: hostsOf(input.result),
        rows,
        violations: [...input.violations],
        logs: [...input.result.logs],
        decisions: decisionsFor(site, decisions, input.stackFile).map(({ decision, why }) => ({ number: decision.number, title: decision.title, section: decision.section, text: decision.text, why })),
      });
    }
  }
  return { sites, organisations: organisationModels };
}

function indexOf(site: Site, service: string): number {
  return [...site.services, ...site.deferred].find((s) => s.name === service)?.index ?? 0;
}
