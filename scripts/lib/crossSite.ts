/**
 * Renders a site whose program reads other stacks (a replica reads the primary's site, a backup
 * agent the backup server's, a mesh member the coordinator's): the sites it reads are derived
 * from the organisation's inventories, rendered first from their own programs, and their
 * (masked) outputs feed the StackReference mocks. Secret outputs arrive as the string
 * "[secret]", which the consumers only ever pass into secret inputs.
 */
import { readStackConfig, renderStack, RenderOptions, RenderResult, StrictMocks } from "./offline";
import { loadInventory, Site } from "../../components/inventory/load";
import { organisationOf, placementOf } from "../../components/inventory/org";
import { backupAgentPlan } from "../../components/data/plan";
import { siblingSites } from "../../components/site/stackFiles";
import { deployKeyOwner } from "../../components/site/deployKey";

/** Sites whose outputs `site` reads, by the same rules the program follows (components/data, components/mesh). */
export function upstreamSites(site: Site, siblings: readonly Site[]): string[] {
  const org = organisationOf(site, siblings);
  const out = new Set<string>();
  const other = (kind: Parameters<typeof placementOf>[1]) => {
    const p = placementOf(org, kind);
    return p && p.site !== site ? p.site.name : undefined;
  };
  const active = (kind: string) => site.services.some((s) => s.app?.kind === kind);
  const add = (name: string | undefined) => name && out.add(name);
  if (active("postgres-replica")) add(other("postgres-primary"));
  if (backupAgentPlan(site).length > 0) add(other("restic-server"));
  if (active("identity-provider") && active("mesh-coordinator")) add(other("postgres-primary"));
  if (site.inventory.mesh && !active("mesh-coordinator") && site.inventory.meshRouter && site.services.some((s) => s.name === site.inventory.meshRouter)) add(other("mesh-coordinator"));
  if (site.services.some((s) => s.kind === "lxc" || s.kind === "vm")) {
    const owner = deployKeyOwner(site, org);
    if (owner !== site.name) add(owner);
  }
  return [...out].sort();
}

/** Renders by site: always of the committed stack, deterministic, so rendered once per process. */
const upstreamRenders = new Map<string, Promise<RenderResult>>();

/**
 * The render of the stack file of `site` in `root` (default: the stack directory) as it is, shared
 * with the renders of the sites that read it: each stack is rendered once per process. Callers must
 * not change the result.
 */
export function renderCommitted(site: string, root?: string): Promise<RenderResult> {
  const key = `${root ?? ""}\0${site}`;
  let pending = upstreamRenders.get(key);
  if (!pending) upstreamRenders.set(key, (pending = renderWithDependencies(site, { root })));
  return pending;
}

/**
 * Render `site`, first rendering (once per process) the committed stacks it reads. `committed` gives
 * the render of a committed stack it reads (default {@link renderCommitted}; the unit tests pass the
 * suite's shared renders of the same stack files).
 */
export async function renderWithDependencies(site: string, opts: RenderOptions = {}, committed: (site: string, root?: string) => Promise<RenderResult> = renderCommitted): Promise<RenderResult> {
  const config = { ...readStackConfig(site, opts.root), ...(opts.config ?? {}) };
  const loaded = loadInventory(site, JSON.parse(config["homelab:inventory"] ?? "null"), Number(config["homelab:phase"] ?? 0));
  const upstream = upstreamSites(loaded, siblingSites(loaded, opts.root));
  if (upstream.length === 0) return renderStack(site, opts);
  const stackOrg = config["homelab:stackOrganization"] ?? "organization";
  const outputs: Record<string, Record<string, unknown>> = {};
  for (const name of upstream) outputs[`${stackOrg}/homelab/${name}`] = (await committed(name, opts.root)).outputs;
  return renderStack(site, opts, new StrictMocks(outputs));
}
