/**
 * The mesh tier of one site, from its apps and the organisation's: the site that runs the
 * identity provider and the mesh coordinator (apps `identity-provider`, `mesh-coordinator`) runs
 * authentik and NetBird; every other mesh site of the organisation enrols its routing peer
 * (inventory `meshRouter`) with the setup key the coordinator's site exports.
 */
import * as pulumi from "@pulumi/pulumi";
import { ResolvedService, Site } from "../inventory/load";
import { activeApp, placementOf } from "../inventory/org";
import { oidcClients } from "../apps/oidc";
import { forwardAuthDomain } from "../apps/webRoutes";
import { SiteContext } from "../site/context";
import { gatewayRoutes, meshPlanFromSites } from "./render/meshPolicy";
import { Authentik } from "./authentik";
import { InternalCa } from "./internalCa";
import { NetbirdCoordinator, NetbirdPeer, coordinatorServerArgs, netbirdCliRedirectUrls } from "./netbirdMesh";

/** What the coordinator's site exports under `mesh` (public; members read it through a StackReference). Secrets are under `meshSecrets`. */
export interface CoordinatorMeshOutputs {
  managementUrl: string;
  caCertPem: string;
  authentikUrl: string;
  netbirdIssuer: string;
  enrolment: string;
  routes: Array<{ site: string; network: string; routingPeer?: string; distributedTo: string[]; masquerade: boolean }>;
  policies: Array<{ name: string; sources: string[]; destinations: string[]; protocol: string; ports: number[] }>;
}

function service(site: Site, name: string): ResolvedService {
  const s = site.services.find((x) => x.name === name);
  if (!s || !s.ipv4) throw new Error(`homelab: site "${site.name}": the mesh needs an active service "${name}" with an ipv4 address`);
  return s;
}

/**
 * The coordinator's site: authentik (its database on the organisation's primary), the NetBird
 * coordinator with the plan derived from the organisation (its API setup creates the service user,
 * PAT and setup keys), and the site's own routing peer.
 */
export function meshCoordinator(
  ctx: SiteContext,
  deps: { ca: InternalCa; primary?: { databases: Record<string, { password: pulumi.Output<string> }>; resource?: pulumi.Resource } },
): { mesh: Record<string, unknown>; meshSecrets: pulumi.Output<unknown>; oidcClientSecrets: pulumi.Output<Record<string, string>> } {
  const { site, org, deployment } = ctx;
  const ak = activeApp(site, "identity-provider");
  const nb = activeApp(site, "mesh-coordinator")!;
  if (!ak) throw new Error(`homelab: site "${site.name}": the mesh coordinator needs the identity provider active at phase ${site.phase}`);
  const domain = site.inventory.dns.domain;
  const pg = placementOf(org, "postgres-primary");
  const dbName = ak.app.database;
  if (!pg || !dbName) throw new Error(`homelab: site "${site.name}": authentik keeps its data in a database (app.database) on the organisation's active postgres-primary`);
  const dbPassword: pulumi.Output<string> =
    pg.site === site
      ? deps.primary!.databases[dbName].password
      : pulumi.secret(ctx.upstream(pg.site.name).requireOutput("postgresDatabases").apply((d: any) => d?.[dbName]?.password as string));
  const authentik = new Authentik(`${site.name}-${ak.name}`, {
    connection: ctx.root(ak.ipv4!),
    ip: ak.ipv4!,
    hostname: ak.name,
    domain,
    ca: deps.ca,
    postgres: { host: pg.service.ipv4!, name: dbName, user: dbName, password: dbPassword },
    bootstrapEmail: `admin@${domain}`,
    netbird: { cliRedirectUrls: netbirdCliRedirectUrls() },
    clients: oidcClients(org).map((c) => c.oidc),
    forwardAuth: forwardAuthDomain(site),
    dependsOn: [...ctx.guestComponent(ak.name), ...(pg.site === site && deps.primary?.resource ? [deps.primary.resource] : [])],
  });
  ctx.identity = { clientSecrets: authentik.clientSecrets, caPem: deps.ca.certPem };
  const pat = deployment.netbirdPat;
  const mesh = meshPlanFromSites(org);
  for (const problem of mesh.unroutable) pulumi.log.warn(`mesh: ${problem}`);
  const coordinator = new NetbirdCoordinator(`${site.name}-${nb.name}`, {
    connection: ctx.root(nb.ipv4!),
    ip: nb.ipv4!,
    hostname: nb.name,
    domain,
    publicHost: nb.app.publicEndpoint,
    ca: deps.ca,
    issuer: authentik.netbirdIssuer,
    clientId: authentik.netbirdClientId,
    idpServiceAccount: authentik.netbirdServiceAccount,
    idpServiceAccountPassword: authentik.netbirdServiceAccountPassword,
    pat,
    plan: mesh.plan,
    dependsOn: [authentik.install, ...ctx.guestComponent(nb.name)],
  });
  if (site.inventory.meshRouter) {
    const router = service(site, site.inventory.meshRouter);
    new NetbirdPeer(`${site.name}-mesh-router`, {
      connection: ctx.root(router.ipv4!),
      managementUrl: coordinator.managementUrl,
      setupKey: coordinator.setupKeys.apply((k) => k[`router-${site.name}`] ?? ""),
      caCertPem: deps.ca.certPem,
      hostname: `${site.name}-${router.name}`,
      dependsOn: [coordinator.install, ...ctx.guestComponent(router.name)],
    });
  }
  return {
    mesh: {
      managementUrl: coordinator.managementUrl,
      caCertPem: deps.ca.certPem,
      routes: mesh.plan.routes.map((r) => ({ site: r.site, network: r.network, routingPeer: mesh.plan.sites.find((x) => x.id === r.site)?.router.ipv4, distributedTo: r.distributionGroups, masquerade: r.masquerade })),
      policies: mesh.plan.policies.map((p) => ({ name: p.name, sources: p.sources, destinations: p.destinations, protocol: p.protocol, ports: p.ports })),
      gatewayRoutes: gatewayRoutes(mesh.plan).filter((g) => g.site === site.name),
      authentikUrl: authentik.url,
      netbirdIssuer: authentik.netbirdIssuer,
      enrolment: coordinator.enrolment,
    },
    // Secrets in their own output: a stack output holding any secret is secret as a whole downstream.
    meshSecrets: pulumi.secret({
      setupKeys: coordinator.setupKeys,
      authentikBootstrapPassword: authentik.bootstrapPassword,
    }),
    // The OIDC client secrets by client id, read by the sites whose apps are clients (components/apps/oidcRuntime.ts).
    oidcClientSecrets: pulumi.secret(authentik.clientSecrets),
  };
}

