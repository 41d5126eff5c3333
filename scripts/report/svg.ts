/**
 * The topology picture: one SVG for every organisation, laid out from the report model alone.
 * Each organisation is a band; each of its sites a column (name order) holding its networks and
 * its hosts with their guests (VMID order), then its Kubernetes workloads, native services and
 * deferred services. Data flows are edges between the nodes (curves through the gaps between
 * columns), mesh routes arcs between the site headers. Nothing is placed by hand.
 *
 * Every element a test or a reader needs carries data attributes: guests are
 * `<g class="node" data-kind="guest" data-site data-service data-address>`, flows
 * `<path class="edge flow" data-kind data-from data-to data-cross-site>`, mesh routes
 * `<path class="edge mesh" data-a data-b>`.
 */
import type { Flow, FlowEnd } from "./flows";
import { FLOW_KINDS } from "./flows";
import type { MatrixRow, OrganisationModel, ReportModel, SiteModel } from "./model";
import { esc } from "./text";

/** Geometry (px). */
const COL_W = 330;
const GAP = 110;
const MARGIN = 24;
const NODE_H = 20;
const NODE_STEP = 24;
const HEADER_H = 44;
const NET_H = 16;
const GROUP_HEAD = 22;
const GROUP_GAP = 12;
const MESH_H = 46;
const BAND_HEAD = 28;

/** Colours of the flow kinds (also used by the HTML legend). */
export const FLOW_COLOURS: Record<(typeof FLOW_KINDS)[number], string> = {
  replication: "#d9480f",
  database: "#1971c2",
  backup: "#2f9e44",
  archive: "#0c8599",
  scrape: "#ae3ec9",
  oidc: "#e67700",
};
const NET_COLOURS = ["#364fc7", "#087f5b", "#c2255c", "#5f3dc4", "#e8590c", "#2b8a3e", "#1864ab", "#862e9c"];
const MESH_COLOUR = "#495057";

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Where each node was placed: `<site>/<service>` and `<site>/host:<host>` → its box and column. */
type Placed = Map<string, { box: Box; col: number }>;

const endKey = (e: FlowEnd) => `${e.site}/${e.type === "host" ? "host:" : ""}${e.name}`;

function nodeLabel(r: MatrixRow): { left: string; right: string } {
  const address = r.addresses.find((a) => a !== "dhcp") ?? (r.addresses.length ? "dhcp" : "");
  return { left: r.service, right: [address, r.vmid !== undefined ? `#${r.vmid}` : ""].filter(Boolean).join("  ") };
}

function guestNode(r: MatrixRow, box: Box, netColour: (n: string) => string, kind: string): string {
  const { left, right } = nodeLabel(r);
  const stripes = r.networks.map((n, i) => `<rect x="${box.x + i * 4}" y="${box.y}" width="4" height="${box.h}" fill="${netColour(n)}"/>`).join("");
  const title = `${r.key}${r.ref ? ` (${r.ref})` : ""} — ${r.description}${r.app ? ` [${r.app}]` : ""}; ${r.addresses.join(", ") || "no address"}`;
  return (
    `<g class="node" data-kind="${kind}" data-site="${esc(r.site)}" data-service="${esc(r.service)}" data-address="${esc(r.addresses.join(" "))}">` +
    `<title>${esc(title)}</title>` +
    `<rect class="box" x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" rx="3"${kind === "deferred" ? ' stroke-dasharray="4 3"' : ""}/>` +
    stripes +
    `<text x="${box.x + 6 + r.networks.length * 4}" y="${box.y + 14}">${esc(left)}</text>` +
    `<text class="dim" x="${box.x + box.w - 6}" y="${box.y + 14}" text-anchor="end">${esc(right)}</text></g>`
  );
}

