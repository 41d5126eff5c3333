/**
 * What every tier of a site program composes with: the site, its organisation, its guests, the
 * deployment configuration, and the sibling stacks it reads (one StackReference per site that
 * serves it something: the primary, the backup server, the mesh coordinator).
 */
import * as pulumi from "@pulumi/pulumi";
import type { Site } from "../inventory/load";
import type { ProxmoxSite } from "./proxmoxSite";
import { Deployment, sshConnection } from "./deployment";
import type { GuestConnection } from "../remote/script";
import type { DeployKey } from "./deployKey";

/** The composition context of one site. */
export class SiteContext {
  private readonly refs = new Map<string, pulumi.StackReference>();
  /** The organisation's deploy key (components/site/deployKey.ts); set by the site program before the guests. */
  deployKey?: DeployKey;
  /**
   * The identity provider as this site's other tiers use it, set by the mesh tier on the site that runs it:
   * the OIDC client secrets by client id (secret) and the CA its TLS certificate chains to
   * (components/apps/oidcRuntime.ts; other sites read the same from its stack outputs).
   */
  identity?: { clientSecrets: pulumi.Output<Record<string, string>>; caPem: pulumi.Output<string> };
  private proxmoxSite?: ProxmoxSite;

  constructor(
    /** The site being composed. */
    readonly site: Site,
    /** Every site of its organisation (itself first), loaded from the project's stack files. */
    readonly org: readonly Site[],
    /** Its Proxmox guests; undefined on a site without Proxmox guests (or until {@link attachGuests}). */
    proxmox: ProxmoxSite | undefined,
    /** The stack config besides the inventory. */
    readonly deployment: Deployment,
  ) {
    this.proxmoxSite = proxmox;
  }

  /** Its Proxmox guests; undefined on a site without Proxmox guests. */
  get proxmox(): ProxmoxSite | undefined {
    return this.proxmoxSite;
  }

  /** Sets the guests once they exist (they need the deploy key, which may need a StackReference of this context). */
  attachGuests(proxmox: ProxmoxSite | undefined): void {
    this.proxmoxSite = proxmox;
  }

  /** Name of the StackReference to sibling site `name`: `<stackOrganization>/<project>/<name>`. */
  refName(name: string): string {
    return `${this.deployment.stackOrganization}/${pulumi.getProject()}/${name}`;
  }

  /** Outputs of sibling site `name` (one StackReference per sibling, created on first use). */
  upstream(name: string): pulumi.StackReference {
    let ref = this.refs.get(name);
    if (!ref) {
      ref = new pulumi.StackReference(this.refName(name));
      this.refs.set(name, ref);
    }
    return ref;
  }

  /** Root SSH connection to a guest address (the one SSH rule, components/site/deployment.ts). */
  root(host: pulumi.Input<string>): GuestConnection {
    return this.ssh(host, "root");
  }

  /** SSH connection as `user` (e.g. a VM's cloud-init user) to a guest address, by the same rule. */
  ssh(host: pulumi.Input<string>, user: string): GuestConnection {
    return sshConnection(this.deployment, host, user, this.deployKey?.privateKey);
  }

  /** The Pulumi resource of guest `service` (its container or VM), for dependsOn. */
  guest(service: string): pulumi.Resource {
    const r = this.proxmox?.containers[service]?.container ?? this.proxmox?.vms[service]?.vm;
    if (!r) throw new Error(`homelab: site "${this.site.name}": no guest "${service}"`);
    return r;
  }

  /** The guest's component (LxcService/VmService), for dependsOn; none for a non-guest. */
  guestComponent(service: string): pulumi.Resource[] {
    const g = this.proxmox?.containers[service] ?? this.proxmox?.vms[service];
    return g ? [g] : [];
  }
}
