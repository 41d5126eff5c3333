/**
 * Renders every committed stack once for the whole unit suite (jest globalSetup) and leaves the
 * results in a temporary directory named by HOMELAB_RENDER_CACHE, which the test workers inherit.
 * A render of a committed stack is deterministic (test/stacks/render.test.ts compares a fresh render
 * with this one), so each test file reads it instead of rendering the stack again.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { listSites } from "../../components/site/stackFiles";
import { renderWithDependencies } from "../../scripts/lib/crossSite";

export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-renders-"));
  for (const site of listSites()) {
    const r = await renderWithDependencies(site);
    fs.writeFileSync(path.join(dir, `${site}.json`), JSON.stringify({ resources: r.resources, outputs: r.outputs, config: r.config, logs: r.logs }));
  }
  process.env.HOMELAB_RENDER_CACHE = dir;
}
