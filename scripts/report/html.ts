/**
 * The report as one self-contained HTML file: inline CSS, inline SVG, a few lines of inline script
 * (row filter, flow toggles); no external resource of any kind, so it opens offline from a file.
 */
import type { HostModel, MatrixRow, OrganisationModel, ReportModel, SiteModel } from "./model";
import type { ReportDiff } from "./diff";
import { FLOW_KINDS } from "./flows";
import { FLOW_COLOURS, topologySvg } from "./svg";
import { esc } from "./text";
import { REPORT_CSS, REPORT_JS } from "./assets";

/** What the page says about how it was made. */
export interface ReportMeta {
  /** ISO time of generation. */
  generated: string;
  /** What was rendered, e.g. `working tree of /work/main`. */
  source: string;
  /** Seconds the renders took. */
  seconds?: number;
}

const GIB = (n: number | undefined) => (n === undefined ? "" : `${Number.isInteger(n) ? n : n.toFixed(1)}`);

function bar(label: string, used: number, capacity: number | undefined, unit: string, extra = "", physical?: number): string {
  if (capacity === undefined) return `<div class="bar-row"><span class="bar-label">${esc(label)}</span><span class="bar-text">${esc(GIB(used))} ${unit} (capacity not declared: not checked)</span></div>`;
  const scale = Math.max(capacity, used, physical ?? 0) || 1;
  const over = used > capacity;
  const mark = physical !== undefined && physical < capacity ? `<span class="bar-mark" style="left:${((physical / scale) * 100).toFixed(1)}%" title="physical: ${physical}"></span>` : "";
  return (
    `<div class="bar-row${over ? " over" : ""}" data-bar="${esc(label)}" data-used="${used}" data-capacity="${capacity}"><span class="bar-label">${esc(label)}</span>` +
    `<span class="bar"><span class="bar-fill" style="width:${Math.min(100, (used / scale) * 100).toFixed(1)}%"></span>${mark}</span>` +
    `<span class="bar-text">${esc(GIB(used))} / ${esc(GIB(capacity))} ${unit}${extra ? ` · ${esc(extra)}` : ""}${over ? " · OVER BUDGET" : ""}</span></div>`
  );
}

function hostBudget(site: string, h: HostModel): string {
  const bars: string[] = [];
  if (h.kind === "proxmox") {
    const physical = h.threads !== undefined ? h.threads - h.reservedCores : undefined;
    const ratio = physical ? h.cores / physical : 0;
    const oc = physical === undefined ? "" : `${physical} threads for guests, overcommit ×${h.cpuOvercommit} allowed${ratio > 1 ? `, ×${ratio.toFixed(2)} used` : ""}`;
    bars.push(bar("vCPU", h.cores, h.coreBudget, "vCPU", oc, physical));
    bars.push(bar("memory", Number(h.memoryGiB.toFixed(1)), h.memoryBudgetGiB, "GiB", h.installedMemoryGiB !== undefined ? `${h.installedMemoryGiB} installed, ${h.reservedMemoryGiB} for the host` : ""));
    for (const d of h.datastores) bars.push(bar(`disk ${d.id}`, d.usedGiB, d.capacityGiB, "GiB"));
  } else {
    bars.push(`<div class="bar-row"><span class="bar-text">bare-metal node${h.gpu ? " with GPU" : ""}${h.address ? ` at ${esc(h.address)}` : ""}: joined to k3s over SSH; no guest budget</span></div>`);
  }
  return `<div class="host" data-site="${esc(site)}" data-host="${esc(h.host)}"><h4>${esc(h.host)} <span class="dim">${esc(h.kind)}${h.kind === "proxmox" ? ` · ${h.guests} guests` : ""}</span></h4>${bars.join("")}</div>`;
}

function ports(r: MatrixRow): string {
  return r.ports.map((p) => `<div><b>${esc(p.port)}</b> ← ${esc(p.from.join(", "))}${p.description ? ` <span class="dim">${esc(p.description)}</span>` : ""}</div>`).join("");
}

