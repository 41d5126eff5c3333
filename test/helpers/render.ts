/** Test helpers: render a site the way `plan` does, and look resources up. */
import { renderWithDependencies } from "../../scripts/lib/crossSite";
import { RenderOptions, RenderResult } from "../../scripts/lib/offline";

const cache = new Map<string, Promise<RenderResult>>();

/**
 * Render `site` as plan would (bh/ep with bo's outputs). Renders of the committed
 * stack (no options) are shared within a test file: they are deterministic, and
 * a test that wants to change a result must copy it first.
 */
export function renderSite(site: string, opts: RenderOptions = {}): Promise<RenderResult> {
  if (Object.keys(opts).length > 0) return renderWithDependencies(site, opts);
  let r = cache.get(site);
  if (!r) cache.set(site, (r = renderWithDependencies(site)));
  return r;
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
