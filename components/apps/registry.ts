/**
 * The app modules by kind. A kind listed here is installed by the program: its guests get an
 * `AppInstall` (appsTier) and, with it, their restic agent (components/data/plan.ts INSTALLED_APPS).
 */
import type { AppKind, AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import { placementOf, POSTGRES_PORT } from "../inventory/org";
import type { AppModule, AppPlan, AppPlanContext } from "./module";
import { adguardModule } from "./adguard";
import { aiCoordinatorModule } from "./aiCoordinator";
import { flowiseModule } from "./flowise";
import { giteaModule } from "./gitea";
import { homeAssistantModule } from "./homeAssistant";
import { litellmModule } from "./litellm";
import { mongodbModule } from "./mongodb";
import { n8nModule } from "./n8n";
import { netboxModule } from "./netbox";
import { odooModule } from "./odoo";
import { ollamaModule } from "./ollama";
import { openWebuiModule } from "./openWebui";
import { paperlessModule } from "./paperless";
import { dockerHostModule } from "./dockerHost";
import { redisModule } from "./redis";
import { reverseProxyModule } from "./reverseProxy";
import { traefikModule } from "./traefik";
import { uptimeKumaModule } from "./uptimeKuma";
import { vaultwardenModule } from "./vaultwarden";
import { wazuhModule } from "./wazuh";
import { wikijsModule } from "./wikijs";
import { wireguardModule } from "./wireguard";

const MODULES = [
  adguardModule,
  aiCoordinatorModule,
  dockerHostModule,
  flowiseModule,
  giteaModule,
  homeAssistantModule,
  litellmModule,
  mongodbModule,
  n8nModule,
  netboxModule,
  odooModule,
  ollamaModule,
  openWebuiModule,
  paperlessModule,
  redisModule,
  reverseProxyModule,
  traefikModule,
  uptimeKumaModule,
  vaultwardenModule,
  wazuhModule,
  wikijsModule,
  wireguardModule,
] as const;

/** Kinds with a module. */
export type ModuleKind = (typeof MODULES)[number]["kind"];

/** Every registered module, by kind. */
export const APP_MODULES: ReadonlyMap<AppKind, AppModule> = new Map(MODULES.map((m) => [m.kind, m as unknown as AppModule]));

/** Kinds the registry installs (sorted). */
export const MODULE_KINDS: readonly ModuleKind[] = MODULES.map((m) => m.kind).sort();

/**
 * What a module may know beyond its service and site (module.ts AppPlanContext): the organisation's
 * active PostgreSQL primary and the guests of `site` that a module installs. Without the organisation,
 * `site` alone is searched.
 */
export function planContext(site: Site, org: readonly Site[] = [site]): AppPlanContext {
  const pg = placementOf(org, "postgres-primary");
  const installed = new Set(site.services.filter((s) => (s.kind === "lxc" || s.kind === "vm") && !!s.app && APP_MODULES.has(s.app.kind)).map((s) => s.name));
  return { ...(pg?.service.ipv4 ? { postgres: { host: pg.service.ipv4, port: POSTGRES_PORT } } : {}), installed };
}

/** The plan of `service`'s app, or undefined when no module installs its kind. */
export function appPlanOf(service: ResolvedService, site: Site, context: AppPlanContext = planContext(site)): AppPlan | undefined {
  const m = service.app ? APP_MODULES.get(service.app.kind) : undefined;
  return m ? m.plan(service as ResolvedService & { app: AppOf<AppKind> }, site, context) : undefined;
}

/**
 * The plan of `service` within its organisation: an app's `sso` (default true) asks for a login through
 * the organisation's identity provider, so in an organisation without one the app is planned with
 * `sso` off (no OIDC client, no issuer expected at run time).
 */
export function appPlanInOrg(service: ResolvedService, site: Site, org: readonly Site[]): AppPlan | undefined {
  const app = service.app as (ResolvedService["app"] & { sso?: boolean }) | undefined;
  const noIdp = app?.sso && !placementOf(org, "identity-provider");
  return appPlanOf(noIdp ? ({ ...service, app: { ...app, sso: false } } as ResolvedService) : service, site, planContext(site, org));
}