const COLUMNS: Array<[string, string, (r: MatrixRow) => string]> = [
  ["service", "service", (r) => `<b>${esc(r.service)}</b><div class="dim">${esc(r.description)}</div>`],
  ["ref", "seed", (r) => esc(r.ref ?? "")],
  ["kind", "kind", (r) => esc(r.kind)],
  ["host", "host", (r) => esc(r.host ?? "")],
  ["vmid", "VMID", (r) => esc(r.vmid ?? "")],
  ["addresses", "addresses", (r) => r.addresses.map((a) => `<div class="addr">${esc(a)}</div>`).join("")],
  ["size", "cores / MiB / GiB", (r) => esc([r.cores ?? "–", r.memoryMiB ?? "–", GIB(r.diskGiB) || "–"].join(" / "))],
  ["dataMounts", "data mounts", (r) => r.dataMounts.map((m) => `<div>${esc(m)}</div>`).join("")],
  ["ports", "ports ← who may reach them", ports],
  ["app", "app / version", (r) => `${esc(r.app ?? "")}${r.version ? `<div class="dim">${esc(r.version)}</div>` : ""}`],
  ["status", "phase", (r) => `<span class="pill ${r.status}">${r.status}</span> ${r.phase}`],
  ["stateful", "stateful / protected", (r) => `${r.stateful ? "stateful" : "stateless"}${r.protected ? " · protected" : ""}`],
  ["backup", "backup schedule → target", (r) => `${esc(r.backup.schedule)}<div class="dim">${esc(r.backup.target)}</div>`],
  ["sso", "SSO", (r) => (r.sso ? `yes <span class="dim">${esc(r.sso)}</span>` : "no")],
  ["monitored", "monitored", (r) => (r.monitoredBy.length ? `yes <span class="dim">${esc(r.monitoredBy.join(", "))}</span>` : "no")],
];

/** Which changed fields mark which column. */
const FIELD_COLUMN: Record<string, string> = { description: "service", cores: "size", memoryMiB: "size", diskGiB: "size", networks: "addresses", phase: "status", protected: "stateful", version: "app", monitoredBy: "monitored" };

function matrix(site: SiteModel, diff?: ReportDiff): string {
  const head = `<tr>${COLUMNS.map(([, title]) => `<th>${esc(title)}</th>`).join("")}</tr>`;
  const row = (r: MatrixRow, removed = false) => {
    const change = diff?.rows.get(r.key);
    const changedCols = new Set(Object.keys(change?.was ?? {}).map((f) => FIELD_COLUMN[f] ?? f));
    const cls = removed ? "removed" : (change?.status ?? "");
    const cells = COLUMNS.map(([col, , cell]) => {
      const was = change ? Object.entries(change.was).filter(([f]) => (FIELD_COLUMN[f] ?? f) === col) : [];
      const wasText = was.length ? `<div class="was">was: ${esc(was.map(([f, v]) => (f === col ? v || "(none)" : `${f} ${v || "(none)"}`)).join("; "))}</div>` : "";
      return `<td data-col="${col}"${changedCols.has(col) ? ' class="changed-cell"' : ""}>${cell(r)}${wasText}</td>`;
    }).join("");
    return `<tr class="row ${cls}" data-key="${esc(r.key)}" data-site="${esc(r.site)}" data-service="${esc(r.service)}" data-status="${r.status}"${cls ? ` data-change="${cls}"` : ""}>${cells}</tr>`;
  };
  const removed = diff ? diff.removed.filter((r) => r.site === site.name) : [];
  return `<div class="scroll"><table class="matrix" data-site="${esc(site.name)}"><thead>${head}</thead><tbody>${site.rows.map((r) => row(r)).join("")}${removed.map((r) => row(r, true)).join("")}</tbody></table></div>`;
}

