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
import { SiteContext } from "../site/context";
import { AppDatabase, AppInstall } from "./appInstall";
import { appContractProblems } from "./contract";
import { oidcRuntime } from "./oidcRuntime";
import { appPlanInOrg } from "./registry";

/** The cloud-init user of the program's VMs (components/proxmox/vmService.ts `username` default). */
const VM_USER = "debian";

/** What the data tier hands the apps on the primary's own site. */
export interface AppsDeps {
  /** The primary's databases with their owners' passwords, when this site runs it. */
  primary?: { databases: Record<string, { password: pulumi.Output<string> }>; resource?: pulumi.Resource };
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
      // A VM's root login is closed (cloud-init): its cloud-init user runs the script through sudo.
      connection: s.kind === "vm" ? ctx.ssh(s.ipv4!, VM_USER) : ctx.root(s.ipv4!),
      sudo: s.kind === "vm",
      plan,
      oidc: plan.oidc ? oidcRuntime(ctx, plan.oidc.clientId) : undefined,
      database: plan.database ? primaryDatabase(ctx, deps, plan.database) : undefined,
      dependsOn: samePrimary && deps.primary?.resource ? [deps.primary.resource] : [],
    });
    apps.push(app.summary);
  }
  return apps.length ? { apps } : {};
}
