/**
 * The apps tier of a site: every active guest whose app has a module (registry.ts) gets an
 * `AppInstall`, after its plan has been checked against its service (contract.ts). Output `apps`
 * lists each app with its version (shown by `plan`). An app with a database on the organisation's
 * primary gets its owner password from the primary's stack: this site's data tier when the primary
 * runs here, else the primary site's secret output `postgresDatabases`. An app that needs a peer's
 * generated secret (`plan.peerSecrets`) is installed after that peer and gets the secret.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ResolvedService } from "../inventory/load";
import { placementOf, POSTGRES_PORT } from "../inventory/org";
import { SiteContext } from "../site/context";
import type { PgConnectionInfo } from "../data/postgresPrimaryWithReplicas";
import type { InternalCa } from "../mesh/internalCa";
import { AppInstall } from "./appInstall";
import { appContractProblems } from "./contract";
import type { AppPlan } from "./module";
import { APP_MODULES, appPlanOf } from "./registry";

/** Composes the apps of `ctx.site`; `primaryDatabases` are the databases of the primary when this site runs it. */
export function appsTier(ctx: SiteContext, primaryDatabases?: Record<string, PgConnectionInfo>, ca?: InternalCa): Record<string, unknown> {
  const pg = placementOf(ctx.org, "postgres-primary");
  const guests = ctx.site.services.filter((s) => (s.kind === "lxc" || s.kind === "vm") && s.app && APP_MODULES.has(s.app.kind));
  const context = { ...(pg ? { postgres: { host: pg.service.ipv4!, port: POSTGRES_PORT } } : {}), installed: new Set(guests.map((s) => s.name)) };
  const plans = new Map<string, { service: ResolvedService; plan: AppPlan }>();
  for (const s of guests) {
    const plan = appPlanOf(s, ctx.site, context)!;
    const problems = appContractProblems(s, plan);
    if (problems.length) throw new Error(problems.join("\n"));
    plans.set(s.name, { service: s, plan });
  }

  const passwordOf = (name: string, who: string): pulumi.Input<string> => {
    if (pg && pg.site === ctx.site) {
      const info = primaryDatabases?.[name];
      if (!info) throw new Error(`homelab: site "${ctx.site.name}": the primary serves no database "${name}" for ${who}`);
      return info.password;
    }
    const all = ctx.upstream(pg!.site.name).requireOutput("postgresDatabases") as pulumi.Output<Record<string, PgConnectionInfo>>;
    return pulumi.secret(all.apply((d) => d[name].password));
  };

  const installs = new Map<string, AppInstall>();
  const install = (name: string, chain: string[] = []): AppInstall => {
    const done = installs.get(name);
    if (done) return done;
    if (chain.includes(name)) throw new Error(`homelab: site "${ctx.site.name}": apps need each other's secrets in a cycle: ${[...chain, name].join(" → ")}`);
    const { service: s, plan } = plans.get(name)!;
    const peerSecrets: Record<string, pulumi.Input<string>> = {};
    for (const peer of plan.peerSecrets ?? []) {
      if (!plans.has(peer.service)) throw new Error(`homelab: service "${s.name}" (app ${plan.kind}) needs secret ${peer.env} of "${peer.service}", which no module installs`);
      const v = install(peer.service, [...chain, name]).secrets[peer.env];
      if (!v) throw new Error(`homelab: service "${s.name}" (app ${plan.kind}) needs secret ${peer.env}, which "${peer.service}" does not generate`);
      peerSecrets[peer.env] = v;
    }
    let tlsCert: { certPem: pulumi.Output<string>; keyPem: pulumi.Output<string> } | undefined;
    if (plan.tls) {
      if (!ca) throw new Error(`homelab: site "${ctx.site.name}": ${s.name} (app ${plan.kind}) serves TLS and needs the site's internal CA`);
      const cert = ca.issueServerCert(`${ctx.site.name}-${s.name}-tls`, { hostname: plan.tls.hostname, domain: ctx.site.inventory.dns?.domain, ips: [s.ipv4!], extraDnsNames: plan.tls.extraDnsNames });
      tlsCert = { certPem: cert.chainPem, keyPem: cert.keyPem };
    }
    const app = new AppInstall(`${ctx.site.name}-${s.name}-app`, {
      guest: ctx.guest(s.name),
      connection: ctx.root(s.ipv4!),
      plan,
      databasePassword: plan.database && pg ? passwordOf(plan.database.name, s.name) : undefined,
      peerSecrets,
      tlsCert,
    });
    installs.set(name, app);
    return app;
  };
  const apps = [...plans.keys()].map((n) => install(n).summary);
  return apps.length ? { apps } : {};
}
