/** Test helper: render a site the way `plan` does (cross-site outputs included when the site needs them). */
import * as fs from "fs";
import * as path from "path";
import { renderStack, RenderOptions, RenderResult } from "../../scripts/lib/offline";

/** Render `site` as plan would. */
export async function renderSite(site: string, opts: RenderOptions = {}): Promise<RenderResult> {
  const crossSite = path.resolve(__dirname, "../../scripts/lib/crossSite.ts");
  if (fs.existsSync(crossSite)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(crossSite);
    if (typeof mod.renderWithDependencies === "function") return mod.renderWithDependencies(site, opts);
  }
  return renderStack(site, opts);
}

/** Resources of one type. */
export function ofType(result: RenderResult, type: string) {
  return result.resources.filter((r) => r.type === type);
}

/** The resource called `name` (throws if absent). */
export function named(result: RenderResult, name: string, type?: string) {
  const r = result.resources.find((x) => x.name === name && (!type || x.type === type));
  if (!r) throw new Error(`no resource ${name}${type ? ` of type ${type}` : ""}`);
  return r;
}
