/** The deployment report's model of the committed stacks, built as `npm run report` builds it (shared renders, see render.ts). */
import * as fs from "fs";
import * as path from "path";
import { listSites, PROJECT_ROOT } from "../../scripts/lib/offline";
import { runPolicies } from "../../scripts/lib/policies";
import { buildReport, ReportModel, SiteInput } from "../../scripts/report/model";
import { renderSite } from "./render";

/** Every committed site rendered and checked by the policy pack, and the report model built from them. */
export async function committedReport(): Promise<{ inputs: SiteInput[]; model: ReportModel }> {
  const inputs: SiteInput[] = [];
  for (const site of listSites()) {
    const result = await renderSite(site);
    inputs.push({ result, violations: await runPolicies(result), stackFile: fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${site}.yaml`), "utf8") });
  }
  return { inputs, model: buildReport(inputs, fs.readFileSync(path.join(PROJECT_ROOT, "docs", "decisions.md"), "utf8")) };
}
