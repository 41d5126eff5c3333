import * as pulumi from "@pulumi/pulumi";
import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import { Site } from "../inventory/load";
import { LxcService, rootPamReasons } from "../proxmox/lxcService";
import { OsImage } from "../proxmox/osImage";
import { VmService } from "../proxmox/vmService";
import { GuestConnection } from "../remote/script";
import { imageKey, lxcArgs, vmArgs } from "./guestArgs";
import { applianceOf } from "../inventory/apps";

/** Arguments of {@link ProxmoxSite}. */
export interface ProxmoxSiteArgs {
  /** The validated site; only its active services (phase ≤ stack phase) are created. */
  site: Site;
  /** Its organisation (this site first): the mesh flows its routing peer forwards. Default: the site alone. */
  org?: readonly Site[];
  /** The organisation's deploy public key, installed on every guest. Default none. */
  deployPublicKey?: pulumi.Input<string>;
  /** SSH connection as `user` to a guest address (the one SSH rule); VMs use it once to install the QEMU guest agent. Default: no install. */
  ssh?: (host: string, user: string) => GuestConnection;
  /** The root@pam provider's settings, for containers an API token cannot create (see rootPamReasons). */
  rootPam?: { endpoint?: string; insecure?: boolean; password?: pulumi.Input<string> };
}

/** The cloud image known to ship without the QEMU guest agent (components/inventory/templates.ts). */
const IMAGE_WITHOUT_AGENT = "debian12-cloud";

/** Guests of `site` that only the user root@pam (password, not a token) can create, with the reasons. */
export function rootPamGuests(site: Site): Array<{ name: string; vmid: number; reasons: string[] }> {
  return site.services
    .filter((s) => s.kind === "lxc")
    .map((s) => ({ name: s.name, vmid: s.vmid!, reasons: rootPamReasons({ devices: s.devices, features: s.features, privilegedReason: s.privileged?.reason }) }))
    .filter((g) => g.reasons.length > 0);
}

/** What a guest looks like from outside, for stack outputs and other components. */
export interface GuestSummary {
  kind: "lxc" | "vm";
  host: string;
  vmid: number;
  ipv4?: string;
}

/** The plain summary every stack exports: site, phase, guests and what is deferred to a later phase. */
export function siteSummary(site: Site, proxmox: ProxmoxSite) {
  return { site: site.name, phase: site.phase, guests: proxmox.guests, deferred: site.deferred.map((s) => ({ name: s.name, phase: s.phase })) };
}

/**
 * Every LXC container and VM of a site, with one pinned OS image download per
 * (node, template) that is actually used.
 */
export class ProxmoxSite extends pulumi.ComponentResource {
  /** Containers by service name. */
  public readonly containers: Record<string, LxcService> = {};
  /** VMs by service name. */
  public readonly vms: Record<string, VmService> = {};
  /** Plain summary of every guest. */
  public readonly guests: Record<string, GuestSummary> = {};
  /** Guests created through the root@pam provider, with why (empty when none). */
  public readonly rootPamGuests: Array<{ name: string; vmid: number; reasons: string[] }>;

  constructor(name: string, args: ProxmoxSiteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:site:ProxmoxSite", name, {}, opts);
    const { site } = args;
    const images = new Map<string, OsImage>();
    const imageFor = (key: string, host: string, templateKey: string): OsImage => {
      let image = images.get(key);
      if (!image) {
        const t = site.templates[templateKey];
        image = new OsImage(`${site.name}-${key}`, { nodeName: host, datastoreId: t.datastore, contentType: t.contentType, url: t.url, checksum: t.checksum, checksumAlgorithm: t.checksumAlgorithm, fileName: t.fileName }, { parent: this });
        images.set(key, image);
      }
      return image;
    };

    // Only root@pam itself may pass devices through or set features other than nesting; an API
    // token (even root@pam's) gets 403. Those containers alone go through a second, explicit
    // provider that logs in as root@pam with its password (homelab:proxmoxRootPassword).
    this.rootPamGuests = rootPamGuests(site);
    let rootProvider: proxmox.Provider | undefined;
    if (this.rootPamGuests.length > 0) {
      // Without homelab:proxmoxRootPassword this provider has no password and the Proxmox login
      // fails at preview, naming the provider; the stack output `rootPamGuests` lists who needs it.
      const rp = args.rootPam ?? {};
      rootProvider = new proxmox.Provider(`${site.name}-root-pam`, { endpoint: rp.endpoint, insecure: rp.insecure, username: "root@pam", password: rp.password }, { parent: this });
    }
    const extras = { org: args.org, deployPublicKey: args.deployPublicKey };

    for (const s of site.services) {
      if (s.kind !== "lxc" && s.kind !== "vm") continue;
      const resourceName = `${site.name}-${s.name}`;
      const appliance = s.kind === "vm" ? applianceOf(s.app) : undefined;
      if (appliance) {
        // An appliance boots its own image (the operator's): no download, no cloud-init, no SSH.
        const { imageFileId: _none, ...a } = vmArgs(site, s, "", extras);
        this.vms[s.name] = new VmService(resourceName, { ...a, tags: [...(a.tags ?? []), "appliance"], firmware: appliance.firmware, cloudInit: false }, { parent: this });
        this.guests[s.name] = { kind: s.kind, host: s.host!, vmid: s.vmid!, ipv4: s.ipv4 };
        continue;
      }
      const image = imageFor(imageKey(s), s.host!, s.template!);
      if (s.kind === "lxc") {
        const needsRoot = this.rootPamGuests.some((g) => g.name === s.name);
        this.containers[s.name] = new LxcService(resourceName, { ...lxcArgs(site, s, image.fileId, extras), ...(needsRoot ? { provider: rootProvider } : {}) }, { parent: this });
      } else {
        const a = vmArgs(site, s, image.fileId, extras);
        const agentInstall = args.ssh && s.template === IMAGE_WITHOUT_AGENT && s.ipv4 ? args.ssh(s.ipv4, a.username ?? "debian") : undefined;
        this.vms[s.name] = new VmService(resourceName, { ...a, ...(agentInstall ? { agentInstall } : {}) }, { parent: this });
      }
      this.guests[s.name] = { kind: s.kind, host: s.host!, vmid: s.vmid!, ipv4: s.ipv4 };
    }
    this.registerOutputs({ guests: this.guests, rootPamGuests: this.rootPamGuests });
  }
}
