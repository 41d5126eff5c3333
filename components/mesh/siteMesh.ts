/**
 * Composition of the mesh tier from a site's inventory (issue 6). bo runs the
 * internal CA, authentik and the NetBird coordinator; bh/ep enrol a routing
 * peer with the setup key bo exports. The stacks call one function each and
 * spread the result into their outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as random from "@pulumi/random";
import { ResolvedService, Site } from "../inventory/load";
import { siblingSites } from "../site/stackFiles";
import { gatewayRoutes, meshPlanFromSites } from "./render/meshPolicy";
import { ProxmoxSite } from "../site/proxmoxSite";
import { Authentik } from "./authentik";
import { InternalCa } from "./internalCa";
import { NetbirdCoordinator, NetbirdPeer, coordinatorServerArgs, netbirdCliRedirectUrls } from "./netbirdMesh";

/** Stack config keys the mesh reads. */
export const MESH_CONFIG = {
  /** NetBird management PAT (secret). Unset: enrolment is skipped (bootstrap). */
  pat: "netbirdPat",
  /** Name/address peers use for the coordinator (bo's WAN name). Default: its LAN IP. */
  publicHost: "netbirdPublicHost",
  /** SSH private key (secret) for root on the mesh guests. Default: the guest's root password. */
  sshPrivateKey: "sshPrivateKey",
} as const;

/** What bo exports under `mesh` (public; bh/ep read it through their StackReference). Secrets are under `meshSecrets`. */
export interface BoMeshOutputs {
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

/** root@<guest> over SSH: key from config, else the container's random root password. */
function connection(site: Site, s: ResolvedService, proxmox?: ProxmoxSite): pulumi.Output<command.types.input.remote.ConnectionArgs> {
  const cfg = new pulumi.Config("homelab");
  const key = cfg.getSecret(MESH_CONFIG.sshPrivateKey);
  const password = proxmox?.containers[s.name]?.rootPassword ?? proxmox?.vms[s.name]?.password;
  if (!key && !password) pulumi.log.warn(`mesh: no SSH credentials for ${site.name}/${s.name}: set homelab:${MESH_CONFIG.sshPrivateKey} or pass the ProxmoxSite`);
  return pulumi.secret(pulumi.output({ host: s.ipv4!, user: "root", privateKey: key, password: key ? undefined : password }));
}

function guestDeps(s: ResolvedService, proxmox?: ProxmoxSite): pulumi.Resource[] {
  const g = proxmox?.containers[s.name] ?? proxmox?.vms[s.name];
  return g ? [g] : [];
}

function appUrl(site: Site, name: string): { baseUrl: string } | undefined {
  const s = site.services.find((x) => x.name === name);
  if (!s?.ipv4 || s.ports.length === 0) return undefined;
  return { baseUrl: `http://${s.ipv4}:${s.ports[0].port}` };
}

/** Inputs bo's mesh takes from the rest of the stack. */
export interface BoMeshDeps {
  /** The site's guests (SSH password fallback and dependencies). */
  proxmox?: ProxmoxSite;
  /** Password of the `authentik` role on the shared PostgreSQL (data tier). Default: a RandomPassword exported as `mesh.authentikDbPassword`. */
  authentikDbPassword?: pulumi.Input<string>;
  /** The organisation's CA. Default: a new InternalCa owned by this site. */
  ca?: InternalCa;
  /** Resources Authentik must wait for (e.g. the PostgreSQL setup that creates its role). Default none. */
  authentikDependsOn?: pulumi.Resource[];
  /** The organisation's other sites, for the mesh plan. Default: the project's other stack files of the same organisation. */
  members?: readonly Site[];
  /** Service names. Defaults: authentik, netbird, routing peer = netbird. */
  authentikService?: string;
  netbirdService?: string;
  routerService?: string;
}

/** bo: internal CA, authentik, NetBird coordinator (and, once enrolled, bo's routing peer). */
export function meshForBo(site: Site, deps: BoMeshDeps = {}): { mesh: Record<string, unknown>; meshSecrets: pulumi.Output<unknown> } {
  const cfg = new pulumi.Config("homelab");
  const ak = service(site, deps.authentikService ?? "authentik");
  const nb = service(site, deps.netbirdService ?? "netbird");
  const domain = site.inventory.dns.domain;
  const pg = site.services.find((s) => s.name === "postgres");

  let dbPassword = deps.authentikDbPassword;
  let generatedDbPassword: pulumi.Output<string> | undefined;
  if (dbPassword === undefined) {
    generatedDbPassword = pulumi.secret(new random.RandomPassword(`${site.name}-authentik-db-password`, { length: 40, special: false }).result);
    dbPassword = generatedDbPassword;
  }

  const ca = deps.ca ?? new InternalCa(`${site.name}-ca`, { organisation: site.inventory.organisation });
  const authentik = new Authentik(`${site.name}-authentik`, {
    connection: connection(site, ak, deps.proxmox),
    ip: ak.ipv4!,
    hostname: ak.name,
    domain,
    ca,
    postgres: { host: pg?.ipv4 ?? "192.168.9.20", password: dbPassword },
    bootstrapEmail: `admin@${domain}`,
    netbird: { cliRedirectUrls: netbirdCliRedirectUrls() },
    gitea: appUrl(site, "gitea"),
    n8n: appUrl(site, "n8n"),
    paperless: appUrl(site, "paperless"),
    dependsOn: [...guestDeps(ak, deps.proxmox), ...(deps.authentikDependsOn ?? [])],
  });
  const publicHost = cfg.get(MESH_CONFIG.publicHost);
  const pat = cfg.getSecret(MESH_CONFIG.pat);
  const mesh = meshPlanFromSites([site, ...(deps.members ?? siblingSites(site))]);
  for (const problem of mesh.unroutable) pulumi.log.warn(`mesh: ${problem}`);
  const coordinator = new NetbirdCoordinator(`${site.name}-netbird`, {
    connection: connection(site, nb, deps.proxmox),
    ip: nb.ipv4!,
    hostname: nb.name,
    domain,
    publicHost,
    ca,
    issuer: authentik.netbirdIssuer,
    clientId: authentik.netbirdClientId,
    idpServiceAccount: authentik.netbirdServiceAccount,
    idpServiceAccountPassword: authentik.netbirdServiceAccountPassword,
    pat,
    plan: mesh.plan,
    dependsOn: [authentik.install, ...guestDeps(nb, deps.proxmox)],
  });
  if (pat !== undefined) {
    const router = service(site, deps.routerService ?? site.inventory.meshRouter ?? nb.name);
    new NetbirdPeer(`${site.name}-mesh-router`, {
      connection: connection(site, router, deps.proxmox),
      managementUrl: coordinator.managementUrl,
      setupKey: coordinator.setupKeys.apply((k) => k[`router-${site.name}`] ?? ""),
      caCertPem: ca.certPem,
      hostname: `${site.name}-${router.name}`,
      dependsOn: [coordinator.install, ...guestDeps(router, deps.proxmox)],
    });
  }
  return {
    mesh: {
      managementUrl: coordinator.managementUrl,
      caCertPem: ca.certPem,
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
      oidcClientSecrets: authentik.clientSecrets,
      authentikBootstrapPassword: authentik.bootstrapPassword,
      ...(generatedDbPassword ? { authentikDbPassword: generatedDbPassword } : {}),
    }),
  };
}

