/** Render a committed site for policy tests (through scripts/lib/crossSite when a site reads another stack). */
import * as fs from "fs";
import * as path from "path";
import { renderStack, RenderOptions, RenderResult } from "../../scripts/lib/offline";

export async function render(site: string, opts: RenderOptions = {}): Promise<RenderResult> {
  const crossSite = path.resolve(__dirname, "../../scripts/lib/crossSite.ts");
  if (fs.existsSync(crossSite)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(crossSite) as { renderWithDependencies?: (s: string, o: RenderOptions) => Promise<RenderResult> };
    if (mod.renderWithDependencies) return mod.renderWithDependencies(site, opts);
  }
  return renderStack(site, opts);
}
