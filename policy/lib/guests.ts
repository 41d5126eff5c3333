/**
 * Reads what a Proxmox guest consumes from the resource inputs the engine
 * sees (policies can't see component arguments). Shared by the policy rules
 * and the offline plan's host table, so both count the same way.
 */

/** Type tokens of the guests we account for. */
export const CONTAINER_TYPE = "proxmoxve:index/containerLegacy:ContainerLegacy";
export const VM_TYPE = "proxmoxve:index/vmLegacy:VmLegacy";
export const FIREWALL_RULES_TYPE = "proxmoxve:firewall/rulesLegacy:RulesLegacy";
export const FIREWALL_OPTIONS_TYPE = "proxmoxve:firewall/optionsLegacy:OptionsLegacy";

/** Consumption and identity of one guest. */
export interface GuestUsage {
  kind: "lxc" | "vm";
  /** Resource name (for messages). */
  name: string;
  urn?: string;
  node: string;
  vmid?: number;
  hostname?: string;
  cores: number;
  memoryMiB: number;
  /** GiB per datastore. */
  disks: Array<{ datastore: string; sizeGiB: number }>;
  /** Static addresses without prefix length, with the NIC's bridge. */
  addresses: Array<{ address: string; cidr: string; gateway?: string; bridge?: string }>;
  unprivileged?: boolean;
  tags: string[];
}

type Props = Record<string, any>;

function sizeGiB(size: unknown): number {
  if (typeof size === "number") return size;
  if (typeof size !== "string") return 0;
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)/i.exec(size.trim());
  if (!m) return 0;
  const n = Number(m[1]);
  const unit = m[2].toUpperCase();
  return unit === "T" ? n * 1024 : unit === "M" ? n / 1024 : unit === "K" ? n / 1024 / 1024 : n;
}

function addressesOf(ipConfigs: Props[] | undefined, bridges: Array<string | undefined>): GuestUsage["addresses"] {
  const out: GuestUsage["addresses"] = [];
  (ipConfigs ?? []).forEach((cfg, i) => {
    for (const fam of ["ipv4", "ipv6"] as const) {
      const a = cfg?.[fam]?.address;
      if (typeof a === "string" && a.includes("/")) out.push({ address: a.split("/")[0], cidr: a, gateway: cfg[fam]?.gateway, bridge: bridges[i] });
    }
  });
  return out;
}

/** Usage of a ContainerLegacy or VmLegacy from its inputs; undefined for other types. */
export function guestUsage(type: string, name: string, props: Props, urn?: string): GuestUsage | undefined {
  if (type === CONTAINER_TYPE) {
    const disks = [{ datastore: props.disk?.datastoreId ?? "local", sizeGiB: sizeGiB(props.disk?.size ?? 4) }];
    for (const mp of props.mountPoints ?? []) {
      if (typeof mp.volume === "string" && !mp.volume.startsWith("/") && !mp.volume.includes(":")) disks.push({ datastore: mp.volume, sizeGiB: sizeGiB(mp.size) });
    }
    return {
      kind: "lxc",
      name,
      urn,
      node: props.nodeName,
      vmid: props.vmId,
      hostname: props.initialization?.hostname,
      cores: props.cpu?.cores ?? 1,
      memoryMiB: props.memory?.dedicated ?? 512,
      disks,
      addresses: addressesOf(props.initialization?.ipConfigs, (props.networkInterfaces ?? []).map((n: Props) => n.bridge)),
      unprivileged: props.unprivileged === true,
      tags: props.tags ?? [],
    };
  }
  if (type === VM_TYPE) {
    return {
      kind: "vm",
      name,
      urn,
      node: props.nodeName,
      vmid: props.vmId,
      hostname: props.name,
      cores: (props.cpu?.cores ?? 1) * (props.cpu?.sockets ?? 1),
      memoryMiB: props.memory?.dedicated ?? 512,
      disks: (props.disks ?? []).map((d: Props) => ({ datastore: d.datastoreId ?? "local-lvm", sizeGiB: sizeGiB(d.size ?? 8) })),
      addresses: addressesOf(props.initialization?.ipConfigs, (props.networkDevices ?? []).map((n: Props) => n.bridge)),
      tags: props.tags ?? [],
    };
  }
  return undefined;
}
