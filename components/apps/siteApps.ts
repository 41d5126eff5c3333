/**
 * The apps tier of a site: every active guest whose app has a module (registry.ts) gets an
 * `AppInstall`, after its plan has been checked against its service (contract.ts), with what its plan
 * declares from the organisation: its OIDC client's issuer/secret/CA (oidcRuntime.ts) and its database
 * on the organisation's primary (the data tier's generated password on the primary's site, the
 * primary stack's `postgresDatabases` output elsewhere). Output `apps` lists each app with its version
 * (shown by `plan`).
 */
import * as pulumi from "@pulumi/pulumi";
import { placementOf, POSTGRES_PORT } from "../inventory/org";
import type { InternalCa } from "../mesh/internalCa";
import { SiteContext } from "../site/context";
import { AppDatabase, AppInstall } from "./appInstall";
import { appContractProblems } from "./contract";
import { oidcRuntime } from "./oidcRuntime";
import { appPlanInOrg } from "./registry";

/** What the data tier hands the apps on the primary's own site. */
export interface AppsDeps {
  /** The primary's databases with their owners' passwords, when this site runs it. */
  primary?: { databases: Record<string, { password: pulumi.Output<string> }>; resource?: pulumi.Resource };
  /** The site's internal CA, for apps that ask for a certificate (`plan.tls`). Default none. */
  ca?: InternalCa;
}

function primaryDatabase(ctx: SiteContext, deps: AppsDeps, name: string): AppDatabase {
  const pg = placementOf(ctx.org, "postgres-primary");
  if (!pg?.service.ipv4) throw new Error(`homelab: site "${ctx.site.name}": an app owns database "${name}" but the organisation has no active postgres-primary`);
  const password: pulumi.Output<string> =
    pg.site === ctx.site
      ? deps.primary!.databases[name].password
      : pulumi.secret(ctx.upstream(pg.site.name).requireOutput("postgresDatabases").apply((d: any) => (d?.[name]?.password as string) ?? ""));
  return { host: pg.service.ipv4, port: POSTGRES_PORT, name, user: name, password };
}
import { wazuhAgents } from "./wazuhAgents";

/** Composes the apps of `ctx.site`; returns the stack outputs. */
export function appsTier(ctx: SiteContext, deps: AppsDeps = {}): Record<string, unknown> {
  const apps: AppInstall["summary"][] = [];
  for (const s of ctx.site.services) {
    if (s.kind !== "lxc" && s.kind !== "vm") continue;
    const plan = appPlanInOrg(s, ctx.site, ctx.org);
    if (!plan) continue;
    const problems = appContractProblems(s, plan);
    if (problems.length) throw new Error(problems.join("\n"));
    const samePrimary = plan.database && placementOf(ctx.org, "postgres-primary")?.site === ctx.site;
    const app = new AppInstall(`${ctx.site.name}-${s.name}-app`, {
      guest: ctx.guest(s.name),
      connection: ctx.root(s.ipv4!),
      plan,
      oidc: plan.oidc ? oidcRuntime(ctx, plan.oidc.clientId) : undefined,
      database: plan.database ? primaryDatabase(ctx, deps, plan.database) : undefined,
      ca: deps.ca,
      dependsOn: samePrimary && deps.primary?.resource ? [deps.primary.resource] : [],
    });
    // Wazuh's agents enrol with its generated password once the manager runs (decision 233).
    const agents = s.app?.kind === "wazuh" ? wazuhAgents(ctx, s as typeof s & { app: { kind: "wazuh"; version: string } }, app.secrets.WAZUH_ENROLMENT_PASSWORD, app.install) : undefined;
    apps.push(agents ? { ...app.summary, agents } : app.summary);
  }
  return apps.length ? { apps } : {};
}
