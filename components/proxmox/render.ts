/**
 * Pure helpers that turn service settings into Proxmox provider inputs. The
 * components only wire resources; everything that can be decided without
 * Pulumi is decided here and unit-tested.
 */
import type * as proxmox from "@muhlba91/pulumi-proxmoxve";

/** One inbound opening: a port, its protocol, and the sources allowed (empty = any). */
export interface FirewallOpening {
  /** Port number. */
  port: number;
  /** `tcp` or `udp`. */
  protocol: "tcp" | "udp";
  /** Source addresses/prefixes; an empty list means any source. */
  sources: readonly string[];
  /** Comment shown in the Proxmox UI. */
  description?: string;
}

/**
 * Proxmox tags: lower-case, sorted, unique, restricted to the characters
 * Proxmox accepts. Proxmox stores tags this way, so anything else shows a
 * permanent diff.
 */
export function normalizeTags(tags: readonly string[]): string[] {
  const clean = tags.map((t) => t.toLowerCase().replace(/[^a-z0-9_.+-]/g, "-")).filter((t) => t.length > 0);
  return [...new Set(clean)].sort();
}

/**
 * Inbound ACCEPT rules, one per (opening, address family) so that IPv4 and
 * IPv6 sources are never mixed in one rule (Proxmox rejects mixed lists).
 * With the guest's input policy DROP, nothing else gets in.
 */
export function firewallRules(openings: readonly FirewallOpening[]): proxmox.types.input.firewall.RulesLegacyRule[] {
  const rules: proxmox.types.input.firewall.RulesLegacyRule[] = [];
  for (const o of openings) {
    const comment = o.description ?? `${o.protocol}/${o.port}`;
    const base = { type: "in", action: "ACCEPT", proto: o.protocol, dport: String(o.port), iface: "net0", enabled: true };
    if (o.sources.length === 0) {
      rules.push({ ...base, comment: `${comment} from any` });
      continue;
    }
    const v4 = o.sources.filter((s) => !s.includes(":"));
    const v6 = o.sources.filter((s) => s.includes(":"));
    if (v4.length > 0) rules.push({ ...base, source: v4.join(","), comment });
    if (v6.length > 0) rules.push({ ...base, source: v6.join(","), comment });
  }
  return rules;
}

/** Guest-level firewall options: on, inbound default-deny, outbound allowed, no spoofed addresses. */
export function firewallOptions(): Omit<proxmox.firewall.OptionsLegacyArgs, "nodeName" | "vmId" | "containerId"> {
  return { enabled: true, inputPolicy: "DROP", outputPolicy: "ACCEPT", ipfilter: true, macfilter: true, dhcp: false, ndp: true, radv: false, logLevelIn: "nolog", logLevelOut: "nolog" };
}

/** A data volume: path in the guest, size and datastore. */
export interface DataVolume {
  /** Path inside the guest. */
  path: string;
  /** Size in GiB. */
  sizeGiB: number;
  /** Proxmox storage ID. */
  datastoreId: string;
}

/** LXC mount points for data volumes; included in vzdump backups. */
export function lxcMountPoints(volumes: readonly DataVolume[]): proxmox.types.input.ContainerLegacyMountPoint[] {
  return volumes.map((v) => ({ volume: v.datastoreId, size: `${v.sizeGiB}G`, path: v.path, backup: true }));
}

/** The `description` Proxmox shows: what the guest is and that this program owns it. */
export function guestDescription(site: string, ref: string | undefined, text: string): string {
  return `${ref ? `${ref}: ` : ""}${text}\n\nManaged by homelab (site ${site}); change the inventory, not this guest.`;
}
