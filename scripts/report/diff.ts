/**
 * Diff mode: the report of the working tree beside the report of another git revision. The other
 * revision's stack files are read with `git show <rev>:<file>` into a temporary directory and
 * rendered with the current code (decision 251): the comparison is of the sites as written, not of
 * two versions of the program.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { MatrixRow, ReportModel } from "./model";
import type { Flow } from "./flows";

/** How a row of the working tree differs from the other revision. */
export interface RowChange {
  status: "added" | "changed";
  /** Field → its value at the other revision (changed rows). */
  was: Record<string, string>;
}

/** The difference between the working tree's report and another revision's. */
export interface ReportDiff {
  /** The revision as the user named it, and the commit it resolved to. */
  revision: string;
  commit: string;
  /** Rows of the working tree that are new or changed, by row key. */
  rows: Map<string, RowChange>;
  /** Rows only the other revision has. */
  removed: MatrixRow[];
  /** Flows only one side has (by flow id). */
  flowsAdded: Flow[];
  flowsRemoved: Flow[];
  /** Hosts whose usage changed: `<site>/<host>` → what it was. */
  hosts: Map<string, string>;
  /** Sites that only one side has, or that did not render at the other revision (with its one-line error). */
  sites: Array<{ site: string; note: string }>;
}

/** A row field as one comparable line of text. */
export function cellText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.map(cellText).join("; ");
  if (typeof value === "object") return Object.values(value as Record<string, unknown>).map(cellText).filter(Boolean).join(" ");
  return String(value);
}

const COMPARED: ReadonlyArray<keyof MatrixRow> = ["ref", "description", "kind", "app", "version", "host", "vmid", "addresses", "networks", "cores", "memoryMiB", "diskGiB", "dataMounts", "ports", "phase", "status", "stateful", "protected", "backup", "sso", "monitoredBy"];

/** Compare the working tree's report `now` with `then`, the report of `revision` (`commit`). */
export function diffReports(now: ReportModel, then: ReportModel, revision: string, commit: string, failed: ReadonlyArray<{ site: string; error: string }> = []): ReportDiff {
  const oldRows = new Map(then.sites.flatMap((s) => s.rows).map((r) => [r.key, r]));
  const newKeys = new Set(now.sites.flatMap((s) => s.rows).map((r) => r.key));
  const failedSites = new Set(failed.map((f) => f.site));
  const rows = new Map<string, RowChange>();
  for (const r of now.sites.flatMap((s) => s.rows)) {
    if (failedSites.has(r.site)) continue;
    const o = oldRows.get(r.key);
    if (!o) {
      rows.set(r.key, { status: "added", was: {} });
      continue;
    }
    const was: Record<string, string> = {};
    for (const f of COMPARED) if (cellText(r[f]) !== cellText(o[f])) was[f] = cellText(o[f]);
    if (Object.keys(was).length > 0) rows.set(r.key, { status: "changed", was });
  }
  const removed = [...oldRows.values()].filter((r) => !newKeys.has(r.key));
  const ids = (m: ReportModel) => new Map(m.organisations.flatMap((o) => o.flows).map((f) => [f.id, f]));
  const nowFlows = ids(now);
  const thenFlows = ids(then);
  const hosts = new Map<string, string>();
  for (const s of now.sites) {
    const old = then.sites.find((x) => x.name === s.name);
    if (!old) continue;
    for (const h of s.hosts) {
      const o = old.hosts.find((x) => x.host === h.host);
      const text = (x: typeof h) => `${x.guests} guests, ${x.cores} vCPU, ${x.memoryGiB.toFixed(1)} GiB, ${x.datastores.map((d) => `${d.id} ${d.usedGiB} GiB`).join(", ")}`;
      if (!o) hosts.set(`${s.name}/${h.host}`, "not at that revision");
      else if (text(o) !== text(h)) hosts.set(`${s.name}/${h.host}`, text(o));
    }
  }
  const sites = [
    ...failed.map((f) => ({ site: f.site, note: `does not render at ${revision}: ${f.error}` })),
    ...now.sites.filter((s) => !failedSites.has(s.name) && !then.sites.some((x) => x.name === s.name)).map((s) => ({ site: s.name, note: `new since ${revision}` })),
    ...then.sites.filter((s) => !now.sites.some((x) => x.name === s.name)).map((s) => ({ site: s.name, note: `only at ${revision}` })),
  ];
  return {
    revision,
    commit,
    rows,
    removed: removed.filter((r) => !failedSites.has(r.site)),
    flowsAdded: [...nowFlows.values()].filter((f) => !thenFlows.has(f.id) && !failedSites.has(f.from.site) && !failedSites.has(f.to.site)),
    flowsRemoved: [...thenFlows.values()].filter((f) => !nowFlows.has(f.id)),
    hosts,
    sites,
  };
}

/**
 * The stack files (`Pulumi.<site>.yaml`) of git revision `revision` of the repository at `repo`,
 * written into a new temporary directory. Returns the directory and the full commit id; the caller
 * removes the directory.
 */
export function stackFilesAt(repo: string, revision: string): { dir: string; commit: string } {
  const git = (args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  let commit: string;
  try {
    commit = git(["rev-parse", "--verify", "--end-of-options", `${revision}^{commit}`]).trim();
  } catch {
    throw new Error(`homelab: --diff ${revision}: not a commit of ${repo}`);
  }
  const files = git(["ls-tree", "--name-only", commit])
    .split("\n")
    .filter((f) => /^Pulumi\.[a-z0-9-]+\.yaml$/.test(f));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-report-rev-"));
  for (const f of files) fs.writeFileSync(path.join(dir, f), git(["show", `${commit}:${f}`]));
  return { dir, commit };
}