/** bo's outputs as given to a member: the whole outputs object, or a getter (`ref.getOutput`). */
export type BoOutputsSource = pulumi.Input<any> | ((name: string) => pulumi.Output<any>);

/** Inputs a member site's mesh takes from the rest of the stack. */
export interface MemberMeshDeps {
  proxmox?: ProxmoxSite;
  /** The organisation's other sites, for the gateway routes. Default: the project's other stack files of the same organisation. */
  members?: readonly Site[];
  /** The guest that becomes the site's routing peer. Default: `pg-replica` (it must be a peer anyway). */
  routerService?: string;
}

/** bh/ep: enrol the site's routing peer against bo's coordinator. */
export function meshForMember(site: Site, boOutputs: BoOutputsSource, deps: MemberMeshDeps = {}): { mesh: Record<string, unknown> } {
  const read = (name: string): pulumi.Output<any> =>
    typeof boOutputs === "function" ? (boOutputs as (n: string) => pulumi.Output<any>)(name) : pulumi.output(boOutputs).apply((o: any) => o?.[name]);
  const mesh: pulumi.Output<Partial<BoMeshOutputs> | undefined> = read("mesh");
  const secrets: pulumi.Output<{ setupKeys?: Record<string, string> } | undefined> = pulumi.secret(read("meshSecrets"));
  const routerName = deps.routerService ?? site.inventory.meshRouter ?? "pg-replica";
  if (!site.services.some((s) => s.name === routerName && s.ipv4)) {
    // The routing peer's guest is planned for a later phase (seed 000: sites enrol in phase 1).
    return { mesh: { enrolment: `not enrolled: the routing peer "${routerName}" is not active at phase ${site.phase}` } };
  }
  const router = service(site, routerName);
  const keyName = `router-${site.name}`;
  const managementUrl = mesh.apply((m) => {
    if (!m?.managementUrl) throw new Error(`homelab: site "${site.name}": bo exports no mesh.managementUrl (deploy bo's mesh first)`);
    return m.managementUrl;
  });
  new NetbirdPeer(`${site.name}-mesh-router`, {
    connection: connection(site, router, deps.proxmox),
    managementUrl,
    setupKey: pulumi.secret(secrets.apply((m) => m?.setupKeys?.[keyName] ?? "")),
    caCertPem: mesh.apply((m) => m?.caCertPem ?? ""),
    hostname: `${site.name}-${router.name}`,
    dependsOn: guestDeps(router, deps.proxmox),
  });
  return {
    mesh: {
      managementUrl,
      routingPeer: { service: router.name, ipv4: router.ipv4, advertises: site.networks[0]?.ipv4 },
      // From bo's outputs: the routes and policies that involve this site.
      routes: mesh.apply((m) => (m?.routes ?? []).filter((r) => r.site === site.name || r.distributedTo.includes(`routers-${site.name}`))),
      policies: mesh.apply((m) => (m?.policies ?? []).filter((p) => [...p.sources, ...p.destinations].includes(`routers-${site.name}`))),
      // Static routes this site's LAN gateway needs (other members' LANs via the routing peer).
      gatewayRoutes: gatewayRoutes(meshPlanFromSites([site, ...(deps.members ?? siblingSites(site))]).plan).filter((g) => g.site === site.name),
      // Only whether the key exists is revealed, never the key.
      enrolment: pulumi.unsecret(
        pulumi.all([mesh, secrets]).apply(([m, k]) => (k?.setupKeys?.[keyName] ? `enrolling with bo's setup key ${keyName}` : `waiting: bo has not exported setup key ${keyName} (${m?.enrolment ?? "no enrolment status"})`)),
      ),
    },
  };
}

export { coordinatorServerArgs };
