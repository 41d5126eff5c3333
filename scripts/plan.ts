/**
 * `npm run plan -- <site> [--json] [--phase N] [--root DIR]`
 *
 * Evaluates the real stack program offline (Pulumi mock runtime, no CLI, no
 * credentials) and prints what the site will contain: resources, a per-host
 * budget table, the address plan and policy violations. `--json` prints one
 * JSON object on stdout. Exit 1 on a bad inventory or a mandatory violation.
 * `--root DIR` reads the stack files from DIR instead of the project root
 * (the same as HOMELAB_STACK_DIR=DIR).
 */
import * as YAML from "yaml";
import * as fs from "fs";
import * as path from "path";
import { InventoryError, listSites, RenderResult } from "./lib/offline";
import { parsePhaseArgument, STACK_DIR_ENV } from "../components/site/stackFiles";
import { renderWithDependencies } from "./lib/crossSite";
import { hostTable, addressPlan, HostRow, planDocument } from "./lib/report";
import { runPolicies, Violation } from "./lib/policies";

interface Args {
  site?: string;
  json: boolean;
  phase?: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") args.json = true;
    else if (a === "--phase") args.phase = parsePhaseArgument(argv[++i]);
    else if (a.startsWith("--phase=")) args.phase = parsePhaseArgument(a.slice(8), "--phase=");
    else if (a === "--root" || a.startsWith("--root=")) useStackDir(a === "--root" ? argv[++i] : a.slice(7), a === "--root" ? "--root " : "--root=");
    else if (a === "-h" || a === "--help") {
      process.stdout.write(`${USAGE}\nsites: ${listSites().join(", ")}\n`);
      process.exit(0);
    } else if (!args.site) args.site = a;
    else throw new InventoryError(args.site, "argv", a, "unexpected argument");
  }
  return args;
}

const USAGE = "usage: npm run plan -- <site> [--json] [--phase N] [--root DIR]";

/** `--root DIR`: read the stack files from DIR (every reader, siblings included, follows HOMELAB_STACK_DIR). */
function useStackDir(dir: string | undefined, typed: string): void {
  if (!dir || !fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`homelab: ${typed}${dir ?? "(no value)"}: not a directory`);
  process.env[STACK_DIR_ENV] = path.resolve(dir);
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : pad(cell, widths[c]))).join("  ")).join("\n");
}

function printText(result: RenderResult, hosts: HostRow[], violations: Violation[]): void {
  const { site, resources } = result;
  const out: string[] = [];
  out.push(`Site ${site.name} (phase ${site.phase}): ${site.services.length} services, ${resources.length} resources`);
  if (site.deferred.length > 0) out.push(`Deferred to a later phase: ${site.deferred.map((s) => `${s.name} (phase ${s.phase})`).join(", ")}`);
  out.push("", "Resources");
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  out.push(table([["TYPE", "NAME", "PARENT", "OPTIONS"], ...resources.map((r) => [r.type, r.name, byUrn.get(r.parent)?.name ?? "", [r.protect ? "protect" : "", r.deleteBeforeReplace ? "deleteBeforeReplace" : ""].filter(Boolean).join(",")])]));
  if (hosts.length > 0) {
    out.push("", "Hosts (used / capacity)");
    out.push(
      table([
        ["HOST", "GUESTS", "vCPU", "MEMORY GiB", "DISK GiB"],
        ...hosts.map((h) => [h.host, String(h.guests), `${h.cores}/${h.coreBudget ?? "?"}`, `${h.memoryGiB.toFixed(1)}/${h.memoryBudgetGiB ?? "?"}`, h.datastores.map((d) => `${d.id} ${d.usedGiB}/${d.capacityGiB ?? "?"}`).join(", ")]),
      ]),
    );
  }
  const plan = addressPlan(result);
  out.push("", "Address plan");
  const vlans = plan.some((a) => a.futureVlan);
  out.push(
    table([
      ["ADDRESS", ...(vlans ? ["FUTURE VLAN"] : []), "NAME", "KIND", "HOST", "VMID", "CORES", "MEM MiB", "DISK GiB", "PORTS"],
      ...plan.map((a) => [a.address, ...(vlans ? [a.futureVlan ?? ""] : []), a.name, a.kind, a.host ?? "", a.vmid?.toString() ?? "", a.cores?.toString() ?? "", a.memoryMiB?.toString() ?? "", a.diskGiB?.toString() ?? "", a.ports]),
    ]),
  );
  // Summaries the tiers export for people: the apps and their versions, the router's policy, the monitoring targets.
  for (const [key, title] of [["apps", "Apps"], ["router", "Router"], ["monitoring", "Monitoring"]] as const) {
    const v = result.outputs[key];
    if (v && typeof v === "object") out.push("", title, YAML.stringify(v).trimEnd().split("\n").map((l) => `  ${l}`).join("\n"));
  }
  out.push("", violations.length === 0 ? "Policy: no violations" : `Policy: ${violations.length} violation(s)`);
  for (const v of violations) out.push(`  [${v.level}] ${v.policy}: ${v.message}${v.urn ? ` (${v.urn})` : ""}`);
  process.stdout.write(out.join("\n") + "\n");
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (!args.site) {
    process.stderr.write(`${USAGE}\nsites: ${listSites().join(", ")}\n`);
    return 2;
  }
  const result = await renderWithDependencies(args.site, { phase: args.phase });
  for (const line of result.logs) process.stderr.write(`${line}\n`);
  const hosts = hostTable(result);
  const violations = await runPolicies(result);
  if (args.json) {
    process.stdout.write(JSON.stringify(planDocument(result, violations), null, 2) + "\n");
  } else {
    printText(result, hosts, violations);
  }
  return violations.some((v) => v.level === "mandatory") ? 1 : 0;
}

/** Exit only after stdout/stderr have drained: a pipe reader must get the whole JSON document. */
function exitAfterFlush(code: number): void {
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

main().then(
  (code) => exitAfterFlush(code),
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    // Expected failures (bad inventory, unknown site) are one line; anything else keeps its stack for debugging.
    if (err instanceof InventoryError || (err instanceof Error && message.startsWith("homelab:"))) process.stderr.write(`${message}\n`);
    else process.stderr.write(`${err instanceof Error ? err.stack : message}\n`);
    exitAfterFlush(1);
  },
);
