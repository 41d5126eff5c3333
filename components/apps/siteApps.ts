/**
 * The apps tier of a site: every active guest whose app has a module (registry.ts) gets an
 * `AppInstall`, after its plan has been checked against its service (contract.ts). Output `apps`
 * lists each app with its version (shown by `plan`).
 */
import { SiteContext } from "../site/context";
import { AppInstall } from "./appInstall";
import { appContractProblems } from "./contract";
import { appPlanOf } from "./registry";
import { wazuhAgents } from "./wazuhAgents";

/** Composes the apps of `ctx.site`; returns the stack outputs. */
export function appsTier(ctx: SiteContext): Record<string, unknown> {
  const apps: AppInstall["summary"][] = [];
  for (const s of ctx.site.services) {
    if (s.kind !== "lxc" && s.kind !== "vm") continue;
    const plan = appPlanOf(s, ctx.site);
    if (!plan) continue;
    const problems = appContractProblems(s, plan);
    if (problems.length) throw new Error(problems.join("\n"));
    const app = new AppInstall(`${ctx.site.name}-${s.name}-app`, { guest: ctx.guest(s.name), connection: ctx.root(s.ipv4!), plan });
    // Wazuh's agents enrol with its generated password once the manager runs (decision 233).
    const agents = s.app?.kind === "wazuh" ? wazuhAgents(ctx, s as typeof s & { app: { kind: "wazuh"; version: string } }, app.secrets.WAZUH_ENROLMENT_PASSWORD, app.install) : undefined;
    apps.push(agents ? { ...app.summary, agents } : app.summary);
  }
  return apps.length ? { apps } : {};
}
