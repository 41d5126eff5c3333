/**
 * The report's model against `plan --json` (planDocument) for every guest of every site, and its
 * flows, budgets and decisions against the inventory's own derivations.
 */
import * as fs from "fs";
import * as path from "path";
import { listSites, PROJECT_ROOT } from "../../scripts/lib/offline";
import { hostTable, planDocument } from "../../scripts/lib/report";
import { ReportModel, SiteInput } from "../../scripts/report/model";
import { citedDecisions, decisionsFor, parseDecisions } from "../../scripts/report/decisions";
import { committedReport } from "../helpers/reportModel";
import { committedOrganisations, expectedCrossSiteFlows } from "../helpers/reportExpect";
import { scrapeTargets } from "../../components/inventory/monitoring";
import { loadInventory } from "../../components/inventory/load";
import { committedInventory } from "../helpers/inventory";

const CONTAINER = "proxmoxve:index/containerLegacy:ContainerLegacy";
const VM = "proxmoxve:index/vmLegacy:VmLegacy";

let inputs: SiteInput[];
let model: ReportModel;

beforeAll(async () => {
  ({ inputs, model } = await committedReport());
}, 120000);

describe("report model", () => {
  it("has every site, and a row for every service, active and deferred", () => {
    expect(model.sites.map((s) => s.name).sort()).toEqual(listSites());
    for (const { result } of inputs) {
      const rows = model.sites.find((s) => s.name === result.site.name)!.rows;
      expect(rows.map((r) => r.service).sort()).toEqual([...result.site.services, ...result.site.deferred].map((s) => s.name).sort());
      expect(rows.filter((r) => r.status === "deferred").map((r) => r.service).sort()).toEqual(result.site.deferred.map((s) => s.name).sort());
    }
  });

  it("agrees with plan --json for every guest of every site: host, VMID, kind, addresses, cores, memory, protection", () => {
    let checked = 0;
    for (const { result, violations } of inputs) {
      const doc = planDocument(result, violations);
      const guests = (doc.outputs.guests ?? {}) as Record<string, { host: string; vmid: number; kind: string; ipv4?: string }>;
      const rows = model.sites.find((s) => s.name === doc.site)!.rows;
      expect(rows.filter((r) => r.status === "active" && (r.kind === "lxc" || r.kind === "vm")).map((r) => r.service).sort()).toEqual(Object.keys(guests).sort());
      for (const [name, g] of Object.entries(guests)) {
        const row = rows.find((r) => r.service === name)!;
        expect({ host: row.host, vmid: row.vmid, kind: row.kind }).toEqual({ host: g.host, vmid: g.vmid, kind: g.kind });
        if (g.ipv4) expect(row.addresses).toContain(g.ipv4);
        const res = doc.resources.find((r) => (r.type === CONTAINER || r.type === VM) && (r.inputs as any).vmId === g.vmid)!;
        const inputsOf = res.inputs as any;
        expect(row.cores).toBe(inputsOf.cpu.cores);
        expect(row.memoryMiB).toBe(inputsOf.memory.dedicated);
        expect(row.protected).toBe(res.protect);
        expect(row.rendered).toBe(true);
        // Every address the plan's address plan gives the service is in its row.
        for (const a of doc.addresses.filter((x) => x.name === name && !x.kind.startsWith("host"))) expect(row.addresses).toContain(a.address);
        checked++;
      }
      // Installed apps carry the version the stack exports; rendered backup agents their repository.
      for (const app of (doc.outputs.apps ?? []) as Array<{ service: string; version: string }>) expect(rows.find((r) => r.service === app.service)!.version).toBe(app.version);
      for (const b of (doc.outputs.backups ?? []) as Array<{ service: string; repoUser: string }>) expect(rows.find((r) => r.service === b.service)!.backup.target).toContain(`repository ${b.repoUser}`);
    }
    expect(checked).toBe(model.sites.flatMap((s) => s.rows).filter((r) => r.status === "active" && (r.kind === "lxc" || r.kind === "vm")).length);
    expect(checked).toBeGreaterThan(40);
  });

  it("host budgets are plan's host table, with the inventory's capacities", () => {
    for (const { result } of inputs) {
      const hosts = model.sites.find((s) => s.name === result.site.name)!.hosts;
      for (const row of hostTable(result)) expect(hosts.find((h) => h.host === row.host)).toMatchObject(row);
      for (const h of result.site.hosts) expect(hosts.find((x) => x.host === h.name)).toMatchObject({ kind: h.kind, threads: h.cores, cpuOvercommit: h.cpuOvercommit });
    }
  });

  it("every cross-site flow the inventories declare is a flow of the model, and no other", () => {
    const all = model.organisations.flatMap((o) => o.flows);
    const text = (f: (typeof all)[number]) => `${f.kind} ${f.from.site}/${f.from.type === "host" ? "host:" : ""}${f.from.name} -> ${f.to.site}/${f.to.type === "host" ? "host:" : ""}${f.to.name}`;
    const expected = committedOrganisations().flatMap(expectedCrossSiteFlows).sort();
    expect(all.filter((f) => f.crossSite).map(text).sort()).toEqual(expected);
    expect(expected.length).toBeGreaterThan(10);
    expect(new Set(all.map((f) => f.id)).size).toBe(all.length);
  });

  it("a guest is monitored exactly when the organisation's Prometheus scrapes it", () => {
    for (const org of committedOrganisations()) {
      const targets = new Set(scrapeTargets(org).filter((t) => t.kind === "guest").map((t) => `${t.site}/${t.instance}`));
      const hasProm = org.some((s) => s.services.some((x) => x.app?.kind === "prometheus"));
      for (const site of org) {
        for (const r of model.sites.find((s) => s.name === site.name)!.rows.filter((x) => x.status === "active")) {
          expect([r.key, r.monitoredBy.length > 0]).toEqual([r.key, hasProm && targets.has(r.key)]);
        }
      }
    }
  });

  it("mesh links are the routes bo exports: each LAN to the routing peers of the other sites", () => {
    const apiary = model.organisations.find((o) => o.name === "apiary")!;
    const bo = inputs.find((i) => i.result.site.name === "bo")!.result.outputs.mesh as { routes: Array<{ site: string; distributedTo: string[] }> };
    const pairs = new Set(bo.routes.flatMap((r) => r.distributedTo.filter((g) => g.startsWith("routers-")).map((g) => [r.site, g.slice(8)].sort().join("|"))));
    expect(apiary.mesh.map((m) => `${m.a}|${m.b}`).sort()).toEqual([...pairs].sort());
  });

  it("the policy verdict is the pack's, per site", () => {
    for (const { result, violations } of inputs) expect(model.sites.find((s) => s.name === result.site.name)!.violations).toEqual(violations);
  });
});

