/**
 * The topology SVG and the HTML page, from the committed stacks: one node per guest, one edge per
 * flow (cross-site ones checked against the inventories' own derivations), nodes that do not
 * overlap, and a page with no external resource.
 */
import { planDocument } from "../../scripts/lib/report";
import type { ReportModel, SiteInput } from "../../scripts/report/model";
import { topologySvg } from "../../scripts/report/svg";
import { reportHtml } from "../../scripts/report/html";
import { committedReport } from "../helpers/reportModel";
import { committedOrganisations, expectedCrossSiteFlows } from "../helpers/reportExpect";

let inputs: SiteInput[];
let model: ReportModel;
let svg: string;

beforeAll(async () => {
  ({ inputs, model } = await committedReport());
  svg = topologySvg(model);
}, 120000);

const attrs = (tag: string) => Object.fromEntries([...tag.matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
const tags = (text: string, re: RegExp) => [...text.matchAll(re)].map((m) => attrs(m[0]));

describe("topology SVG", () => {
  it("has one guest node per Proxmox guest of every site, carrying its addresses", () => {
    const nodes = tags(svg, /<g class="node" data-kind="guest"[^>]*>/g);
    const expected = inputs.flatMap(({ result, violations }) => {
      const guests = (planDocument(result, violations).outputs.guests ?? {}) as Record<string, { ipv4?: string }>;
      return Object.entries(guests).map(([name, g]) => ({ key: `${result.site.name}/${name}`, ipv4: g.ipv4 }));
    });
    expect(nodes.map((n) => `${n["data-site"]}/${n["data-service"]}`).sort()).toEqual(expected.map((e) => e.key).sort());
    for (const e of expected) {
      const n = nodes.find((x) => `${x["data-site"]}/${x["data-service"]}` === e.key)!;
      if (e.ipv4) expect(n["data-address"].split(" ")).toContain(e.ipv4);
    }
  });

  it("draws deferred services apart, and every other service once", () => {
    const nodes = tags(svg, /<g class="node"[^>]*>/g);
    const rows = model.sites.flatMap((s) => s.rows);
    expect(nodes.map((n) => `${n["data-site"]}/${n["data-service"]}`).sort()).toEqual(rows.map((r) => r.key).sort());
    expect(nodes.filter((n) => n["data-kind"] === "deferred").length).toBe(rows.filter((r) => r.status === "deferred").length);
  });

  it("has one edge per flow, and its cross-site edges are exactly the flows the inventories declare across sites", () => {
    const edges = tags(svg, /<path class="edge flow"[^>]*>/g);
    const flows = model.organisations.flatMap((o) => o.flows);
    expect(edges.length).toBe(flows.length);
    const cross = edges.filter((e) => e["data-cross-site"] === "true").map((e) => `${e["data-kind"]} ${e["data-from"]} -> ${e["data-to"]}`);
    expect(cross.sort()).toEqual(committedOrganisations().flatMap(expectedCrossSiteFlows).sort());
  });

  it("has one mesh arc per pair of sites that route to each other", () => {
    const arcs = tags(svg, /<path class="edge mesh"[^>]*>/g).map((a) => `${a["data-a"]}|${a["data-b"]}`);
    expect(arcs.sort()).toEqual(model.organisations.flatMap((o) => o.mesh.map((m) => `${m.a}|${m.b}`)).sort());
    expect(arcs.length).toBeGreaterThan(0);
  });

  it("places no two nodes on top of each other, and every node inside the picture", () => {
    const [, width, height] = /<svg[^>]* width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);
    const boxes = [...svg.matchAll(/<g class="node"[^>]*>(?:<title>[^<]*<\/title>)?<rect class="box" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/g)].map((m) => m.slice(1).map(Number));
    expect(boxes.length).toBe(model.sites.flatMap((s) => s.rows).length);
    for (const [x, y, w, h] of boxes) expect(x >= 0 && y >= 0 && x + w <= width && y + h <= height).toBe(true);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i], boxes[j]];
        const overlap = a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];
        expect(overlap).toBe(false);
      }
    }
  });

  it("is the same for the same model", () => {
    expect(topologySvg(model)).toBe(svg);
  });
});

describe("report page", () => {
  let html: string;
  beforeAll(() => {
    html = reportHtml(model, { generated: "2026-01-01T00:00:00Z", source: "test" });
  });

  it("loads nothing from anywhere: no external reference, a CSP that forbids fetching", () => {
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/<link\b|@import|url\((?!#)/i);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
  });

  it("has a matrix row per service with its addresses, a budget per host and a section per site", () => {
    for (const site of model.sites) {
      expect(html).toContain(`<section class="site" id="site-${site.name}"`);
      for (const r of site.rows) {
        const row = new RegExp(`<tr class="row[^"]*" data-key="${r.key}"[^>]*>(.*?)</tr>`).exec(html);
        expect(row).not.toBeNull();
        for (const a of r.addresses) expect(row![1]).toContain(`<div class="addr">${a}</div>`);
      }
      for (const h of site.hosts) expect(html).toContain(`<div class="host" data-site="${site.name}" data-host="${h.host}">`);
    }
  });

  it("escapes what it prints", () => {
    const copy: ReportModel = JSON.parse(JSON.stringify(model));
    copy.sites[0].rows[0].description = `<script>alert("x")</script> & co`;
    const page = reportHtml(copy, { generated: "now", source: "test" });
    expect(page).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co");
    expect(page).not.toContain('<script>alert("x")');
  });

  it("shows overcommit and over-budget hosts", () => {
    const copy: ReportModel = JSON.parse(JSON.stringify(model));
    const host = copy.sites.flatMap((s) => s.hosts).find((h) => h.kind === "proxmox" && h.coreBudget !== undefined && h.threads !== undefined)!;
    host.cores = host.coreBudget! + 1;
    const page = reportHtml(copy, { generated: "now", source: "test" });
    expect(page).toMatch(new RegExp(`<div class="bar-row over" data-bar="vCPU" data-used="${host.cores}" data-capacity="${host.coreBudget}">.*?OVER BUDGET`));
  });
});