function verdict(site: SiteModel): string {
  if (site.violations.length === 0) return `<p class="verdict pass">Policy pack: no violations (${site.resources} resources checked).</p>`;
  const mandatory = site.violations.filter((v) => v.level === "mandatory").length;
  return (
    `<p class="verdict ${mandatory ? "fail" : "warn"}">Policy pack: ${site.violations.length} violation(s), ${mandatory} mandatory.</p><ul class="violations">` +
    site.violations.map((v) => `<li>[${esc(v.level)}] <b>${esc(v.policy)}</b>: ${esc(v.message)}</li>`).join("") +
    "</ul>"
  );
}

function decisions(site: SiteModel): string {
  if (site.decisions.length === 0) return "<p class=\"dim\">No decision names this site.</p>";
  return `<div class="decisions">${site.decisions
    .map((d) => `<details data-decision="${d.number}"><summary><b>${d.number}.</b> ${esc(d.title)} <span class="dim">(${esc(d.why.join("; "))})</span></summary><p>${esc(d.text.replace(/\*\*/g, ""))}</p><p class="dim">docs/decisions.md, ${esc(d.section)}</p></details>`)
    .join("")}</div>`;
}

function siteSection(site: SiteModel, diff?: ReportDiff): string {
  const hostDiff = diff ? [...diff.hosts.entries()].filter(([k]) => k.startsWith(`${site.name}/`)) : [];
  const notes = diff ? diff.sites.filter((s) => s.site === site.name) : [];
  return (
    `<section class="site" id="site-${esc(site.name)}" data-site="${esc(site.name)}"><h2>${esc(site.name)} <span class="dim">organisation ${esc(site.organisation)} · phase ${site.phase} · ${esc(site.timezone)}${site.mesh ? " · mesh member" : ""}</span></h2>` +
    `<p>${esc(site.description)}</p>${notes.map((n) => `<p class="was">${esc(n.note)}</p>`).join("")}${verdict(site)}` +
    (site.logs.length ? `<ul class="logs">${site.logs.map((l) => `<li class="warn">${esc(l)}</li>`).join("")}</ul>` : "") +
    `<h3>Hosts: used against budget</h3><div class="hosts">${site.hosts.map((h) => hostBudget(site.name, h)).join("")}</div>` +
    hostDiff.map(([k, was]) => `<p class="was">${esc(k)} was: ${esc(was)}</p>`).join("") +
    `<h3>Deployment matrix</h3>${matrix(site, diff)}<h3>Decisions that apply</h3>${decisions(site)}</section>`
  );
}

function flowTable(org: OrganisationModel): string {
  if (org.flows.length === 0 && org.mesh.length === 0) return "";
  const rows = org.flows.map((f) => `<tr class="flow" data-kind="${f.kind}" data-cross-site="${f.crossSite}"><td><span class="swatch" style="background:${FLOW_COLOURS[f.kind]}"></span>${f.kind}</td><td>${esc(`${f.from.site}/${f.from.name}`)}</td><td>${esc(`${f.to.site}/${f.to.name}`)}</td><td>${f.crossSite ? "yes" : ""}</td><td>${esc(f.label)}</td></tr>`);
  const mesh = org.mesh.map((m) => `<tr class="mesh"><td>mesh route</td><td>${esc(m.a)}</td><td>${esc(m.b)}</td><td>yes</td><td>${esc(m.routes.join("; "))}</td></tr>`);
  return `<details class="flows"><summary>Flows of organisation ${esc(org.name)}: ${org.flows.length} (${org.flows.filter((f) => f.crossSite).length} across sites), ${org.mesh.length} mesh link(s)</summary><table><thead><tr><th>kind</th><th>from</th><th>to</th><th>cross-site</th><th>what</th></tr></thead><tbody>${[...rows, ...mesh].join("")}</tbody></table></details>`;
}