/** One site column: returns its SVG and height, and records where its nodes went. */
function siteColumn(site: SiteModel, x: number, y0: number, col: number, placed: Placed): { svg: string; height: number } {
  const parts: string[] = [];
  const netIndex = new Map(site.networks.map((n, i) => [n.name, i]));
  const netColour = (n: string) => NET_COLOURS[(netIndex.get(n) ?? 0) % NET_COLOURS.length];
  let y = y0;
  const header: Box = { x, y, w: COL_W, h: HEADER_H - 6 };
  placed.set(`${site.name}/site`, { box: header, col });
  const verdict = site.violations.length === 0 ? "policy: pass" : `policy: ${site.violations.length} violation(s)`;
  parts.push(
    `<g class="site-head" data-site="${esc(site.name)}"><rect x="${x}" y="${y}" width="${COL_W}" height="${HEADER_H - 6}" rx="4"/>` +
      `<text class="strong" x="${x + 8}" y="${y + 16}">${esc(site.name)}</text>` +
      `<text class="dim" x="${x + COL_W - 8}" y="${y + 16}" text-anchor="end">phase ${site.phase} · ${esc(verdict)}</text>` +
      `<text class="dim small" x="${x + 8}" y="${y + 31}">${esc(site.description.length > 58 ? `${site.description.slice(0, 57)}…` : site.description)}</text></g>`,
  );
  y += HEADER_H;
  for (const n of site.networks) {
    const text = [n.name, n.bridge, n.vlan !== undefined ? `VLAN ${n.vlan}` : "untagged", n.ipv4, n.ipv6].filter(Boolean).join(" · ");
    parts.push(`<g class="network" data-site="${esc(site.name)}" data-network="${esc(n.name)}"><rect x="${x}" y="${y + 3}" width="12" height="10" fill="${netColour(n.name)}"/><text class="small" x="${x + 18}" y="${y + 12}">${esc(text)}</text></g>`);
    y += NET_H;
    for (const f of n.futureVlans) {
      parts.push(`<text class="small dim" x="${x + 30}" y="${y + 12}">${esc(`future ${f}`)}</text>`);
      y += NET_H;
    }
  }
  y += 6;
  const group = (title: string, cls: string, rows: MatrixRow[], kind: (r: MatrixRow) => string, hostKey?: string) => {
    const h = GROUP_HEAD + rows.length * NODE_STEP + 4;
    if (hostKey) placed.set(hostKey, { box: { x, y, w: COL_W, h: GROUP_HEAD }, col });
    parts.push(`<g class="group ${cls}"${hostKey ? ` data-host="${esc(hostKey.split("host:")[1])}" data-site="${esc(site.name)}"` : ""}><rect x="${x}" y="${y}" width="${COL_W}" height="${h}" rx="4"/><text class="strong small" x="${x + 8}" y="${y + 15}">${esc(title)}</text></g>`);
    rows.forEach((r, i) => {
      const nb: Box = { x: x + 12, y: y + GROUP_HEAD + i * NODE_STEP, w: COL_W - 24, h: NODE_H };
      placed.set(r.key, { box: nb, col });
      parts.push(guestNode(r, nb, netColour, kind(r)));
    });
    y += h + GROUP_GAP;
  };
  const active = site.rows.filter((r) => r.status === "active");
  const byVmid = (a: MatrixRow, b: MatrixRow) => (a.vmid ?? 0) - (b.vmid ?? 0) || a.service.localeCompare(b.service);
  for (const h of site.hosts) {
    const guests = active.filter((r) => (r.kind === "lxc" || r.kind === "vm") && r.host === h.host).sort(byVmid);
    const size = [h.threads !== undefined ? `${h.threads} threads` : "", h.installedMemoryGiB !== undefined ? `${h.installedMemoryGiB} GiB` : "", h.address ?? ""].filter(Boolean).join(" · ");
    group(`${h.host} (${h.kind}${size ? ` · ${size}` : ""})`, "host", guests, () => "guest", `${site.name}/host:${h.host}`);
  }
  const k8s = active.filter((r) => r.kind === "k8s");
  if (k8s.length) group("Kubernetes workloads", "k8s", k8s, () => "workload");
  const native = active.filter((r) => r.kind === "native");
  if (native.length) group("native (address only)", "native", native, () => "native");
  const deferred = site.rows.filter((r) => r.status === "deferred");
  if (deferred.length) group(`deferred (later phases)`, "deferred", deferred, () => "deferred");
  return { svg: parts.join(""), height: y - y0 };
}

function flowPath(f: Flow, placed: Placed, slot: number): string {
  const a = placed.get(endKey(f.from));
  const b = placed.get(endKey(f.to));
  if (!a || !b) throw new Error(`homelab: report: flow ${f.id} has an end without a node`);
  const ay = a.box.y + a.box.h / 2;
  const by = b.box.y + b.box.h / 2;
  let d: string;
  if (a.col === b.col) {
    const x1 = a.box.x + a.box.w;
    const x2 = b.box.x + b.box.w;
    const bulge = Math.min(GAP - 14, 24 + Math.abs(by - ay) / 10 + (slot % 6) * 4);
    const edge = Math.max(x1, x2) + (COL_W - Math.max(a.box.w, b.box.w)) / 2;
    d = `M${x1},${ay} C${edge + bulge},${ay} ${edge + bulge},${by} ${x2},${by}`;
  } else {
    const right = a.col < b.col;
    const x1 = right ? a.box.x + a.box.w : a.box.x;
    const x2 = right ? b.box.x : b.box.x + b.box.w;
    const dx = (x2 - x1) / 2;
    d = `M${x1},${ay} C${x1 + dx},${ay} ${x2 - dx},${by} ${x2},${by}`;
  }
  return (
    `<path class="edge flow" data-kind="${f.kind}" data-from="${esc(endKey(f.from))}" data-to="${esc(endKey(f.to))}" data-cross-site="${f.crossSite}" ` +
    `d="${d}" stroke="${FLOW_COLOURS[f.kind]}" marker-end="url(#arrow-${f.kind})"><title>${esc(`${f.kind}: ${endKey(f.from)} → ${endKey(f.to)} — ${f.label}`)}</title></path>`
  );
}

