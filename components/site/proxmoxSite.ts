import * as pulumi from "@pulumi/pulumi";
import { Site } from "../inventory/load";
import { LxcService } from "../proxmox/lxcService";
import { OsImage } from "../proxmox/osImage";
import { VmService } from "../proxmox/vmService";
import { imageKey, lxcArgs, vmArgs } from "./guestArgs";

/** Arguments of {@link ProxmoxSite}. */
export interface ProxmoxSiteArgs {
  /** The validated site; only its active services (phase ≤ stack phase) are created. */
  site: Site;
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

    for (const s of site.services) {
      if (s.kind !== "lxc" && s.kind !== "vm") continue;
      const image = imageFor(imageKey(s), s.host!, s.template!);
      const resourceName = `${site.name}-${s.name}`;
      if (s.kind === "lxc") this.containers[s.name] = new LxcService(resourceName, lxcArgs(site, s, image.fileId), { parent: this });
      else this.vms[s.name] = new VmService(resourceName, vmArgs(site, s, image.fileId), { parent: this });
      this.guests[s.name] = { kind: s.kind, host: s.host!, vmid: s.vmid!, ipv4: s.ipv4 };
    }
    this.registerOutputs({ guests: this.guests });
  }
}
