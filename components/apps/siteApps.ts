/**
 * The apps tier of a site: every active guest whose app has a module (registry.ts) gets an
 * `AppInstall`, after its plan has been checked against its service (contract.ts), with what its plan
 * declares from the organisation: its OIDC client's issuer/secret/CA (oidcRuntime.ts), its database
 * on the organisation's primary (the data tier's generated password on the primary's site, the
 * primary stack's `postgresDatabases` output elsewhere), a certificate of the site's internal CA
 * (`plan.tls`) and the generated secrets of the peers it uses (`plan.peerSecrets`: the peer is
 * installed first). Output `apps` lists each app with its version (shown by `plan`).
 */
import * as pulumi from "@pulumi/pulumi";
import type { ResolvedService } from "../inventory/load";
import { placementOf, POSTGRES_PORT } from "../inventory/org";
import type { InternalCa } from "../mesh/internalCa";
import { SiteContext } from "../site/context";
import { AppDatabase, AppInstall } from "./appInstall";
import { appContractProblems } from "./contract";
import type { AppPlan } from "./module";
import { oidcRuntime } from "./oidcRuntime";
import { appPlanInOrg } from "./registry";
import { WAZUH_ENROLMENT_OUTPUT, wazuhAgents } from "./wazuhAgents";

/** The cloud-init user of the program's VMs (components/proxmox/vmService.ts `username` default). */
const VM_USER = "debian";

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
  let password: pulumi.Output<string>;
  if (pg.site === ctx.site) {
    const db = deps.primary?.databases[name];
    if (!db) throw new Error(`homelab: site "${ctx.site.name}": the primary serves no database "${name}"`);
    password = db.password;
  } else {
    password = pulumi.secret(ctx.upstream(pg.site.name).requireOutput("postgresDatabases").apply((d: any) => (d?.[name]?.password as string) ?? ""));
  }
  return { host: pg.service.ipv4, port: POSTGRES_PORT, name, user: name, password };
}

/** Composes the apps of `ctx.site`; returns the stack outputs. */
export function appsTier(ctx: SiteContext, deps: AppsDeps = {}): Record<string, unknown> {
  const plans = new Map<string, { service: ResolvedService; plan: AppPlan }>();
  for (const s of ctx.site.services) {
    if (s.kind !== "lxc" && s.kind !== "vm") continue;
    const plan = appPlanInOrg(s, ctx.site, ctx.org);
    if (!plan) continue;
    const problems = appContractProblems(s, plan);
    if (problems.length) throw new Error(problems.join("\n"));
    plans.set(s.name, { service: s, plan });
  }

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
    const samePrimary = plan.database && placementOf(ctx.org, "postgres-primary")?.site === ctx.site;
    const app = new AppInstall(`${ctx.site.name}-${s.name}-app`, {
      guest: ctx.guest(s.name),
      // A VM's root login is closed (cloud-init): its cloud-init user runs the script through sudo.
      connection: s.kind === "vm" ? ctx.ssh(s.ipv4!, VM_USER) : ctx.root(s.ipv4!),
      sudo: s.kind === "vm",
      plan,
      oidc: plan.oidc ? oidcRuntime(ctx, plan.oidc.clientId) : undefined,
      database: plan.database ? primaryDatabase(ctx, deps, plan.database) : undefined,
      ca: deps.ca,
      peerSecrets,
      dependsOn: samePrimary && deps.primary?.resource ? [deps.primary.resource] : [],
    });
    installs.set(name, app);
    return app;
  };

  const apps: AppInstall["summary"][] = [];
  const outputs: Record<string, unknown> = {};
  let wazuhAgentsDone = false;
  for (const [name, { service: s }] of plans) {
    const app = install(name);
    if (s.app?.kind !== "wazuh") {
      apps.push(app.summary);
      continue;
    }
    // Wazuh's agents enrol with its generated password once the manager runs (decisions 233, 302); the
    // other sites' agents read it from this stack's secret output.
    const agents = wazuhAgents(ctx, { enrolmentPassword: app.secrets.WAZUH_ENROLMENT_PASSWORD, installed: app.install });
    wazuhAgentsDone = true;
    outputs[WAZUH_ENROLMENT_OUTPUT] = pulumi.secret(app.secrets.WAZUH_ENROLMENT_PASSWORD);
    apps.push({ ...app.summary, agents });
  }
  // A site without the manager: its log sources enrol with the organisation's manager (decision 302).
  if (!wazuhAgentsDone) {
    const agents = wazuhAgents(ctx);
    if (agents.length) outputs.wazuhAgents = agents;
  }
  return apps.length ? { apps, ...outputs } : outputs;
}