function diffSummary(diff: ReportDiff): string {
  const changed = [...diff.rows.values()].filter((c) => c.status === "changed").length;
  const added = [...diff.rows.values()].filter((c) => c.status === "added").length;
  const flows = [...diff.flowsAdded.map((f) => `+ ${f.kind} ${f.from.site}/${f.from.name} → ${f.to.site}/${f.to.name}`), ...diff.flowsRemoved.map((f) => `− ${f.kind} ${f.from.site}/${f.from.name} → ${f.to.site}/${f.to.name}`)];
  return (
    `<section class="diff" id="diff"><h2>Compared with ${esc(diff.revision)} <span class="dim">${esc(diff.commit.slice(0, 12))}</span></h2>` +
    `<p>The stack files of ${esc(diff.revision)}, rendered with the current code. Rows: ${changed} changed, ${added} new, ${diff.removed.length} gone; flows: ${diff.flowsAdded.length} new, ${diff.flowsRemoved.length} gone. Changed rows and cells are marked, with the value they had.</p>` +
    (diff.sites.length ? `<ul>${diff.sites.map((s) => `<li>${esc(s.site)}: ${esc(s.note)}</li>`).join("")}</ul>` : "") +
    (flows.length ? `<ul class="flow-diff">${flows.map((f) => `<li>${esc(f)}</li>`).join("")}</ul>` : "") +
    "</section>"
  );
}

/** The whole report page. */
export function reportHtml(model: ReportModel, meta: ReportMeta, diff?: ReportDiff): string {
  const guests = model.sites.flatMap((s) => s.rows).filter((r) => r.status === "active" && (r.kind === "lxc" || r.kind === "vm")).length;
  const toc = model.organisations.map((o) => `<li>${esc(o.name)}: ${o.sites.map((s) => `<a href="#site-${esc(s)}">${esc(s)}</a>`).join(", ")}</li>`).join("");
  const overview = model.sites
    .map((s) => `<tr data-site="${esc(s.name)}"><td><a href="#site-${esc(s.name)}">${esc(s.name)}</a></td><td>${esc(s.organisation)}</td><td>${s.phase}</td><td>${s.rows.filter((r) => r.status === "active").length}</td><td>${s.rows.filter((r) => r.status === "deferred").length}</td><td>${s.resources}</td><td class="${s.violations.length ? "fail" : "pass"}">${s.violations.length ? `${s.violations.length} violation(s)` : "pass"}</td></tr>`)
    .join("");
  const toggles = FLOW_KINDS.map((k) => `<label><input type="checkbox" data-flow-toggle="${k}" checked> <span class="swatch" style="background:${FLOW_COLOURS[k]}"></span>${k}</label>`).join(" ");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>homelab deployment report</title><style>${REPORT_CSS}</style></head>
<body${diff ? ' class="diff-mode"' : ""}>
<header><h1>homelab deployment report</h1>
<p class="dim">${esc(meta.source)} · generated ${esc(meta.generated)}${meta.seconds !== undefined ? ` · rendered in ${meta.seconds.toFixed(1)} s` : ""} · ${model.sites.length} sites, ${guests} Proxmox guests · offline render of the stack programs (the same as <code>npm run plan</code>)</p>
<ul class="toc">${toc}</ul></header>
${diff ? diffSummary(diff) : ""}
<section id="overview"><h2>Sites and policy verdict</h2><table class="overview"><thead><tr><th>site</th><th>organisation</th><th>phase</th><th>active</th><th>deferred</th><th>resources</th><th>policy</th></tr></thead><tbody>${overview}</tbody></table></section>
<section id="topology"><h2>Topology</h2><p class="toggles">${toggles} <label><input type="checkbox" data-flow-toggle="mesh" checked> mesh routes</label></p>
<div class="scroll topo">${topologySvg(model)}</div>${model.organisations.map(flowTable).join("")}</section>
<p class="filter"><label>Filter rows: <input type="search" id="filter" placeholder="name, address, app, host…"></label></p>
${model.sites.map((s) => siteSection(s, diff)).join("\n")}
<script>${REPORT_JS}</script>
</body></html>
`;
}
