/**
 * The apps tier of a site: every active guest whose app has a module (registry.ts) gets an
 * `AppInstall`, after its plan has been checked against its service (contract.ts). Output `apps`
 * lists each app with its version (shown by `plan`). An app with a database on the organisation's
 * primary gets its owner password from the primary's stack: this site's data tier when the primary
 * runs here, else the primary site's secret output `postgresDatabases`.
 */
import * as pulumi from "@pulumi/pulumi";
import { placementOf, POSTGRES_PORT } from "../inventory/org";
import { SiteContext } from "../site/context";
import type { PgConnectionInfo } from "../data/postgresPrimaryWithReplicas";
import { AppInstall } from "./appInstall";
import { appContractProblems } from "./contract";
import { appPlanOf } from "./registry";

/** Composes the apps of `ctx.site`; `primaryDatabases` are the databases of the primary when this site runs it. */
export function appsTier(ctx: SiteContext, primaryDatabases?: Record<string, PgConnectionInfo>): Record<string, unknown> {
  const apps: AppInstall["summary"][] = [];
  const pg = placementOf(ctx.org, "postgres-primary");
  const context = pg ? { postgres: { host: pg.service.ipv4!, port: POSTGRES_PORT } } : {};
  for (const s of ctx.site.services) {
    if (s.kind !== "lxc" && s.kind !== "vm") continue;
    const plan = appPlanOf(s, ctx.site, context);
    if (!plan) continue;
    const problems = appContractProblems(s, plan);
    if (problems.length) throw new Error(problems.join("\n"));
    let databasePassword: pulumi.Input<string> | undefined;
    if (plan.database) {
      const name = plan.database.name;
      if (pg && pg.site === ctx.site) {
        const info = primaryDatabases?.[name];
        if (!info) throw new Error(`homelab: site "${ctx.site.name}": the primary serves no database "${name}" for ${s.name}`);
        databasePassword = info.password;
      } else if (pg) {
        const all = ctx.upstream(pg.site.name).requireOutput("postgresDatabases") as pulumi.Output<Record<string, PgConnectionInfo>>;
        databasePassword = pulumi.secret(all.apply((d) => d[name].password));
      }
    }
    const app = new AppInstall(`${ctx.site.name}-${s.name}-app`, { guest: ctx.guest(s.name), connection: ctx.root(s.ipv4!), plan, databasePassword });
    apps.push(app.summary);
  }
  return apps.length ? { apps } : {};
}
