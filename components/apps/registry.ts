/**
 * The app modules by kind. A kind listed here is installed by the program: its guests get an
 * `AppInstall` (appsTier) and, with it, their restic agent (components/data/plan.ts INSTALLED_APPS).
 */
import type { AppKind, AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import type { AppModule, AppPlan, AppPlanContext } from "./module";
import { flowiseModule } from "./flowise";
import { litellmModule } from "./litellm";
import { odooModule } from "./odoo";
import { ollamaModule } from "./ollama";
import { reverseProxyModule } from "./reverseProxy";
import { wireguardModule } from "./wireguard";

const MODULES = [flowiseModule, litellmModule, odooModule, ollamaModule, reverseProxyModule, wireguardModule] as const;

/** Kinds with a module. */
export type ModuleKind = (typeof MODULES)[number]["kind"];

/** Every registered module, by kind. */
export const APP_MODULES: ReadonlyMap<AppKind, AppModule> = new Map(MODULES.map((m) => [m.kind, m as unknown as AppModule]));

/** Kinds the registry installs (sorted). */
export const MODULE_KINDS: readonly ModuleKind[] = MODULES.map((m) => m.kind).sort();

/** The plan of `service`'s app, or undefined when no module installs its kind. */
export function appPlanOf(service: ResolvedService, site: Site, context: AppPlanContext = {}): AppPlan | undefined {
  const m = service.app ? APP_MODULES.get(service.app.kind) : undefined;
  return m ? m.plan(service as ResolvedService & { app: AppOf<AppKind> }, site, context) : undefined;
}
