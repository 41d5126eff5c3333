/**
 * `npm run report -- [--out FILE] [--diff REV] [--root DIR]`
 *
 * Renders every stack file offline (the same in-process render as `npm run plan`: Pulumi mock
 * runtime, no CLI, no network) and writes one self-contained HTML report for all sites: the
 * deployment matrix per site, host budgets, the topology (SVG), the policy verdict and the
 * decisions that apply. `--diff REV` also renders the stack files of git revision REV (with the
 * current code) and marks what changed. Default output: ./homelab-report.html.
 */
import * as fs from "fs";
import * as path from "path";
import { listSites, PROJECT_ROOT } from "./lib/offline";
import { renderCommitted } from "./lib/crossSite";
import { runPolicies } from "./lib/policies";
import { STACK_DIR_ENV, stackDir } from "../components/site/stackFiles";
import { buildReport, ReportModel, SiteInput } from "./report/model";
import { reportHtml } from "./report/html";
import { diffReports, stackFilesAt } from "./report/diff";

const USAGE = "usage: npm run report -- [--out FILE] [--diff REV] [--root DIR]";

interface Args {
  out: string;
  diff?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { out: "homelab-report.html" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (flag: string) => {
      const v = a === flag ? argv[++i] : a.slice(flag.length + 1);
      if (!v) throw new Error(`homelab: ${flag}: needs a value (${USAGE})`);
      return v;
    };
    if (a === "--out" || a.startsWith("--out=")) args.out = value("--out");
    else if (a === "--diff" || a.startsWith("--diff=")) args.diff = value("--diff");
    else if (a === "--root" || a.startsWith("--root=")) {
      const dir = value("--root");
      if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`homelab: --root ${dir}: not a directory`);
      process.env[STACK_DIR_ENV] = path.resolve(dir);
    } else if (a === "-h" || a === "--help") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Error(`homelab: unexpected argument ${a} (${USAGE})`);
  }
  return args;
}

/** Render and check every site whose stack file is in `root`; sites that fail are returned apart when `tolerate`. */
async function renderAll(root: string, tolerate: boolean): Promise<{ inputs: SiteInput[]; failed: Array<{ site: string; error: string }> }> {
  const inputs: SiteInput[] = [];
  const failed: Array<{ site: string; error: string }> = [];
  for (const site of listSites(root)) {
    try {
      const result = await renderCommitted(site, root);
      const violations = await runPolicies(result, { root });
      inputs.push({ result, violations, stackFile: fs.readFileSync(path.join(root, `Pulumi.${site}.yaml`), "utf8") });
    } catch (e) {
      if (!tolerate) throw e;
      failed.push({ site, error: (e instanceof Error ? e.message : String(e)).split("\n")[0] });
    }
  }
  return { inputs, failed };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = process.hrtime.bigint();
  const root = stackDir();
  const decisionsMd = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "decisions.md"), "utf8");
  // A bad revision fails before anything is rendered.
  const other = args.diff ? stackFilesAt(PROJECT_ROOT, args.diff) : undefined;
  const { inputs } = await renderAll(root, false).catch((e) => {
    if (other) fs.rmSync(other.dir, { recursive: true, force: true });
    throw e;
  });
  const model: ReportModel = buildReport(inputs, decisionsMd);
  let diff;
  if (other) {
    const { dir, commit } = other;
    const saved = process.env[STACK_DIR_ENV];
    // The program reads the organisation's other stack files from HOMELAB_STACK_DIR: the revision's, while it renders them.
    process.env[STACK_DIR_ENV] = dir;
    try {
      const then = await renderAll(dir, true);
      diff = diffReports(model, buildReport(then.inputs, decisionsMd), args.diff!, commit, then.failed);
    } finally {
      if (saved === undefined) delete process.env[STACK_DIR_ENV];
      else process.env[STACK_DIR_ENV] = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const source = `stack files in ${root === PROJECT_ROOT ? "the working tree" : root}`;
  const html = reportHtml(model, { generated: new Date().toISOString(), source, seconds }, diff);
  fs.writeFileSync(args.out, html);
  const guests = model.sites.flatMap((s) => s.rows).filter((r) => r.status === "active" && (r.kind === "lxc" || r.kind === "vm")).length;
  process.stderr.write(`report: ${model.sites.length} sites, ${guests} guests${diff ? `, compared with ${args.diff}` : ""}: rendered in ${seconds.toFixed(1)} s, written to ${args.out} (${Math.round(html.length / 1024)} KiB)\n`);
}

main().then(
  () => process.stderr.write("", () => process.exit(0)),
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${message.startsWith("homelab:") ? message : err instanceof Error ? err.stack : message}\n`, () => process.exit(1));
  },
);
