/**
 * Pure mapping from a validated inventory service to the arguments of the
 * Proxmox components. Kept out of the components so that it is tested without
 * Pulumi, and out of the stacks so that they stay thin.
 */
import type * as pulumi from "@pulumi/pulumi";
import { ResolvedService, Site } from "../inventory/load";
import { LxcServiceArgs } from "../proxmox/lxcService";
import { VmServiceArgs } from "../proxmox/vmService";
import { guestDescription, TransitFlow } from "../proxmox/render";
import { requiredFlowsFrom } from "../mesh/render/meshPolicy";
import { firewallOf } from "../inventory/monitoring";

/** What a guest's arguments take from outside its own inventory entry. */
export interface GuestExtras {
  /** The organisation (this site first), for the mesh flows a routing peer forwards and the Prometheus guest's access. Default: this site alone. */
  org?: readonly Site[];
  /** The organisation's deploy public key, installed before the inventory's `sshPublicKeys`. Default none. */
  deployPublicKey?: pulumi.Input<string>;
}

/**
 * The flows `s` forwards when it is its site's mesh routing peer (`meshRouter` of a `mesh: true`
 * site): every opening of another member's guest whose source lies in this site's LAN
 * (components/mesh/render/meshPolicy.ts `requiredFlowsFrom`, the plan the coordinator applies).
 * Undefined for any other guest.
 */
export function transitFlows(site: Site, s: ResolvedService, org: readonly Site[] = [site]): TransitFlow[] | undefined {
  if (!site.inventory.mesh || site.inventory.meshRouter !== s.name) return undefined;
  const sites = org.some((o) => o.name === site.name) ? org : [site, ...org];
  return requiredFlowsFrom(sites)
    .flows.filter((f) => f.sourceSite === site.name)
    .map((f) => ({ source: f.source, destination: f.destination, protocol: f.protocol, port: f.port, description: `${f.destinationSite} ${f.description}` }));
}

/** Key of the OS image a guest is built from: one download per (node, template). */
export function imageKey(service: ResolvedService): string {
  return `${service.host}-${service.template}`;
}

function common(site: Site, s: ResolvedService, x: GuestExtras) {
  const net = s.resolvedNetwork;
  const datastoreId = s.datastore!;
  return {
    nodeName: s.host!,
    vmId: s.vmid!,
    description: guestDescription(site.name, s.ref, s.description),
    cores: s.cores!,
    memoryMiB: s.memoryMiB!,
    diskGiB: s.diskGiB!,
    datastoreId,
    dataVolumes: s.dataMounts.map((m) => ({ path: m.path, sizeGiB: m.sizeGiB, datastoreId: m.datastore ?? datastoreId })),
    network: {
      bridge: net.bridge!,
      vlanId: net.vlan,
      ipv4Cidr: s.ipv4Cidr,
      ipv4Gateway: s.router ? undefined : net.gateway,
      ipv6Cidr: s.ipv6Cidr,
      ipv6Gateway: s.router ? undefined : net.ipv6?.gateway,
    },
    dns: { servers: [...site.inventory.dns.servers], domain: site.inventory.dns.domain },
    sshPublicKeys: [...(x.deployPublicKey !== undefined ? [x.deployPublicKey] : []), ...site.inventory.sshPublicKeys],
    transit: transitFlows(site, s, x.org),
    // The declared openings plus the organisation's Prometheus on every port it scrapes or probes (decision 230).
    firewall: firewallOf(x.org ?? [site], site, s).map((f) => ({ port: f.port, protocol: f.protocol, sources: f.sources, description: f.description })),
    startupOrder: s.startupOrder,
    tags: [site.name, ...(s.ref ? [s.ref] : []), ...s.tags],
    stateful: s.stateful,
  };
}

/** Arguments for an LxcService built from `s`. */
export function lxcArgs(site: Site, s: ResolvedService, templateFileId: pulumi.Input<string>, x: GuestExtras = {}): LxcServiceArgs {
  return {
    ...common(site, s, x),
    hostname: s.name,
    templateFileId,
    swapMiB: s.swapMiB,
    privilegedReason: s.privileged?.reason,
    features: s.features,
    devices: [...s.devices],
  };
}

/** Arguments for a VmService built from `s`. */
export function vmArgs(site: Site, s: ResolvedService, imageFileId: pulumi.Input<string>, x: GuestExtras = {}): VmServiceArgs {
  const networks = new Map(site.networks.map((n) => [n.name, n]));
  return {
    ...common(site, s, x),
    name: s.name,
    imageFileId,
    guestFirewall: !s.router,
    extraNics: s.extraNics.map((nic) => {
      const n = networks.get(nic.network)!;
      return { bridge: n.bridge!, vlanId: n.vlan, ipv4: nic.ipv4 === "dhcp" ? "dhcp" : `${nic.ipv4}/${n.ipv4Prefix!.length}` };
    }),
  };
}