/** A member site: enrol its routing peer against the coordinator of another site of the organisation. */
export function meshMember(ctx: SiteContext, coordinatorSite: string): { mesh: Record<string, unknown> } {
  const { site, org } = ctx;
  const routerName = site.inventory.meshRouter!;
  if (!site.services.some((s) => s.name === routerName && s.ipv4)) {
    // The routing peer's guest is planned for a later phase.
    return { mesh: { enrolment: `not enrolled: the routing peer "${routerName}" is not active at phase ${site.phase}` } };
  }
  const ref = ctx.upstream(coordinatorSite);
  const mesh: pulumi.Output<Partial<CoordinatorMeshOutputs> | undefined> = ref.getOutput("mesh");
  const secrets: pulumi.Output<{ setupKeys?: Record<string, string> } | undefined> = pulumi.secret(ref.getOutput("meshSecrets"));
  const router = service(site, routerName);
  const keyName = `router-${site.name}`;
  const managementUrl = mesh.apply((m) => {
    if (!m?.managementUrl) throw new Error(`homelab: site "${site.name}": ${coordinatorSite} exports no mesh.managementUrl (deploy ${coordinatorSite}'s mesh first)`);
    return m.managementUrl;
  });
  new NetbirdPeer(`${site.name}-mesh-router`, {
    connection: ctx.root(router.ipv4!),
    managementUrl,
    setupKey: pulumi.secret(secrets.apply((m) => m?.setupKeys?.[keyName] ?? "")),
    caCertPem: mesh.apply((m) => m?.caCertPem ?? ""),
    hostname: `${site.name}-${router.name}`,
    dependsOn: ctx.guestComponent(router.name),
  });
  return {
    mesh: {
      managementUrl,
      routingPeer: { service: router.name, ipv4: router.ipv4, advertises: site.networks[0]?.ipv4 },
      // From the coordinator's outputs: the routes and policies that involve this site.
      routes: mesh.apply((m) => (m?.routes ?? []).filter((r) => r.site === site.name || r.distributedTo.includes(`routers-${site.name}`))),
      policies: mesh.apply((m) => (m?.policies ?? []).filter((p) => [...p.sources, ...p.destinations].includes(`routers-${site.name}`))),
      // Static routes this site's LAN gateway needs (other members' LANs via the routing peer).
      gatewayRoutes: gatewayRoutes(meshPlanFromSites(org).plan).filter((g) => g.site === site.name),
      // Only whether the key exists is revealed, never the key.
      enrolment: pulumi.unsecret(
        pulumi.all([mesh, secrets]).apply(([m, k]) => (k?.setupKeys?.[keyName] ? `enrolling with ${coordinatorSite}'s setup key ${keyName}` : `waiting: ${coordinatorSite} has not exported setup key ${keyName} (${m?.enrolment ?? "no enrolment status"})`)),
      ),
    },
  };
}

/** The mesh tier of `ctx.site`: coordinator, member, or nothing (not a mesh site, no coordinator yet). */
export function meshTier(ctx: SiteContext, deps: { ca?: InternalCa; primary?: { databases: Record<string, { password: pulumi.Output<string> }>; resource?: pulumi.Resource } }): Record<string, unknown> {
  if (activeApp(ctx.site, "mesh-coordinator")) {
    if (!deps.ca) throw new Error(`homelab: site "${ctx.site.name}": the mesh coordinator needs the site's internal CA`);
    return meshCoordinator(ctx, { ca: deps.ca, primary: deps.primary });
  }
  if (!ctx.site.inventory.mesh) return {};
  const coordinator = placementOf(ctx.org, "mesh-coordinator");
  if (!coordinator || coordinator.site === ctx.site) return {};
  return meshMember(ctx, coordinator.site.name);
}

export { coordinatorServerArgs };