describe("decisions", () => {
  const md = [
    "# Decisions",
    "## Inventory",
    "1. **Units.** GB are GiB.",
    "   Continued on the next line for BO-3.",
    "2. **Capacities** of orion are assumed.",
    "",
    "## orion (seed 001)",
    "3. **Router VM.** three NICs.",
  ].join("\n");

  it("parses numbered entries with their section, bold title and continuation lines", () => {
    expect(parseDecisions(md)).toEqual([
      { number: 1, section: "Inventory", title: "Units.", text: "**Units.** GB are GiB. Continued on the next line for BO-3." },
      { number: 2, section: "Inventory", title: "Capacities", text: "**Capacities** of orion are assumed." },
      { number: 3, section: "orion (seed 001)", title: "Router VM.", text: "**Router VM.** three NICs." },
    ]);
  });

  it("finds the decisions a stack file cites", () => {
    expect(citedDecisions("# decision 19\n# see decisions 53 and 67, decisions 7, 8\nname: decisional 5")).toEqual([7, 8, 19, 53, 67]);
  });

  it("a decision applies when cited, under the site's heading, or naming the site or a seed reference", () => {
    const inv = committedInventory("orion");
    inv.services[0].ref = "BO-3";
    const site = loadInventory("orion", inv, 2);
    const found = decisionsFor(site, parseDecisions(md), "# decision 1");
    expect(found.map((d) => [d.decision.number, d.why])).toEqual([
      [1, ["cited in the stack file", "names BO-3"]],
      [2, ["names orion"]],
      [3, ['under "orion (seed 001)"']],
    ]);
  });

  it("the project's decisions parse into unique numbers, and every committed site has some", () => {
    const all = parseDecisions(fs.readFileSync(path.join(PROJECT_ROOT, "docs", "decisions.md"), "utf8"));
    expect(new Set(all.map((d) => d.number)).size).toBe(all.length);
    expect(all.length).toBeGreaterThan(100);
    for (const s of model.sites) expect([s.name, s.decisions.length > 0]).toEqual([s.name, true]);
  });
});
