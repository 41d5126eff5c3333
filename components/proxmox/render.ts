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

/**
 * Guest-level firewall options: on, inbound default-deny, outbound allowed, MAC filter on.
 *
 * `ipfilter` (default true) makes pve-firewall drop every packet the guest sends whose source is
 * not in its `ipfilter-net<N>` IP set (pve-firewall 6.0.4 src/PVE/Firewall.pm,
 * `ruleset_create_vm_chain`: `-m set ! --match-set <ipfilter-netN> src -j DROP` in the OUT chain).
 * A routing peer forwards packets with other hosts' source addresses (no masquerade), so it turns
 * ipfilter off; see {@link transitRules} for what still filters it.
 */
export function firewallOptions(o: { ipfilter?: boolean } = {}): Omit<proxmox.firewall.OptionsLegacyArgs, "nodeName" | "vmId" | "containerId"> {
  return { enabled: true, inputPolicy: "DROP", outputPolicy: "ACCEPT", ipfilter: o.ipfilter ?? true, macfilter: true, dhcp: false, ndp: true, radv: false, logLevelIn: "nolog", logLevelOut: "nolog" };
}

/** Traffic a routing peer forwards from its own LAN into the mesh: one declared cross-site flow. */
export interface TransitFlow {
  /** Source address/prefix in this site's LAN, as the destination's opening allows it. */
  source: string;
  /** Destination guest address in another mesh member's LAN. */
  destination: string;
  protocol: "tcp" | "udp";
  port: number;
  /** Comment. */
  description?: string;
}

/**
 * Inbound ACCEPT rules for the traffic a routing peer forwards. pve-firewall runs a guest's IN chain
 * for every packet the bridge delivers to its tap/veth, whatever the destination address
 * (pve-firewall 6.0.4 src/PVE/Firewall.pm, `generate_tap_rules_direction`: `PVEFW-FWBR-IN
 * -m physdev --physdev-out <iface> -j <iface>-IN`, then `policy_in`), so a local host's packet to
 * another site, routed to the peer by the LAN gateway, meets the peer's DROP policy unless a rule
 * accepts it. One rule per declared flow (source, destination guest, protocol, port): exactly the
 * openings of other sites' guests that admit this site's hosts. Replies and flows started from the
 * other side pass as RELATED/ESTABLISHED (`PVEFW-FORWARD` accepts those before any guest chain)
 * or leave through the OUT chain (policy ACCEPT).
 */
export function transitRules(flows: readonly TransitFlow[]): proxmox.types.input.firewall.RulesLegacyRule[] {
  const seen = new Set<string>();
  const rules: proxmox.types.input.firewall.RulesLegacyRule[] = [];
  for (const f of flows) {
    const key = `${f.source}|${f.destination}|${f.protocol}|${f.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    rules.push({ type: "in", action: "ACCEPT", proto: f.protocol, dport: String(f.port), iface: "net0", source: f.source, dest: f.destination, enabled: true, comment: `transit: ${f.description ?? `${f.protocol}/${f.port}`} to ${f.destination}` });
  }
  return rules;
}

/**
 * Entries of a VM's `ipfilter-net<N>` IP set: the NIC's static addresses. For VMs pve-firewall
 * fills the implicit set with the MAC-derived IPv6 link-local address only (pve-firewall 6.0.4
 * src/PVE/Firewall.pm, QEMU branch of the ipset generation: `$device_ips->{$netid} = [linklocal,
 * fe80::/10 nomatch]`), so with ipfilter on and no set every IPv4 packet the VM sends is dropped.
 * Containers need no set: their `ip=`/`ip6=` are added implicitly (LXC branch, same function).
 */
export function ipfilterCidrs(nic: { ipv4Cidr?: string; ipv6Cidr?: string }): string[] {
  return [nic.ipv4Cidr, nic.ipv6Cidr].filter((c): c is string => !!c && c !== "dhcp" && c.includes("/")).map((c) => c.split("/")[0]);
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
