/** Composition helpers shared by the bo/bh/ep stacks (thin: pick guests, build connections). */
import * as pulumi from "@pulumi/pulumi";
import { Site } from "../inventory/load";
import { ProxmoxSite } from "../site/proxmoxSite";
import { backupAgentPlan } from "./plan";
import { GuestConnection } from "../remote/script";
import { ResticAgent, ResticServerRef } from "./resticPipeline";

/** Default StackReference name of the site that runs the primary database and the backup server. */
export const DEFAULT_DATA_SOURCE = "organization/homelab/bo";

/**
 * SSH connection as root to `host`. The key comes from the secret config `homelab:sshPrivateKey`;
 * when unset, the command provider falls back to the SSH agent (SSH_AUTH_SOCK) at `pulumi up` time.
 */
export function rootConnection(host: pulumi.Input<string>): GuestConnection {
  const key = new pulumi.Config("homelab").getSecret("sshPrivateKey");
  return key === undefined ? { host, user: "root" } : { host, user: "root", privateKey: key };
}

/** The guest resource of a service (container or VM) for dependsOn. */
export function guestResource(proxmox: ProxmoxSite, service: string): pulumi.Resource {
  const r = proxmox.containers[service]?.container ?? proxmox.vms[service]?.vm;
  if (!r) throw new Error(`homelab: no guest "${service}" in this site`);
  return r;
}

/** One ResticAgent per guest with backup paths; returns what they cover. */
export function resticAgents(site: Site, proxmox: ProxmoxSite, server: ResticServerRef, parent?: pulumi.Resource) {
  return backupAgentPlan(site).map((p) => {
    new ResticAgent(`${site.name}-${p.service}-backup`, { guest: guestResource(proxmox, p.service), connection: rootConnection(p.address), plan: p, server }, { parent });
    return { service: p.service, vmid: p.vmid, repoUser: p.repoUser, at: p.at };
  });
}

