/** Test helpers: render a site the way `plan` does, and look resources up. */
import * as fs from "fs";
import * as path from "path";
import { renderWithDependencies } from "../../scripts/lib/crossSite";
import { readStackConfig, RenderOptions, RenderResult } from "../../scripts/lib/offline";
import { loadInventory } from "../../components/inventory/load";

/** The suite-wide render of a committed stack (test/helpers/globalSetup.ts), if there is one. */
function cachedRender(site: string): RenderResult | undefined {
  const dir = process.env.HOMELAB_RENDER_CACHE;
  const file = dir ? path.join(dir, `${site}.json`) : undefined;
  if (!file || !fs.existsSync(file)) return undefined;
  const data = JSON.parse(fs.readFileSync(file, "utf8")) as Omit<RenderResult, "site">;
  const config = readStackConfig(site);
  return { ...data, site: loadInventory(site, JSON.parse(config["homelab:inventory"]), Number(config["homelab:phase"] ?? 0)) };
}

const cache = new Map<string, Promise<RenderResult>>();

/**
 * Render `site` as plan would (with the outputs of the stacks it reads). Renders of the
 * committed stack (no options) are rendered once for the suite (globalSetup) and shared:
 * they are deterministic, and a test that wants to change a result must copy it first.
 */
export function renderSite(site: string, opts: RenderOptions = {}): Promise<RenderResult> {
  // A variant reads the committed stacks' outputs from the shared renders too (when they are the repository's).
  if (Object.keys(opts).length > 0) return renderWithDependencies(site, opts, opts.root === undefined ? (name) => renderSite(name) : undefined);
  let r = cache.get(site);
  if (!r) {
    const cached = cachedRender(site);
    cache.set(site, (r = cached ? Promise.resolve(cached) : renderWithDependencies(site)));
  }
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
