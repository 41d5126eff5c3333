/**
 * The router tier of the site program: when a service of the site has `app: router`, its VM gets
 * the rendered configuration (components/router/router.ts) and the stack exports the policy as the
 * output `router` (what `plan` shows). Nothing on a site without a router.
 */
import type { SiteContext } from "../site/context";
import { Router } from "./router";
import { routerService, routerSummary } from "./render";

/** The VM's cloud-init user (the Debian cloud image's default user; sudo without a password). */
export const ROUTER_SSH_USER = "debian";

/** Installs the site's router, if it has one; its outputs. */
export function routerTier(ctx: SiteContext): Record<string, unknown> {
  const service = routerService(ctx.site);
  if (!service) return {};
  const address = service.ipv4;
  if (!address) throw new Error(`homelab: site "${ctx.site.name}": router ${service.name} needs a static IPv4 address (the install connects to it)`);
  const router = new Router(`${ctx.site.name}-${service.name}`, {
    site: ctx.site,
    service,
    connection: ctx.ssh(address, ROUTER_SSH_USER),
    dependsOn: ctx.guestComponent(service.name),
  });
  return { router: routerSummary(router.config.model) };
}
