/**
 * Renders a site whose program reads another stack (bh/ep read bo through `homelab:dataSource`):
 * the source stack is rendered first from its own program and its (masked) outputs feed the
 * StackReference mock. Secret outputs arrive as the string "[secret]", which the consumers only
 * ever pass into secret inputs.
 */
import { readStackConfig, renderStack, RenderOptions, RenderResult, StrictMocks } from "./offline";
import { DEFAULT_DATA_SOURCE } from "../../components/data/siteData";

/** Sites that read the data source stack, and the site that is that source. */
export const DATA_CONSUMERS: Readonly<Record<string, string>> = { bh: "bo", ep: "bo" };

/** Upstream renders by site: always of the committed stack, deterministic, so rendered once per process. */
const upstreamRenders = new Map<string, Promise<RenderResult>>();

/** Render `site`, first rendering the stack it depends on (if any). */
export async function renderWithDependencies(site: string, opts: RenderOptions = {}): Promise<RenderResult> {
  const source = DATA_CONSUMERS[site];
  if (!source) return renderStack(site, opts);
  let pending = upstreamRenders.get(source);
  if (!pending) upstreamRenders.set(source, (pending = renderStack(source)));
  const upstream = await pending;
  const config = { ...readStackConfig(site, opts.root), ...(opts.config ?? {}) };
  const refName = config["homelab:dataSource"] ?? DEFAULT_DATA_SOURCE;
  return renderStack(site, opts, new StrictMocks({ [refName]: upstream.outputs }));
}