function band(org: OrganisationModel, sites: SiteModel[], x0: number, y0: number): { svg: string; height: number } {
  const placed: Placed = new Map();
  const top = y0 + BAND_HEAD + (org.mesh.length ? MESH_H : 0);
  const columns = sites.map((s, i) => siteColumn(s, x0 + i * (COL_W + GAP), top, i, placed));
  const height = BAND_HEAD + (org.mesh.length ? MESH_H : 0) + Math.max(...columns.map((c) => c.height));
  const parts = [`<g class="organisation" data-organisation="${esc(org.name)}"><text class="strong org" x="${x0}" y="${y0 + 18}">organisation ${esc(org.name)}</text>`];
  parts.push(...columns.map((c) => c.svg));
  for (const m of org.mesh) {
    const a = placed.get(`${m.a}/site`)!.box;
    const b = placed.get(`${m.b}/site`)!.box;
    const [x1, x2] = [a.x + a.w / 2, b.x + b.w / 2].sort((p, q) => p - q);
    const lift = Math.min(MESH_H - 6, 14 + Math.abs(x2 - x1) / 40);
    parts.push(
      `<path class="edge mesh" data-a="${esc(m.a)}" data-b="${esc(m.b)}" d="M${x1},${a.y} C${x1},${a.y - lift} ${x2},${b.y - lift} ${x2},${b.y}" stroke="${MESH_COLOUR}" stroke-dasharray="6 4"><title>${esc(`mesh routes: ${m.routes.join("; ")}`)}</title></path>`,
    );
  }
  org.flows.forEach((f, i) => parts.push(flowPath(f, placed, i)));
  parts.push("</g>");
  return { svg: parts.join(""), height };
}

function legend(y: number): string {
  const items = FLOW_KINDS.map((k, i) => `<g transform="translate(${MARGIN + i * 120},${y})"><line x1="0" y1="6" x2="26" y2="6" stroke="${FLOW_COLOURS[k]}" stroke-width="2"/><text class="small" x="32" y="10">${k}</text></g>`);
  items.push(`<g transform="translate(${MARGIN + FLOW_KINDS.length * 120},${y})"><line x1="0" y1="6" x2="26" y2="6" stroke="${MESH_COLOUR}" stroke-width="2" stroke-dasharray="6 4"/><text class="small" x="32" y="10">mesh route</text></g>`);
  return `<g class="legend">${items.join("")}</g>`;
}

/**
 * The topology of every organisation of the report, as one standalone SVG element. Organisations
 * are packed left to right on shelves as wide as the largest organisation (at least three sites).
 */
export function topologySvg(model: ReportModel): string {
  const orgs = model.organisations.map((org) => ({ org, sites: org.sites.map((n) => model.sites.find((s) => s.name === n)!) }));
  const perShelf = Math.max(3, ...orgs.map((o) => o.sites.length));
  const bands: string[] = [];
  let y = MARGIN + 24;
  let column = 0;
  let shelfHeight = 0;
  for (const { org, sites } of orgs) {
    if (column > 0 && column + sites.length > perShelf) {
      y += shelfHeight + 30;
      column = 0;
      shelfHeight = 0;
    }
    const b = band(org, sites, MARGIN + column * (COL_W + GAP), y);
    bands.push(b.svg);
    column += sites.length;
    shelfHeight = Math.max(shelfHeight, b.height);
  }
  y += shelfHeight + 30;
  const width = MARGIN * 2 + perShelf * COL_W + perShelf * GAP;
  const markers = FLOW_KINDS.map((k) => `<marker id="arrow-${k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${FLOW_COLOURS[k]}"/></marker>`).join("");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="topology" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" role="img" aria-label="Topology of the sites, hosts, guests, networks, mesh routes and data flows">` +
    `<defs>${markers}</defs>${legend(MARGIN - 8)}${bands.join("")}</svg>`
  );
}
